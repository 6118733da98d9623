//! `adsync token issue|revoke|list`: caller tokens (needs an admin token).

use adsync_proto::auth::{
    IssueApiTokenRequest, ListApiTokensRequest, RevokeApiTokenRequest, Scope,
};

use crate::endpoints::Endpoints;
use crate::failure::{Failure, Outcome};
use crate::output::{Table, json, print_json, time};

#[derive(Debug, clap::Subcommand)]
pub(crate) enum TokenCommand {
    /// Issue a token; its secret is printed once and never again.
    Issue {
        /// What the token is for, e.g. "dashboards".
        name: String,
        /// admin, service, sync:read, sync:write, reports:read (repeat the flag).
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        /// Days until it expires (0: never).
        #[arg(long, default_value_t = 90)]
        ttl_days: i64,
    },
    /// Revoke a token by its id (effective at once; services cache checks for seconds).
    Revoke { token_id: String },
    /// Every token (metadata only, never secrets).
    List {
        /// Include revoked tokens.
        #[arg(long)]
        all: bool,
    },
}

/// "reports:read" -> SCOPE_REPORTS_READ.
fn scope(name: &str) -> Outcome<Scope> {
    let wire = format!("SCOPE_{}", name.to_uppercase().replace([':', '-'], "_"));
    Scope::from_str_name(&wire)
        .filter(|s| *s != Scope::Unspecified)
        .ok_or_else(|| {
            Failure::Usage(format!(
                "unknown scope {name:?}: admin, service, sync:read, sync:write or reports:read"
            ))
        })
}

fn scope_name(raw: i32) -> String {
    Scope::try_from(raw)
        .map(|s| {
            s.as_str_name()
                .trim_start_matches("SCOPE_")
                .to_lowercase()
                .replacen('_', ":", 1)
        })
        .unwrap_or_default()
}

pub(crate) async fn token(endpoints: &Endpoints, command: TokenCommand, as_json: bool) -> Outcome {
    let token = endpoints.token()?;
    let mut auth = endpoints.auth().await?;
    match command {
        TokenCommand::Issue {
            name,
            scopes,
            ttl_days,
        } => {
            let scopes = scopes
                .iter()
                .map(|s| scope(s).map(|s| s as i32))
                .collect::<Outcome<Vec<_>>>()?;
            if ttl_days < 0 {
                return Err(Failure::Usage("--ttl-days must not be negative".to_owned()));
            }
            let issued = auth
                .issue_api_token(token.request(IssueApiTokenRequest {
                    name,
                    scopes,
                    ttl: (ttl_days > 0).then(|| prost_types::Duration {
                        seconds: ttl_days * 86_400,
                        nanos: 0,
                    }),
                }))
                .await?
                .into_inner();
            if as_json {
                print_json(&json(&issued, "adsync.auth.v1.IssueApiTokenResponse"));
            } else {
                let meta = issued.api_token.unwrap_or_default();
                println!("{}", issued.token);
                eprintln!(
                    "token id {} ({}), expires {}: the secret above is shown only now",
                    meta.token_id,
                    meta.name,
                    time(meta.expire_time.as_ref())
                );
            }
        }
        TokenCommand::Revoke { token_id } => {
            let revoked = auth
                .revoke_api_token(token.request(RevokeApiTokenRequest { token_id }))
                .await?
                .into_inner();
            if as_json {
                print_json(&json(&revoked, "adsync.auth.v1.RevokeApiTokenResponse"));
            } else {
                println!("revoked");
            }
        }
        TokenCommand::List { all } => {
            let listed = auth
                .list_api_tokens(token.request(ListApiTokensRequest {
                    page_size: 500,
                    include_revoked: all,
                    ..Default::default()
                }))
                .await?
                .into_inner();
            if as_json {
                print_json(&json(&listed, "adsync.auth.v1.ListApiTokensResponse"));
                return Ok(());
            }
            let mut table = Table::new(&[
                "token id", "name", "scopes", "prefix", "created", "expires", "revoked",
            ]);
            for t in &listed.api_tokens {
                table.row(vec![
                    t.token_id.clone(),
                    t.name.clone(),
                    t.scopes
                        .iter()
                        .map(|s| scope_name(*s))
                        .collect::<Vec<_>>()
                        .join(" "),
                    t.display_prefix.clone(),
                    time(t.create_time.as_ref()),
                    time(t.expire_time.as_ref()),
                    time(t.revoke_time.as_ref()),
                ]);
            }
            table.print();
        }
    }
    Ok(())
}

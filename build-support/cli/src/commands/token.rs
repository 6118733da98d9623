//! `adsync token issue|revoke|list`: caller tokens (needs an `admin` or a
//! `workspace:admin` token).

use adsync_proto::auth::{
    IssueApiTokenRequest, ListApiTokensRequest, ListApiTokensResponse, RevokeApiTokenRequest, Scope,
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
        /// sync:read, sync:write, reports:read, workspace:admin; on platform tokens also
        /// admin, service, upstream:tokens (repeat the flag).
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        /// The workspace the token belongs to (id or name). A workspace admin's tokens
        /// are always its workspace's; without it a platform admin issues a platform
        /// token, which sees every workspace.
        #[arg(long)]
        workspace: Option<String>,
        /// Days until it expires (0: never).
        #[arg(long, default_value_t = 90)]
        ttl_days: i64,
    },
    /// Revoke a token by its id (effective at once; services cache checks for seconds).
    Revoke { token_id: String },
    /// Every token the caller may manage (metadata only, never secrets).
    List {
        /// Include revoked tokens.
        #[arg(long)]
        all: bool,
        /// Only this workspace's tokens (id or name).
        #[arg(long)]
        workspace: Option<String>,
    },
}

/// "reports:read" -> SCOPE_REPORTS_READ.
fn scope(name: &str) -> Outcome<Scope> {
    let wire = format!("SCOPE_{}", name.to_uppercase().replace([':', '-'], "_"));
    Scope::from_str_name(&wire)
        .filter(|s| *s != Scope::Unspecified)
        .ok_or_else(|| {
            Failure::Usage(format!(
                "unknown scope {name:?}: sync:read, sync:write, reports:read, workspace:admin, admin, service or upstream:tokens"
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
            workspace,
            ttl_days,
        } => {
            let workspace_id = super::workspace::resolve(endpoints, workspace.as_deref()).await?;
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
                    workspace_id,
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
        TokenCommand::List { all, workspace } => {
            let workspace_id = super::workspace::resolve(endpoints, workspace.as_deref()).await?;
            let mut listed = ListApiTokensResponse::default();
            loop {
                let page = auth
                    .list_api_tokens(token.request(ListApiTokensRequest {
                        page_size: 100,
                        page_token: listed.next_page_token,
                        include_revoked: all,
                        workspace_id,
                    }))
                    .await?
                    .into_inner();
                listed.api_tokens.extend(page.api_tokens);
                listed.next_page_token = page.next_page_token;
                if listed.next_page_token.is_empty() {
                    break;
                }
            }
            if as_json {
                print_json(&json(&listed, "adsync.auth.v1.ListApiTokensResponse"));
                return Ok(());
            }
            let mut table = Table::new(&[
                "token id",
                "name",
                "workspace",
                "scopes",
                "prefix",
                "created",
                "expires",
                "revoked",
            ]);
            for t in &listed.api_tokens {
                table.row(vec![
                    t.token_id.clone(),
                    t.name.clone(),
                    workspace_cell(t.workspace_id),
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

/// A token's workspace as the table shows it: its id, or `platform`.
pub(crate) fn workspace_cell(workspace_id: i64) -> String {
    if workspace_id == 0 {
        "platform".to_owned()
    } else {
        workspace_id.to_string()
    }
}

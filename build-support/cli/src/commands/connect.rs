//! `adsync connect` and `adsync connections`: link a LinkedIn member or an Amazon Ads
//! advertiser to adsync through OAuth, or a Google service account by its key file, and
//! list the links.

use std::io::BufRead;

use adsync_proto::auth::{
    CompleteAuthorizationRequest, ConnectionHealth, CreateServiceAccountConnectionRequest,
    ListConnectionsRequest, ListConnectionsResponse, Provider, Region, StartAuthorizationRequest,
};

use crate::endpoints::Endpoints;
use crate::failure::{Failure, Outcome};
use crate::output::{Table, json, print_json, time};

/// An upstream adsync signs in to.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum ProviderArg {
    Linkedin,
    AmazonAds,
    /// A Google service account (supplier price sheets), by its key file.
    Google,
}

/// An Amazon Ads region.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum RegionArg {
    Na,
    Eu,
    Fe,
}

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// A name for the connection, e.g. the member's or team's.
    #[arg(long, default_value = "")]
    name: String,
    /// Whose sign-in: a LinkedIn member or an Amazon Ads advertiser.
    #[arg(long, value_enum, default_value = "linkedin")]
    provider: ProviderArg,
    /// Amazon Ads only: where the advertiser's accounts are (each region signs in on its
    /// own page).
    #[arg(long, value_enum, required_if_eq("provider", "amazon-ads"))]
    region: Option<RegionArg>,
    /// The URL the browser was redirected to after approving (it carries `code` and
    /// `state`). Without it: a local upstream (the sandbox) is approved automatically; for
    /// LinkedIn the URL to open is printed and the redirected URL is read from stdin.
    #[arg(long)]
    redirect_url: Option<String>,
    /// Google only: the service account's JSON key file, uploaded once and kept sealed.
    #[arg(long, required_if_eq("provider", "google"))]
    key_file: Option<std::path::PathBuf>,
    /// The workspace the connection (and everything synced through it) belongs to, by
    /// id or name. A workspace admin's connections are always its workspace's; a platform
    /// admin's go to the default workspace without it.
    #[arg(long)]
    workspace: Option<String>,
}

#[derive(Debug, clap::Args)]
pub(crate) struct ConnectionsArgs {
    /// Only this workspace's connections (id or name); a workspace token sees only its
    /// own anyway.
    #[arg(long)]
    workspace: Option<String>,
}

/// Uploads a Google service account's key file.
async fn connect_service_account(
    endpoints: &Endpoints,
    name: String,
    key_file: &std::path::Path,
    workspace_id: i64,
    as_json: bool,
) -> Outcome {
    let token = endpoints.token()?;
    let key_file_json = std::fs::read_to_string(key_file)
        .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", key_file.display())))?;
    let done = endpoints
        .auth()
        .await?
        .create_service_account_connection(token.request(CreateServiceAccountConnectionRequest {
            key_file_json,
            display_name: name,
            workspace_id,
            ..Default::default()
        }))
        .await?
        .into_inner();
    if as_json {
        print_json(&json(
            &done,
            "adsync.auth.v1.CreateServiceAccountConnectionResponse",
        ));
    } else if let Some(c) = done.connection {
        println!("connected: {} ({})", c.connection_id, c.display_name);
    }
    Ok(())
}

pub(crate) async fn connect(endpoints: &Endpoints, args: Args, as_json: bool) -> Outcome {
    let workspace_id = super::workspace::resolve(endpoints, args.workspace.as_deref()).await?;
    if let (ProviderArg::Google, Some(key_file)) = (args.provider, &args.key_file) {
        return connect_service_account(endpoints, args.name, key_file, workspace_id, as_json)
            .await;
    }
    let token = endpoints.token()?;
    let mut auth = endpoints.auth().await?;
    let started = auth
        .start_authorization(token.request(StartAuthorizationRequest {
            display_name: args.name,
            provider: match args.provider {
                ProviderArg::Linkedin => Provider::Linkedin,
                ProviderArg::AmazonAds => Provider::AmazonAds,
                ProviderArg::Google => Provider::Google,
            } as i32,
            region: match args.region {
                None => Region::Unspecified,
                Some(RegionArg::Na) => Region::Na,
                Some(RegionArg::Eu) => Region::Eu,
                Some(RegionArg::Fe) => Region::Fe,
            } as i32,
            workspace_id,
            ..Default::default()
        }))
        .await?
        .into_inner();
    let redirect = match args.redirect_url {
        Some(url) => url,
        None if is_local(&started.authorization_url) => {
            // The sandbox approves at once and redirects: the browser step, done here.
            follow_approval(&started.authorization_url).await?
        }
        None => {
            eprintln!(
                "Open this URL, approve access, then paste the URL your browser was sent to:\n\n  {}\n",
                started.authorization_url
            );
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| Failure::Usage(format!("reading the redirected URL: {e}")))?;
            line.trim().to_owned()
        }
    };
    let url = url::Url::parse(&redirect)
        .map_err(|e| Failure::Usage(format!("{redirect:?} is not a URL: {e}")))?;
    let param = |key: &str| {
        url.query_pairs()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
    };
    if let Some(error) = param("error") {
        return Err(Failure::Usage(format!(
            "the authorization was refused: {error} {}",
            param("error_description").unwrap_or_default()
        )));
    }
    let (Some(code), Some(state)) = (param("code"), param("state")) else {
        return Err(Failure::Usage(format!(
            "{redirect:?} carries no code and state"
        )));
    };
    let done = auth
        .complete_authorization(token.request(CompleteAuthorizationRequest { state, code }))
        .await?
        .into_inner();
    if as_json {
        print_json(&json(&done, "adsync.auth.v1.CompleteAuthorizationResponse"));
    } else if let Some(c) = done.connection {
        println!(
            "connected: {} ({}), access token valid until {}",
            c.connection_id,
            if c.display_name.is_empty() {
                "unnamed"
            } else {
                &c.display_name
            },
            time(c.access_token_expire_time.as_ref())
        );
    }
    Ok(())
}

fn is_local(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| {
        matches!(
            u.host_str(),
            Some("127.0.0.1" | "localhost" | "[::1]" | "::1")
        )
    })
}

/// Opens the authorization URL as a browser would and returns where it redirects.
async fn follow_approval(authorization_url: &str) -> Outcome<String> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| Failure::Unreachable(e.to_string()))?;
    let response = http
        .get(authorization_url)
        .send()
        .await
        .map_err(|e| Failure::Unreachable(format!("the authorization page: {e}")))?;
    response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .map(str::to_owned)
        .ok_or_else(|| {
            Failure::Unreachable(format!(
                "the authorization page answered {} without a redirect",
                response.status()
            ))
        })
}

pub(crate) async fn connections(
    endpoints: &Endpoints,
    args: ConnectionsArgs,
    as_json: bool,
) -> Outcome {
    let token = endpoints.token()?;
    let workspace_id = super::workspace::resolve(endpoints, args.workspace.as_deref()).await?;
    let mut auth = endpoints.auth().await?;
    let mut listed = ListConnectionsResponse::default();
    loop {
        let page = auth
            .list_connections(token.request(ListConnectionsRequest {
                page_size: 100,
                page_token: listed.next_page_token,
                workspace_id,
                ..Default::default()
            }))
            .await?
            .into_inner();
        listed.connections.extend(page.connections);
        listed.next_page_token = page.next_page_token;
        if listed.next_page_token.is_empty() {
            break;
        }
    }
    if as_json {
        print_json(&json(&listed, "adsync.auth.v1.ListConnectionsResponse"));
        return Ok(());
    }
    let mut table = Table::new(&[
        "connection",
        "name",
        "workspace",
        "provider",
        "health",
        "access token until",
        "refresh token until",
        "last error",
    ]);
    for c in &listed.connections {
        table.row(vec![
            c.connection_id.clone(),
            c.display_name.clone(),
            c.workspace_id.to_string(),
            provider_name(c.provider, c.region),
            ConnectionHealth::try_from(c.health)
                .map(|h| {
                    h.as_str_name()
                        .trim_start_matches("CONNECTION_HEALTH_")
                        .to_lowercase()
                })
                .unwrap_or_default(),
            time(c.access_token_expire_time.as_ref()),
            time(c.refresh_token_expire_time.as_ref()),
            c.last_error.clone(),
        ]);
    }
    table.print();
    Ok(())
}

/// `linkedin`, or `amazon_ads/eu`.
fn provider_name(provider: i32, region: i32) -> String {
    let provider = Provider::try_from(provider)
        .map(|p| {
            p.as_str_name()
                .trim_start_matches("PROVIDER_")
                .to_lowercase()
        })
        .unwrap_or_default();
    match Region::try_from(region) {
        Ok(Region::Unspecified) | Err(_) => provider,
        Ok(r) => format!(
            "{provider}/{}",
            r.as_str_name().trim_start_matches("REGION_").to_lowercase()
        ),
    }
}

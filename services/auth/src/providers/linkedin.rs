//! LinkedIn's OAuth app: flags and settings.

use std::time::Duration;

use secrecy::SecretString;

use super::{App, ProviderKind};

/// The LinkedIn app adsync signs members in with.
#[derive(Debug, Clone, clap::Args)]
pub struct LinkedInApp {
    /// The LinkedIn app's client id.
    #[arg(long, env = "ADSYNC_LINKEDIN_CLIENT_ID", default_value = "")]
    pub linkedin_client_id: String,

    /// The LinkedIn app's client secret.
    #[arg(
        long,
        env = "ADSYNC_LINKEDIN_CLIENT_SECRET",
        hide_env_values = true,
        default_value = ""
    )]
    pub linkedin_client_secret: SecretString,

    /// Where LinkedIn sends the member back with `code` and `state` (registered with the app).
    #[arg(
        long,
        env = "ADSYNC_LINKEDIN_REDIRECT_URI",
        default_value = "http://localhost:8080/oauth/callback"
    )]
    pub linkedin_redirect_uri: String,

    /// LinkedIn's authorization endpoint.
    #[arg(
        long,
        env = "ADSYNC_LINKEDIN_AUTHORIZATION_URL",
        default_value = "https://www.linkedin.com/oauth/v2/authorization"
    )]
    pub linkedin_authorization_url: String,

    /// LinkedIn's token endpoint.
    #[arg(
        long,
        env = "ADSYNC_LINKEDIN_TOKEN_URL",
        default_value = "https://www.linkedin.com/oauth/v2/accessToken"
    )]
    pub linkedin_token_url: String,

    /// LinkedIn scopes asked for by default, space-separated.
    #[arg(
        long,
        env = "ADSYNC_LINKEDIN_SCOPES",
        default_value = "r_ads r_ads_reporting"
    )]
    pub linkedin_scopes: String,

    /// Refresh a LinkedIn access token (it lives 60 days) when it expires within this
    /// many seconds.
    #[arg(
        long = "linkedin-refresh-ahead-secs",
        env = "ADSYNC_LINKEDIN_REFRESH_AHEAD_SECS",
        default_value_t = 86_400
    )]
    pub linkedin_refresh_ahead_secs: u64,
}

impl LinkedInApp {
    pub(super) fn app(&self, timeout: Duration) -> App {
        super::app(
            ProviderKind::Linkedin,
            (&self.linkedin_client_id, &self.linkedin_client_secret),
            &self.linkedin_redirect_uri,
            vec![(None, self.linkedin_authorization_url.clone())],
            (&self.linkedin_token_url, &self.linkedin_scopes),
            self.linkedin_refresh_ahead_secs,
            timeout,
        )
    }
}

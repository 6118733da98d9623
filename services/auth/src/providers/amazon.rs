//! Login with Amazon, for the Amazon Ads API: flags and settings. The authorization page
//! differs per region (NA `www.amazon.com`, EU `eu.account.amazon.com`, FE
//! `apac.account.amazon.com`); a token from the token endpoint works in every region.

use std::time::Duration;

use secrecy::SecretString;

use super::{App, ProviderKind, Region};

/// The Login with Amazon app (a security profile with Amazon Ads API access).
#[derive(Debug, Clone, clap::Args)]
pub struct AmazonApp {
    /// The Login with Amazon client id (`amzn1.application-oa2-client.…`).
    #[arg(long, env = "ADSYNC_AMAZON_CLIENT_ID", default_value = "")]
    pub amazon_client_id: String,

    /// The Login with Amazon client secret.
    #[arg(
        long,
        env = "ADSYNC_AMAZON_CLIENT_SECRET",
        hide_env_values = true,
        default_value = ""
    )]
    pub amazon_client_secret: SecretString,

    /// Where Amazon sends the user back with `code` and `state` (an allowed return URL of
    /// the security profile).
    #[arg(
        long,
        env = "ADSYNC_AMAZON_REDIRECT_URI",
        default_value = "http://localhost:8080/amazon/callback"
    )]
    pub amazon_redirect_uri: String,

    /// The North America authorization page.
    #[arg(
        long,
        env = "ADSYNC_AMAZON_AUTHORIZATION_URL_NA",
        default_value = "https://www.amazon.com/ap/oa"
    )]
    pub amazon_authorization_url_na: String,

    /// The Europe authorization page.
    #[arg(
        long,
        env = "ADSYNC_AMAZON_AUTHORIZATION_URL_EU",
        default_value = "https://eu.account.amazon.com/ap/oa"
    )]
    pub amazon_authorization_url_eu: String,

    /// The Far East authorization page.
    #[arg(
        long,
        env = "ADSYNC_AMAZON_AUTHORIZATION_URL_FE",
        default_value = "https://apac.account.amazon.com/ap/oa"
    )]
    pub amazon_authorization_url_fe: String,

    /// The token endpoint (any region's serves every region).
    #[arg(
        long,
        env = "ADSYNC_AMAZON_TOKEN_URL",
        default_value = "https://api.amazon.com/auth/o2/token"
    )]
    pub amazon_token_url: String,

    /// Scopes asked for by default, space-separated.
    #[arg(
        long,
        env = "ADSYNC_AMAZON_SCOPES",
        default_value = "advertising::campaign_management"
    )]
    pub amazon_scopes: String,

    /// Refresh an Amazon access token (it lives one hour) when it expires within this
    /// many seconds.
    #[arg(long, env = "ADSYNC_AMAZON_REFRESH_AHEAD_SECS", default_value_t = 600)]
    pub amazon_refresh_ahead_secs: u64,
}

impl AmazonApp {
    pub(super) fn app(&self, timeout: Duration) -> App {
        super::app(
            ProviderKind::AmazonAds,
            (&self.amazon_client_id, &self.amazon_client_secret),
            &self.amazon_redirect_uri,
            vec![
                (Some(Region::Na), self.amazon_authorization_url_na.clone()),
                (Some(Region::Eu), self.amazon_authorization_url_eu.clone()),
                (Some(Region::Fe), self.amazon_authorization_url_fe.clone()),
            ],
            (&self.amazon_token_url, &self.amazon_scopes),
            self.amazon_refresh_ahead_secs,
            timeout,
        )
    }
}

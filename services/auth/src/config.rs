//! The auth service's settings, from flags or the environment.

use adsync_db::DbArgs;
use adsync_server::Clock;
use secrecy::SecretString;

/// Everything the auth service needs to run.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    #[command(flatten)]
    pub db: DbArgs,

    /// Keys that seal upstream tokens at rest (AES-256-GCM), as `id:base64key` pairs
    /// separated by commas. The first seals new tokens; the others still open tokens
    /// sealed before a rotation. Generate one with `openssl rand -base64 32`.
    #[arg(long, env = "ADSYNC_TOKEN_ENCRYPTION_KEYS", hide_env_values = true)]
    pub token_encryption_keys: SecretString,

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

    /// Upstream scopes asked for by default, space-separated.
    #[arg(
        long,
        env = "ADSYNC_LINKEDIN_SCOPES",
        default_value = "r_ads r_ads_reporting"
    )]
    pub linkedin_scopes: String,

    /// How long an OAuth `state` stays usable, in seconds.
    #[arg(long, env = "ADSYNC_OAUTH_STATE_TTL_SECS", default_value_t = 600)]
    pub oauth_state_ttl_secs: u64,

    /// Refresh an access token when it expires within this many seconds.
    #[arg(long, env = "ADSYNC_REFRESH_AHEAD_SECS", default_value_t = 86_400)]
    pub refresh_ahead_secs: u64,

    /// Report a connection as EXPIRING_SOON when its refresh token expires within this many days.
    #[arg(long, env = "ADSYNC_EXPIRING_SOON_DAYS", default_value_t = 30)]
    pub expiring_soon_days: u64,

    /// Timeout of one call to the upstream token endpoint, in milliseconds.
    #[arg(long, env = "ADSYNC_UPSTREAM_TIMEOUT_MS", default_value_t = 10_000)]
    pub upstream_timeout_ms: u64,

    /// The time source; tests move it forward.
    #[arg(skip)]
    pub clock: Clock,
}

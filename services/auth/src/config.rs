//! The auth service's settings, from flags or the environment.

use adsync_db::DbArgs;
use adsync_server::Clock;
use secrecy::SecretString;

use crate::providers::{AmazonApp, GoogleApp, LinkedInApp};

/// Everything the auth service needs to run.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    #[command(flatten)]
    pub db: DbArgs,

    /// TLS for this service's server and its calls to the other services.
    #[command(flatten)]
    pub tls: adsync_server::TlsArgs,

    /// Keys that seal upstream tokens at rest (AES-256-GCM), as `id:base64key` pairs
    /// separated by commas. The first seals new tokens; the others still open tokens
    /// sealed before a rotation. Generate one with `openssl rand -base64 32`.
    #[arg(long, env = "ADSYNC_TOKEN_ENCRYPTION_KEYS", hide_env_values = true)]
    pub token_encryption_keys: SecretString,

    #[command(flatten)]
    pub linkedin: LinkedInApp,

    #[command(flatten)]
    pub amazon: AmazonApp,

    #[command(flatten)]
    pub google: GoogleApp,

    /// How long an OAuth `state` stays usable, in seconds.
    #[arg(long, env = "ADSYNC_OAUTH_STATE_TTL_SECS", default_value_t = 600)]
    pub oauth_state_ttl_secs: u64,

    /// Report a connection as EXPIRING_SOON when its refresh token expires within this many days.
    #[arg(long, env = "ADSYNC_EXPIRING_SOON_DAYS", default_value_t = 30)]
    pub expiring_soon_days: u64,

    /// Timeout of one call to the upstream token endpoint, in milliseconds.
    #[arg(long, env = "ADSYNC_UPSTREAM_TIMEOUT_MS", default_value_t = 10_000)]
    pub upstream_timeout_ms: u64,

    /// How many calls this server handles at once, and how long one may take.
    #[command(flatten)]
    pub limits: adsync_server::CallLimits,

    /// The time source; tests move it forward.
    #[arg(skip)]
    pub clock: Clock,
}

impl Config {
    /// The configuration `adsync-auth` would build from these flags (and the
    /// environment), defaults included.
    pub fn from_flags<I, S>(flags: I) -> Result<Config, clap::Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<std::ffi::OsString> + Clone,
    {
        adsync_server::parse_flags("adsync-auth", flags)
    }
}

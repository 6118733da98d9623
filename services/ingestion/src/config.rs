//! The ingestion service's settings, from flags or the environment.

use adsync_db::DbArgs;
use adsync_server::{Clock, RemoteAuthArgs};

/// Everything the ingestion service needs to run.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    #[command(flatten)]
    pub db: DbArgs,

    #[command(flatten)]
    pub auth: RemoteAuthArgs,

    /// The LinkedIn Marketing API base URL.
    #[arg(
        long,
        env = "ADSYNC_LINKEDIN_API_URL",
        default_value = "https://api.linkedin.com/rest"
    )]
    pub linkedin_api_url: String,

    /// The `LinkedIn-Version` header sent, YYYYMM (LinkedIn keeps a version about a year).
    #[arg(long, env = "ADSYNC_LINKEDIN_VERSION", default_value = "202611")]
    pub linkedin_version: String,

    /// Upstream requests in flight at once, across all syncs of this process.
    #[arg(long, env = "ADSYNC_UPSTREAM_CONCURRENCY", default_value_t = 4)]
    pub upstream_concurrency: usize,

    /// Timeout of one upstream request, in milliseconds.
    #[arg(long, env = "ADSYNC_UPSTREAM_TIMEOUT_MS", default_value_t = 30_000)]
    pub upstream_timeout_ms: u64,

    /// Tries per upstream request, the first included.
    #[arg(long, env = "ADSYNC_UPSTREAM_MAX_ATTEMPTS", default_value_t = 6)]
    pub upstream_max_attempts: u32,

    /// A SCHEDULED sync is skipped when the account's last successful sync is younger (minutes).
    #[arg(long, env = "ADSYNC_FRESHNESS_TTL_MINUTES", default_value_t = 240)]
    pub freshness_ttl_minutes: u64,

    /// Days of metrics a first sync fetches.
    #[arg(long, env = "ADSYNC_BACKFILL_DAYS", default_value_t = 90)]
    pub backfill_days: u32,

    /// Days before the last synced day that later syncs fetch again (LinkedIn restates them).
    #[arg(long, env = "ADSYNC_RESTATEMENT_DAYS", default_value_t = 30)]
    pub restatement_days: u32,

    /// The longest explicit date range a request may ask for, in days.
    #[arg(long, env = "ADSYNC_MAX_RANGE_DAYS", default_value_t = 730)]
    pub max_range_days: u32,

    /// How often this replica reaps orphaned runs and triggers SCHEDULED syncs of due
    /// accounts, in seconds (0: never; another replica or an external scheduler does).
    #[arg(long, env = "ADSYNC_SCHEDULE_INTERVAL_SECS", default_value_t = 900)]
    pub schedule_interval_secs: u64,

    /// The time source; tests move it forward.
    #[arg(skip)]
    pub clock: Clock,
}

impl Config {
    /// The configuration `adsync-ingestion` would build from these flags (and the
    /// environment), defaults included: how tests and embedders get one without
    /// repeating the defaults.
    pub fn from_flags<I, S>(flags: I) -> Result<Config, clap::Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<std::ffi::OsString> + Clone,
    {
        adsync_server::parse_flags("adsync-ingestion", flags)
    }
}

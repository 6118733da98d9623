//! The reporting service's settings, from flags or the environment.

use adsync_db::DbArgs;
use adsync_server::{Clock, RemoteAuthArgs};

/// Everything the reporting service needs to run.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    #[command(flatten)]
    pub db: DbArgs,

    #[command(flatten)]
    pub auth: RemoteAuthArgs,

    /// The longest date range a report may cover, in days (three years by default, so a
    /// year can be compared with the two before it).
    #[arg(long, env = "ADSYNC_REPORT_MAX_RANGE_DAYS", default_value_t = 1096)]
    pub report_max_range_days: u32,

    /// The freshness TTL GetSyncStatus measures data age against (minutes); the same
    /// variable sets ingestion's gate, so the two agree.
    #[arg(long, env = "ADSYNC_FRESHNESS_TTL_MINUTES", default_value_t = 240)]
    pub freshness_ttl_minutes: u64,

    /// The time source; tests move it forward.
    #[arg(skip)]
    pub clock: Clock,
}

impl Config {
    /// The configuration `adsync-reporting` would build from these flags (and the
    /// environment), defaults included.
    pub fn from_flags<I, S>(flags: I) -> Result<Config, clap::Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<std::ffi::OsString> + Clone,
    {
        adsync_server::parse_flags("adsync-reporting", flags)
    }
}

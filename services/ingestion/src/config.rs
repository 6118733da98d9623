//! The ingestion service's settings, from flags or the environment.

use adsync_db::DbArgs;
use adsync_server::{Clock, RemoteAuthArgs};

use crate::sources::amazon_ads::AmazonAdsArgs;
use crate::sources::linkedin::LinkedInArgs;
use crate::sources::supplier_feed::SupplierFeedArgs;
use crate::upstream::UpstreamArgs;

/// Everything the ingestion service needs to run.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    #[command(flatten)]
    pub db: DbArgs,

    /// TLS for this service's server and its calls to the other services.
    #[command(flatten)]
    pub tls: adsync_server::TlsArgs,

    #[command(flatten)]
    pub auth: RemoteAuthArgs,

    #[command(flatten)]
    pub upstream: UpstreamArgs,

    #[command(flatten)]
    pub linkedin: LinkedInArgs,

    #[command(flatten)]
    pub amazon_ads: AmazonAdsArgs,

    #[command(flatten)]
    pub supplier_feed: SupplierFeedArgs,

    /// A SCHEDULED sync is skipped when the account's last successful sync is younger (minutes).
    #[arg(long, env = "ADSYNC_FRESHNESS_TTL_MINUTES", default_value_t = 240)]
    pub freshness_ttl_minutes: u64,

    /// The longest date range a sync may fetch, in days (explicit ranges are refused
    /// beyond it; incremental windows are cut to it).
    #[arg(long, env = "ADSYNC_MAX_RANGE_DAYS", default_value_t = 730)]
    pub max_range_days: u32,

    /// Syncs this replica runs at once; more wait their turn (their events say they are
    /// queued). Each running sync uses at most one pooled connection, and only while it
    /// writes.
    #[arg(long, env = "ADSYNC_MAX_CONCURRENT_SYNCS", default_value_t = 8)]
    pub max_concurrent_syncs: usize,

    /// How often this replica triggers SCHEDULED syncs of due accounts, in seconds (0:
    /// never; another replica or an external scheduler does). Failing runs whose process
    /// died and dropping their staging happen every 30 s regardless.
    #[arg(long, env = "ADSYNC_SCHEDULE_INTERVAL_SECS", default_value_t = 900)]
    pub schedule_interval_secs: u64,

    /// How many calls this server handles at once, and how long one may take.
    #[command(flatten)]
    pub limits: adsync_server::CallLimits,

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

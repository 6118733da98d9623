//! The Amazon Ads source's settings, from flags or the environment.

/// How to reach the Amazon Ads API and which days a sync fetches.
#[derive(Debug, Clone, clap::Args)]
pub struct AmazonAdsArgs {
    /// The North America API base.
    #[arg(
        long,
        env = "ADSYNC_AMAZON_API_URL_NA",
        default_value = "https://advertising-api.amazon.com"
    )]
    pub amazon_api_url_na: String,

    /// The Europe API base.
    #[arg(
        long,
        env = "ADSYNC_AMAZON_API_URL_EU",
        default_value = "https://advertising-api-eu.amazon.com"
    )]
    pub amazon_api_url_eu: String,

    /// The Far East API base.
    #[arg(
        long,
        env = "ADSYNC_AMAZON_API_URL_FE",
        default_value = "https://advertising-api-fe.amazon.com"
    )]
    pub amazon_api_url_fe: String,

    /// The regions whose profiles are discovered and synced, comma-separated (na, eu, fe).
    #[arg(
        long,
        env = "ADSYNC_AMAZON_REGIONS",
        value_delimiter = ',',
        default_value = "na,eu,fe"
    )]
    pub amazon_regions: Vec<String>,

    /// The Login with Amazon client id, sent as `Amazon-Advertising-API-ClientId` (the
    /// app whose tokens auth holds).
    #[arg(long, env = "ADSYNC_AMAZON_CLIENT_ID", default_value = "")]
    pub amazon_client_id: String,

    /// Days of metrics a first sync fetches, at most Amazon's retention of 95 days.
    #[arg(long, env = "ADSYNC_AMAZON_BACKFILL_DAYS", default_value_t = 95)]
    pub amazon_backfill_days: u32,

    /// Days later syncs fetch again, ending yesterday: 14 days of attribution plus 28
    /// days in which Amazon restates conversions. Never beyond retention.
    #[arg(long, env = "ADSYNC_AMAZON_RESTATEMENT_DAYS", default_value_t = 42)]
    pub amazon_restatement_days: u32,

    /// The first wait before asking whether a report is ready, in milliseconds; each
    /// wait doubles, up to `--amazon-report-poll-max-ms`.
    #[arg(long, env = "ADSYNC_AMAZON_REPORT_POLL_MS", default_value_t = 5_000)]
    pub amazon_report_poll_ms: u64,

    /// The longest wait between two status checks of a report, in milliseconds.
    #[arg(
        long,
        env = "ADSYNC_AMAZON_REPORT_POLL_MAX_MS",
        default_value_t = 300_000
    )]
    pub amazon_report_poll_max_ms: u64,

    /// How long a report may take from its request until it is ready, in seconds
    /// (Amazon: up to three hours). A run that gives up fails; the report stays recorded,
    /// and the next run waits on it again instead of asking anew.
    #[arg(
        long,
        env = "ADSYNC_AMAZON_REPORT_MAX_WAIT_SECS",
        default_value_t = 10_800
    )]
    pub amazon_report_max_wait_secs: u64,

    /// Reports of one run generating upstream at once.
    #[arg(long, env = "ADSYNC_AMAZON_REPORTS_IN_FLIGHT", default_value_t = 8)]
    pub amazon_reports_in_flight: usize,
}

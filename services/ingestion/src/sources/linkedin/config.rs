//! The LinkedIn source's settings, from flags or the environment.

/// How to reach LinkedIn's Marketing API and which days a sync fetches.
#[derive(Debug, Clone, clap::Args)]
pub struct LinkedInArgs {
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

    /// Days of LinkedIn metrics a first sync fetches.
    #[arg(long, env = "ADSYNC_BACKFILL_DAYS", default_value_t = 90)]
    pub backfill_days: u32,

    /// Days before the last synced day that later syncs fetch again (LinkedIn restates
    /// them).
    #[arg(long, env = "ADSYNC_RESTATEMENT_DAYS", default_value_t = 30)]
    pub restatement_days: u32,
}

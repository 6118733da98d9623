//! The `amazon-ads-sandbox` binary: the sandbox on a fixed address, for the demo and
//! benchmarks. Tests start it in-process instead (`Sandbox::start`).

use std::net::SocketAddr;

use adsync_amazon_ads_sandbox::{Faults, RateLimit, Region, Sandbox, SandboxConfig, Size};
use clap::Parser;

/// A fake Amazon Ads API: Login with Amazon, profiles on three regional bases, Sponsored
/// Products v3 lists and v3 asynchronous reports downloaded from presigned URLs, with
/// deterministic data, Amazon's limits and injectable faults. Admin endpoints live under
/// /_sandbox (calls, clock, restate, faults, truth).
#[derive(Debug, Parser)]
#[command(name = "amazon-ads-sandbox", version, about)]
struct Cli {
    /// Address to listen on.
    #[arg(long, env = "AMAZON_SANDBOX_LISTEN", default_value = "127.0.0.1:8766")]
    listen: SocketAddr,
    /// Seed of the generated data: the same seed and size give the same data.
    #[arg(long, env = "AMAZON_SANDBOX_SEED", default_value_t = 42)]
    seed: u64,
    /// Advertising profiles (they cycle through US, DE, JP, CA, UK, AU, FR, MX; every
    /// fourth is a vendor).
    #[arg(long, env = "AMAZON_SANDBOX_PROFILES", default_value_t = 4)]
    profiles: u32,
    /// Campaigns per profile.
    #[arg(long, env = "AMAZON_SANDBOX_CAMPAIGNS", default_value_t = 5)]
    campaigns: u32,
    /// Ad groups per campaign.
    #[arg(long, env = "AMAZON_SANDBOX_AD_GROUPS", default_value_t = 2)]
    ad_groups: u32,
    /// Keywords per ad group.
    #[arg(long, env = "AMAZON_SANDBOX_KEYWORDS", default_value_t = 5)]
    keywords: u32,
    /// Product targets per ad group.
    #[arg(long, env = "AMAZON_SANDBOX_TARGETS", default_value_t = 2)]
    targets: u32,
    /// Product ads per ad group.
    #[arg(long, env = "AMAZON_SANDBOX_PRODUCT_ADS", default_value_t = 2)]
    product_ads: u32,
    /// Days of history up to today.
    #[arg(long, env = "AMAZON_SANDBOX_DAYS", default_value_t = 120)]
    days: u32,
    /// OAuth client id the sandbox accepts (also the Amazon-Advertising-API-ClientId).
    #[arg(
        long,
        env = "AMAZON_SANDBOX_CLIENT_ID",
        default_value = "amzn1.application-oa2-client.sandbox"
    )]
    client_id: String,
    /// OAuth client secret the sandbox accepts.
    #[arg(
        long,
        env = "AMAZON_SANDBOX_CLIENT_SECRET",
        default_value = "sandbox-secret",
        hide_env_values = true
    )]
    client_secret: String,
    /// Seconds an access token lives.
    #[arg(long, default_value_t = 3_600)]
    access_token_ttl_secs: i64,
    /// Milliseconds a report stays PENDING.
    #[arg(long, default_value_t = 2_000)]
    report_pending_ms: u64,
    /// Milliseconds a report then stays PROCESSING.
    #[arg(long, default_value_t = 3_000)]
    report_processing_ms: u64,
    /// Seconds a download URL works (sandbox time).
    #[arg(long, default_value_t = 3_600)]
    url_ttl_secs: i64,
    /// Answer 429 after this many API calls per window (0: no rate limit).
    #[arg(long, default_value_t = 0)]
    rate_limit_calls: u32,
    /// Answer 429 after this many report requests per window (0: no limit).
    #[arg(long, default_value_t = 0)]
    report_rate_limit_calls: u32,
    /// The rate-limit windows, in milliseconds.
    #[arg(long, default_value_t = 1_000)]
    rate_limit_window_ms: u64,
    /// Send 429s without Retry-After (as Amazon's report queue often does).
    #[arg(long)]
    no_retry_after: bool,
    /// Share of API calls answered 500 or 503 (0.0-1.0).
    #[arg(long, default_value_t = 0.0)]
    error_ratio: f64,
    /// Share of API calls delayed by --slow-delay-ms (0.0-1.0).
    #[arg(long, default_value_t = 0.0)]
    slow_ratio: f64,
    /// Delay of slow calls, in milliseconds.
    #[arg(long, default_value_t = 0)]
    slow_delay_ms: u64,
    /// Share of records (list entries, report rows) served malformed (0.0-1.0).
    #[arg(long, default_value_t = 0.0)]
    malformed_ratio: f64,
    /// Share of reports that end FAILED (0.0-1.0).
    #[arg(long, default_value_t = 0.0)]
    failed_report_ratio: f64,
    /// Share of reports that take --slow-report-ms longer (0.0-1.0).
    #[arg(long, default_value_t = 0.0)]
    slow_report_ratio: f64,
    /// Extra time of slow reports, in milliseconds.
    #[arg(long, default_value_t = 0)]
    slow_report_ms: u64,
    /// Share of downloads refused as expired (0.0-1.0).
    #[arg(long, default_value_t = 0.0)]
    expired_url_ratio: f64,
    /// The base URL clients reach this sandbox at, for the report download URLs it hands
    /// out (default: the address it listens on), e.g. http://amazon-ads-sandbox:8766.
    #[arg(long, env = "AMAZON_SANDBOX_PUBLIC_URL")]
    public_url: Option<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .init();
    let limit = |calls: u32| {
        (calls > 0).then_some(RateLimit {
            max_calls: calls,
            window_ms: cli.rate_limit_window_ms,
            retry_after: !cli.no_retry_after,
        })
    };
    let config = SandboxConfig {
        seed: cli.seed,
        size: Size {
            profiles: cli.profiles,
            campaigns_per_profile: cli.campaigns,
            ad_groups_per_campaign: cli.ad_groups,
            keywords_per_ad_group: cli.keywords,
            targets_per_ad_group: cli.targets,
            product_ads_per_ad_group: cli.product_ads,
            days: cli.days,
        },
        start_time: None,
        client_id: cli.client_id.clone(),
        client_secret: cli.client_secret.clone(),
        access_token_ttl: chrono::TimeDelta::seconds(cli.access_token_ttl_secs),
        report_pending_ms: cli.report_pending_ms,
        report_processing_ms: cli.report_processing_ms,
        url_ttl: chrono::TimeDelta::seconds(cli.url_ttl_secs),
        public_url: cli.public_url.clone(),
        faults: Faults {
            rate_limit: limit(cli.rate_limit_calls),
            report_rate_limit: limit(cli.report_rate_limit_calls),
            error_ratio: cli.error_ratio,
            slow_ratio: cli.slow_ratio,
            slow_delay_ms: cli.slow_delay_ms,
            malformed_ratio: cli.malformed_ratio,
            failed_report_ratio: cli.failed_report_ratio,
            slow_report_ratio: cli.slow_report_ratio,
            slow_report_ms: cli.slow_report_ms,
            expired_url_ratio: cli.expired_url_ratio,
        },
    };
    config.size.check().map_err(anyhow::Error::msg)?;
    let listener = tokio::net::TcpListener::bind(cli.listen).await?;
    let sandbox = Sandbox::serve(config, listener);
    eprintln!(
        "amazon-ads-sandbox: serving {} (API {}, {}, {}; token {})",
        sandbox.base_url(),
        sandbox.api_url(Region::Na),
        sandbox.api_url(Region::Eu),
        sandbox.api_url(Region::Fe),
        sandbox.token_url()
    );
    tokio::signal::ctrl_c().await?;
    Ok(())
}

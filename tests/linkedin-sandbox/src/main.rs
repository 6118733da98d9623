//! The `linkedin-sandbox` binary: the sandbox on a fixed address, for the demo, compose
//! and benchmarks. Tests start it in-process instead (`Sandbox::start`).

use std::net::SocketAddr;

use adsync_linkedin_sandbox::{Faults, RateLimit, RetryAfterStyle, Sandbox, SandboxConfig, Size};
use clap::Parser;

/// A fake LinkedIn Marketing API: OAuth, ad accounts, campaigns, creatives and
/// adAnalytics with deterministic data, LinkedIn's limits and injectable faults.
/// Admin endpoints live under /_sandbox (calls, clock, restate, faults).
#[derive(Debug, Parser)]
#[command(name = "linkedin-sandbox", version, about)]
struct Cli {
    /// Address to listen on.
    #[arg(long, env = "SANDBOX_LISTEN", default_value = "127.0.0.1:8765")]
    listen: SocketAddr,
    /// Seed of the generated data: the same seed and size give the same data.
    #[arg(long, env = "SANDBOX_SEED", default_value_t = 42)]
    seed: u64,
    /// Ad accounts.
    #[arg(long, env = "SANDBOX_ACCOUNTS", default_value_t = 2)]
    accounts: u32,
    /// Campaign groups per account.
    #[arg(long, env = "SANDBOX_CAMPAIGN_GROUPS", default_value_t = 2)]
    campaign_groups: u32,
    /// Campaigns per account.
    #[arg(long, env = "SANDBOX_CAMPAIGNS", default_value_t = 5)]
    campaigns: u32,
    /// Creatives per campaign.
    #[arg(long, env = "SANDBOX_CREATIVES", default_value_t = 3)]
    creatives: u32,
    /// Days of history up to today.
    #[arg(long, env = "SANDBOX_DAYS", default_value_t = 120)]
    days: u32,
    /// OAuth client id the sandbox accepts.
    #[arg(long, env = "SANDBOX_CLIENT_ID", default_value = "sandbox-client")]
    client_id: String,
    /// OAuth client secret the sandbox accepts.
    #[arg(
        long,
        env = "SANDBOX_CLIENT_SECRET",
        default_value = "sandbox-secret",
        hide_env_values = true
    )]
    client_secret: String,
    /// Answer 429 after this many /rest calls per window (0: no rate limit).
    #[arg(long, default_value_t = 0)]
    rate_limit_calls: u32,
    /// The rate-limit window, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    rate_limit_window_ms: u64,
    /// Write Retry-After as an HTTP date instead of seconds.
    #[arg(long)]
    retry_after_http_date: bool,
    /// Share of /rest calls answered 500 or 503 (0.0-1.0).
    #[arg(long, default_value_t = 0.0)]
    error_ratio: f64,
    /// Share of /rest calls delayed by --slow-delay-ms (0.0-1.0).
    #[arg(long, default_value_t = 0.0)]
    slow_ratio: f64,
    /// Delay of slow calls, in milliseconds.
    #[arg(long, default_value_t = 0)]
    slow_delay_ms: u64,
    /// Share of /rest calls whose connection is cut mid-response (0.0-1.0).
    #[arg(long, default_value_t = 0.0)]
    drop_ratio: f64,
    /// Share of records served malformed (0.0-1.0).
    #[arg(long, default_value_t = 0.0)]
    malformed_ratio: f64,
    /// Share of entity records served hostile but well-formed: NUL and non-UTF-8 bytes in
    /// names, non-ASCII content references, ids beyond 64 bits (0.0-1.0).
    #[arg(long, default_value_t = 0.0)]
    hostile_ratio: f64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .init();
    let config = SandboxConfig {
        seed: cli.seed,
        size: Size {
            accounts: cli.accounts,
            campaign_groups_per_account: cli.campaign_groups,
            campaigns_per_account: cli.campaigns,
            creatives_per_campaign: cli.creatives,
            days: cli.days,
        },
        client_id: cli.client_id,
        client_secret: cli.client_secret,
        faults: Faults {
            rate_limit: (cli.rate_limit_calls > 0).then_some(RateLimit {
                max_calls: cli.rate_limit_calls,
                window_ms: cli.rate_limit_window_ms,
                retry_after: if cli.retry_after_http_date {
                    RetryAfterStyle::HttpDate
                } else {
                    RetryAfterStyle::Seconds
                },
            }),
            error_ratio: cli.error_ratio,
            slow_ratio: cli.slow_ratio,
            slow_delay_ms: cli.slow_delay_ms,
            drop_ratio: cli.drop_ratio,
            malformed_ratio: cli.malformed_ratio,
            hostile_ratio: cli.hostile_ratio,
        },
        ..SandboxConfig::default()
    };
    let listener = tokio::net::TcpListener::bind(cli.listen).await?;
    config.size.check().map_err(anyhow::Error::msg)?;
    let sandbox = Sandbox::serve(config, listener);
    tracing::info!(url = %sandbox.base_url(), "LinkedIn sandbox listening");
    eprintln!(
        "linkedin-sandbox: serving {} (REST {}, OAuth {})",
        sandbox.base_url(),
        sandbox.rest_url(),
        sandbox.oauth_url()
    );
    tokio::signal::ctrl_c().await?;
    Ok(())
}

//! The `sheets-sandbox` binary: the sandbox on a fixed address, for the demo and manual
//! tries. Tests start it in-process instead (`Sandbox::start`).

use std::net::SocketAddr;
use std::path::PathBuf;

use adsync_sheets_sandbox::{Faults, Quota, Sandbox, SandboxConfig};
use clap::Parser;

/// A fake of Google's service-account token endpoint, Sheets v4 (spreadsheets, values,
/// batchGet) and Drive v3 file versions, serving generated supplier price lists in several
/// layouts and locales, with Google's errors and read quotas. Admin endpoints live under
/// /_sandbox (key files, spreadsheets, truth, edits, calls, faults, clock).
#[derive(Debug, Parser)]
#[command(name = "sheets-sandbox", version, about)]
struct Cli {
    /// Address to listen on.
    #[arg(long, env = "SHEETS_SANDBOX_LISTEN", default_value = "127.0.0.1:8767")]
    listen: SocketAddr,
    /// Seed of the generated data: the same seed and sizes give the same sheets.
    #[arg(long, env = "SHEETS_SANDBOX_SEED", default_value_t = 42)]
    seed: u64,
    /// Suppliers, one spreadsheet each (their layouts and locales take turns).
    #[arg(long, env = "SHEETS_SANDBOX_SUPPLIERS", default_value_t = 4)]
    suppliers: u32,
    /// Price rows per spreadsheet (about one in ten bad).
    #[arg(long, env = "SHEETS_SANDBOX_ROWS", default_value_t = 40)]
    rows: u32,
    /// The Google Cloud project of the service accounts.
    #[arg(long, default_value = "adsync-sandbox")]
    project: String,
    /// Reads per service account per quota window.
    #[arg(long, default_value_t = 60)]
    quota_per_account: u32,
    /// Reads per project per quota window.
    #[arg(long, default_value_t = 300)]
    quota_per_project: u32,
    /// The quota window, in milliseconds (Google: a minute).
    #[arg(long, default_value_t = 60_000)]
    quota_window_ms: u64,
    /// Share of API calls answered 500 or 503 (0.0-1.0).
    #[arg(long, default_value_t = 0.0)]
    error_ratio: f64,
    /// Share of API calls delayed by --slow-ms (0.0-1.0).
    #[arg(long, default_value_t = 0.0)]
    slow_ratio: f64,
    /// Delay of slow calls, in milliseconds.
    #[arg(long, default_value_t = 0)]
    slow_ms: u64,
    /// Write service account 0's key file (JSON, pointing at this sandbox) here.
    #[arg(long)]
    write_key_file: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .init();
    let config = SandboxConfig {
        seed: cli.seed,
        suppliers: cli.suppliers,
        rows: cli.rows,
        project: cli.project.clone(),
        quota: Quota {
            per_account: cli.quota_per_account,
            per_project: cli.quota_per_project,
            window_ms: cli.quota_window_ms,
        },
        faults: Faults {
            error_ratio: cli.error_ratio,
            slow_ratio: cli.slow_ratio,
            slow_ms: cli.slow_ms,
            exhausted: false,
        },
    };
    let listener = tokio::net::TcpListener::bind(cli.listen).await?;
    let sandbox = Sandbox::serve(config, listener);
    if let Some(path) = &cli.write_key_file {
        std::fs::write(path, serde_json::to_string_pretty(&sandbox.key_file(0))?)?;
    }
    eprintln!(
        "sheets-sandbox: serving {} (token {}); spreadsheets {}",
        sandbox.base_url(),
        sandbox.token_url(),
        sandbox.spreadsheet_ids().join(", ")
    );
    tokio::signal::ctrl_c().await?;
    Ok(())
}

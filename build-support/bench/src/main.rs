//! adsync's benchmarks; each prints its figures.
//!
//! - `cargo run --release -p adsync-bench -- sync [--accounts N --campaigns N --creatives N --days N]`:
//!   the sync write path against plain COPY, a no-change resync, gated-sync latency, memory.
//! - `cargo run --release -p adsync-bench -- report [--accounts N ... --callers N --requests N]`:
//!   the reporting RPCs under many concurrent callers over millions of metric rows.
//! - `cargo run --release -p adsync-bench -- amazon [--profiles N --campaigns N ...]`: Amazon
//!   Ads profiles synced with their asynchronous reports, then re-synced.
//! - `cargo run --release -p adsync-bench -- supplier [--rows N --changed-percent P]`: a
//!   supplier's Google Sheet imported, then re-imported with some prices changed.
//!
//! Both run the real stack in this process (sandbox, auth, ingestion, reporting) against
//! PostgreSQL from TEST_DATABASE_URL/DATABASE_URL, or a throwaway cluster.

mod amazon;
mod measure;
mod own_runtime;
mod report;
mod seed;
mod supplier;
mod sync;

use clap::Parser;

// The allocator the service binaries use, so the in-process services run as deployed.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(name = "adsync-bench")]
enum Cli {
    /// Sync a generated sandbox and compare the write path with plain COPY.
    Sync(sync::Args),
    /// Load the reporting service with concurrent callers over a synced sandbox.
    Report(report::Args),
    /// Sync Amazon Ads profiles of a generated sandbox, reports and all.
    Amazon(amazon::Args),
    /// Import a large supplier price sheet, then re-import it with some prices changed.
    Supplier(supplier::Args),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse() {
        Cli::Sync(args) => sync::run(args).await,
        Cli::Report(args) => report::run(args).await,
        Cli::Amazon(args) => amazon::run(args).await,
        Cli::Supplier(args) => supplier::run(args).await,
    }
}

//! The adsync-ingestion binary: flags in, then the library's `serve` until SIGINT/SIGTERM.

use std::process::ExitCode;

use clap::Parser;

// Requests allocate many small buffers from many threads; mimalloc serves that with far
// less contention and CPU than the system allocator (see the reporting benchmark).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// adsync ingestion service: the freshness-gated, streamed sync of every upstream source.
#[derive(Debug, Parser)]
#[command(name = "adsync-ingestion", version, about)]
struct Cli {
    #[command(flatten)]
    server: adsync_server::ServerArgs,
    #[command(flatten)]
    config: adsync_ingestion::Config,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    adsync_server::run_binary("adsync-ingestion", &cli.server, |listener, shutdown| {
        adsync_ingestion::serve(cli.config, listener, shutdown)
    })
    .await
}

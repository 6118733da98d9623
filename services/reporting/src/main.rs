//! The adsync-reporting binary: flags in, then the library's `serve` until SIGINT/SIGTERM.

use std::process::ExitCode;

use clap::Parser;

// Requests allocate many small buffers from many threads; mimalloc serves that with far
// less contention and CPU than the system allocator (see the reporting benchmark).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// adsync reporting service: metrics from the synced ads data, read-only.
#[derive(Debug, Parser)]
#[command(name = "adsync-reporting", version, about)]
struct Cli {
    #[command(flatten)]
    server: adsync_server::ServerArgs,
    #[command(flatten)]
    config: adsync_reporting::Config,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    adsync_server::run_binary("adsync-reporting", &cli.server, |listener, shutdown| {
        adsync_reporting::serve(cli.config, listener, shutdown)
    })
    .await
}

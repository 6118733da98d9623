//! The adsync-auth binary: flags in, then the library's `serve` until SIGINT/SIGTERM.

use std::process::ExitCode;

use clap::Parser;

/// adsync auth service: upstream OAuth connections and caller tokens.
#[derive(Debug, Parser)]
#[command(name = "adsync-auth", version, about)]
struct Cli {
    #[command(flatten)]
    server: adsync_server::ServerArgs,
    #[command(flatten)]
    config: adsync_auth::Config,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    adsync_server::run_binary("adsync-auth", &cli.server, |listener, shutdown| {
        adsync_auth::serve(cli.config, listener, shutdown)
    })
    .await
}

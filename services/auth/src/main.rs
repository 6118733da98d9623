//! The adsync-auth binary: serves by default; `adsync-auth bootstrap-token` creates the
//! first admin token straight in the database.

use std::process::ExitCode;

use adsync_proto::auth::Scope;
use clap::Parser;

// Requests allocate many small buffers from many threads; mimalloc serves that with far
// less contention and CPU than the system allocator (see the reporting benchmark).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// adsync auth service: upstream OAuth connections and caller tokens.
#[derive(Debug, Parser)]
#[command(
    name = "adsync-auth",
    version,
    about,
    after_help = "To create the first admin token: adsync-auth bootstrap-token --help"
)]
struct Cli {
    #[command(flatten)]
    server: adsync_server::ServerArgs,
    #[command(flatten)]
    config: adsync_auth::Config,
}

/// Create a caller token directly in the database and print it (once) on stdout.
#[derive(Debug, Parser)]
#[command(name = "adsync-auth bootstrap-token", version)]
struct BootstrapCli {
    #[command(flatten)]
    db: adsync_db::DbArgs,
    /// What the token is for.
    #[arg(long, default_value = "bootstrap-admin")]
    name: String,
    /// Scopes of this platform token, comma-separated: admin, sync:write, sync:read,
    /// reports:read, service, upstream:tokens.
    #[arg(long, default_value = "admin", value_delimiter = ',')]
    scopes: Vec<String>,
    /// Lifetime in days (1 to 3650).
    #[arg(long, default_value_t = 90)]
    ttl_days: i64,
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("bootstrap-token") {
        args.remove(1);
        return bootstrap(BootstrapCli::parse_from(args)).await;
    }
    let cli = Cli::parse();
    adsync_server::run_binary("adsync-auth", &cli.server, |listener, shutdown| {
        adsync_auth::serve(cli.config, listener, shutdown)
    })
    .await
}

async fn bootstrap(cli: BootstrapCli) -> ExitCode {
    adsync_server::telemetry::init(adsync_server::LogFormat::Text, "warn");
    let mut scopes: Vec<Scope> = Vec::new();
    for s in &cli.scopes {
        match adsync_server::auth::parse_scope(s.trim()) {
            Some(scope) => scopes.push(scope),
            None => {
                eprintln!(
                    "adsync-auth: unknown scope {s:?} (admin, sync:write, sync:read, reports:read, service, upstream:tokens)"
                );
                return ExitCode::from(2);
            }
        }
    }
    if !(1..=3650).contains(&cli.ttl_days) {
        eprintln!("adsync-auth: --ttl-days must be between 1 and 3650");
        return ExitCode::from(2);
    }
    match adsync_auth::bootstrap_token(
        &cli.db,
        &cli.name,
        &scopes,
        chrono::TimeDelta::days(cli.ttl_days),
    )
    .await
    {
        Ok(secret) => {
            println!("{secret}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("adsync-auth: {e}");
            ExitCode::FAILURE
        }
    }
}

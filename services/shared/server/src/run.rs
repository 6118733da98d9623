//! [`run_binary`]: the body of every service's thin `main`.

use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;

use tokio::net::TcpListener;

use crate::{ServerArgs, shutdown_signal, telemetry};

/// The shutdown future handed to a service: SIGINT or SIGTERM.
pub type Shutdown = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Starts tracing, binds `args.listen` and runs `serve` until SIGINT/SIGTERM. A start-up
/// failure (bad address, unreachable database, failed migration) is printed as one clear
/// line on stderr and the process exits non-zero.
pub async fn run_binary<F, Fut, E>(name: &str, args: &ServerArgs, serve: F) -> ExitCode
where
    F: FnOnce(TcpListener, Shutdown) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: Display,
{
    telemetry::init(args.log_format, &args.log_filter);
    let listener = match TcpListener::bind(args.listen).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("{name}: cannot listen on {}: {e}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    match serve(listener, Box::pin(shutdown_signal())).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{name}: {e}");
            ExitCode::FAILURE
        }
    }
}

//! `adsync`: the operator's command line. Connect a LinkedIn member, sync with live
//! progress, follow runs, read reports as tables (or JSON), manage caller tokens — all
//! over the services' gRPC APIs, so it can do nothing a caller could not.
//!
//! The exit code is the gRPC status code of what failed (0 when nothing did): 3 bad
//! input, 5 not found, 7 missing scope, 14 a service unreachable, 16 no or bad token,
//! 10 a sync that ran and failed.

mod commands;
mod endpoints;
mod failure;
mod output;
mod progress;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use commands::{connect, report, suppliers, sync, token, workspace};
use endpoints::Endpoints;
use failure::{Failure, Outcome};

/// adsync's command line: sync LinkedIn Ads data and read reports.
///
/// The services' addresses and the token come from flags or ADSYNC_AUTH_ADDR,
/// ADSYNC_INGESTION_ADDR, ADSYNC_REPORTING_ADDR and ADSYNC_TOKEN.
#[derive(Debug, Parser)]
#[command(name = "adsync", version)]
struct Cli {
    #[command(flatten)]
    endpoints: Endpoints,
    /// Print JSON (the proto3 mapping grpcurl prints; sync progress as one event per line).
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Connect a LinkedIn member or an Amazon Ads advertiser through OAuth.
    Connect(connect::Args),
    /// The connections and the health of their tokens.
    Connections(connect::ConnectionsArgs),
    /// The accounts the connections can reach: LinkedIn ad accounts, Amazon Ads profiles.
    Accounts(sync::AccountsArgs),
    /// The Amazon Ads profiles the connections can reach (`accounts --source amazon-ads`).
    Profiles,
    /// Sync accounts, showing each stage's progress as it happens.
    Sync(sync::SyncArgs),
    /// Follow a run's events (replayed from the start, then live) until it ends.
    Watch(sync::WatchArgs),
    /// The latest sync runs.
    Runs(sync::RunsArgs),
    /// Reports from the synced data.
    #[command(subcommand)]
    Report(report::Report),
    /// Supplier price feeds: configure, preview, upload, sync, and read items,
    /// price histories, price changes and parsing logs.
    #[command(subcommand)]
    Suppliers(suppliers::Suppliers),
    /// Caller tokens.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Workspaces: the clients of this deployment, each seeing only its own data.
    #[command(subcommand)]
    Workspace(workspace::WorkspaceCommand),
}

async fn run(cli: Cli) -> Outcome {
    let (endpoints, json) = (&cli.endpoints, cli.json);
    match cli.command {
        Command::Connect(args) => connect::connect(endpoints, args, json).await,
        Command::Connections(args) => connect::connections(endpoints, args, json).await,
        Command::Accounts(args) => sync::accounts(endpoints, args, json).await,
        Command::Profiles => sync::accounts(endpoints, sync::AccountsArgs::amazon(), json).await,
        Command::Sync(args) => sync::sync(endpoints, args, json).await,
        Command::Watch(args) => sync::watch(endpoints, args, json).await,
        Command::Runs(args) => sync::runs(endpoints, args, json).await,
        Command::Report(report) => report::report(endpoints, report, json).await,
        Command::Suppliers(command) => suppliers::suppliers(endpoints, command, json).await,
        Command::Token(command) => token::token(endpoints, command, json).await,
        Command::Workspace(command) => workspace::workspace(endpoints, command, json).await,
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            // Bad usage is bad input: INVALID_ARGUMENT, like a call would answer.
            let _ = e.print();
            return ExitCode::from(tonic::Code::InvalidArgument as u8);
        }
        Err(e) => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
    };
    let _ = Cli::command;
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => Failure::report(&failure),
    }
}

//! Test support for adsync, on a real PostgreSQL and real gRPC over loopback.
//!
//! * [`TestDatabase`]: a fresh database per test, cloned from a template that was
//!   migrated once, dropped when the test ends. The server comes from
//!   `TEST_DATABASE_URL` or `DATABASE_URL`; with neither set, a throwaway cluster is
//!   started from the machine's PostgreSQL binaries (`build-support/pg`) and stopped
//!   when the test process exits.
//! * [`TestServer`]: runs a service's `serve` in-process on `127.0.0.1:0` — bound before
//!   it is spawned, so there is nothing to wait for — and shuts it down explicitly.
//! * [`ServiceProcess`]: runs a service's binary as a process of its own, for tests of
//!   what only a real process shows (a `kill -9`, a restart).
//!
//! Tests are quiet; set `TEST_LOG=1` (or a filter such as `TEST_LOG=debug`) to see logs.
//! The harness depends on no service crate: services pass their migrations in.

mod binary;
mod database;
mod grpc;
mod logging;
mod postgres;
mod process;
mod server;
pub mod tls;

pub use binary::{assert_help_documents, assert_rejects_unreachable_database};
pub use database::{TestDatabase, db_args, remote_auth_args};
pub use grpc::{assert_standard_server, health_status, reflected_services};
pub use logging::init_test_logging;
pub use postgres::server_url;
pub use process::ServiceProcess;
pub use server::{TestServer, TestShutdown};

//! The one bridge from async code to Diesel.
//!
//! Diesel is synchronous, so every query runs on tokio's blocking pool with a connection
//! from an r2d2 pool ([`Db::run`]). Waiting is bounded twice: a semaphore sized to the pool
//! keeps blocking threads from piling up on r2d2, and r2d2's own timeout bounds the checkout.
//! Start-up helpers connect with a clear error and run embedded migrations under an
//! advisory lock, so several replicas (or services sharing a database) can start at once.

mod config;
mod error;
mod migrate;
mod pool;
mod prepared;
mod session;

pub use config::{DbArgs, DbConfig, redact_url};
pub use error::{DbError, is_unique_violation};
pub use migrate::{revert_all_migrations, run_migrations};
pub use pool::Db;
pub use prepared::{PreparedSql, prepared_sql};
pub use session::SessionState;

pub use diesel_migrations::EmbeddedMigrations;

//! adsync's auth service (`adsync.auth.v1.AuthService`): it manages every token in the
//! system — the upstream OAuth connections and the caller tokens of every adsync RPC.
//!
//! The library exposes [`serve`]; `main.rs` only parses flags, starts tracing and binds.

mod config;
mod db;
mod error;
mod service;

use std::future::Future;

use adsync_db::{Db, DbConfig, run_migrations};
use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use tokio::net::TcpListener;
use tonic::service::Routes;

pub use config::Config;
pub use error::Error;

/// The auth tables' migrations, run at start-up.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/auth");

/// Connects to the database, migrates it, then serves until `shutdown` completes.
pub async fn serve(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), Error> {
    let db = Db::connect(DbConfig::from_args(&config.db, "adsync-auth")).await?;
    let applied = db.run(|conn| run_migrations(conn, &[&MIGRATIONS])).await?;
    tracing::info!(migrations.applied = applied.len(), "database ready");

    let api = service::AuthApi::new(db);
    let routes = Routes::new(adsync_proto::auth::auth_service_server::AuthServiceServer::new(api));
    adsync_server::serve(adsync_proto::AUTH_SERVICE, listener, routes, shutdown).await?;
    Ok(())
}

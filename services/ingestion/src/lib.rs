//! adsync's ingestion service (`adsync.ingestion.v1.IngestionService`): the
//! freshness-gated LinkedIn sync, one account at a time across every replica, with
//! typed progress events that are persisted and can be replayed.
//!
//! The library exposes [`serve`]; `main.rs` only parses flags and calls it.

mod config;
mod error;
pub mod linkedin;
mod service;
mod store;

use std::future::Future;

use adsync_db::{Db, DbConfig, run_migrations};
use tokio::net::TcpListener;
use tonic::service::Routes;

pub use config::Config;
pub use error::Error;

/// Connects to the database, migrates the warehouse, then serves until `shutdown` completes.
pub async fn serve(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), Error> {
    let db = Db::connect(DbConfig::from_args(&config.db, "adsync-ingestion")).await?;
    let applied = db
        .run(|conn| run_migrations(conn, &[&adsync_warehouse::MIGRATIONS]))
        .await?;
    tracing::info!(migrations.applied = applied.len(), "database ready");

    let api = service::IngestionApi::new(db);
    let routes = Routes::new(
        adsync_proto::ingestion::ingestion_service_server::IngestionServiceServer::new(api),
    );
    let auth = config
        .auth
        .layer(service::METHOD_SCOPES)
        .map_err(Error::Config)?;
    adsync_server::serve(
        adsync_proto::INGESTION_SERVICE,
        listener,
        routes,
        auth,
        shutdown,
    )
    .await?;
    Ok(())
}

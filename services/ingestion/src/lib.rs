//! adsync's ingestion service (`adsync.ingestion.v1.IngestionService`): the
//! freshness-gated LinkedIn sync, one account at a time across every replica, with
//! typed progress events that are persisted and can be replayed.
//!
//! The library exposes [`serve`]; `main.rs` only parses flags and calls it.

mod accounts;
mod config;
mod connections;
mod error;
pub mod linkedin;
mod rpc;
mod service;
mod store;
mod sync;

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

    let client = linkedin::LinkedInClient::new(linkedin::ClientSettings {
        base_url: config.linkedin_api_url.trim_end_matches('/').to_owned(),
        version: config.linkedin_version.clone(),
        timeout: std::time::Duration::from_millis(config.upstream_timeout_ms),
        max_concurrency: config.upstream_concurrency,
        retry: linkedin::RetryPolicy {
            max_attempts: config.upstream_max_attempts.max(1),
            ..Default::default()
        },
    });
    let api = service::IngestionApi {
        db,
        client,
        auth_channel: config.auth.channel().map_err(Error::Config)?,
        service_token: config.auth.service_token.clone(),
        clock: config.clock.clone(),
        bell: sync::new_bell(),
        worker: format!("ingestion-{}", std::process::id()),
        settings: std::sync::Arc::new(sync::Settings {
            freshness_ttl: chrono::TimeDelta::minutes(config.freshness_ttl_minutes as i64),
            backfill_days: config.backfill_days,
            restatement_days: config.restatement_days,
            max_range_days: config.max_range_days,
        }),
    };
    // Events written by other replicas wake this one's watchers at once.
    let event_listener = tokio::spawn(sync::listener::run(
        config.db.database_url.clone(),
        api.bell.clone(),
    ));
    // Runs a crashed process left behind are failed before anything else.
    match sync::background::reap_orphaned_runs(&api).await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(runs = n, "failed runs orphaned by a stopped worker"),
        Err(e) => tracing::warn!(error = %e, "cannot reap orphaned runs"),
    }
    let background = (config.schedule_interval_secs > 0).then(|| {
        tokio::spawn(sync::background::run(
            api.clone(),
            std::time::Duration::from_secs(config.schedule_interval_secs),
        ))
    });
    let routes = Routes::new(
        adsync_proto::ingestion::ingestion_service_server::IngestionServiceServer::new(api),
    );
    let auth = config
        .auth
        .layer(service::METHOD_SCOPES)
        .map_err(Error::Config)?;
    let served = adsync_server::serve(
        adsync_proto::INGESTION_SERVICE,
        listener,
        routes,
        auth,
        shutdown,
    )
    .await;
    if let Some(task) = background {
        task.abort();
    }
    event_listener.abort();
    served?;
    Ok(())
}

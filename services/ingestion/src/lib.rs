//! adsync's ingestion service (`adsync.ingestion.v1.IngestionService`): the
//! freshness-gated sync of each upstream (a source), one run per account at a time
//! across every replica, with typed progress events that are persisted and can be
//! replayed.
//!
//! - `runs/`: the run platform (lifecycle, gate, single flight, slots, presence,
//!   housekeeping, events, durable upstream jobs); it never names a source.
//! - `store/`: staging and merging into the warehouse.
//! - `upstream/`: HTTP to upstreams (limits, retries, token refresh) and tokens.
//! - `sources/`: one folder per upstream, registered in `sources::Registry::new`.
//! - `rpc/` and `service.rs`: the gRPC face.
//!
//! The library exposes [`serve`]; `main.rs` only parses flags and calls it.

mod config;
mod error;
mod rpc;
mod runs;
mod service;
pub mod sources;
mod store;
pub mod upstream;

use std::future::Future;
use std::sync::Arc;

use adsync_db::{Db, DbConfig, run_migrations};
use tokio::net::TcpListener;
use tonic::service::Routes;

pub use config::Config;
pub use error::Error;

use runs::{Platform, Settings, Worker, housekeeping, presence};
use sources::Registry;

/// Connects to the database, migrates the warehouse, then serves until `shutdown` completes.
pub async fn serve(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), Error> {
    let db = connect(&config).await?;
    let upstream = upstream::UpstreamClient::new(config.upstream.settings());
    let sources = Registry::new(&config, &upstream, &db)?;
    let (platform, presence) = open_platform(&config, db, sources).await?;
    let background = tokio::spawn(housekeeping::run(
        platform.clone(),
        (config.schedule_interval_secs > 0)
            .then(|| std::time::Duration::from_secs(config.schedule_interval_secs)),
    ));
    let routes = Routes::new(
        adsync_proto::ingestion::ingestion_service_server::IngestionServiceServer::new(
            service::IngestionApi {
                platform: platform.clone(),
                // The replicas of this service share its token, and nobody else holds
                // it: it keys their page tokens (through a derived key).
                page_tokens: adsync_server::PageTokens::from_secret(
                    secrecy::ExposeSecret::expose_secret(&config.auth.service_token).as_bytes(),
                ),
            },
        ),
    );
    let auth = config
        .auth
        .layer(
            service::METHOD_SCOPES,
            &config.tls,
            adsync_server::Tenancy::Scoped,
        )
        .map_err(Error::Config)?;
    let closing = platform.closing.clone();
    let shutdown = async move {
        shutdown.await;
        closing.send_replace(true);
    };
    let served = adsync_server::serve(
        adsync_proto::INGESTION_SERVICE,
        listener,
        routes,
        auth,
        &config.limits,
        &config.tls,
        shutdown,
    )
    .await;
    background.abort();
    platform.stop_runs().await;
    drop(presence);
    served?;
    Ok(())
}

/// The service's pool, after migrating the warehouse.
async fn connect(config: &Config) -> Result<Db, Error> {
    let db = Db::connect(DbConfig::from_args(&config.db, "adsync-ingestion")).await?;
    let applied = db
        .run(|conn| run_migrations(conn, &[&adsync_warehouse::MIGRATIONS]))
        .await?;
    tracing::info!(migrations.applied = applied.len(), "database ready");
    // Workspace callers' reads take the row-security role: refuse to start without it
    // rather than fail every such call.
    db.run(|conn| adsync_warehouse::row_security::can_narrow(conn).map_err(Error::Config))
        .await?;
    Ok(db)
}

/// The run platform of this process, serving `sources`: its presence held, and the runs
/// and staging that dead processes left behind dealt with before anything else.
async fn open_platform(
    config: &Config,
    db: Db,
    sources: Registry,
) -> Result<(Arc<Platform>, presence::Presence), Error> {
    let bell = Arc::new(runs::EventBell::default());
    let presence = presence::establish(config.db.database_url.clone(), bell.clone()).await?;
    let platform = Arc::new(Platform {
        db,
        sources,
        auth: upstream::Auth {
            channel: config.auth.channel(&config.tls).map_err(Error::Config)?,
            service_token: config.auth.service_token.clone(),
        },
        clock: config.clock.clone(),
        bell,
        worker: Worker {
            name: format!("ingestion-{}", std::process::id()),
            owner: presence.owner,
        },
        settings: Settings {
            freshness_ttl: chrono::TimeDelta::minutes(
                i64::try_from(config.freshness_ttl_minutes)
                    .map_err(|_| Error::Config("--freshness-ttl-minutes is too large".into()))?,
            ),
            max_range_days: config.max_range_days,
            max_concurrent_syncs: config.max_concurrent_syncs.max(1),
        },
        slots: Arc::new(tokio::sync::Semaphore::new(
            config.max_concurrent_syncs.max(1),
        )),
        tasks: std::sync::Mutex::new(tokio::task::JoinSet::new()),
        closing: tokio::sync::watch::Sender::new(false),
    });
    match housekeeping::reap_orphaned_runs(&platform).await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(runs = n, "failed runs left by processes that are gone"),
        Err(e) => tracing::warn!(error = %e, "cannot reap orphaned runs"),
    }
    if let Err(e) = housekeeping::sweep_staging(&platform).await {
        tracing::warn!(error = %e, "cannot sweep staging");
    }
    Ok((platform, presence))
}

//! adsync's reporting service (`adsync.reporting.v1.ReportingService`): exact metrics,
//! entities, demographics, audits and sync status from the warehouse, read-only.
//!
//! The library exposes [`serve`]; `main.rs` only parses flags and calls it.

mod config;
mod decimal;
mod error;
mod explain;
mod request;
mod rpc;
mod scope;
mod service;
mod values;

use std::future::Future;

use adsync_db::{Db, DbConfig, run_migrations};
use tokio::net::TcpListener;
use tonic::service::Routes;

pub use config::Config;
pub use error::Error;
pub use explain::explain_hot_queries;

/// Connects, makes sure the warehouse schema exists (reporting may start before
/// ingestion), then serves read-only until `shutdown` completes.
pub async fn serve(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), Error> {
    let migrator = Db::connect(DbConfig::from_args(&config.db, "adsync-reporting-migrate")).await?;
    let applied = migrator
        .run(|conn| run_migrations(conn, &[&adsync_warehouse::MIGRATIONS]))
        .await?;
    // Workspace callers' reads take the row-security role: refuse to start without it
    // rather than fail every such call.
    migrator.run(scope::check_workspace_reader).await?;
    drop(migrator);
    tracing::info!(migrations.applied = applied.len(), "database ready");

    // Every query of the service runs in a read-only transaction.
    let mut db_config = DbConfig::from_args(&config.db, "adsync-reporting");
    db_config.read_only = true;
    db_config.statement_timeout = config.statement_timeout();
    // Many small concurrent queries: no parallel workers (see DbConfig::parallel_queries).
    db_config.parallel_queries = false;
    // A report whose caller went away (or whose deadline passed) stops in the database too.
    db_config.cancel_abandoned_queries = true;
    let db = Db::connect(db_config).await?;

    let api = service::ReportingApi {
        db,
        max_range_days: config.report_max_range_days,
        freshness_ttl_minutes: i64::try_from(config.freshness_ttl_minutes)
            .map_err(|_| Error::Config("--freshness-ttl-minutes is too large".to_owned()))?,
        clock: config.clock.clone(),
        workspace_filters_off: config.workspace_filters_off(),
        // The replicas of this service share its token, and nobody else holds it: it
        // keys their page tokens (through a derived key).
        page_tokens: adsync_server::PageTokens::from_secret(
            secrecy::ExposeSecret::expose_secret(&config.auth.service_token).as_bytes(),
        ),
    };
    let routes = Routes::new(
        adsync_proto::reporting::reporting_service_server::ReportingServiceServer::new(api),
    );
    let auth = config
        .auth
        .layer(
            service::METHOD_SCOPES,
            &config.tls,
            adsync_server::Tenancy::Scoped,
        )
        .map_err(Error::Config)?;
    adsync_server::serve(
        adsync_proto::REPORTING_SERVICE,
        listener,
        routes,
        auth,
        &config.limits,
        &config.tls,
        shutdown,
    )
    .await?;
    Ok(())
}

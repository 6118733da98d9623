//! adsync's auth service (`adsync.auth.v1.AuthService`): it manages every token in the
//! system — the upstream OAuth connections (tokens sealed at rest with AES-256-GCM) and
//! the caller tokens every adsync RPC requires.
//!
//! The library exposes [`serve`] and [`bootstrap_token`]; `main.rs` only parses flags.

mod config;
mod crypto;
mod db;
mod error;
mod providers;
mod rpc;
mod secrets;
mod service;
mod upstream;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use adsync_db::{Db, DbArgs, DbConfig, run_migrations};
use adsync_proto::auth::Scope;
use adsync_server::{AuthLayer, Clock};
use chrono::TimeDelta;
use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use tokio::net::TcpListener;
use tonic::service::Routes;

pub use config::Config;
pub use crypto::CryptoError;
pub use error::{Error, StateProblem, TokenProblem};
pub use providers::{AmazonApp, GoogleApp, LinkedInApp};
pub use upstream::UpstreamError;

/// The auth tables' migrations, run at start-up.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/auth");

/// Checks the configuration, connects, migrates, then serves until `shutdown` completes.
pub async fn serve(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), Error> {
    // Before anything else: no key, no service (tokens are never stored in the clear).
    let keyring = crypto::Keyring::parse(&config.token_encryption_keys)?;
    let db = Db::connect(DbConfig::from_args(&config.db, "adsync-auth")).await?;
    let applied = db.run(|conn| run_migrations(conn, &[&MIGRATIONS])).await?;
    tracing::info!(
        migrations.applied = applied.len(),
        key_id = keyring.active_key_id(),
        "database ready"
    );

    let api = service::AuthApi {
        db: db.clone(),
        keyring: Arc::new(keyring),
        providers: Arc::new(providers::Providers::new(
            (&config.linkedin, &config.amazon, &config.google),
            Duration::from_millis(config.upstream_timeout_ms),
        )),
        clock: config.clock.clone(),
        settings: Arc::new(service::Settings {
            state_ttl: TimeDelta::seconds(config.oauth_state_ttl_secs as i64),
            expiring_soon: TimeDelta::days(config.expiring_soon_days as i64),
        }),
        refresh_flights: Arc::new(Mutex::new(HashMap::new())),
        // Every auth replica holds the encryption keys, and nobody else: they key the
        // page tokens too (through a derived key, never themselves).
        page_tokens: adsync_server::PageTokens::from_secret(
            secrecy::ExposeSecret::expose_secret(&config.token_encryption_keys).as_bytes(),
        ),
    };
    // No positive cache here: the database is local, and a revoked token must stop at once.
    let authenticator = Arc::new(rpc::LocalAuthenticator {
        db,
        clock: config.clock.clone(),
    });
    let auth = AuthLayer::new(authenticator, service::METHOD_SCOPES, Duration::ZERO);
    let routes = Routes::new(adsync_proto::auth::auth_service_server::AuthServiceServer::new(api));
    adsync_server::serve(
        adsync_proto::AUTH_SERVICE,
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

/// Creates a platform caller token directly in the database (migrating it first) and
/// returns the secret: how an operator gets the first `admin` token, and the services
/// theirs.
pub async fn bootstrap_token(
    db: &DbArgs,
    name: &str,
    scopes: &[Scope],
    ttl: TimeDelta,
) -> Result<String, Error> {
    if scopes
        .iter()
        .any(|s| rpc::scope_misplaced(*s, None).is_some())
    {
        let why = "bootstrap tokens are platform tokens, and `workspace:admin` belongs to a \
                   workspace's token: issue one with IssueApiToken (`adsync token issue --workspace`)";
        return Err(adsync_server::invalid_field(error::DOMAIN, "scopes", why).into());
    }
    let db = Db::connect(DbConfig::from_args(db, "adsync-auth-bootstrap")).await?;
    db.run(|conn| run_migrations(conn, &[&MIGRATIONS])).await?;
    let (name, scopes, now) = (name.to_owned(), scopes.to_vec(), Clock::default().now());
    let (secret, row) = db
        .run(move |conn| rpc::insert_api_token(conn, &name, &scopes, None, ttl, "bootstrap", now))
        .await?;
    tracing::info!(token_id = %row.id, "bootstrap token issued");
    Ok(secret)
}

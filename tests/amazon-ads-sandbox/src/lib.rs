//! A faithful fake of Login with Amazon and the Amazon Ads Sponsored Products API, for
//! tests, demos and benchmarks.
//!
//! It serves:
//! - Login with Amazon: `/ap/oa` (authorization, approved at once) and `/auth/o2/token`
//!   (`authorization_code` and `refresh_token` grants; `Atza|` access tokens for 3600 s,
//!   `Atzr|` refresh tokens returned unchanged);
//! - three regional API bases, `/na`, `/eu` and `/fe` (Amazon's three hosts), each with
//!   `GET /v2/profiles` (that region's profiles only), the Sponsored Products v3 lists
//!   (`POST /sp/{campaigns,adGroups,keywords,negativeKeywords,targets,productAds}/list`
//!   with their versioned media types) and Reporting v3 (`POST /reporting/reports`,
//!   `GET /reporting/reports/{id}`);
//! - a storage host, `/storage`, serving report files through presigned, expiring URLs.
//!
//! Every call is checked as Amazon checks it (bearer token, client id header, profile
//! scope header of the right region, media types, paging tokens, report limits), and
//! counted. Data is generated from a seed and a [`Size`] — never stored; [`Sandbox::truth`]
//! says what it is, so tests can assert exact numbers. [`Faults`] inject 429s (with and
//! without `Retry-After`, on report creation too), 5xx, slow calls, slow and failed
//! reports, expired download URLs and malformed records. Admin endpoints under
//! `/_sandbox` move the clock, restate days and change faults.
//!
//! `Sandbox::start` runs it in-process on `127.0.0.1:0`; the `amazon-ads-sandbox` binary
//! runs it on a fixed address.

// Handlers' checks return the HTTP response to send when they refuse a call; its size
// does not matter next to the call it answers.
#![allow(clippy::result_large_err)]

mod admin;
mod api;
pub mod data;
mod faults;
mod lists;
mod oauth;
mod profiles;
pub mod render;
mod reports;
mod storage;
mod truth;
pub mod world;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use chrono::{DateTime, TimeDelta, Utc};
use tokio::net::TcpListener;

pub use data::{Region, Size, WINDOWS, cents_to_decimal};
pub use faults::{Faults, RateLimit};
pub use lists::MAX_RESULTS;
pub use oauth::SCOPE;
pub use reports::{CREATE_MEDIA_TYPE, MAX_DAYS, RETENTION_DAYS};
pub use truth::GroundTruth;
pub use world::Metrics;

/// How a sandbox is set up.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub seed: u64,
    pub size: Size,
    /// The sandbox time at start; `None` means the real time. Pin it for byte-identical runs.
    pub start_time: Option<DateTime<Utc>>,
    pub client_id: String,
    pub client_secret: String,
    /// Login with Amazon: one hour.
    pub access_token_ttl: TimeDelta,
    /// How long (real time) a report stays PENDING, then PROCESSING.
    pub report_pending_ms: u64,
    pub report_processing_ms: u64,
    /// How long a download URL works, in sandbox time.
    pub url_ttl: TimeDelta,
    pub faults: Faults,
    /// The base URL clients reach the sandbox at, for the download URLs it hands out
    /// (e.g. `http://amazon-ads-sandbox:8766` in a container network); `None` means the
    /// address it listens on.
    pub public_url: Option<String>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            seed: 42,
            size: Size::SMALL,
            start_time: None,
            client_id: "amzn1.application-oa2-client.sandbox".into(),
            client_secret: "sandbox-secret".into(),
            access_token_ttl: TimeDelta::seconds(3_600),
            report_pending_ms: 50,
            report_processing_ms: 100,
            url_ttl: TimeDelta::seconds(3_600),
            faults: Faults::default(),
            public_url: None,
        }
    }
}

/// Everything the handlers share.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) world: world::World,
    pub(crate) config: SandboxConfig,
    pub(crate) faults: RwLock<Faults>,
    pub(crate) fault_state: faults::FaultState,
    pub(crate) oauth: oauth::OAuthState,
    pub(crate) reports: reports::Reports,
    pub(crate) calls: Mutex<BTreeMap<String, u64>>,
    downloads: AtomicU64,
    base_url: OnceLock<String>,
}

impl State {
    pub(crate) fn count(&self, endpoint: &str) {
        *self
            .calls
            .lock()
            .expect("lock")
            .entry(endpoint.to_owned())
            .or_default() += 1;
    }

    /// `http://127.0.0.1:PORT`, where the sandbox serves.
    pub(crate) fn base_url(&self) -> &str {
        self.base_url.get().map_or("", String::as_str)
    }

    /// The number of this download (for the expired-URL fault).
    pub(crate) fn fault_state_downloads(&self) -> i64 {
        self.downloads.fetch_add(1, Ordering::SeqCst) as i64
    }
}

/// A running sandbox. Dropping it stops the server.
#[derive(Debug)]
pub struct Sandbox {
    addr: SocketAddr,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Sandbox {
    /// Starts a sandbox on `127.0.0.1:0`.
    pub async fn start(config: SandboxConfig) -> std::io::Result<Sandbox> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        Ok(Sandbox::serve(config, listener))
    }

    /// Serves on an already bound listener (the binary binds a fixed address).
    ///
    /// Panics on a size whose ids would collide (see [`Size::check`]).
    pub fn serve(config: SandboxConfig, listener: TcpListener) -> Sandbox {
        if let Err(why) = config.size.check() {
            panic!("sandbox size: {why}");
        }
        let addr = listener
            .local_addr()
            .expect("bound listener has an address");
        let state = Arc::new(State {
            world: world::World::new(
                config.seed,
                config.size,
                config.start_time.unwrap_or_else(Utc::now),
            ),
            faults: RwLock::new(config.faults.clone()),
            fault_state: faults::FaultState::default(),
            oauth: oauth::OAuthState::default(),
            reports: reports::Reports::default(),
            calls: Mutex::new(BTreeMap::new()),
            downloads: AtomicU64::new(0),
            base_url: OnceLock::new(),
            config,
        });
        let public = (state.config.public_url.clone())
            .map(|u| u.trim_end_matches('/').to_owned())
            .unwrap_or_else(|| format!("http://{addr}"));
        let _ = state.base_url.set(public);
        let app = router(state.clone());
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "sandbox server failed");
            }
        });
        Sandbox { addr, state, task }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A region's API base, e.g. `http://127.0.0.1:PORT/eu` (Amazon's
    /// `https://advertising-api-eu.amazon.com`).
    pub fn api_url(&self, region: Region) -> String {
        format!("{}/{}", self.base_url(), region.path())
    }

    /// Login with Amazon's authorization page (`https://www.amazon.com/ap/oa`).
    pub fn authorization_url(&self) -> String {
        format!("{}/ap/oa", self.base_url())
    }

    /// Login with Amazon's token endpoint (`https://api.amazon.com/auth/o2/token`).
    pub fn token_url(&self) -> String {
        format!("{}/auth/o2/token", self.base_url())
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn config(&self) -> &SandboxConfig {
        &self.state.config
    }

    /// Calls served so far, by endpoint (e.g. `profiles`, `sp.campaigns`,
    /// `reporting.create`, `reporting.status`, `storage.download`, `lwa.token`),
    /// faulted ones included.
    pub fn calls(&self) -> BTreeMap<String, u64> {
        self.state.calls.lock().expect("lock").clone()
    }

    /// Calls of one endpoint so far.
    pub fn calls_of(&self, endpoint: &str) -> u64 {
        self.calls().get(endpoint).copied().unwrap_or(0)
    }

    /// Forgets the call counts.
    pub fn reset_calls(&self) {
        self.state.calls.lock().expect("lock").clear();
    }

    /// Reports accepted so far (refused requests not counted).
    pub fn reports_created(&self) -> usize {
        self.state.reports.count()
    }

    /// What the data is, for exact assertions.
    pub fn truth(&self) -> GroundTruth<'_> {
        GroundTruth::new(&self.state)
    }

    /// Replaces the fault settings from now on (rate-limit windows start afresh).
    pub fn set_faults(&self, faults: Faults) {
        *self.state.faults.write().expect("lock") = faults;
        self.state.fault_state.reset_windows();
    }

    /// Moves the sandbox clock forward: tokens and URLs age, new days appear, recent
    /// days' conversions are restated.
    pub fn advance_clock(&self, by: Duration) {
        self.state
            .world
            .clock
            .advance(TimeDelta::from_std(by).expect("duration in range"));
    }

    /// The sandbox's current time.
    pub fn now(&self) -> DateTime<Utc> {
        self.state.world.clock.now()
    }

    /// Changes the final numbers of every day in `start..=end` (a correction).
    pub fn restate(&self, start: chrono::NaiveDate, end: chrono::NaiveDate) {
        self.state.world.restate(start, end);
    }

    /// An authorization code as if a user had approved the app, for tests that skip the
    /// browser step. `redirect_uri` must match the one used at the token endpoint.
    pub fn approve(&self, redirect_uri: &str) -> String {
        self.state
            .oauth
            .new_code(self.state.world.clock.now(), redirect_uri)
    }

    /// Every access and refresh token issued, so tests can check that a client never
    /// stores or logs them in the clear.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.state.oauth.issued()
    }

    /// Ends an access token's life now.
    pub fn revoke_access_token(&self, token: &str) -> bool {
        self.state.oauth.revoke_access(token)
    }

    /// Revokes a refresh token (the user removed the app's access).
    pub fn revoke_refresh_token(&self, token: &str) -> bool {
        self.state.oauth.revoke_refresh(token)
    }
}

fn router(state: Arc<State>) -> Router {
    Router::new()
        .merge(oauth::routes())
        .route("/{region}/v2/profiles", get(profiles::list))
        .route("/{region}/sp/{entity}/list", post(lists::list))
        .route("/{region}/reporting/reports", post(reports::create))
        .route("/{region}/reporting/reports/{id}", get(reports::status))
        .route("/storage/reports/{file}", get(storage::download))
        .merge(admin::routes())
        .with_state(state)
}

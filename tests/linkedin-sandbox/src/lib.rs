//! A faithful fake of the LinkedIn Marketing API, for tests, demos and benchmarks.
//!
//! It serves LinkedIn's OAuth 2.0 endpoints (`/oauth/v2/...`) and the Marketing API
//! (`/rest/...`: ad accounts, campaign groups, campaigns, creatives, `adAnalytics`) with
//! LinkedIn's URLs, headers, Rest.li query syntax, JSON shapes, cursor pagination and
//! limits (20 fields, 15,000 elements per analytics response, silently truncated).
//!
//! Data is generated from a seed and a [`Size`] — never stored — so the same seed always
//! gives the same bytes and a large sandbox costs no memory. [`Sandbox::truth`] answers
//! what the data is, so tests can assert exact numbers. Admin calls move the clock,
//! restate days, add and pause campaigns; [`Faults`] inject rate limiting, 5xx, slow
//! responses, dropped connections and malformed records. Every call is counted.
//!
//! `Sandbox::start` runs it in-process on `127.0.0.1:0`; the `linkedin-sandbox` binary
//! runs it for the demo and compose.

mod admin;
pub mod data;
mod faults;
mod oauth;
mod render;
mod rest;
mod restli;
mod truth;
pub mod world;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::Router;
use chrono::{DateTime, TimeDelta, Utc};
use tokio::net::TcpListener;

pub use data::{Metrics, Pivot, Size};
pub use faults::{Faults, RateLimit, RetryAfterStyle};
pub use rest::{MAX_ANALYTICS_ELEMENTS, MAX_ANALYTICS_FIELDS, MAX_QUERY_BYTES};
pub use truth::{GroundTruth, MalformedKey};

/// How a sandbox is set up.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub seed: u64,
    pub size: Size,
    /// The sandbox time at start; `None` means the real time. Pin it for byte-identical runs.
    pub start_time: Option<DateTime<Utc>>,
    pub client_id: String,
    pub client_secret: String,
    pub access_token_ttl: TimeDelta,
    pub refresh_token_ttl: TimeDelta,
    pub faults: Faults,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            seed: 42,
            size: Size::SMALL,
            start_time: None,
            client_id: "sandbox-client".into(),
            client_secret: "sandbox-secret".into(),
            // LinkedIn: access tokens live 60 days, refresh tokens 365 days.
            access_token_ttl: TimeDelta::days(60),
            refresh_token_ttl: TimeDelta::days(365),
            faults: Faults::default(),
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
    pub(crate) calls: Mutex<BTreeMap<String, u64>>,
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
            calls: Mutex::new(BTreeMap::new()),
            config,
        });
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

    /// The Marketing API base, `http://127.0.0.1:PORT/rest`.
    pub fn rest_url(&self) -> String {
        format!("{}/rest", self.base_url())
    }

    /// The OAuth base, `http://127.0.0.1:PORT/oauth/v2`.
    pub fn oauth_url(&self) -> String {
        format!("{}/oauth/v2", self.base_url())
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn config(&self) -> &SandboxConfig {
        &self.state.config
    }

    /// Calls served so far, by endpoint (e.g. `adCampaigns`, `adAnalytics.CAMPAIGN`,
    /// `oauth.accessToken`), faulted ones included.
    pub fn calls(&self) -> BTreeMap<String, u64> {
        self.state.calls.lock().expect("lock").clone()
    }

    /// Calls to the Marketing API (`/rest`), all endpoints together.
    pub fn rest_calls(&self) -> u64 {
        self.calls()
            .iter()
            .filter(|(k, _)| !k.starts_with("oauth."))
            .map(|(_, v)| v)
            .sum()
    }

    /// Forgets the call counts.
    pub fn reset_calls(&self) {
        self.state.calls.lock().expect("lock").clear();
    }

    /// What the data is, for exact assertions.
    pub fn truth(&self) -> GroundTruth<'_> {
        GroundTruth::new(&self.state)
    }

    /// Replaces the fault settings from now on (the rate-limit window starts afresh).
    pub fn set_faults(&self, faults: Faults) {
        *self.state.faults.write().expect("lock") = faults;
        self.state.fault_state.reset_window();
    }

    /// Moves the sandbox clock forward: tokens age, new days of data appear.
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

    /// Changes the metrics of every day in `start..=end` (late conversions, corrections).
    pub fn restate(&self, start: chrono::NaiveDate, end: chrono::NaiveDate) {
        self.state.world.restate(start, end);
    }

    /// Adds an ACTIVE campaign (with creatives) to account `account_id`; returns its id.
    pub fn add_campaign(&self, account_id: i64) -> Option<i64> {
        self.state
            .world
            .add_campaign(data::account_index(account_id)?)
    }

    /// Pauses a campaign: it delivers nothing from today on.
    pub fn pause_campaign(&self, campaign_id: i64) -> bool {
        self.state.world.pause_campaign(campaign_id)
    }

    /// An authorization code as if a member had approved the app, for tests that skip the
    /// browser step. `redirect_uri` must match the one used at the token endpoint.
    pub fn approve(&self, redirect_uri: &str, scope: &str) -> String {
        self.state.oauth.new_code(&self.state, redirect_uri, scope)
    }

    /// Every access and refresh token the sandbox has issued, so tests can check that a
    /// client never stores or logs them in the clear.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.state.oauth.issued()
    }

    /// Ends an access token's life now, as LinkedIn may do at any time.
    pub fn revoke_access_token(&self, token: &str) -> bool {
        self.state.oauth.revoke(token)
    }
}

fn router(state: Arc<State>) -> Router {
    Router::new()
        .merge(oauth::routes())
        .merge(rest::routes(state.clone()))
        .merge(admin::routes())
        .with_state(state)
}

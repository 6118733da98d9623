//! Fault injection on the Marketing API (`/rest`); OAuth endpoints are never faulted.
//!
//! Which call fails is decided by hashing the seed with the call's sequence number, so a
//! run with the same seed and the same call order fails the same calls, and over many
//! calls each fault appears at its configured rate.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::State;
use crate::data::{Tag, hash, unit};

/// Faults to inject. The default injects none.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Answer 429 once more than `max_calls` calls arrive in one window.
    pub rate_limit: Option<RateLimit>,
    /// Share of calls answered 500 or 503 (alternately), 0.0 to 1.0.
    pub error_ratio: f64,
    /// Share of calls delayed by `slow_delay_ms`.
    pub slow_ratio: f64,
    pub slow_delay_ms: u64,
    /// Share of calls whose connection is cut in the middle of the response body.
    pub drop_ratio: f64,
    /// Share of records (entities, analytics rows) served malformed: a required field
    /// missing, a field of the wrong type, or a bad URN.
    pub malformed_ratio: f64,
    /// Share of entity records served hostile but well-formed: a NUL character or bytes
    /// that are not UTF-8 in a name, a non-ASCII content reference, an id beyond 64 bits.
    #[serde(default)]
    pub hostile_ratio: f64,
}

/// A fixed-window rate limit, in real (not sandbox) time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RateLimit {
    pub max_calls: u32,
    pub window_ms: u64,
    /// How `Retry-After` is written: RFC 9110 allows seconds or an HTTP date.
    #[serde(default)]
    pub retry_after: RetryAfterStyle,
}

/// The two forms of `Retry-After`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetryAfterStyle {
    #[default]
    Seconds,
    HttpDate,
}

/// Counters the faults are computed from.
#[derive(Debug)]
pub(crate) struct FaultState {
    sequence: AtomicU64,
    window: Mutex<(Instant, u32)>,
}

impl Default for FaultState {
    fn default() -> Self {
        FaultState {
            sequence: AtomicU64::new(0),
            window: Mutex::new((Instant::now(), 0)),
        }
    }
}

impl FaultState {
    /// Starts a fresh rate-limit window (new fault settings start from zero).
    pub(crate) fn reset_window(&self) {
        *self.window.lock().expect("lock") = (Instant::now(), 0);
    }
}

/// What to do with one call.
#[derive(Debug, Default)]
pub(crate) struct Decision {
    /// Answer this instead of serving the call.
    pub(crate) reject: Option<Response>,
    pub(crate) delay: Option<Duration>,
    pub(crate) drop_connection: bool,
}

/// Decides the faults of the next Marketing API call.
pub(crate) fn decide(state: &State) -> Decision {
    let faults = state.faults.read().expect("lock").clone();
    let n = state.fault_state.sequence.fetch_add(1, Ordering::SeqCst) as i64;
    let roll = |k: i64| unit(hash(state.config.seed, Tag::Fault, &[n, k]));

    if let Some(limit) = &faults.rate_limit {
        let window = Duration::from_millis(limit.window_ms.max(1));
        let mut w = state.fault_state.window.lock().expect("lock");
        if w.0.elapsed() >= window {
            *w = (Instant::now(), 0);
        }
        w.1 += 1;
        if w.1 > limit.max_calls {
            let wait = window.saturating_sub(w.0.elapsed());
            return Decision {
                reject: Some(too_many_requests(limit.retry_after, wait)),
                ..Decision::default()
            };
        }
    }
    if roll(1) < faults.error_ratio {
        let status = if n % 2 == 0 {
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        };
        return Decision {
            reject: Some(crate::render::error(
                status,
                "SERVER_ERROR",
                "Internal Server Error",
            )),
            ..Decision::default()
        };
    }
    Decision {
        reject: None,
        delay: (roll(2) < faults.slow_ratio).then(|| Duration::from_millis(faults.slow_delay_ms)),
        drop_connection: roll(3) < faults.drop_ratio,
    }
}

fn too_many_requests(style: RetryAfterStyle, wait: Duration) -> Response {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let value = match style {
        RetryAfterStyle::Seconds => secs.to_string(),
        RetryAfterStyle::HttpDate => {
            let at = chrono::Utc::now() + chrono::TimeDelta::seconds(secs as i64 + 1);
            at.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
        }
    };
    let mut response = crate::render::error(
        StatusCode::TOO_MANY_REQUESTS,
        "QUOTA_EXCEEDED",
        "Resource level throttle APPLICATION_AND_MEMBER MINUTE limit for calls to this resource is reached.",
    )
    .into_response();
    response
        .headers_mut()
        .insert("retry-after", HeaderValue::from_str(&value).expect("ascii"));
    response
}

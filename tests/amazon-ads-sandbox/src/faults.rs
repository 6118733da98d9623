//! Fault injection on the Amazon Ads API endpoints (Login with Amazon and the admin
//! endpoints are never faulted).
//!
//! Which call fails is decided by hashing the seed with the call's sequence number, so a
//! run with the same seed and call order fails the same calls, and over many calls each
//! fault appears at its configured rate.

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
    /// 429 once more than `max_calls` API calls arrive in one window.
    pub rate_limit: Option<RateLimit>,
    /// 429 on report creation alone (Amazon's report queue is limited apart from the
    /// rest of the API).
    pub report_rate_limit: Option<RateLimit>,
    /// Share of API calls answered 500 or 503 (alternately), 0.0 to 1.0.
    pub error_ratio: f64,
    /// Share of API calls delayed by `slow_delay_ms`.
    pub slow_ratio: f64,
    pub slow_delay_ms: u64,
    /// Share of records (list entries, report rows) served malformed: a required field
    /// missing, a field of the wrong type.
    pub malformed_ratio: f64,
    /// Share of reports that end FAILED instead of COMPLETED.
    pub failed_report_ratio: f64,
    /// Share of reports that take `slow_report_ms` longer to complete.
    pub slow_report_ratio: f64,
    pub slow_report_ms: u64,
    /// Share of report downloads refused as if their URL had expired.
    pub expired_url_ratio: f64,
}

/// A fixed-window rate limit, in real (not sandbox) time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RateLimit {
    pub max_calls: u32,
    pub window_ms: u64,
    /// Whether the 429 says when to come back (Amazon's report queue often does not).
    #[serde(default = "yes")]
    pub retry_after: bool,
}

fn yes() -> bool {
    true
}

/// Counters the faults are computed from.
#[derive(Debug)]
pub(crate) struct FaultState {
    sequence: AtomicU64,
    window: Mutex<(Instant, u32)>,
    report_window: Mutex<(Instant, u32)>,
}

impl Default for FaultState {
    fn default() -> Self {
        FaultState {
            sequence: AtomicU64::new(0),
            window: Mutex::new((Instant::now(), 0)),
            report_window: Mutex::new((Instant::now(), 0)),
        }
    }
}

impl FaultState {
    /// Starts fresh rate-limit windows (new fault settings start from zero).
    pub(crate) fn reset_windows(&self) {
        *self.window.lock().expect("lock") = (Instant::now(), 0);
        *self.report_window.lock().expect("lock") = (Instant::now(), 0);
    }
}

/// What to do with one call.
#[derive(Debug, Default)]
pub(crate) struct Decision {
    /// Answer this instead of serving the call.
    pub(crate) reject: Option<Response>,
    pub(crate) delay: Option<Duration>,
}

/// Decides the faults of the next API call; `creating_report` for POST
/// /reporting/reports, which has its own rate limit too.
pub(crate) fn decide(state: &State, creating_report: bool) -> Decision {
    let faults = state.faults.read().expect("lock").clone();
    let n = state.fault_state.sequence.fetch_add(1, Ordering::SeqCst) as i64;
    let roll = |k: i64| unit(hash(state.config.seed, Tag::Fault, &[n, k]));

    let limited = |limit: &RateLimit, window: &Mutex<(Instant, u32)>| {
        let length = Duration::from_millis(limit.window_ms.max(1));
        let mut w = window.lock().expect("lock");
        if w.0.elapsed() >= length {
            *w = (Instant::now(), 0);
        }
        w.1 += 1;
        (w.1 > limit.max_calls)
            .then(|| too_many_requests(limit.retry_after, length.saturating_sub(w.0.elapsed())))
    };
    if let Some(limit) = &faults.rate_limit
        && let Some(reject) = limited(limit, &state.fault_state.window)
    {
        return Decision {
            reject: Some(reject),
            delay: None,
        };
    }
    if creating_report
        && let Some(limit) = &faults.report_rate_limit
        && let Some(reject) = limited(limit, &state.fault_state.report_window)
    {
        return Decision {
            reject: Some(reject),
            delay: None,
        };
    }
    if roll(1) < faults.error_ratio {
        let status = if n % 2 == 0 {
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        };
        return Decision {
            reject: Some(crate::api::error(
                status,
                "INTERNAL_ERROR",
                "Internal error, please retry",
            )),
            delay: None,
        };
    }
    Decision {
        reject: None,
        delay: (roll(2) < faults.slow_ratio).then(|| Duration::from_millis(faults.slow_delay_ms)),
    }
}

fn too_many_requests(with_retry_after: bool, wait: Duration) -> Response {
    let mut response = crate::api::error(StatusCode::TOO_MANY_REQUESTS, "429", "Too Many Requests")
        .into_response();
    if with_retry_after {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        response.headers_mut().insert(
            "retry-after",
            HeaderValue::from_str(&secs.max(1).to_string()).expect("ascii"),
        );
    }
    response
}

/// Whether record `id` (of a list or report) is served malformed, for the current
/// settings: a pure function of the seed and the id, so every page and every retry
/// serves the same records malformed.
pub(crate) fn malformed(state: &State, id: i64, salt: i64) -> bool {
    let ratio = state.faults.read().expect("lock").malformed_ratio;
    ratio > 0.0 && unit(hash(state.config.seed, Tag::Malformed, &[id, salt])) < ratio
}

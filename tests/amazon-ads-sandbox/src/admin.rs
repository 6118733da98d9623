//! Admin endpoints under `/_sandbox` (not part of Amazon's API): the binary's way to do
//! what tests do through [`crate::Sandbox`] — read call counts, move the clock, restate
//! days, change faults, and read the ground truth.

use std::sync::Arc;

use axum::extract::{Path, Query, State as AxumState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::{Days, NaiveDate, TimeDelta};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::data::cents_to_decimal;
use crate::world::Metrics;
use crate::{Faults, State};

pub(crate) fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/_sandbox/calls", get(calls))
        .route("/_sandbox/clock", post(advance_clock))
        .route("/_sandbox/restate", post(restate))
        .route("/_sandbox/faults", put(set_faults).get(get_faults))
        .route("/_sandbox/truth/{kind}/{id}", get(truth))
}

async fn calls(AxumState(state): AxumState<Arc<State>>) -> Json<Value> {
    Json(json!(*state.calls.lock().expect("lock")))
}

#[derive(Deserialize)]
struct Advance {
    #[serde(default)]
    days: i64,
    #[serde(default)]
    seconds: i64,
}

/// Moves the clock: tokens and download URLs age, new days appear, and conversions of
/// recent days are restated (a report asked for afterwards counts more of them).
async fn advance_clock(
    AxumState(state): AxumState<Arc<State>>,
    Json(a): Json<Advance>,
) -> Json<Value> {
    state
        .world
        .clock
        .advance(TimeDelta::days(a.days) + TimeDelta::seconds(a.seconds));
    Json(json!({"now": state.world.clock.now().to_rfc3339()}))
}

#[derive(Deserialize)]
struct Restate {
    start: NaiveDate,
    end: NaiveDate,
}

async fn restate(AxumState(state): AxumState<Arc<State>>, Json(r): Json<Restate>) -> Response {
    if r.end < r.start {
        return (StatusCode::BAD_REQUEST, "end is before start").into_response();
    }
    state.world.restate(r.start, r.end);
    StatusCode::NO_CONTENT.into_response()
}

async fn set_faults(AxumState(state): AxumState<Arc<State>>, Json(f): Json<Faults>) -> StatusCode {
    *state.faults.write().expect("lock") = f;
    state.fault_state.reset_windows();
    StatusCode::NO_CONTENT
}

async fn get_faults(AxumState(state): AxumState<Arc<State>>) -> Json<Faults> {
    Json(state.faults.read().expect("lock").clone())
}

#[derive(Deserialize)]
struct Range {
    start: NaiveDate,
    end: NaiveDate,
}

/// Metrics as the truth endpoints write them: money as exact decimal strings.
pub(crate) fn metrics_json(m: &Metrics) -> Value {
    json!({
        "impressions": m.impressions,
        "clicks": m.clicks,
        "cost": cents_to_decimal(m.cost_cents),
        "purchases": m.purchases,
        "sales": m.sales_cents.map(cents_to_decimal),
        "units": m.units,
    })
}

/// `GET /_sandbox/truth/{campaigns|ad-groups|targetings|product-ads}/{id}?start=&end=`:
/// the grain's metrics per active day, as a report completed now would state them.
async fn truth(
    AxumState(state): AxumState<Arc<State>>,
    Path((kind, id)): Path<(String, i64)>,
    Query(range): Query<Range>,
) -> Response {
    if range.end < range.start || (range.end - range.start).num_days() > 3_660 {
        return (
            StatusCode::BAD_REQUEST,
            "a range of at most ten years, end after start",
        )
            .into_response();
    }
    let truth = crate::truth::GroundTruth::new(&state);
    let day_of = |day: NaiveDate| match kind.as_str() {
        "campaigns" => Some(truth.campaign_day(id, day)),
        "ad-groups" => Some(truth.ad_group_day(id, day)),
        "targetings" => Some(truth.targeting_day(id, day)),
        "product-ads" => Some(truth.product_ad_day(id, day)),
        _ => None,
    };
    let mut days = Vec::new();
    let mut day = range.start;
    while day <= range.end {
        match day_of(day) {
            None => return (StatusCode::NOT_FOUND, "unknown kind").into_response(),
            Some(Some(m)) => {
                let mut v = metrics_json(&m);
                v["date"] = json!(day.to_string());
                days.push(v);
            }
            Some(None) => {}
        }
        day = day + Days::new(1);
    }
    Json(json!({"days": days})).into_response()
}

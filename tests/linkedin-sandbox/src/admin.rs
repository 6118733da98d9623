//! Admin endpoints under `/_sandbox` (not part of LinkedIn's API): the binary's way to
//! do what tests do through [`crate::Sandbox`] — read call counts, move the clock,
//! restate days, add or pause campaigns, change faults.

use std::sync::Arc;

use axum::extract::{Path, State as AxumState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::{NaiveDate, TimeDelta};
use serde::Deserialize;
use serde_json::json;

use crate::{Faults, State};

pub(crate) fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/_sandbox/calls", get(calls))
        .route("/_sandbox/clock", post(advance_clock))
        .route("/_sandbox/restate", post(restate))
        .route("/_sandbox/faults", put(set_faults).get(get_faults))
        .route(
            "/_sandbox/accounts/{account_id}/campaigns",
            post(add_campaign),
        )
        .route(
            "/_sandbox/campaigns/{campaign_id}/pause",
            post(pause_campaign),
        )
}

async fn calls(AxumState(state): AxumState<Arc<State>>) -> Json<serde_json::Value> {
    Json(json!(*state.calls.lock().expect("lock")))
}

#[derive(Deserialize)]
struct Advance {
    #[serde(default)]
    days: i64,
    #[serde(default)]
    seconds: i64,
}

async fn advance_clock(
    AxumState(state): AxumState<Arc<State>>,
    Json(a): Json<Advance>,
) -> Json<serde_json::Value> {
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
    state.fault_state.reset_window();
    StatusCode::NO_CONTENT
}

async fn get_faults(AxumState(state): AxumState<Arc<State>>) -> Json<Faults> {
    Json(state.faults.read().expect("lock").clone())
}

async fn add_campaign(
    AxumState(state): AxumState<Arc<State>>,
    Path(account_id): Path<i64>,
) -> Response {
    match crate::data::account_index(account_id).and_then(|a| state.world.add_campaign(a)) {
        Some(id) => Json(json!({"campaign_id": id})).into_response(),
        None => (StatusCode::NOT_FOUND, "no such account").into_response(),
    }
}

async fn pause_campaign(
    AxumState(state): AxumState<Arc<State>>,
    Path(campaign_id): Path<i64>,
) -> StatusCode {
    if state.world.pause_campaign(campaign_id) {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::NOT_FOUND
    }
}

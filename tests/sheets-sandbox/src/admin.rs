//! Admin endpoints under `/_sandbox`, for tests and demos: key files, the spreadsheets and
//! their ground truth, the files their suppliers would send, edits (cells, columns, formats, sharing), call counts, faults and
//! the clock. They need no token.

use std::sync::Arc;

use axum::extract::{Path, State as AxumState};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::files::{self, FileFormat};
use crate::{Edit, Faults, State, apply};

pub(crate) fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/_sandbox/key-files/{n}", get(key_file))
        .route("/_sandbox/spreadsheets", get(spreadsheets))
        .route("/_sandbox/spreadsheets/{id}/truth", get(truth))
        .route("/_sandbox/spreadsheets/{id}/edits", post(edit))
        .route("/_sandbox/spreadsheets/{id}/file/{format}", get(file))
        .route("/_sandbox/calls", get(calls))
        .route("/_sandbox/faults", put(faults))
        .route("/_sandbox/clock", post(clock))
}

fn not_found(what: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"error": format!("no {what}")})),
    )
        .into_response()
}

async fn key_file(AxumState(state): AxumState<Arc<State>>, Path(n): Path<usize>) -> Response {
    match state.accounts.get(n) {
        Some(a) => Json(a.key_file(&state.config.project, &state.token_url())).into_response(),
        None => not_found("such service account"),
    }
}

async fn spreadsheets(AxumState(state): AxumState<Arc<State>>) -> Response {
    let listed: Vec<serde_json::Value> = state
        .books
        .read()
        .expect("lock")
        .iter()
        .map(|b| {
            json!({
                "id": b.id,
                "title": b.title,
                "locale": b.locale.code(),
                "version": b.version.to_string(),
                "sharedWith": b.shared_with,
            })
        })
        .collect();
    Json(json!({ "spreadsheets": listed })).into_response()
}

async fn truth(AxumState(state): AxumState<Arc<State>>, Path(id): Path<String>) -> Response {
    match state.book(&id) {
        Some(book) => {
            let t = book.truth();
            Json(json!({
                "sheet": t.sheet_title,
                "headerRow": t.header_row,
                "rows": t.rows.iter().map(|r| json!({
                    "row": r.row, "sku": r.sku, "name": r.name, "price": r.price,
                    "currency": r.currency,
                    "validFrom": r.valid_from.map(|d| d.to_string()),
                })).collect::<Vec<_>>(),
                "rejected": t.rejected.iter().map(|r| json!({"row": r.row, "reason": r.reason})).collect::<Vec<_>>(),
            }))
            .into_response()
        }
        None => not_found("such spreadsheet"),
    }
}

/// The price list as the file its supplier would send (`csv`, `xlsx` or `ods`).
async fn file(
    AxumState(state): AxumState<Arc<State>>,
    Path((id, format)): Path<(String, String)>,
) -> Response {
    let Some(format) = FileFormat::parse(&format) else {
        return not_found("such file format (csv, xlsx, ods)");
    };
    let Some(book) = state.book(&id) else {
        return not_found("such spreadsheet");
    };
    match files::write(&book, format) {
        Ok(bytes) => (
            [(header::CONTENT_TYPE, format.media_type(book.locale))],
            bytes,
        )
            .into_response(),
        Err(why) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"error": why})),
        )
            .into_response(),
    }
}

async fn edit(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    Json(edit): Json<Edit>,
) -> Response {
    match apply(&state, &id, edit) {
        Ok(()) => {
            Json(json!({"version": state.book(&id).map(|b| b.version.to_string())})).into_response()
        }
        Err(why) => (StatusCode::BAD_REQUEST, Json(json!({"error": why}))).into_response(),
    }
}

async fn calls(AxumState(state): AxumState<Arc<State>>) -> Response {
    Json(json!(*state.calls.lock().expect("lock"))).into_response()
}

async fn faults(AxumState(state): AxumState<Arc<State>>, Json(faults): Json<Faults>) -> Response {
    *state.faults.write().expect("lock") = faults;
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
struct Advance {
    advance_secs: u64,
}

async fn clock(AxumState(state): AxumState<Arc<State>>, Json(a): Json<Advance>) -> Response {
    *state.offset.lock().expect("lock") += chrono::TimeDelta::seconds(a.advance_secs as i64);
    Json(json!({"now": state.now().to_rfc3339()})).into_response()
}

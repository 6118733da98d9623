//! The Sheets v4 and Drive v3 endpoints, checked as Google checks them: a live `ya29.`
//! bearer token with a scope that reads the resource (401 / 403 otherwise), the read quota
//! per service account and per project (429 RESOURCE_EXHAUSTED), the spreadsheet shared
//! with the account (403 for Sheets, 404 for Drive, as Google answers), ranges that parse
//! and fit the grid (400). Errors carry Google's body: `{"error": {code, message, status}}`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State as AxumState};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value as Json_, json};

use crate::State;
use crate::a1::{self, column_name, quote_title};
use crate::book::Spreadsheet;
use crate::oauth::{DRIVE_SCOPES, SHEETS_SCOPES};
use crate::render::{self, DateRender, ValueRender};

/// An error as Google's APIs write it.
pub(crate) fn google_error(status: StatusCode, message: &str) -> Response {
    let name = match status.as_u16() {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        429 => "RESOURCE_EXHAUSTED",
        503 => "UNAVAILABLE",
        _ => "INTERNAL",
    };
    (
        status,
        Json(json!({"error": {"code": status.as_u16(), "message": message, "status": name}})),
    )
        .into_response()
}

/// Which API a call belongs to (the scopes it accepts and how it hides unshared files).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Api {
    Sheets,
    Drive,
}

/// The query's parameters, repeated ones kept (`ranges=a&ranges=b`).
fn params(raw: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn param<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// Checks a call; the spreadsheet it may read, or the answer that refuses it.
async fn admit(
    state: &State,
    endpoint: &str,
    headers: &HeaderMap,
    api: Api,
    id: &str,
) -> Result<Spreadsheet, Response> {
    state.count(endpoint);
    if let Some(refusal) = state.faults_hit().await {
        return Err(refusal);
    }
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let unauthenticated = || {
        google_error(
            StatusCode::UNAUTHORIZED,
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
        )
    };
    let Some(grant) = state.tokens.get(token) else {
        return Err(unauthenticated());
    };
    if grant.expires_at <= state.now() {
        return Err(unauthenticated());
    }
    let accepted: &[&str] = match api {
        Api::Sheets => &SHEETS_SCOPES,
        Api::Drive => &DRIVE_SCOPES,
    };
    if !grant.scopes.iter().any(|s| accepted.contains(&s.as_str())) {
        return Err(google_error(
            StatusCode::FORBIDDEN,
            "Request had insufficient authentication scopes.",
        ));
    }
    if let Err(message) = state.quota.take(&grant.email) {
        return Err(google_error(StatusCode::TOO_MANY_REQUESTS, &message));
    }
    let book = state.book(id);
    match book {
        Some(b) if b.shared_with.contains(&grant.email) => Ok(b),
        Some(_) if api == Api::Sheets => Err(google_error(
            StatusCode::FORBIDDEN,
            "The caller does not have permission",
        )),
        _ if api == Api::Drive => Err(google_error(
            StatusCode::NOT_FOUND,
            &format!("File not found: {id}."),
        )),
        _ => Err(google_error(
            StatusCode::NOT_FOUND,
            "Requested entity was not found.",
        )),
    }
}

/// `GET /v4/spreadsheets/{id}`: the spreadsheet's properties and its sheets'.
pub(crate) async fn spreadsheet(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let book = match admit(&state, "sheets.get", &headers, Api::Sheets, &id).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let sheets: Vec<Json_> = book
        .sheets
        .iter()
        .enumerate()
        .map(|(index, s)| {
            let mut sheet = json!({"properties": {
                "sheetId": s.sheet_id,
                "title": s.title,
                "index": index,
                "sheetType": "GRID",
                "gridProperties": {"rowCount": s.row_count, "columnCount": s.column_count},
            }});
            if !s.merges.is_empty() {
                sheet["merges"] = s
                    .merges
                    .iter()
                    .map(|(row, col, rows, cols)| {
                        json!({
                            "sheetId": s.sheet_id,
                            "startRowIndex": row,
                            "endRowIndex": row + rows,
                            "startColumnIndex": col,
                            "endColumnIndex": col + cols,
                        })
                    })
                    .collect();
            }
            sheet
        })
        .collect();
    Json(json!({
        "spreadsheetId": book.id,
        "properties": {
            "title": book.title,
            "locale": book.locale.code(),
            "autoRecalc": "ON_CHANGE",
            "timeZone": book.time_zone,
        },
        "sheets": sheets,
        "spreadsheetUrl": format!("{}/spreadsheets/d/{}/edit", state.base_url(), book.id),
    }))
    .into_response()
}

/// How values are asked for.
struct Rendering {
    columns: bool,
    values: ValueRender,
    dates: DateRender,
}

fn rendering(params: &[(String, String)]) -> Result<Rendering, Response> {
    let bad = |name: &str, v: &str| {
        google_error(
            StatusCode::BAD_REQUEST,
            &format!("Invalid value at '{name}' (TYPE_ENUM), \"{v}\""),
        )
    };
    let columns = match param(params, "majorDimension").unwrap_or("ROWS") {
        "ROWS" | "DIMENSION_UNSPECIFIED" => false,
        "COLUMNS" => true,
        v => return Err(bad("major_dimension", v)),
    };
    let values = match param(params, "valueRenderOption") {
        None => ValueRender::Formatted,
        Some(v) => ValueRender::parse(v).ok_or_else(|| bad("value_render_option", v))?,
    };
    let dates = match param(params, "dateTimeRenderOption") {
        None => DateRender::SerialNumber,
        Some(v) => DateRender::parse(v).ok_or_else(|| bad("date_time_render_option", v))?,
    };
    Ok(Rendering {
        columns,
        values,
        dates,
    })
}

/// One range's `ValueRange`: the range as clipped to the grid, and its values with
/// trailing empty cells and rows dropped (`values` absent when nothing is left).
fn value_range(book: &Spreadsheet, raw: &str, how: &Rendering) -> Result<Json_, Response> {
    let unparsable = || {
        google_error(
            StatusCode::BAD_REQUEST,
            &format!("Unable to parse range: {raw}"),
        )
    };
    // A bare sheet title that also reads as a cell (`Tab1`) is the sheet.
    let range = match book.sheets.iter().find(|s| s.title == raw.trim()) {
        Some(s) => a1::Range {
            sheet: Some(s.title.clone()),
            first_row: None,
            last_row: None,
            first_col: None,
            last_col: None,
        },
        None => a1::parse(raw).ok_or_else(unparsable)?,
    };
    let sheet = match &range.sheet {
        None => &book.sheets[0],
        Some(title) => book
            .sheets
            .iter()
            .find(|s| s.title == *title)
            .ok_or_else(unparsable)?,
    };
    let (rows, cols) = (sheet.row_count, sheet.column_count);
    let first_row = range.first_row.unwrap_or(0);
    let first_col = range.first_col.unwrap_or(0);
    if first_row >= rows || first_col >= cols {
        return Err(google_error(
            StatusCode::BAD_REQUEST,
            &format!(
                "Range ({}!{}{}) exceeds grid limits. Max rows: {rows}, max columns: {cols}",
                quote_title(&sheet.title),
                column_name(first_col),
                first_row + 1
            ),
        ));
    }
    let last_row = range.last_row.unwrap_or(rows - 1).min(rows - 1);
    let last_col = range.last_col.unwrap_or(cols - 1).min(cols - 1);
    let name = format!(
        "{}!{}{}:{}{}",
        quote_title(&sheet.title),
        column_name(first_col),
        first_row + 1,
        column_name(last_col),
        last_row + 1
    );
    // Only the stored part of the grid can hold values.
    let stored_rows = sheet.rows.len().min(last_row + 1);
    let mut matrix: Vec<Vec<Json_>> = (first_row..stored_rows)
        .map(|r| {
            (first_col..=last_col)
                .map(|c| {
                    sheet
                        .cell(r, c)
                        .map_or(Json_::String(String::new()), |cell| {
                            render::cell(cell, book.locale, how.values, how.dates)
                        })
                })
                .collect()
        })
        .collect();
    if how.columns {
        let width = last_col + 1 - first_col;
        matrix = (0..width)
            .map(|c| matrix.iter().map(|row| row[c].clone()).collect())
            .collect();
    }
    let empty = |v: &Json_| v.as_str() == Some("");
    for line in &mut matrix {
        while line.last().is_some_and(empty) {
            line.pop();
        }
    }
    while matrix.last().is_some_and(Vec::is_empty) {
        matrix.pop();
    }
    let mut out = Map::new();
    out.insert("range".into(), json!(name));
    out.insert(
        "majorDimension".into(),
        json!(if how.columns { "COLUMNS" } else { "ROWS" }),
    );
    if !matrix.is_empty() {
        out.insert("values".into(), json!(matrix));
    }
    Ok(Json_::Object(out))
}

/// `GET /v4/spreadsheets/{id}/values/{range}`.
pub(crate) async fn values(
    AxumState(state): AxumState<Arc<State>>,
    Path((id, range)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let book = match admit(&state, "sheets.values.get", &headers, Api::Sheets, &id).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let params = params(query.as_deref());
    let how = match rendering(&params) {
        Ok(h) => h,
        Err(r) => return r,
    };
    match value_range(&book, &range, &how) {
        Ok(v) => Json(v).into_response(),
        Err(r) => r,
    }
}

/// `GET /v4/spreadsheets/{id}/values:batchGet?ranges=…&ranges=…`.
pub(crate) async fn batch_get(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let book = match admit(&state, "sheets.values.batchGet", &headers, Api::Sheets, &id).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let params = params(query.as_deref());
    let how = match rendering(&params) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let mut ranges = Vec::new();
    for (_, raw) in params.iter().filter(|(k, _)| k == "ranges") {
        match value_range(&book, raw, &how) {
            Ok(v) => ranges.push(v),
            Err(r) => return r,
        }
    }
    Json(json!({"spreadsheetId": book.id, "valueRanges": ranges})).into_response()
}

/// `GET /drive/v3/files/{id}?fields=…`: the fields asked for (`id`, `name`, `mimeType`,
/// `version`, `modifiedTime`); without `fields`, Drive's default set.
pub(crate) async fn drive_file(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let book = match admit(&state, "drive.files.get", &headers, Api::Drive, &id).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let params = params(query.as_deref());
    let all = json!({
        "kind": "drive#file",
        "id": book.id,
        "name": book.title,
        "mimeType": "application/vnd.google-apps.spreadsheet",
        // Drive writes int64s as strings.
        "version": book.version.to_string(),
        "modifiedTime": book.modified.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    });
    let wanted: Vec<&str> = match param(&params, "fields") {
        None => vec!["kind", "id", "name", "mimeType"],
        Some(f) => f.split(',').map(str::trim).collect(),
    };
    let mut out = Map::new();
    for field in wanted {
        match all.get(field) {
            Some(v) => {
                out.insert(field.to_owned(), v.clone());
            }
            None => {
                return google_error(
                    StatusCode::BAD_REQUEST,
                    &format!("Invalid field selection {field}"),
                );
            }
        }
    }
    Json(Json_::Object(out)).into_response()
}

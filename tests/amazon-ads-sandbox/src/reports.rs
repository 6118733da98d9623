//! Reporting v3: `POST /reporting/reports` asks for an asynchronous report; `GET
//! /reporting/reports/{id}` follows it from PENDING through PROCESSING to COMPLETED (with
//! a presigned, expiring download URL on the storage host) or FAILED. As Amazon does, the
//! sandbox refuses ranges over 31 days, start dates older than the 95-day retention and
//! end dates after today in the profile's time zone, and answers 425 naming the existing
//! report when an identical report is still being generated.
//!
//! A report's rows are computed when it completes, as of that moment: a report asked for
//! again later shows the conversions restated since.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State as AxumState};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Days, NaiveDate, SecondsFormat, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::State;
use crate::api;
use crate::data::{Region, Tag, hash, unit};
use crate::render::ReportSpec;

/// The media type of a report request.
pub const CREATE_MEDIA_TYPE: &str = "application/vnd.createasyncreportrequest.v3+json";
/// The longest range one report may cover, in days.
pub const MAX_DAYS: i64 = 31;
/// How far back a Sponsored Products report may start, in days before today.
pub const RETENTION_DAYS: i64 = 95;

/// An error as the reporting API writes it.
fn error(status: StatusCode, detail: &str) -> Response {
    (
        status,
        Json(json!({"code": status.as_u16().to_string(), "detail": detail})),
    )
        .into_response()
}

/// The body of a report request.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateBody {
    name: Option<String>,
    start_date: String,
    end_date: String,
    configuration: Configuration,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Configuration {
    pub(crate) ad_product: String,
    pub(crate) group_by: Vec<String>,
    pub(crate) columns: Vec<String>,
    pub(crate) report_type_id: String,
    pub(crate) time_unit: String,
    pub(crate) format: String,
    #[serde(default)]
    pub(crate) filters: Vec<Filter>,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
pub(crate) struct Filter {
    pub(crate) field: String,
    pub(crate) values: Vec<String>,
}

/// One report asked for.
#[derive(Debug, Clone)]
struct Report {
    id: String,
    profile: u32,
    region: Region,
    name: Option<String>,
    start: NaiveDate,
    end: NaiveDate,
    configuration: Configuration,
    spec: ReportSpec,
    /// Identifies the request: an identical one in flight is refused with 425.
    fingerprint: String,
    created: Instant,
    created_at: DateTime<Utc>,
    /// How long it takes, in real time, to reach PROCESSING and then to end.
    pending: Duration,
    ready: Duration,
    /// Whether it ends FAILED.
    fails: bool,
    /// When it completed, in sandbox time: its rows are as of then.
    completed_at: Option<DateTime<Utc>>,
    /// The size of its file, once completed.
    file_size: Option<usize>,
}

/// Where a report is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Pending,
    Processing,
    Completed,
    Failed,
}

impl Status {
    fn name(self) -> &'static str {
        match self {
            Status::Pending => "PENDING",
            Status::Processing => "PROCESSING",
            Status::Completed => "COMPLETED",
            Status::Failed => "FAILED",
        }
    }

    fn in_flight(self) -> bool {
        matches!(self, Status::Pending | Status::Processing)
    }
}

impl Report {
    fn status(&self) -> Status {
        let elapsed = self.created.elapsed();
        if elapsed < self.pending {
            Status::Pending
        } else if elapsed < self.ready {
            Status::Processing
        } else if self.fails {
            Status::Failed
        } else {
            Status::Completed
        }
    }
}

/// A completed report: its file is the rows of `spec` on `profile` over `range`, as of
/// the sandbox time it completed.
pub(crate) struct Completed {
    pub(crate) profile: u32,
    pub(crate) spec: ReportSpec,
    pub(crate) range: (NaiveDate, NaiveDate),
    pub(crate) as_of: DateTime<Utc>,
}

/// Every report asked for, by id.
#[derive(Debug, Default)]
pub(crate) struct Reports {
    by_id: Mutex<HashMap<String, Report>>,
}

impl Reports {
    /// What a completed report's file is made of.
    pub(crate) fn completed(&self, id: &str) -> Option<Completed> {
        let reports = self.by_id.lock().expect("lock");
        let r = reports.get(id)?;
        Some(Completed {
            profile: r.profile,
            spec: r.spec.clone(),
            range: (r.start, r.end),
            as_of: r.completed_at?,
        })
    }

    /// How many reports were asked for (accepted, not refused).
    pub(crate) fn count(&self) -> usize {
        self.by_id.lock().expect("lock").len()
    }
}

pub(crate) async fn create(
    AxumState(state): AxumState<Arc<State>>,
    Path(region): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let region = match api::region(&region) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let profile = match api::admit(&state, "reporting.create", &headers, region, true, true).await {
        Ok(p) => p.expect("scoped"),
        Err(reject) => return reject,
    };
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type != CREATE_MEDIA_TYPE {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &format!("Content-Type must be {CREATE_MEDIA_TYPE} (got {content_type:?})"),
        );
    }
    let body: CreateBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("the request body is not valid: {e}"),
            );
        }
    };
    let day = |s: &str, field: &str| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
            error(
                StatusCode::BAD_REQUEST,
                &format!("{field} must be a date as YYYY-MM-DD"),
            )
        })
    };
    let (start, end) = match (
        day(&body.start_date, "startDate"),
        day(&body.end_date, "endDate"),
    ) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    let today = state.world.today(&profile);
    if end < start {
        return error(StatusCode::BAD_REQUEST, "endDate is before startDate");
    }
    if (end - start).num_days() + 1 > MAX_DAYS {
        return error(
            StatusCode::BAD_REQUEST,
            &format!("The date range cannot exceed {MAX_DAYS} days"),
        );
    }
    if start < today - Days::new(RETENTION_DAYS as u64) {
        return error(
            StatusCode::BAD_REQUEST,
            &format!(
                "startDate {start} is before the retention period: Sponsored Products reports go back {RETENTION_DAYS} days (to {})",
                today - Days::new(RETENTION_DAYS as u64)
            ),
        );
    }
    if end > today {
        return error(
            StatusCode::BAD_REQUEST,
            &format!("endDate {end} is after today ({today}) in the profile's time zone"),
        );
    }
    let spec = match ReportSpec::parse(&body.configuration) {
        Ok(s) => s,
        Err(why) => return error(StatusCode::BAD_REQUEST, &why),
    };
    let fingerprint = format!(
        "{}|{start}|{end}|{}",
        profile.id,
        serde_json::to_string(&body.configuration).expect("serialisable")
    );

    let faults = state.faults.read().expect("lock").clone();
    let config = &state.config;
    let mut reports = state.reports.by_id.lock().expect("lock");
    if let Some(existing) = reports
        .values()
        .find(|r| r.fingerprint == fingerprint && r.status().in_flight())
    {
        return error(
            StatusCode::TOO_EARLY,
            &format!("The Request is a duplicate of : {}", existing.id),
        );
    }
    let id = uuid::Uuid::new_v4().to_string();
    let roll = |k: i64| unit(hash(config.seed, Tag::Fault, &[reports.len() as i64, k, 7]));
    let slow = roll(1) < faults.slow_report_ratio;
    let pending = Duration::from_millis(config.report_pending_ms);
    let ready = pending
        + Duration::from_millis(config.report_processing_ms)
        + if slow {
            Duration::from_millis(faults.slow_report_ms)
        } else {
            Duration::ZERO
        };
    let report = Report {
        id: id.clone(),
        profile: profile.index,
        region,
        name: body.name,
        start,
        end,
        configuration: body.configuration,
        spec,
        fingerprint,
        created: Instant::now(),
        created_at: state.world.clock.now(),
        pending,
        ready,
        fails: roll(2) < faults.failed_report_ratio,
        completed_at: None,
        file_size: None,
    };
    let answer = describe(&state, &report, Status::Pending);
    reports.insert(id, report);
    Json(answer).into_response()
}

pub(crate) async fn status(
    AxumState(state): AxumState<Arc<State>>,
    Path((region, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let region = match api::region(&region) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let profile = match api::admit(&state, "reporting.status", &headers, region, true, false).await
    {
        Ok(p) => p.expect("scoped"),
        Err(reject) => return reject,
    };
    let mut reports = state.reports.by_id.lock().expect("lock");
    let Some(report) = reports
        .get_mut(&id)
        .filter(|r| r.profile == profile.index && r.region == region)
    else {
        return error(StatusCode::NOT_FOUND, &format!("Report {id} not found"));
    };
    let status = report.status();
    if status == Status::Completed && report.completed_at.is_none() {
        let now = state.world.clock.now();
        report.completed_at = Some(now);
        let file = crate::render::file(
            &state,
            report.profile,
            &report.spec,
            (report.start, report.end),
            now,
        );
        report.file_size = Some(file.len());
    }
    Json(describe(&state, report, status)).into_response()
}

/// A report as the status call describes it.
fn describe(state: &State, r: &Report, status: Status) -> Value {
    let at = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Millis, true);
    let now = state.world.clock.now();
    let mut v = json!({
        "reportId": r.id,
        "name": r.name,
        "status": status.name(),
        "startDate": r.start.to_string(),
        "endDate": r.end.to_string(),
        "configuration": r.configuration,
        "createdAt": at(r.created_at),
        "updatedAt": at(if status == Status::Pending { r.created_at } else { now }),
        "generatedAt": null,
        "fileSize": null,
        "url": null,
        "urlExpiresAt": null,
        "failureReason": null,
    });
    let o = v.as_object_mut().expect("an object");
    match status {
        Status::Completed => {
            let completed = r.completed_at.unwrap_or(now);
            // A fresh URL at every call: one that expired is replaced by asking again.
            let (url, expires) = crate::storage::presign(state, &r.id, now);
            o.insert("generatedAt".into(), json!(at(completed)));
            o.insert("url".into(), json!(url));
            o.insert("urlExpiresAt".into(), json!(at(expires)));
            o.insert("fileSize".into(), json!(r.file_size));
        }
        Status::Failed => {
            o.insert(
                "failureReason".into(),
                json!("Report generation failed due to an internal error. Please retry."),
            );
        }
        _ => {}
    }
    v
}

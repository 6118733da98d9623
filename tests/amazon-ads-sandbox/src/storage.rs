//! The storage host report files are downloaded from, as Amazon serves them from S3:
//! presigned URLs that expire (`X-Amz-Date` + `X-Amz-Expires`, in sandbox time), a
//! signature that must match, and no `Authorization` header allowed (S3 refuses a
//! second way to authenticate). Errors are S3's XML. The file is the gzipped JSON as
//! bytes; nothing decompresses it on the way.

use std::sync::Arc;

use axum::extract::{Path, Query, State as AxumState};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::State;
use crate::data::{Tag, hash, unit};

const DATE_FORMAT: &str = "%Y%m%dT%H%M%SZ";

fn signature(state: &State, path: &str, date: &str, expires: &str) -> String {
    let mut h = Sha256::new();
    h.update(state.config.client_secret.as_bytes());
    for part in [path, date, expires] {
        h.update(b"|");
        h.update(part.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A download URL of report `id`, signed at `now`; and when it expires.
pub(crate) fn presign(state: &State, id: &str, now: DateTime<Utc>) -> (String, DateTime<Utc>) {
    let path = format!("/storage/reports/{id}.json.gz");
    let date = now.format(DATE_FORMAT).to_string();
    let ttl = state.config.url_ttl.num_seconds().max(1).to_string();
    let sig = signature(state, &path, &date, &ttl);
    let url = format!(
        "{}{path}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date={date}&X-Amz-Expires={ttl}&X-Amz-SignedHeaders=host&X-Amz-Signature={sig}",
        state.base_url()
    );
    (url, now + state.config.url_ttl)
}

fn s3_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        [("content-type", "application/xml")],
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>"
        ),
    )
        .into_response()
}

#[derive(Deserialize)]
pub(crate) struct Signed {
    #[serde(rename = "X-Amz-Date")]
    date: Option<String>,
    #[serde(rename = "X-Amz-Expires")]
    expires: Option<String>,
    #[serde(rename = "X-Amz-Signature")]
    signature: Option<String>,
}

pub(crate) async fn download(
    AxumState(state): AxumState<Arc<State>>,
    Path(file): Path<String>,
    Query(q): Query<Signed>,
    headers: HeaderMap,
) -> Response {
    state.count("storage.download");
    if headers.contains_key("authorization") {
        return s3_error(
            StatusCode::BAD_REQUEST,
            "InvalidArgument",
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified",
        );
    }
    let (Some(date), Some(expires), Some(sig)) = (q.date, q.expires, q.signature) else {
        return s3_error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "Query-string authentication requires the Signature, Expires and Date parameters",
        );
    };
    let path = format!("/storage/reports/{file}");
    if sig != signature(&state, &path, &date, &expires) {
        return s3_error(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        );
    }
    let signed_at = NaiveDateTime::parse_from_str(&date, DATE_FORMAT).map(|d| d.and_utc());
    let ttl = expires.parse::<i64>().map(TimeDelta::seconds);
    let (Ok(signed_at), Ok(ttl)) = (signed_at, ttl) else {
        return s3_error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "Invalid date or expiry",
        );
    };
    let n = state.fault_state_downloads();
    let expired_fault = unit(hash(state.config.seed, Tag::Fault, &[n, 11]))
        < state.faults.read().expect("lock").expired_url_ratio;
    if state.world.clock.now() > signed_at + ttl || expired_fault {
        return s3_error(StatusCode::FORBIDDEN, "AccessDenied", "Request has expired");
    }
    let Some(id) = file.strip_suffix(".json.gz") else {
        return s3_error(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The specified key does not exist.",
        );
    };
    match file_of(&state, id) {
        Some(bytes) => (
            StatusCode::OK,
            [("content-type", "application/octet-stream")],
            bytes,
        )
            .into_response(),
        None => s3_error(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The specified key does not exist.",
        ),
    }
}

/// The file of completed report `id`.
pub(crate) fn file_of(state: &State, id: &str) -> Option<Vec<u8>> {
    let c = state.reports.completed(id)?;
    Some(crate::render::file(
        state, c.profile, &c.spec, c.range, c.as_of,
    ))
}

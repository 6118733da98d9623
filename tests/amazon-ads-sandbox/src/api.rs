//! What every Amazon Ads API call goes through: the call is counted, faults are
//! applied, and the caller's headers are checked as Amazon checks them —
//! `Authorization: Bearer <live access token>` and `Amazon-Advertising-API-ClientId` on
//! every call, and `Amazon-Advertising-API-Scope: <profileId>` (a profile of this
//! region) on every call but the profile list. Errors are `{"code", "details"}`, 401s
//! with Amazon's messages.

use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::State;
use crate::data::Region;
use crate::oauth::TokenProblem;
use crate::world::Profile;

pub(crate) const CLIENT_ID_HEADER: &str = "amazon-advertising-api-clientid";
pub(crate) const SCOPE_HEADER: &str = "amazon-advertising-api-scope";

/// An error as the Amazon Ads API writes it.
pub(crate) fn error(status: StatusCode, code: &str, details: &str) -> Response {
    (status, Json(json!({"code": code, "details": details}))).into_response()
}

fn unauthorized(details: &str) -> Response {
    error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", details)
}

/// Counts the call as `endpoint`, applies the faults, checks the credentials and, when
/// `scoped`, the profile header. Returns the profile the call is scoped to, or the
/// response to send instead.
pub(crate) async fn admit(
    state: &State,
    endpoint: &str,
    headers: &HeaderMap,
    region: Region,
    scoped: bool,
    creating_report: bool,
) -> Result<Option<Profile>, Response> {
    state.count(endpoint);
    let decision = crate::faults::decide(state, creating_report);
    if let Some(delay) = decision.delay {
        tokio::time::sleep(delay).await;
    }
    if let Some(reject) = decision.reject {
        return Err(reject);
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let token = header("authorization")
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .ok_or_else(|| unauthorized("Authorization header is missing"))?;
    match state.oauth.check(token, state.world.clock.now()) {
        Ok(()) => {}
        Err(TokenProblem::Expired) => return Err(unauthorized("The access token has expired")),
        Err(TokenProblem::Unknown) => return Err(unauthorized("Invalid access token")),
    }
    match header(CLIENT_ID_HEADER) {
        None => {
            return Err(unauthorized(
                "Amazon-Advertising-API-ClientId header is missing",
            ));
        }
        Some(id) if id != state.config.client_id => {
            return Err(unauthorized("Invalid Amazon-Advertising-API-ClientId"));
        }
        Some(_) => {}
    }
    if !scoped {
        return Ok(None);
    }
    let scope = header(SCOPE_HEADER).ok_or_else(|| unauthorized("Scope header is missing"))?;
    let profile = scope
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|id| state.world.profile_by_id(id))
        .ok_or_else(|| unauthorized("No matching advertiser found for scope"))?;
    if profile.region() != region {
        return Err(unauthorized("Not authorized to access scope"));
    }
    Ok(Some(profile))
}

/// The region of a path's first segment (`/na/...`), or 404 as an unknown host would.
pub(crate) fn region(segment: &str) -> Result<Region, Response> {
    Region::from_path(segment).ok_or_else(|| error(StatusCode::NOT_FOUND, "NOT_FOUND", "Not Found"))
}

//! `GET /v2/profiles` on each regional host: the profiles of that region only (none on
//! another region's host), optionally filtered by `profileTypeFilter`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State as AxumState};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::State;
use crate::api;
use crate::world::Profile;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProfilesQuery {
    profile_type_filter: Option<String>,
    #[allow(dead_code)]
    api_program: Option<String>,
    #[allow(dead_code)]
    access_level: Option<String>,
}

pub(crate) async fn list(
    AxumState(state): AxumState<Arc<State>>,
    Path(region): Path<String>,
    Query(q): Query<ProfilesQuery>,
    headers: HeaderMap,
) -> Response {
    let region = match api::region(&region) {
        Ok(r) => r,
        Err(e) => return e,
    };
    if let Err(reject) = api::admit(&state, "profiles", &headers, region, false, false).await {
        return reject;
    }
    let types: Option<Vec<String>> = q
        .profile_type_filter
        .map(|f| f.split(',').map(|t| t.trim().to_owned()).collect());
    if let Some(bad) = types
        .iter()
        .flatten()
        .find(|t| !["seller", "vendor", "agency"].contains(&t.as_str()))
    {
        return api::error(
            StatusCode::BAD_REQUEST,
            "INVALID_ARGUMENT",
            &format!("profileTypeFilter: unknown type {bad:?}"),
        );
    }
    let profiles: Vec<Value> = state
        .world
        .profiles()
        .into_iter()
        .filter(|p| p.region() == region)
        .filter(|p| types.as_ref().is_none_or(|t| t.iter().any(|t| t == p.kind)))
        .map(|p| render(&p))
        .collect();
    Json(profiles).into_response()
}

fn render(p: &Profile) -> Value {
    json!({
        "profileId": p.id,
        "countryCode": p.marketplace.country_code,
        "currencyCode": p.marketplace.currency_code,
        "dailyBudget": 999_999_999.0,
        "timezone": p.marketplace.timezone,
        "accountInfo": {
            "marketplaceStringId": p.marketplace.marketplace_id,
            "id": p.account_id,
            "type": p.kind,
            "name": p.name,
            "validPaymentMethod": p.valid_payment_method,
        }
    })
}

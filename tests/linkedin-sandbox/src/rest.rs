//! The Marketing API under `/rest`: ad account search, campaign groups, campaigns and
//! creatives per account (cursor pagination), and `adAnalytics` (no pagination; at most
//! 20 fields; 15,000 elements, silently truncated beyond that, as LinkedIn does).
//!
//! Every call must carry `Authorization: Bearer`, an active `LinkedIn-Version: YYYYMM`
//! and `X-Restli-Protocol-Version: 2.0.0`, and stay within LinkedIn's URL limits (a query
//! string over 4 KB is a 414: callers tunnel or batch smaller); a finder call that names
//! its Rest.li method must name FINDER, and the creatives finder must name it (LinkedIn
//! documents `X-RestLi-Method: FINDER` for it); then faults apply, then the finder runs.

// Finder helpers fail with a ready LinkedIn error response, returned as is by the handler.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State as AxumState};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use chrono::{Datelike, Days, NaiveDate};
use serde_json::Value;

use crate::State;
use crate::data::{self, Metrics, Pivot};
use crate::oauth::TokenProblem;
use crate::render::{self, RecordKind};
use crate::restli::{self, Query};
use crate::truth::{MalformedKey, hostile_variant, malformed_variant};
use crate::world::World;

/// LinkedIn's cap on one `adAnalytics` response.
pub const MAX_ANALYTICS_ELEMENTS: usize = 15_000;
/// LinkedIn's cap on `fields` (dateRange and pivotValues count too).
pub const MAX_ANALYTICS_FIELDS: usize = 20;
/// LinkedIn's limit on a query string, in bytes (a longer one is a 414).
pub const MAX_QUERY_BYTES: usize = 4 * 1024;

pub(crate) fn routes(_: Arc<State>) -> Router<Arc<State>> {
    Router::new()
        .route("/rest/adAccounts", get(ad_accounts))
        .route(
            "/rest/adAccounts/{account_id}/adCampaignGroups",
            get(campaign_groups),
        )
        .route("/rest/adAccounts/{account_id}/adCampaigns", get(campaigns))
        .route("/rest/adAccounts/{account_id}/creatives", get(creatives))
        .route("/rest/adAnalytics", get(ad_analytics))
}

fn bad_request(message: &str) -> Response {
    render::error(StatusCode::BAD_REQUEST, "ILLEGAL_ARGUMENT", message)
}

/// Authentication, versioning and faults, in LinkedIn's order. `Ok` carries what to do
/// with the response once it is built.
async fn gate(
    state: &State,
    headers: &HeaderMap,
    endpoint: &str,
    raw_query: Option<&str>,
) -> Result<crate::faults::Decision, Response> {
    state.count(endpoint);
    let query_bytes = raw_query.map_or(0, str::len);
    if query_bytes > MAX_QUERY_BYTES {
        return Err(render::error(
            StatusCode::URI_TOO_LONG,
            "REQUEST_URI_TOO_LONG",
            &format!(
                "The query string is {query_bytes} bytes; at most {MAX_QUERY_BYTES} are allowed (use query tunneling)"
            ),
        ));
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    match state.oauth.check(state, bearer) {
        Ok(()) => {}
        Err(TokenProblem::Invalid) => {
            return Err(render::error(
                StatusCode::UNAUTHORIZED,
                "INVALID_ACCESS_TOKEN",
                "Invalid access token",
            ));
        }
        Err(TokenProblem::Expired) => {
            return Err(render::error(
                StatusCode::UNAUTHORIZED,
                "EXPIRED_ACCESS_TOKEN",
                "The token used in the request has expired",
            ));
        }
        Err(TokenProblem::Revoked) => {
            return Err(render::error(
                StatusCode::UNAUTHORIZED,
                "REVOKED_ACCESS_TOKEN",
                "The token used in the request has been revoked by the user",
            ));
        }
    }
    let version = headers
        .get("linkedin-version")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if version.is_empty() {
        return Err(render::error(
            StatusCode::BAD_REQUEST,
            "VERSION_MISSING",
            "A version must be present. Please specify a version by adding the LinkedIn-Version header.",
        ));
    }
    if !version_active(version, state.world.today()) {
        return Err(render::error(
            StatusCode::UPGRADE_REQUIRED,
            "NONEXISTENT_VERSION",
            &format!("Requested version {version} is not active"),
        ));
    }
    if headers
        .get("x-restli-protocol-version")
        .and_then(|v| v.to_str().ok())
        != Some("2.0.0")
    {
        return Err(bad_request("X-Restli-Protocol-Version: 2.0.0 is required"));
    }
    let method = headers.get("x-restli-method").and_then(|v| v.to_str().ok());
    if let Some(method) = method
        && !method.eq_ignore_ascii_case("FINDER")
    {
        return Err(bad_request(&format!(
            "X-RestLi-Method {method} does not match the request: a q= finder is FINDER"
        )));
    }
    if endpoint == "creatives" && method.is_none() {
        return Err(bad_request(
            "The creatives finder requires the header X-RestLi-Method: FINDER",
        ));
    }
    let decision = crate::faults::decide(state);
    if let Some(reject) = decision.reject {
        return Err(reject);
    }
    if let Some(delay) = decision.delay {
        tokio::time::sleep(delay).await;
    }
    Ok(decision)
}

/// Versions are `YYYYMM`; LinkedIn keeps each active for about a year.
fn version_active(version: &str, today: NaiveDate) -> bool {
    if version.len() != 6 || !version.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let (y, m): (i32, u32) = (
        version[..4].parse().unwrap_or(0),
        version[4..].parse().unwrap_or(0),
    );
    let months = |y: i32, m: u32| y * 12 + m as i32 - 1;
    let age = months(today.year(), today.month()) - months(y, m);
    (1..=12).contains(&m) && (0..12).contains(&age)
}

/// The finished response, or one whose connection drops half-way (the drop fault).
fn finish(decision: &crate::faults::Decision, body: Value) -> Response {
    let bytes = render::with_invalid_utf8(serde_json::to_vec(&body).expect("JSON serialises"));
    if !decision.drop_connection {
        return ([(header::CONTENT_TYPE, "application/json")], bytes).into_response();
    }
    let half = Bytes::from(bytes[..bytes.len() / 2].to_vec());
    let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(half),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "sandbox dropped the connection",
        )),
    ];
    Response::builder()
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(futures::stream::iter(chunks)))
        .expect("valid response")
}

/// A cursor page of `total` items: (offset, end, next token).
fn page(
    q: &Query,
    total: usize,
    default_size: usize,
    max_size: usize,
) -> Result<(usize, usize, Option<String>), Response> {
    if q.has("start") {
        return Err(bad_request(
            "start/count paging is not supported by this finder; use pageSize and pageToken",
        ));
    }
    let size = match q.get("pageSize") {
        Some(s) => s
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=max_size).contains(n))
            .ok_or_else(|| bad_request(&format!("pageSize must be between 1 and {max_size}")))?,
        None => default_size,
    };
    let offset = match q.get("pageToken") {
        Some(t) => base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(t)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.strip_prefix("offset:").and_then(|n| n.parse().ok()))
            .ok_or_else(|| bad_request("Invalid pageToken"))?,
        None => 0,
    };
    let end = (offset + size).min(total);
    let next = (end < total)
        .then(|| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("offset:{end}")));
    Ok((offset.min(total), end, next))
}

fn maybe_corrupt(state: &State, mut record: Value, kind: RecordKind, key: MalformedKey) -> Value {
    if let Some(variant) = malformed_variant(state, key) {
        render::corrupt(&mut record, kind, variant);
    } else if let Some(variant) = hostile_variant(state, key) {
        render::hostile(&mut record, kind, variant);
    }
    record
}

async fn ad_accounts(
    AxumState(state): AxumState<Arc<State>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let decision = match gate(&state, &headers, "adAccounts", raw.as_deref()).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let q = Query::parse(raw.as_deref());
    if q.get("q") != Some("search") {
        return bad_request("q=search is required");
    }
    let statuses = match restli::search_statuses(q.get("search")) {
        Ok(s) => s,
        Err(e) => return bad_request(&e),
    };
    let accounts: Vec<_> = (0..state.world.account_count())
        .filter_map(|a| state.world.account(a))
        .filter(|a| {
            statuses
                .as_ref()
                .is_none_or(|s| s.iter().any(|x| x == a.status))
        })
        .collect();
    let (from, to, next) = match page(&q, accounts.len(), 1000, 1000) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let elements = accounts[from..to].iter().map(render::account).collect();
    finish(&decision, render::envelope(elements, from, next))
}

fn account_path(state: &State, id: i64) -> Result<u32, Response> {
    data::account_index(id)
        .filter(|a| *a < state.world.account_count())
        .ok_or_else(|| {
            render::error(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                &format!("Ad account {id} does not exist"),
            )
        })
}

/// What every per-account finder does first: authenticate and apply faults, check the
/// account, parse the query and its `q=` finder name.
async fn account_finder(
    state: &State,
    headers: &HeaderMap,
    endpoint: &str,
    account_id: i64,
    raw: Option<&str>,
    finder: &str,
) -> Result<(crate::faults::Decision, u32, Query), Response> {
    let decision = gate(state, headers, endpoint, raw).await?;
    let a = account_path(state, account_id)?;
    let q = Query::parse(raw);
    if q.get("q") != Some(finder) {
        return Err(bad_request(&format!("q={finder} is required")));
    }
    Ok((decision, a, q))
}

async fn campaign_groups(
    AxumState(state): AxumState<Arc<State>>,
    headers: HeaderMap,
    Path(account_id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Response {
    let (decision, a, q) = match account_finder(
        &state,
        &headers,
        "adCampaignGroups",
        account_id,
        raw.as_deref(),
        "search",
    )
    .await
    {
        Ok(parts) => parts,
        Err(r) => return r,
    };
    let currency = state.world.account(a).map_or("USD", |x| x.currency);
    let total = state.config.size.campaign_groups_per_account.max(1) as usize;
    let (from, to, next) = match page(&q, total, 100, 1000) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let elements = (from..to)
        .filter_map(|g| state.world.group(a, g as u32))
        .map(|g| {
            maybe_corrupt(
                &state,
                render::group(&g, currency),
                RecordKind::Group,
                MalformedKey::Group(g.id),
            )
        })
        .collect();
    finish(&decision, render::envelope(elements, from, next))
}

async fn campaigns(
    AxumState(state): AxumState<Arc<State>>,
    headers: HeaderMap,
    Path(account_id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Response {
    let (decision, a, q) = match account_finder(
        &state,
        &headers,
        "adCampaigns",
        account_id,
        raw.as_deref(),
        "search",
    )
    .await
    {
        Ok(parts) => parts,
        Err(r) => return r,
    };
    let statuses = match restli::search_statuses(q.get("search")) {
        Ok(s) => s,
        Err(e) => return bad_request(&e),
    };
    let currency = state.world.account(a).map_or("USD", |x| x.currency);
    let matching: Vec<u32> = (0..state.world.campaign_count(a))
        .filter(|c| {
            statuses.as_ref().is_none_or(|s| {
                state
                    .world
                    .campaign(a, *c)
                    .is_some_and(|camp| s.iter().any(|x| x == camp.status))
            })
        })
        .collect();
    let (from, to, next) = match page(&q, matching.len(), 100, 1000) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let elements = matching[from..to]
        .iter()
        .filter_map(|c| state.world.campaign(a, *c))
        .map(|c| {
            maybe_corrupt(
                &state,
                render::campaign(&c, currency),
                RecordKind::Campaign,
                MalformedKey::Campaign(c.id),
            )
        })
        .collect();
    finish(&decision, render::envelope(elements, from, next))
}

async fn creatives(
    AxumState(state): AxumState<Arc<State>>,
    headers: HeaderMap,
    Path(account_id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Response {
    let (decision, a, q) = match account_finder(
        &state,
        &headers,
        "creatives",
        account_id,
        raw.as_deref(),
        "criteria",
    )
    .await
    {
        Ok(parts) => parts,
        Err(r) => return r,
    };
    let campaigns: Vec<u32> = match q.get("campaigns") {
        Some(list) => match restli::parse_list(list) {
            Ok(urns) => {
                let mut ids = Vec::new();
                for urn in urns {
                    match restli::urn_id(&urn, "sponsoredCampaign").and_then(data::campaign_index) {
                        Some((ca, c)) if ca == a => ids.push(c),
                        _ => {
                            return bad_request(&format!(
                                "Invalid campaign URN {urn} for account {account_id}"
                            ));
                        }
                    }
                }
                ids.sort_unstable();
                ids.dedup();
                ids
            }
            Err(e) => return bad_request(&e),
        },
        None => (0..state.world.campaign_count(a)).collect(),
    };
    let per = state.config.size.creatives_per_campaign;
    let all: Vec<(u32, u32)> = campaigns
        .iter()
        .filter(|c| **c < state.world.campaign_count(a))
        .flat_map(|c| (0..per).map(move |k| (*c, k)))
        .collect();
    let (from, to, next) = match page(&q, all.len(), 100, 100) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let elements = all[from..to]
        .iter()
        .filter_map(|(c, k)| state.world.creative(a, *c, *k))
        .map(|cr| {
            maybe_corrupt(
                &state,
                render::creative(&cr),
                RecordKind::Creative,
                MalformedKey::Creative(cr.id),
            )
        })
        .collect();
    finish(&decision, render::envelope(elements, from, next))
}

/// Periods of an analytics request: days, calendar months clipped to the range, or all.
fn periods(start: NaiveDate, end: NaiveDate, granularity: &str) -> Vec<(NaiveDate, NaiveDate)> {
    match granularity {
        "DAILY" => start
            .iter_days()
            .take_while(|d| *d <= end)
            .map(|d| (d, d))
            .collect(),
        "MONTHLY" => {
            let mut out = Vec::new();
            let mut from = start;
            while from <= end {
                let to = data::month_end(from).min(end);
                out.push((from, to));
                from = to + Days::new(1);
            }
            out
        }
        _ => vec![(start, end)],
    }
}

/// An account's (or some campaigns') demographic segments for one month, summed over
/// its campaigns; segments without members are left out.
pub(crate) fn demographic_segments(
    world: &World,
    a: u32,
    campaigns: Option<&[u32]>,
    pivot: Pivot,
    month: NaiveDate,
) -> Vec<(u32, Metrics)> {
    let all: Vec<u32>;
    let campaigns = match campaigns {
        Some(c) => c,
        None => {
            all = (0..world.campaign_count(a)).collect();
            &all
        }
    };
    (0..pivot.segment_count())
        .filter_map(|s| {
            let mut total: Option<Metrics> = None;
            for c in campaigns {
                if let Some(m) = world.demographic_month(a, *c, pivot, s, month) {
                    total.get_or_insert_with(Metrics::default).add(&m);
                }
            }
            total.map(|m| (s, m))
        })
        .collect()
}

async fn ad_analytics(
    AxumState(state): AxumState<Arc<State>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let q = Query::parse(raw.as_deref());
    let pivot = q.get("pivot").map(restli::parse_enum).unwrap_or_default();
    let endpoint = format!("adAnalytics.{pivot}");
    let decision = match gate(&state, &headers, &endpoint, raw.as_deref()).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    match analytics(&state, &q, &pivot) {
        Ok(body) => finish(&decision, body),
        Err(message) => bad_request(&message),
    }
}

fn analytics(state: &State, q: &Query, pivot: &str) -> Result<Value, String> {
    if q.get("q") != Some("analytics") {
        return Err("q=analytics is required".into());
    }
    let fields: Vec<String> = match q.get("fields") {
        Some(f) => f
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        None => vec!["impressions".into(), "clicks".into()],
    };
    if fields.len() > MAX_ANALYTICS_FIELDS {
        return Err(format!(
            "Too many fields requested: {} (at most {MAX_ANALYTICS_FIELDS})",
            fields.len()
        ));
    }
    if let Some(unknown) = fields.iter().find(|f| {
        *f != "dateRange" && *f != "pivotValues" && !render::METRIC_FIELDS.contains(&f.as_str())
    }) {
        return Err(format!("Unknown field {unknown}"));
    }
    let granularity = q
        .get("timeGranularity")
        .map(restli::parse_enum)
        .ok_or("timeGranularity is required")?;
    if !["DAILY", "MONTHLY", "ALL"].contains(&granularity.as_str()) {
        return Err(format!("Unsupported timeGranularity {granularity}"));
    }
    let (start, end) =
        restli::parse_date_range(q.get("dateRange").ok_or("dateRange is required")?)?;
    let end = end.unwrap_or_else(|| state.world.today());
    if end < start {
        return Err("dateRange end is before its start".into());
    }

    // Facets: campaigns, accounts or creatives; which campaigns (per account) they cover.
    let mut campaigns: Vec<(u32, u32)> = Vec::new();
    if let Some(list) = q.get("campaigns") {
        for urn in restli::parse_list(list)? {
            let (a, c) = restli::urn_id(&urn, "sponsoredCampaign")
                .and_then(data::campaign_index)
                .ok_or_else(|| format!("Invalid campaign URN {urn}"))?;
            campaigns.push((a, c));
        }
    }
    if let Some(list) = q.get("accounts") {
        for urn in restli::parse_list(list)? {
            let a = restli::urn_id(&urn, "sponsoredAccount")
                .and_then(data::account_index)
                .ok_or_else(|| format!("Invalid account URN {urn}"))?;
            campaigns.extend((0..state.world.campaign_count(a)).map(|c| (a, c)));
        }
    }
    let mut creatives: Vec<(u32, u32, u32)> = Vec::new();
    if let Some(list) = q.get("creatives") {
        for urn in restli::parse_list(list)? {
            creatives.push(
                restli::urn_id(&urn, "sponsoredCreative")
                    .and_then(data::creative_index)
                    .ok_or_else(|| format!("Invalid creative URN {urn}"))?,
            );
        }
    }
    // An account without campaigns is a valid facet with no rows, as on LinkedIn.
    if !["campaigns", "accounts", "creatives"]
        .iter()
        .any(|facet| q.get(facet).is_some())
    {
        return Err("At least one facet (campaigns, accounts, creatives) is required".into());
    }
    campaigns.sort_unstable();
    campaigns.dedup();
    campaigns
        .retain(|(a, c)| *a < state.world.account_count() && *c < state.world.campaign_count(*a));

    let world = &state.world;
    let mut elements: Vec<Value> = Vec::new();
    // Generated lazily and cut at the cap: LinkedIn truncates silently, so does the sandbox.
    let full = |elements: &Vec<Value>| elements.len() >= MAX_ANALYTICS_ELEMENTS;
    match pivot {
        "CAMPAIGN" => {
            'outer: for (a, c) in &campaigns {
                let id = data::campaign_id(*a, *c);
                for (from, to) in periods(start, end, &granularity) {
                    if full(&elements) {
                        break 'outer;
                    }
                    if let Some(m) = sum_days(from, to, |d| world.campaign_day(*a, *c, d)) {
                        let row = render::analytics_row(
                            &format!("urn:li:sponsoredCampaign:{id}"),
                            from,
                            to,
                            &m,
                            &fields,
                        );
                        elements.push(maybe_corrupt(
                            state,
                            row,
                            RecordKind::Analytics,
                            MalformedKey::CampaignMetric(id, from),
                        ));
                    }
                }
            }
        }
        "CREATIVE" => {
            if creatives.is_empty() {
                let per = state.config.size.creatives_per_campaign;
                creatives = campaigns
                    .iter()
                    .flat_map(|(a, c)| (0..per).map(move |k| (*a, *c, k)))
                    .collect();
            }
            'outer: for (a, c, k) in &creatives {
                let id = data::creative_id(*a, *c, *k);
                for (from, to) in periods(start, end, &granularity) {
                    if full(&elements) {
                        break 'outer;
                    }
                    if let Some(m) = sum_days(from, to, |d| world.creative_day(*a, *c, *k, d)) {
                        let row = render::analytics_row(
                            &format!("urn:li:sponsoredCreative:{id}"),
                            from,
                            to,
                            &m,
                            &fields,
                        );
                        elements.push(maybe_corrupt(
                            state,
                            row,
                            RecordKind::Analytics,
                            MalformedKey::CreativeMetric(id, from),
                        ));
                    }
                }
            }
        }
        other => {
            let pivot =
                Pivot::from_api_name(other).ok_or_else(|| format!("Unsupported pivot {other}"))?;
            if granularity == "DAILY" {
                return Err(
                    "The sandbox serves member demographics at MONTHLY or ALL granularity".into(),
                );
            }
            // Demographics are kept per calendar month: ranges widen to whole months.
            let (start, end) = (data::month_start(start), data::month_end(end));
            let mut by_account: std::collections::BTreeMap<u32, Vec<u32>> = Default::default();
            for (a, c) in &campaigns {
                by_account.entry(*a).or_default().push(*c);
            }
            for (from, to) in periods(start, end, &granularity) {
                let mut totals: std::collections::BTreeMap<u32, Metrics> = Default::default();
                let mut month = from;
                while month <= to {
                    for (a, cs) in &by_account {
                        for (s, m) in demographic_segments(world, *a, Some(cs), pivot, month) {
                            totals.entry(s).or_default().add(&m);
                        }
                    }
                    month = data::month_end(month) + Days::new(1);
                }
                for (s, m) in totals {
                    if full(&elements) {
                        break;
                    }
                    let row = render::analytics_row(&pivot.segment(s), from, to, &m, &fields);
                    elements.push(maybe_corrupt(
                        state,
                        row,
                        RecordKind::Analytics,
                        MalformedKey::Demographic(pivot, s, from),
                    ));
                }
            }
        }
    }
    Ok(render::envelope(elements, 0, None))
}

fn sum_days(
    from: NaiveDate,
    to: NaiveDate,
    day: impl Fn(NaiveDate) -> Option<Metrics>,
) -> Option<Metrics> {
    let mut total: Option<Metrics> = None;
    for d in from.iter_days().take_while(|d| *d <= to) {
        if let Some(m) = day(d) {
            total.get_or_insert_with(Metrics::default).add(&m);
        }
    }
    total
}

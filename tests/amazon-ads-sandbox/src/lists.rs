//! Sponsored Products v3 list endpoints: `POST /sp/<entity>/list` with the entity's
//! versioned media type as both `Content-Type` and `Accept` (415 otherwise), a JSON body
//! with `stateFilter`, id filters, `maxResults`, `nextToken` and
//! `includeExtendedDataFields`, answered with `{totalResults, <key>: [...], nextToken}`.
//! Ids are strings; `extendedData` only when asked for; without a `stateFilter` archived
//! entities are left out (a client wanting everything asks for every state). The
//! `nextToken` is opaque and bound to the request's filters.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State as AxumState};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::State;
use crate::api;
use crate::data::{self, cents_to_decimal};
use crate::faults::malformed;
use crate::world::{AdGroup, Campaign, NegativeKeyword, ProductAd, Targeting, TargetingKind};

/// One list endpoint.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entity {
    /// The path segment: `/sp/<path>/list`.
    pub(crate) path: &'static str,
    pub(crate) media_type: &'static str,
    /// The response's array key.
    pub(crate) key: &'static str,
}

pub(crate) const ENTITIES: [Entity; 6] = [
    Entity {
        path: "campaigns",
        media_type: "application/vnd.spCampaign.v3+json",
        key: "campaigns",
    },
    Entity {
        path: "adGroups",
        media_type: "application/vnd.spAdGroup.v3+json",
        key: "adGroups",
    },
    Entity {
        path: "keywords",
        media_type: "application/vnd.spKeyword.v3+json",
        key: "keywords",
    },
    Entity {
        path: "negativeKeywords",
        media_type: "application/vnd.spNegativeKeyword.v3+json",
        key: "negativeKeywords",
    },
    Entity {
        path: "targets",
        media_type: "application/vnd.spTargetingClause.v3+json",
        key: "targetingClauses",
    },
    Entity {
        path: "productAds",
        media_type: "application/vnd.spProductAd.v3+json",
        key: "productAds",
    },
];

/// The largest page the sandbox serves.
pub const MAX_RESULTS: u32 = 5_000;
const DEFAULT_RESULTS: u32 = 1_000;
const STATES: [&str; 3] = ["ENABLED", "PAUSED", "ARCHIVED"];

#[derive(Debug, Default, Deserialize)]
struct Include {
    #[serde(default)]
    include: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ListBody {
    state_filter: Option<Include>,
    max_results: Option<u32>,
    next_token: Option<String>,
    #[serde(default)]
    include_extended_data_fields: bool,
    campaign_id_filter: Option<Include>,
    ad_group_id_filter: Option<Include>,
    keyword_id_filter: Option<Include>,
    target_id_filter: Option<Include>,
    ad_id_filter: Option<Include>,
    // Accepted, as Amazon accepts them; the sandbox does not filter by them.
    #[allow(dead_code)]
    portfolio_id_filter: Option<Include>,
    #[allow(dead_code)]
    name_filter: Option<Value>,
    #[allow(dead_code)]
    match_type_filter: Option<Value>,
    #[allow(dead_code)]
    locale: Option<String>,
}

fn bad(details: &str) -> Response {
    api::error(StatusCode::BAD_REQUEST, "INVALID_ARGUMENT", details)
}

/// The ids of a filter, which Amazon wants as strings of digits.
fn ids(filter: &Option<Include>, field: &str) -> Result<Option<Vec<i64>>, Response> {
    filter
        .as_ref()
        .map(|f| {
            f.include
                .iter()
                .map(|s| {
                    s.parse::<i64>()
                        .map_err(|_| bad(&format!("{field}.include: {s:?} is not an id")))
                })
                .collect()
        })
        .transpose()
}

pub(crate) async fn list(
    AxumState(state): AxumState<Arc<State>>,
    Path((region, entity)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let region = match api::region(&region) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let Some(entity) = ENTITIES.iter().find(|e| e.path == entity).copied() else {
        return api::error(StatusCode::NOT_FOUND, "NOT_FOUND", "Not Found");
    };
    let profile = match api::admit(
        &state,
        &format!("sp.{}", entity.path),
        &headers,
        region,
        true,
        false,
    )
    .await
    {
        Ok(p) => p.expect("scoped calls have a profile"),
        Err(reject) => return reject,
    };
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    let content_type = header("content-type");
    let accept = header("accept");
    if content_type != entity.media_type
        || !accept.split(',').any(|a| a.trim() == entity.media_type)
    {
        return api::error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            &format!(
                "Content-Type and Accept must be {} (got {content_type:?} and {accept:?})",
                entity.media_type
            ),
        );
    }
    let body: ListBody = if body.is_empty() {
        ListBody::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(b) => b,
            Err(e) => return bad(&format!("the request body is not valid: {e}")),
        }
    };
    let states: Vec<String> = match &body.state_filter {
        Some(f) => {
            if let Some(s) = f.include.iter().find(|s| !STATES.contains(&s.as_str())) {
                return bad(&format!("stateFilter.include: unknown state {s:?}"));
            }
            f.include.clone()
        }
        None => vec!["ENABLED".into(), "PAUSED".into()],
    };
    let max = body.max_results.unwrap_or(DEFAULT_RESULTS);
    if !(1..=MAX_RESULTS).contains(&max) {
        return bad(&format!("maxResults must be between 1 and {MAX_RESULTS}"));
    }
    let filters = match (
        ids(&body.campaign_id_filter, "campaignIdFilter"),
        ids(&body.ad_group_id_filter, "adGroupIdFilter"),
        ids(
            if entity.path == "targets" {
                &body.target_id_filter
            } else if entity.path == "productAds" {
                &body.ad_id_filter
            } else {
                &body.keyword_id_filter
            },
            "idFilter",
        ),
    ) {
        (Ok(c), Ok(g), Ok(i)) => (c, g, i),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return e,
    };
    // The token is bound to everything that selects the records.
    let fingerprint = format!(
        "{}|{}|{states:?}|{filters:?}|{}",
        profile.id, entity.path, body.include_extended_data_fields
    );
    let offset = match &body.next_token {
        None => 0,
        Some(token) => match decode_token(token, &fingerprint) {
            Some(o) => o,
            None => return bad("Invalid nextToken"),
        },
    };

    let records = records(
        &state,
        entity,
        profile.index,
        &states,
        &filters,
        body.include_extended_data_fields,
    );
    let total = records.len();
    let end = (offset + max as usize).min(total);
    let page: Vec<Value> = records
        .into_iter()
        .skip(offset)
        .take(end.saturating_sub(offset))
        .collect();
    let mut answer = Map::new();
    answer.insert("totalResults".into(), json!(total));
    answer.insert(entity.key.into(), Value::Array(page));
    if end < total {
        answer.insert("nextToken".into(), json!(encode_token(end, &fingerprint)));
    }
    let mut response = Json(Value::Object(answer)).into_response();
    response.headers_mut().insert(
        "content-type",
        entity.media_type.parse().expect("a valid header value"),
    );
    response
}

type Filters = (Option<Vec<i64>>, Option<Vec<i64>>, Option<Vec<i64>>);

/// Every record of `entity` in the profile that passes the filters, in id order.
fn records(
    state: &State,
    entity: Entity,
    p: u32,
    states: &[String],
    (campaigns, ad_groups, ids): &Filters,
    extended: bool,
) -> Vec<Value> {
    let world = &state.world;
    let keep = |s: &str| states.iter().any(|x| x == s);
    let passes =
        |filter: &Option<Vec<i64>>, id: i64| filter.as_ref().is_none_or(|f| f.contains(&id));
    let mut out = Vec::new();
    for campaign in world.campaigns(p) {
        if !passes(campaigns, campaign.id) {
            continue;
        }
        if entity.path == "campaigns" {
            if keep(campaign.state) && passes(ids, campaign.id) {
                out.push(render_campaign(state, &campaign, extended));
            }
            continue;
        }
        for group in world.ad_groups(p, campaign.index.1) {
            if !passes(ad_groups, group.id) {
                continue;
            }
            let (_, c, g) = group.index;
            match entity.path {
                "adGroups" => {
                    if keep(group.state) && passes(ids, group.id) {
                        out.push(render_ad_group(state, &group, extended));
                    }
                }
                "keywords" | "targets" => {
                    let want_keywords = entity.path == "keywords";
                    for t in world.targetings(p, c, g) {
                        let is_keyword = matches!(t.kind, TargetingKind::Keyword { .. });
                        if is_keyword == want_keywords && keep(t.state) && passes(ids, t.id) {
                            out.push(render_targeting(state, &t, &group, extended));
                        }
                    }
                }
                "negativeKeywords" => {
                    for n in world.negative_keywords(p, c, g) {
                        if keep(n.state) && passes(ids, n.id) {
                            out.push(render_negative(state, &n));
                        }
                    }
                }
                _ => {
                    for ad in world.product_ads(p, c, g) {
                        if keep(ad.state) && passes(ids, ad.id) {
                            out.push(render_product_ad(state, &ad, &group, extended));
                        }
                    }
                }
            }
        }
    }
    out
}

fn money(cents: i64) -> Value {
    // JSON numbers, as Amazon sends them; cents are exact in a double's shortest form.
    json!(cents_to_decimal(cents).parse::<f64>().expect("a decimal"))
}

fn extended_data(
    created: chrono::DateTime<chrono::Utc>,
    updated: chrono::DateTime<chrono::Utc>,
    state: &str,
) -> Value {
    json!({
        "creationDateTime": created.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "lastUpdateDateTime": updated.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "servingStatus": format!("{}_STATUS", if state == "ENABLED" { "ELIGIBLE".to_owned() } else { state.to_owned() }),
        "servingStatusDetails": [],
    })
}

/// A record as served: corrupted when the malformed-records fault picks it.
fn finish(state: &State, id: i64, id_field: &str, mut record: Value) -> Value {
    if malformed(state, id, 1) {
        let object = record.as_object_mut().expect("records are objects");
        if id % 2 == 0 {
            object.remove(id_field);
        } else {
            object.insert("state".into(), json!(42));
        }
    }
    record
}

fn render_campaign(state: &State, c: &Campaign, extended: bool) -> Value {
    let mut v = json!({
        "campaignId": c.id.to_string(),
        "name": c.name,
        "targetingType": c.targeting_type,
        "state": c.state,
        "dynamicBidding": {
            "strategy": c.bidding_strategy,
            "placementBidding": c.top_of_search_percentage
                .map(|p| vec![json!({"placement": "PLACEMENT_TOP", "percentage": p})])
                .unwrap_or_default(),
        },
        "startDate": c.start_date.to_string(),
        "budget": {"budgetType": "DAILY", "budget": money(c.budget_cents)},
        "tags": {},
    });
    let o = v.as_object_mut().expect("an object");
    if let Some(end) = c.end_date {
        o.insert("endDate".into(), json!(end.to_string()));
    }
    if let Some(portfolio) = c.portfolio_id {
        o.insert("portfolioId".into(), json!(portfolio.to_string()));
    }
    if extended {
        o.insert(
            "extendedData".into(),
            extended_data(c.created, c.updated, c.state),
        );
    }
    finish(state, c.id, "campaignId", v)
}

fn render_ad_group(state: &State, g: &AdGroup, extended: bool) -> Value {
    let mut v = json!({
        "adGroupId": g.id.to_string(),
        "campaignId": g.campaign_id.to_string(),
        "name": g.name,
        "state": g.state,
        "defaultBid": money(g.default_bid_cents),
    });
    if extended {
        v.as_object_mut().expect("an object").insert(
            "extendedData".into(),
            extended_data(g.created, g.updated, g.state),
        );
    }
    finish(state, g.id, "adGroupId", v)
}

fn render_targeting(state: &State, t: &Targeting, group: &AdGroup, extended: bool) -> Value {
    let (mut v, id_field) = match &t.kind {
        TargetingKind::Keyword { text, match_type } => (
            json!({
                "keywordId": t.id.to_string(),
                "campaignId": t.campaign_id.to_string(),
                "adGroupId": t.ad_group_id.to_string(),
                "keywordText": text,
                "matchType": match_type,
                "state": t.state,
            }),
            "keywordId",
        ),
        TargetingKind::Target {
            expression_type,
            predicate,
            value,
        } => {
            let kind = match *predicate {
                "asinSameAs" => "ASIN_SAME_AS",
                "close-match" => "QUERY_HIGH_REL_MATCHES",
                "loose-match" => "QUERY_BROAD_REL_MATCHES",
                "substitutes" => "ASIN_SUBSTITUTE_RELATED",
                _ => "ASIN_ACCESSORY_RELATED",
            };
            let expression = match value {
                Some(v) => json!([{"type": kind, "value": v}]),
                None => json!([{"type": kind}]),
            };
            (
                json!({
                    "targetId": t.id.to_string(),
                    "campaignId": t.campaign_id.to_string(),
                    "adGroupId": t.ad_group_id.to_string(),
                    "expression": expression,
                    "resolvedExpression": expression,
                    "expressionType": expression_type,
                    "state": t.state,
                }),
                "targetId",
            )
        }
    };
    let o = v.as_object_mut().expect("an object");
    if let Some(bid) = t.bid_cents {
        o.insert("bid".into(), money(bid));
    }
    if extended {
        o.insert(
            "extendedData".into(),
            extended_data(group.created, group.updated, t.state),
        );
    }
    finish(state, t.id, id_field, v)
}

fn render_negative(state: &State, n: &NegativeKeyword) -> Value {
    finish(
        state,
        n.id,
        "keywordId",
        json!({
            "keywordId": n.id.to_string(),
            "campaignId": n.campaign_id.to_string(),
            "adGroupId": n.ad_group_id.to_string(),
            "keywordText": n.text,
            "matchType": n.match_type,
            "state": n.state,
        }),
    )
}

fn render_product_ad(state: &State, ad: &ProductAd, group: &AdGroup, extended: bool) -> Value {
    let mut v = json!({
        "adId": ad.id.to_string(),
        "campaignId": ad.campaign_id.to_string(),
        "adGroupId": ad.ad_group_id.to_string(),
        "asin": ad.asin,
        "sku": ad.sku,
        "state": ad.state,
    });
    if extended {
        v.as_object_mut().expect("an object").insert(
            "extendedData".into(),
            extended_data(group.created, group.updated, ad.state),
        );
    }
    finish(state, ad.id, "adId", v)
}

/// An opaque token: the next offset, and a hash binding it to the request's filters.
fn encode_token(offset: usize, fingerprint: &str) -> String {
    let binding = data::hash(0, data::Tag::Fault, &[fingerprint_hash(fingerprint)]);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{offset}:{binding:x}"))
}

fn decode_token(token: &str, fingerprint: &str) -> Option<usize> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (offset, binding) = text.split_once(':')?;
    let expected = data::hash(0, data::Tag::Fault, &[fingerprint_hash(fingerprint)]);
    (binding == format!("{expected:x}")).then(|| offset.parse().ok())?
}

fn fingerprint_hash(s: &str) -> i64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    }) as i64
}

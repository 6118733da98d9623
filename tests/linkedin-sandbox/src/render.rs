//! LinkedIn's JSON shapes: errors, list envelopes, entities and analytics rows, and the
//! malformed variants the fault settings ask for.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use serde_json::{Map, Value, json};

use crate::data::{Metrics, micros_to_decimal};
use crate::world::{Account, Campaign, Creative, Group};

/// LinkedIn's error body: `{"status", "serviceErrorCode", "code", "message"}`.
pub(crate) fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let service_code = match code {
        "INVALID_ACCESS_TOKEN" => 65600,
        "EXPIRED_ACCESS_TOKEN" => 65601,
        "REVOKED_ACCESS_TOKEN" => 65602,
        "QUOTA_EXCEEDED" => 101,
        _ => 100,
    };
    (
        status,
        Json(json!({"status": status.as_u16(), "serviceErrorCode": service_code, "code": code, "message": message})),
    )
        .into_response()
}

/// `{"elements": [...], "paging": {...}, "metadata": {"nextPageToken": ...}}`.
pub(crate) fn envelope(
    elements: Vec<Value>,
    start: usize,
    next_page_token: Option<String>,
) -> Value {
    let mut metadata = Map::new();
    if let Some(token) = next_page_token {
        metadata.insert("nextPageToken".into(), Value::String(token));
    }
    json!({
        "elements": elements,
        "paging": {"count": elements.len(), "start": start, "links": []},
        "metadata": metadata,
    })
}

fn money(micros: i64, currency: &str) -> Value {
    json!({"amount": micros_to_decimal(micros), "currencyCode": currency})
}

fn millis(date: NaiveDate, hour: u32) -> i64 {
    date.and_hms_opt(hour, 0, 0)
        .expect("valid")
        .and_utc()
        .timestamp_millis()
}

pub(crate) fn account(a: &Account) -> Value {
    json!({
        "id": a.id,
        "name": a.name,
        "status": a.status,
        "currency": a.currency,
        "type": "BUSINESS",
        "test": a.test,
        "reference": format!("urn:li:organization:{}", a.id + 1_000),
        "servingStatuses": ["RUNNABLE"],
        "changeAuditStamps": {"created": {"time": 1_600_000_000_000i64}, "lastModified": {"time": 1_700_000_000_000i64}},
    })
}

pub(crate) fn group(g: &Group, currency: &str) -> Value {
    let mut v = json!({
        "id": g.id,
        "account": format!("urn:li:sponsoredAccount:{}", g.account_id),
        "name": g.name,
        "status": g.status,
        "runSchedule": {"start": millis(g.start, 0)},
        "changeAuditStamps": {"created": {"time": millis(g.start, 0)}, "lastModified": {"time": millis(g.start, 1)}},
    });
    if let Some(b) = g.total_budget_micros {
        v["totalBudget"] = money(b, currency);
    }
    v
}

pub(crate) fn campaign(c: &Campaign, currency: &str) -> Value {
    let mut schedule = json!({"start": millis(c.schedule_start, 0)});
    if let Some(end) = c.schedule_end {
        schedule["end"] = json!(millis(end, 23));
    }
    let mut v = json!({
        "id": c.id,
        "account": format!("urn:li:sponsoredAccount:{}", c.account_id),
        "campaignGroup": format!("urn:li:sponsoredCampaignGroup:{}", c.group_id),
        "name": c.name,
        "status": c.status,
        "type": c.kind,
        "costType": c.cost_type,
        "objectiveType": c.objective,
        "optimizationTargetType": c.optimization_target,
        "creativeSelection": "OPTIMIZED",
        "format": if c.kind == "TEXT_AD" { "TEXT_AD" } else { "STANDARD_UPDATE" },
        "offsiteDeliveryEnabled": c.offsite_delivery,
        "audienceExpansionEnabled": c.audience_expansion,
        "locale": {"country": "US", "language": "en"},
        "runSchedule": schedule,
        "changeAuditStamps": {
            "created": {"time": millis(c.schedule_start, 8)},
            "lastModified": {"time": millis(c.schedule_start, 9)},
        },
    });
    if let Some(b) = c.daily_budget_micros {
        v["dailyBudget"] = money(b, currency);
    }
    if let Some(b) = c.total_budget_micros {
        v["totalBudget"] = money(b, currency);
    }
    if let Some(b) = c.unit_cost_micros {
        v["unitCost"] = money(b, currency);
    }
    v
}

pub(crate) fn creative(c: &Creative) -> Value {
    json!({
        "id": format!("urn:li:sponsoredCreative:{}", c.id),
        "campaign": format!("urn:li:sponsoredCampaign:{}", c.campaign_id),
        "account": format!("urn:li:sponsoredAccount:{}", c.account_id),
        "intendedStatus": c.intended_status,
        "isServing": c.is_serving,
        "servingHoldReasons": c.serving_hold_reasons,
        "content": {"reference": c.content_reference},
        "createdAt": c.created_ms,
        "lastModifiedAt": c.modified_ms,
        "createdBy": "urn:li:person:sandbox",
    })
}

/// The metric fields the sandbox knows; others are rejected like LinkedIn rejects them.
pub(crate) const METRIC_FIELDS: &[&str] = &[
    "impressions",
    "clicks",
    "costInLocalCurrency",
    "landingPageClicks",
    "externalWebsiteConversions",
    "oneClickLeads",
    "likes",
    "comments",
    "shares",
    "follows",
    "opens",
    "sends",
    "totalEngagements",
    "videoViews",
    "videoCompletions",
    "approximateMemberReach",
    "conversionValueInLocalCurrency",
    "costInUsd",
    "leadGenerationMailContactInfoShares",
    "otherEngagements",
    "reactions",
];

fn metric_value(m: &Metrics, field: &str) -> Value {
    match field {
        "impressions" => json!(m.impressions),
        "clicks" => json!(m.clicks),
        "costInLocalCurrency" => json!(m.cost_string()),
        "landingPageClicks" => json!(m.landing_page_clicks),
        "externalWebsiteConversions" => json!(m.external_website_conversions),
        "oneClickLeads" => json!(m.one_click_leads),
        "likes" => json!(m.likes),
        "comments" => json!(m.comments),
        "shares" => json!(m.shares),
        "follows" => json!(m.follows),
        "opens" => json!(m.opens),
        "sends" => json!(m.sends),
        "totalEngagements" => json!(m.clicks + m.likes + m.comments + m.shares + m.follows),
        "conversionValueInLocalCurrency" | "costInUsd" => json!("0.0"),
        _ => json!(0),
    }
}

fn date_json(d: NaiveDate) -> Value {
    json!({"year": d.year(), "month": d.month(), "day": d.day()})
}

/// One `adAnalytics` element with exactly the requested fields.
pub(crate) fn analytics_row(
    pivot_value: &str,
    start: NaiveDate,
    end: NaiveDate,
    m: &Metrics,
    fields: &[String],
) -> Value {
    let mut row = Map::new();
    for field in fields {
        match field.as_str() {
            "pivotValues" => {
                row.insert("pivotValues".into(), json!([pivot_value]));
            }
            "dateRange" => {
                row.insert(
                    "dateRange".into(),
                    json!({"start": date_json(start), "end": date_json(end)}),
                );
            }
            other => {
                row.insert(other.into(), metric_value(m, other));
            }
        }
    }
    Value::Object(row)
}

/// The three ways a record comes back malformed, chosen by `variant`.
pub(crate) fn corrupt(record: &mut Value, kind: RecordKind, variant: u64) {
    let Some(obj) = record.as_object_mut() else {
        return;
    };
    match (kind, variant % 3) {
        // A required field is missing.
        (RecordKind::Group | RecordKind::Campaign, 0) => {
            obj.remove("name");
        }
        (RecordKind::Creative, 0) => {
            obj.remove("campaign");
        }
        (RecordKind::Analytics, 0) => {
            obj.remove("pivotValues");
        }
        // A field of the wrong type.
        (RecordKind::Group | RecordKind::Campaign, 1) => {
            obj.insert("status".into(), json!(42));
        }
        (RecordKind::Creative, 1) => {
            obj.insert("isServing".into(), json!("sometimes"));
        }
        (RecordKind::Analytics, 1) => {
            obj.insert("impressions".into(), json!("lots"));
        }
        // A URN that does not parse.
        (RecordKind::Group | RecordKind::Campaign, _) => {
            obj.insert(
                "account".into(),
                json!("urn:li:sponsoredAccount:not-a-number"),
            );
        }
        (RecordKind::Creative, _) => {
            obj.insert("id".into(), json!("urn:li:sponsoredCreative:"));
        }
        (RecordKind::Analytics, _) => {
            obj.insert("pivotValues".into(), json!(["urn:li:bogus"]));
        }
    }
}

/// Stands for two bytes that are not UTF-8, put in place when the body is written.
const NOT_UTF8: &str = "\u{1}NOT-UTF8\u{1}";

/// The body with every [`NOT_UTF8`] marker replaced by the bytes 0xFF 0xFE.
pub(crate) fn with_invalid_utf8(bytes: Vec<u8>) -> Vec<u8> {
    // serde_json writes U+0001 as "\u0001".
    let marker = serde_json::to_string(NOT_UTF8).expect("a string");
    let marker = marker.trim_matches('"').as_bytes();
    if !bytes.windows(marker.len()).any(|w| w == marker) {
        return bytes;
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(marker) {
            out.extend_from_slice(&[0xFF, 0xFE]);
            i += marker.len();
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// A well-formed record with hostile content, chosen by `variant`: a NUL in a name, bytes
/// that are not UTF-8 in a name, a non-ASCII content reference, an id beyond 64 bits.
pub(crate) fn hostile(record: &mut Value, kind: RecordKind, variant: u64) {
    let Some(obj) = record.as_object_mut() else {
        return;
    };
    let name = obj
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    match (kind, variant % 3) {
        (RecordKind::Group | RecordKind::Campaign, 0) => {
            obj.insert("name".into(), json!(format!("{name}\u{0}nul")));
        }
        (RecordKind::Group | RecordKind::Campaign, 1) => {
            obj.insert("name".into(), json!(format!("{name}{NOT_UTF8}")));
        }
        (RecordKind::Group | RecordKind::Campaign, _) => {
            obj.insert("id".into(), json!(u64::MAX));
        }
        (RecordKind::Creative, 0 | 1) => {
            obj.insert(
                "content".into(),
                json!({"reference": "urn:li:share:ünïcødé-✓-\u{0}"}),
            );
        }
        (RecordKind::Creative, _) => {
            obj.insert(
                "id".into(),
                json!(format!("urn:li:sponsoredCreative:{}", u64::MAX)),
            );
        }
        (RecordKind::Analytics, _) => {}
    }
}

/// What kind of record is being corrupted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RecordKind {
    Group,
    Campaign,
    Creative,
    Analytics,
}

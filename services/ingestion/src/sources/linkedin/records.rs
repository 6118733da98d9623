//! Upstream records, validated one at a time. Each `parse` takes one JSON element and
//! returns a typed record or [`Invalid`] with the reason and the record's id when it has
//! one. Unknown fields are ignored (LinkedIn adds fields without notice); a missing
//! required field, a wrong type or a URN that does not parse rejects the record — never
//! the batch.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Why one record was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The upstream id, when the record had a readable one.
    pub upstream_id: Option<String>,
    pub reason: String,
}

fn invalid(raw: &Value, reason: impl Into<String>) -> Invalid {
    let upstream_id = match raw.get("id") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    Invalid {
        upstream_id,
        reason: reason.into(),
    }
}

fn decode<T: DeserializeOwned>(raw: &Value) -> Result<T, Invalid> {
    T::deserialize(raw).map_err(|e| invalid(raw, e.to_string()))
}

/// The number at the end of `urn:li:{kind}:{n}`.
pub fn urn_id(urn: &str, kind: &str) -> Option<i64> {
    urn.strip_prefix("urn:li:")?
        .strip_prefix(kind)?
        .strip_prefix(':')?
        .parse()
        .ok()
        .filter(|n| *n > 0)
}

fn required_urn(raw: &Value, field: &str, urn: &str, kind: &str) -> Result<i64, Invalid> {
    urn_id(urn, kind)
        .ok_or_else(|| invalid(raw, format!("{field}: {urn:?} is not a urn:li:{kind}:<id>")))
}

/// An exact decimal as LinkedIn sends money: a string ("19.91833"), a number, null or "".
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Decimal(pub String);

impl Decimal {
    fn parse(value: Option<&Value>, field: &str) -> Result<Decimal, String> {
        let text = match value {
            None | Some(Value::Null) => return Ok(Decimal("0".into())),
            Some(Value::String(s)) if s.trim().is_empty() => return Ok(Decimal("0".into())),
            Some(Value::String(s)) => s.trim().to_owned(),
            Some(Value::Number(n)) => n.to_string(),
            Some(other) => return Err(format!("{field}: expected a decimal, got {other}")),
        };
        crate::sources::decimal::check_plain_decimal(&text, field)?;
        Ok(Decimal(text))
    }
}

#[derive(Deserialize)]
struct MoneyJson {
    amount: Value,
    #[serde(rename = "currencyCode")]
    currency_code: Option<String>,
}

/// An amount of money in a currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Money {
    pub amount: Decimal,
    pub currency: Option<String>,
}

fn money(raw: &Value, field: &str, value: Option<MoneyJson>) -> Result<Option<Money>, Invalid> {
    value
        .map(|m| {
            let amount = Decimal::parse(Some(&m.amount), field).map_err(|e| invalid(raw, e))?;
            Ok(Money {
                amount,
                currency: m.currency_code,
            })
        })
        .transpose()
}

#[derive(Deserialize, Default)]
struct Stamp {
    time: Option<i64>,
}

#[derive(Deserialize, Default)]
struct AuditStamps {
    #[serde(default)]
    created: Stamp,
    #[serde(rename = "lastModified", default)]
    last_modified: Stamp,
}

fn millis(ms: Option<i64>) -> Option<DateTime<Utc>> {
    ms.and_then(DateTime::from_timestamp_millis)
}

#[derive(Deserialize, Default)]
struct Schedule {
    start: Option<i64>,
    end: Option<i64>,
}

/// An ad account.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub id: i64,
    pub name: String,
    pub status: String,
    pub currency: Option<String>,
    pub kind: Option<String>,
    pub test: bool,
    pub created: Option<DateTime<Utc>>,
    pub modified: Option<DateTime<Utc>>,
}

impl Account {
    pub fn parse(raw: &Value) -> Result<Account, Invalid> {
        #[derive(Deserialize)]
        struct J {
            id: i64,
            name: String,
            status: String,
            currency: Option<String>,
            #[serde(rename = "type")]
            kind: Option<String>,
            #[serde(default)]
            test: bool,
            #[serde(rename = "changeAuditStamps", default)]
            stamps: AuditStamps,
        }
        let j: J = decode(raw)?;
        Ok(Account {
            id: j.id,
            name: j.name,
            status: j.status,
            currency: j.currency,
            kind: j.kind,
            test: j.test,
            created: millis(j.stamps.created.time),
            modified: millis(j.stamps.last_modified.time),
        })
    }
}

/// A campaign group.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignGroup {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub status: String,
    pub total_budget: Option<Money>,
    pub schedule_start: Option<DateTime<Utc>>,
    pub schedule_end: Option<DateTime<Utc>>,
    pub created: Option<DateTime<Utc>>,
    pub modified: Option<DateTime<Utc>>,
}

impl CampaignGroup {
    pub fn parse(raw: &Value) -> Result<CampaignGroup, Invalid> {
        #[derive(Deserialize)]
        struct J {
            id: i64,
            account: String,
            name: String,
            status: String,
            #[serde(rename = "totalBudget")]
            total_budget: Option<MoneyJson>,
            #[serde(rename = "runSchedule", default)]
            schedule: Schedule,
            #[serde(rename = "changeAuditStamps", default)]
            stamps: AuditStamps,
        }
        let j: J = decode(raw)?;
        Ok(CampaignGroup {
            id: j.id,
            account_id: required_urn(raw, "account", &j.account, "sponsoredAccount")?,
            name: j.name,
            status: j.status,
            total_budget: money(raw, "totalBudget", j.total_budget)?,
            schedule_start: millis(j.schedule.start),
            schedule_end: millis(j.schedule.end),
            created: millis(j.stamps.created.time),
            modified: millis(j.stamps.last_modified.time),
        })
    }
}

/// A campaign with its delivery settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Campaign {
    pub id: i64,
    pub account_id: i64,
    pub group_id: Option<i64>,
    pub name: String,
    pub status: String,
    pub kind: Option<String>,
    pub objective_type: Option<String>,
    pub format: Option<String>,
    pub cost_type: Option<String>,
    pub optimization_target_type: Option<String>,
    pub creative_selection: Option<String>,
    pub daily_budget: Option<Money>,
    pub total_budget: Option<Money>,
    pub unit_cost: Option<Money>,
    pub offsite_delivery_enabled: bool,
    pub audience_expansion_enabled: bool,
    pub schedule_start: Option<DateTime<Utc>>,
    pub schedule_end: Option<DateTime<Utc>>,
    pub created: Option<DateTime<Utc>>,
    pub modified: Option<DateTime<Utc>>,
}

impl Campaign {
    pub fn parse(raw: &Value) -> Result<Campaign, Invalid> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct J {
            id: i64,
            account: String,
            campaign_group: Option<String>,
            name: String,
            status: String,
            #[serde(rename = "type")]
            kind: Option<String>,
            objective_type: Option<String>,
            format: Option<String>,
            cost_type: Option<String>,
            optimization_target_type: Option<String>,
            creative_selection: Option<String>,
            daily_budget: Option<MoneyJson>,
            total_budget: Option<MoneyJson>,
            unit_cost: Option<MoneyJson>,
            #[serde(default)]
            offsite_delivery_enabled: bool,
            #[serde(default)]
            audience_expansion_enabled: bool,
            #[serde(default)]
            run_schedule: Schedule,
            #[serde(default)]
            change_audit_stamps: AuditStamps,
        }
        let j: J = decode(raw)?;
        let group_id = match &j.campaign_group {
            Some(urn) => Some(required_urn(
                raw,
                "campaignGroup",
                urn,
                "sponsoredCampaignGroup",
            )?),
            None => None,
        };
        Ok(Campaign {
            id: j.id,
            account_id: required_urn(raw, "account", &j.account, "sponsoredAccount")?,
            group_id,
            name: j.name,
            status: j.status,
            kind: j.kind,
            objective_type: j.objective_type,
            format: j.format,
            cost_type: j.cost_type,
            optimization_target_type: j.optimization_target_type,
            creative_selection: j.creative_selection,
            daily_budget: money(raw, "dailyBudget", j.daily_budget)?,
            total_budget: money(raw, "totalBudget", j.total_budget)?,
            unit_cost: money(raw, "unitCost", j.unit_cost)?,
            offsite_delivery_enabled: j.offsite_delivery_enabled,
            audience_expansion_enabled: j.audience_expansion_enabled,
            schedule_start: millis(j.run_schedule.start),
            schedule_end: millis(j.run_schedule.end),
            created: millis(j.change_audit_stamps.created.time),
            modified: millis(j.change_audit_stamps.last_modified.time),
        })
    }
}

/// A creative, with a readable name for its content.
#[derive(Debug, Clone, PartialEq)]
pub struct Creative {
    pub id: i64,
    pub campaign_id: i64,
    pub intended_status: Option<String>,
    pub is_serving: bool,
    pub serving_hold_reasons: Vec<String>,
    pub content_reference: Option<String>,
    pub content_name: Option<String>,
    pub created: Option<DateTime<Utc>>,
    pub modified: Option<DateTime<Utc>>,
}

impl Creative {
    pub fn parse(raw: &Value) -> Result<Creative, Invalid> {
        #[derive(Deserialize)]
        struct Content {
            reference: Option<String>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct J {
            id: String,
            campaign: String,
            intended_status: Option<String>,
            #[serde(default)]
            is_serving: bool,
            #[serde(default)]
            serving_hold_reasons: Vec<String>,
            content: Option<Content>,
            created_at: Option<i64>,
            last_modified_at: Option<i64>,
        }
        let j: J = decode(raw)?;
        let reference = j
            .content
            .and_then(|c| c.reference)
            .filter(|r| !r.is_empty());
        Ok(Creative {
            id: required_urn(raw, "id", &j.id, "sponsoredCreative")?,
            campaign_id: required_urn(raw, "campaign", &j.campaign, "sponsoredCampaign")?,
            intended_status: j.intended_status,
            is_serving: j.is_serving,
            serving_hold_reasons: j.serving_hold_reasons,
            content_name: reference.as_deref().map(content_name),
            content_reference: reference,
            created: millis(j.created_at),
            modified: millis(j.last_modified_at),
        })
    }
}

/// "Sponsored Post #456789" for `urn:li:share:7123456789`: the kind of content and the
/// last six digits of its id, without an API call.
pub fn content_name(reference: &str) -> String {
    let parts: Vec<&str> = reference.split(':').collect();
    if parts.len() < 4 {
        return reference.to_owned();
    }
    let label = match parts[2] {
        "share" => "Sponsored Post",
        "ugcPost" => "UGC Post",
        "adInMailContent" => "InMail",
        "video" => "Video Ad",
        "adCreativeV2" => "Creative",
        other => other,
    };
    let id = parts[3];
    format!("{label} #{}", &id[id.len().saturating_sub(6)..])
}

/// The metrics of one analytics row.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Metrics {
    pub impressions: i64,
    pub clicks: i64,
    pub cost: Decimal,
    pub landing_page_clicks: i64,
    pub external_website_conversions: i64,
    pub one_click_leads: i64,
    pub likes: i64,
    pub comments: i64,
    pub shares: i64,
    pub follows: i64,
    pub opens: i64,
    pub sends: i64,
}

/// One `adAnalytics` element: the pivot value's id, the first day of its period, metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalyticsRow {
    pub pivot: String,
    pub date: NaiveDate,
    pub metrics: Metrics,
}

impl AnalyticsRow {
    pub fn parse(raw: &Value) -> Result<AnalyticsRow, Invalid> {
        #[derive(Deserialize)]
        struct Day {
            year: i32,
            month: u32,
            day: u32,
        }
        #[derive(Deserialize)]
        struct Range {
            start: Day,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct J {
            pivot_values: Vec<String>,
            date_range: Range,
            #[serde(default)]
            impressions: i64,
            #[serde(default)]
            clicks: i64,
            #[serde(default)]
            landing_page_clicks: i64,
            #[serde(default)]
            external_website_conversions: i64,
            #[serde(default)]
            one_click_leads: i64,
            #[serde(default)]
            likes: i64,
            #[serde(default)]
            comments: i64,
            #[serde(default)]
            shares: i64,
            #[serde(default)]
            follows: i64,
            #[serde(default)]
            opens: i64,
            #[serde(default)]
            sends: i64,
        }
        let j: J = decode(raw)?;
        let [pivot] = <[String; 1]>::try_from(j.pivot_values).map_err(|v| {
            invalid(
                raw,
                format!("pivotValues: expected one value, got {}", v.len()),
            )
        })?;
        let date = NaiveDate::from_ymd_opt(
            j.date_range.start.year,
            j.date_range.start.month,
            j.date_range.start.day,
        )
        .ok_or_else(|| invalid(raw, "dateRange.start is not a calendar date"))?;
        let cost = Decimal::parse(raw.get("costInLocalCurrency"), "costInLocalCurrency")
            .map_err(|e| invalid(raw, e))?;
        let counts = [
            j.impressions,
            j.clicks,
            j.landing_page_clicks,
            j.external_website_conversions,
            j.one_click_leads,
            j.likes,
            j.comments,
            j.shares,
            j.follows,
            j.opens,
            j.sends,
        ];
        if counts.iter().any(|n| *n < 0) {
            return Err(invalid(raw, "a count is negative"));
        }
        Ok(AnalyticsRow {
            pivot,
            date,
            metrics: Metrics {
                impressions: j.impressions,
                clicks: j.clicks,
                cost,
                landing_page_clicks: j.landing_page_clicks,
                external_website_conversions: j.external_website_conversions,
                one_click_leads: j.one_click_leads,
                likes: j.likes,
                comments: j.comments,
                shares: j.shares,
                follows: j.follows,
                opens: j.opens,
                sends: j.sends,
            },
        })
    }

    /// The id of the pivot value, which must be a URN of `kind`.
    pub fn pivot_id(&self, kind: &str) -> Result<i64, String> {
        urn_id(&self.pivot, kind)
            .ok_or_else(|| format!("pivotValues: {:?} is not a urn:li:{kind}:<id>", self.pivot))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn campaign() -> Value {
        json!({
            "id": 3_100_000_001i64, "account": "urn:li:sponsoredAccount:510000000",
            "campaignGroup": "urn:li:sponsoredCampaignGroup:610000000", "name": "C", "status": "ACTIVE",
            "dailyBudget": {"amount": "50.25", "currencyCode": "USD"}, "offsiteDeliveryEnabled": true,
            "changeAuditStamps": {"created": {"time": 1_700_000_000_000i64}}, "somethingNew": [1, 2]
        })
    }

    #[test]
    fn a_valid_campaign_parses_with_ids_above_int4_and_unknown_fields_ignored() {
        let c = Campaign::parse(&campaign()).unwrap();
        assert_eq!(
            (c.id, c.account_id, c.group_id),
            (3_100_000_001, 510_000_000, Some(610_000_000))
        );
        assert_eq!(c.daily_budget.unwrap().amount, Decimal("50.25".into()));
        assert!(
            c.total_budget.is_none(),
            "a missing budget stays missing, not 0"
        );
        assert!(c.offsite_delivery_enabled && !c.audience_expansion_enabled);
        assert!(c.created.is_some(), "created comes from changeAuditStamps");
    }

    #[test]
    fn missing_fields_wrong_types_and_bad_urns_are_rejected_with_the_id() {
        let mut missing = campaign();
        missing.as_object_mut().unwrap().remove("name");
        let mut wrong = campaign();
        wrong["status"] = json!(42);
        let mut bad_urn = campaign();
        bad_urn["account"] = json!("urn:li:sponsoredAccount:not-a-number");
        for raw in [missing, wrong, bad_urn] {
            let err = Campaign::parse(&raw).unwrap_err();
            assert_eq!(err.upstream_id.as_deref(), Some("3100000001"), "{err:?}");
        }
        let no_id = Campaign::parse(&json!({"name": "x"})).unwrap_err();
        assert_eq!(no_id.upstream_id, None);
    }

    #[test]
    fn analytics_rows_keep_money_exact_and_refuse_strings_for_counts() {
        let row = AnalyticsRow::parse(&json!({
            "pivotValues": ["urn:li:sponsoredCampaign:3100000001"], "dateRange": {"start": {"year": 2026, "month": 8, "day": 3}},
            "impressions": 4496, "clicks": 66, "costInLocalCurrency": "673.419834"
        }))
        .unwrap();
        assert_eq!(row.metrics.cost, Decimal("673.419834".into()));
        assert_eq!(row.pivot_id("sponsoredCampaign"), Ok(3_100_000_001));
        assert!(row.pivot_id("sponsoredCreative").is_err());
        assert!(AnalyticsRow::parse(&json!({"pivotValues": ["x"], "dateRange": {"start": {"year": 2026, "month": 2, "day": 30}}})).is_err());
        assert!(AnalyticsRow::parse(&json!({"pivotValues": ["x"], "dateRange": {"start": {"year": 2026, "month": 2, "day": 3}}, "impressions": "lots"})).is_err());
        assert!(
            AnalyticsRow::parse(
                &json!({"dateRange": {"start": {"year": 2026, "month": 2, "day": 3}}})
            )
            .is_err()
        );
        for cost in [json!(null), json!(""), json!(12.5), json!("0.0")] {
            let row = AnalyticsRow::parse(&json!({"pivotValues": ["x"], "dateRange": {"start": {"year": 2026, "month": 2, "day": 3}}, "costInLocalCurrency": cost})).unwrap();
            assert!(!row.metrics.cost.0.is_empty());
        }
        assert!(AnalyticsRow::parse(&json!({"pivotValues": ["x"], "dateRange": {"start": {"year": 2026, "month": 2, "day": 3}}, "costInLocalCurrency": "12,5"})).is_err());
    }

    #[test]
    fn creatives_get_readable_content_names() {
        let c = Creative::parse(&json!({
            "id": "urn:li:sponsoredCreative:7200000000001", "campaign": "urn:li:sponsoredCampaign:3100000000",
            "content": {"reference": "urn:li:share:7123456789"}, "isServing": true
        }))
        .unwrap();
        assert_eq!(c.content_name.as_deref(), Some("Sponsored Post #456789"));
        assert_eq!(content_name("urn:li:ugcPost:99"), "UGC Post #99");
        assert!(Creative::parse(&json!({"id": "urn:li:sponsoredCreative:", "campaign": "urn:li:sponsoredCampaign:1"})).is_err());
        assert!(Creative::parse(&json!({"id": "urn:li:sponsoredCreative:5", "campaign": "urn:li:sponsoredCampaign:1", "isServing": "sometimes"})).is_err());
    }
}

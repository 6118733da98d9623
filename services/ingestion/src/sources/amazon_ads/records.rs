//! Amazon Ads records as adsync keeps them, each parsed on its own from what the API
//! sent: a record that does not parse is skipped with its reason (and kept in
//! sync_errors), never failing the run. Ids come as strings of digits in the lists and
//! as numbers in reports: both become `i64`. Money is kept as the decimal text Amazon
//! wrote (reports) or the shortest exact form of the number it sent (lists).

use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::Region;

/// Why a record was skipped.
#[derive(Debug, Clone)]
pub(crate) struct Invalid {
    pub(crate) upstream_id: Option<String>,
    pub(crate) reason: String,
}

fn invalid(upstream_id: Option<i64>, reason: impl Into<String>) -> Invalid {
    Invalid {
        upstream_id: upstream_id.map(|id| id.to_string()),
        reason: reason.into(),
    }
}

/// An exact decimal as text, e.g. `12.30`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decimal(pub(crate) String);

impl Decimal {
    fn zero() -> Decimal {
        Decimal("0".into())
    }

    /// A decimal from its text (`12.30`, `-1`, `.5` refused); the reason otherwise.
    fn parse_text(text: &str, field: &str) -> Result<Decimal, String> {
        crate::sources::decimal::check_plain_decimal(text, field)?;
        Ok(Decimal(text.to_owned()))
    }

    /// A decimal from a JSON value (a number or a string of one); `None` for absent or null.
    fn from_value(value: Option<&Value>, field: &str) -> Result<Option<Decimal>, String> {
        match value {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => Decimal::parse_text(&n.to_string(), field).map(Some),
            Some(Value::String(s)) => Decimal::parse_text(s.trim(), field).map(Some),
            Some(other) => Err(format!("{field}: expected a decimal, got {other}")),
        }
    }

    /// A decimal from its raw JSON text, as written (no trip through a double): 0 for null.
    fn from_raw(raw: Option<&RawValue>, field: &str) -> Result<Decimal, String> {
        match raw.map(RawValue::get) {
            None | Some("null") => Ok(Decimal::zero()),
            Some(text) if text.starts_with('"') => {
                let s: String = serde_json::from_str(text).map_err(|e| format!("{field}: {e}"))?;
                Decimal::parse_text(s.trim(), field)
            }
            Some(text) => Decimal::parse_text(text, field),
        }
    }
}

/// An id: a string of digits (lists) or a number (reports).
fn id_of(value: Option<&Value>, field: &str) -> Result<i64, String> {
    match value {
        Some(Value::String(s)) => s
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(|| format!("{field}: {s:?} is not an id")),
        Some(Value::Number(n)) => n
            .as_i64()
            .filter(|id| *id > 0)
            .ok_or_else(|| format!("{field}: {n} is not an id")),
        None | Some(Value::Null) => Err(format!("{field} is missing")),
        Some(other) => Err(format!("{field}: {other} is not an id")),
    }
}

fn opt_id(value: Option<&Value>, field: &str) -> Result<Option<i64>, String> {
    match value {
        None | Some(Value::Null) => Ok(None),
        v => id_of(v, field).map(Some),
    }
}

fn text(value: Option<&Value>, field: &str) -> Result<String, String> {
    match value {
        Some(Value::String(s)) => Ok(s.clone()),
        None | Some(Value::Null) => Err(format!("{field} is missing")),
        Some(other) => Err(format!("{field}: {other} is not text")),
    }
}

fn opt_text(value: Option<&Value>, field: &str) -> Result<Option<String>, String> {
    match value {
        None | Some(Value::Null) => Ok(None),
        v => text(v, field).map(Some),
    }
}

fn opt_date(value: Option<&Value>, field: &str) -> Result<Option<NaiveDate>, String> {
    match opt_text(value, field)? {
        None => Ok(None),
        Some(s) if s.is_empty() => Ok(None),
        Some(s) => NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| format!("{field}: {s:?} is not a date")),
    }
}

/// Parses a record whose id is `id_field`, keeping the id (when readable) for the error.
fn record<T>(
    raw: &Value,
    id_field: &str,
    parse: impl FnOnce(i64) -> Result<T, String>,
) -> Result<T, Invalid> {
    let id = id_of(raw.get(id_field), id_field).map_err(|reason| invalid(None, reason))?;
    parse(id).map_err(|reason| invalid(Some(id), reason))
}

/// An advertising profile (the account adsync syncs).
#[derive(Debug, Clone)]
pub(crate) struct Profile {
    pub(crate) id: i64,
    pub(crate) region: Region,
    pub(crate) country_code: String,
    pub(crate) currency_code: String,
    pub(crate) time_zone: chrono_tz::Tz,
    pub(crate) marketplace_id: String,
    pub(crate) account_id: String,
    /// seller, vendor or agency.
    pub(crate) account_type: String,
    pub(crate) account_name: String,
}

impl Profile {
    pub(crate) fn parse(raw: &Value, region: Region) -> Result<Profile, Invalid> {
        record(raw, "profileId", |id| {
            let info = raw.get("accountInfo").unwrap_or(&Value::Null);
            let zone = text(raw.get("timezone"), "timezone")?;
            Ok(Profile {
                id,
                region,
                country_code: text(raw.get("countryCode"), "countryCode")?,
                currency_code: text(raw.get("currencyCode"), "currencyCode")?,
                time_zone: zone
                    .parse()
                    .map_err(|_| format!("timezone: {zone:?} is not an IANA time zone"))?,
                marketplace_id: text(
                    info.get("marketplaceStringId"),
                    "accountInfo.marketplaceStringId",
                )?,
                account_id: text(info.get("id"), "accountInfo.id")?,
                account_type: text(info.get("type"), "accountInfo.type")?,
                account_name: opt_text(info.get("name"), "accountInfo.name")?.unwrap_or_default(),
            })
        })
    }

    /// The name shown for the account: the advertiser and its marketplace.
    pub(crate) fn display_name(&self) -> String {
        format!("{} ({})", self.account_name, self.country_code)
    }
}

/// A Sponsored Products campaign.
#[derive(Debug, Clone)]
pub(crate) struct Campaign {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) state: String,
    pub(crate) targeting_type: Option<String>,
    pub(crate) budget: Option<Decimal>,
    pub(crate) budget_type: Option<String>,
    pub(crate) bidding_strategy: Option<String>,
    pub(crate) top_of_search_percentage: Option<i64>,
    pub(crate) portfolio_id: Option<i64>,
    pub(crate) start_date: Option<NaiveDate>,
    pub(crate) end_date: Option<NaiveDate>,
}

impl Campaign {
    pub(crate) fn parse(raw: &Value) -> Result<Campaign, Invalid> {
        record(raw, "campaignId", |id| {
            let budget = raw.get("budget").unwrap_or(&Value::Null);
            let bidding = raw.get("dynamicBidding").unwrap_or(&Value::Null);
            let top_of_search = bidding
                .get("placementBidding")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .find(|p| p.get("placement").and_then(Value::as_str) == Some("PLACEMENT_TOP"))
                .and_then(|p| p.get("percentage"))
                .map(|p| {
                    p.as_i64()
                        .ok_or_else(|| format!("placementBidding.percentage: {p} is not a number"))
                })
                .transpose()?;
            Ok(Campaign {
                id,
                name: text(raw.get("name"), "name")?,
                state: text(raw.get("state"), "state")?,
                targeting_type: opt_text(raw.get("targetingType"), "targetingType")?,
                budget: Decimal::from_value(budget.get("budget"), "budget.budget")?,
                budget_type: opt_text(budget.get("budgetType"), "budget.budgetType")?,
                bidding_strategy: opt_text(bidding.get("strategy"), "dynamicBidding.strategy")?,
                top_of_search_percentage: top_of_search,
                portfolio_id: opt_id(raw.get("portfolioId"), "portfolioId")?,
                start_date: opt_date(raw.get("startDate"), "startDate")?,
                end_date: opt_date(raw.get("endDate"), "endDate")?,
            })
        })
    }
}

/// An ad group.
#[derive(Debug, Clone)]
pub(crate) struct AdGroup {
    pub(crate) id: i64,
    pub(crate) campaign_id: i64,
    pub(crate) name: String,
    pub(crate) state: String,
    pub(crate) default_bid: Option<Decimal>,
}

impl AdGroup {
    pub(crate) fn parse(raw: &Value) -> Result<AdGroup, Invalid> {
        record(raw, "adGroupId", |id| {
            Ok(AdGroup {
                id,
                campaign_id: id_of(raw.get("campaignId"), "campaignId")?,
                name: text(raw.get("name"), "name")?,
                state: text(raw.get("state"), "state")?,
                default_bid: Decimal::from_value(raw.get("defaultBid"), "defaultBid")?,
            })
        })
    }
}

/// A keyword, or a negative keyword (which has no bid).
#[derive(Debug, Clone)]
pub(crate) struct Keyword {
    pub(crate) id: i64,
    pub(crate) campaign_id: i64,
    pub(crate) ad_group_id: i64,
    pub(crate) text: String,
    pub(crate) match_type: String,
    pub(crate) state: String,
    pub(crate) bid: Option<Decimal>,
}

impl Keyword {
    pub(crate) fn parse(raw: &Value) -> Result<Keyword, Invalid> {
        record(raw, "keywordId", |id| {
            Ok(Keyword {
                id,
                campaign_id: id_of(raw.get("campaignId"), "campaignId")?,
                ad_group_id: id_of(raw.get("adGroupId"), "adGroupId")?,
                text: text(raw.get("keywordText"), "keywordText")?,
                match_type: text(raw.get("matchType"), "matchType")?,
                state: text(raw.get("state"), "state")?,
                bid: Decimal::from_value(raw.get("bid"), "bid")?,
            })
        })
    }
}

/// A product or auto target.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) id: i64,
    pub(crate) campaign_id: i64,
    pub(crate) ad_group_id: i64,
    pub(crate) expression_type: String,
    pub(crate) expression: Value,
    pub(crate) resolved_expression: Option<Value>,
    pub(crate) state: String,
    pub(crate) bid: Option<Decimal>,
}

impl Target {
    pub(crate) fn parse(raw: &Value) -> Result<Target, Invalid> {
        record(raw, "targetId", |id| {
            let expression = match raw.get("expression") {
                Some(e @ Value::Array(_)) => e.clone(),
                _ => return Err("expression: not an array".into()),
            };
            Ok(Target {
                id,
                campaign_id: id_of(raw.get("campaignId"), "campaignId")?,
                ad_group_id: id_of(raw.get("adGroupId"), "adGroupId")?,
                expression_type: text(raw.get("expressionType"), "expressionType")?,
                expression,
                resolved_expression: raw
                    .get("resolvedExpression")
                    .filter(|v| !v.is_null())
                    .cloned(),
                state: text(raw.get("state"), "state")?,
                bid: Decimal::from_value(raw.get("bid"), "bid")?,
            })
        })
    }
}

/// A product ad (an advertised ASIN or SKU).
#[derive(Debug, Clone)]
pub(crate) struct ProductAd {
    pub(crate) id: i64,
    pub(crate) campaign_id: i64,
    pub(crate) ad_group_id: i64,
    pub(crate) asin: Option<String>,
    pub(crate) sku: Option<String>,
    pub(crate) state: String,
}

impl ProductAd {
    pub(crate) fn parse(raw: &Value) -> Result<ProductAd, Invalid> {
        record(raw, "adId", |id| {
            Ok(ProductAd {
                id,
                campaign_id: id_of(raw.get("campaignId"), "campaignId")?,
                ad_group_id: id_of(raw.get("adGroupId"), "adGroupId")?,
                asin: opt_text(raw.get("asin"), "asin")?,
                sku: opt_text(raw.get("sku"), "sku")?,
                state: text(raw.get("state"), "state")?,
            })
        })
    }
}

/// The metrics every report row carries, exact.
#[derive(Debug, Clone, Default)]
pub(crate) struct Metrics {
    pub(crate) impressions: i64,
    pub(crate) clicks: i64,
    pub(crate) cost: Option<Decimal>,
    /// Attribution windows of 1, 7, 14 and 30 days.
    pub(crate) purchases: [i64; 4],
    pub(crate) sales: [Option<Decimal>; 4],
    pub(crate) units_sold_clicks: [i64; 4],
}

/// One row of a DAILY report: its grain ids, its day and its metrics.
#[derive(Debug, Clone)]
pub(crate) struct ReportRow {
    pub(crate) campaign_id: i64,
    pub(crate) ad_group_id: Option<i64>,
    /// keywordId: a keyword's or a target's id.
    pub(crate) targeting_id: Option<i64>,
    pub(crate) ad_id: Option<i64>,
    pub(crate) search_term: Option<String>,
    pub(crate) date: NaiveDate,
    pub(crate) targeting: Option<String>,
    pub(crate) keyword_type: Option<String>,
    pub(crate) advertised_asin: Option<String>,
    pub(crate) advertised_sku: Option<String>,
    pub(crate) metrics: Metrics,
}

/// A report row as written in the file; money fields kept raw, so no digit is lost.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RowJson<'a> {
    campaign_id: Option<IdJson>,
    ad_group_id: Option<IdJson>,
    keyword_id: Option<IdJson>,
    ad_id: Option<IdJson>,
    search_term: Option<String>,
    date: Option<String>,
    targeting: Option<String>,
    keyword_type: Option<String>,
    advertised_asin: Option<String>,
    advertised_sku: Option<String>,
    impressions: Option<i64>,
    clicks: Option<i64>,
    #[serde(borrow)]
    cost: Option<&'a RawValue>,
    purchases1d: Option<i64>,
    purchases7d: Option<i64>,
    purchases14d: Option<i64>,
    purchases30d: Option<i64>,
    #[serde(borrow)]
    sales1d: Option<&'a RawValue>,
    #[serde(borrow)]
    sales7d: Option<&'a RawValue>,
    #[serde(borrow)]
    sales14d: Option<&'a RawValue>,
    #[serde(borrow)]
    sales30d: Option<&'a RawValue>,
    units_sold_clicks1d: Option<i64>,
    units_sold_clicks7d: Option<i64>,
    units_sold_clicks14d: Option<i64>,
    units_sold_clicks30d: Option<i64>,
}

/// An id in a report: a number, or a string of digits.
#[derive(Deserialize)]
#[serde(untagged)]
enum IdJson {
    Number(i64),
    Text(String),
}

impl IdJson {
    fn get(self, field: &str) -> Result<i64, String> {
        let id = match self {
            IdJson::Number(n) => Some(n),
            IdJson::Text(s) => s.parse().ok(),
        };
        id.filter(|id| *id > 0)
            .ok_or_else(|| format!("{field} is not an id"))
    }
}

fn opt_id_json(id: Option<IdJson>, field: &str) -> Result<Option<i64>, String> {
    id.map(|i| i.get(field)).transpose()
}

impl ReportRow {
    /// One row of a report file (its raw JSON text).
    pub(crate) fn parse(raw: &RawValue) -> Result<ReportRow, Invalid> {
        let row: RowJson<'_> =
            serde_json::from_str(raw.get()).map_err(|e| invalid(None, e.to_string()))?;
        let campaign_id = row
            .campaign_id
            .ok_or("campaignId is missing")
            .map_err(|r| invalid(None, r))?
            .get("campaignId")
            .map_err(|r| invalid(None, r))?;
        let with_id = |reason: String| invalid(Some(campaign_id), reason);
        let date = row
            .date
            .as_deref()
            .ok_or_else(|| "date is missing (a DAILY report has one per row)".to_owned())
            .and_then(|d| {
                NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| format!("date: {d:?}"))
            })
            .map_err(with_id)?;
        let money = |raw: Option<&RawValue>, field: &str| {
            Decimal::from_raw(raw, field).map(Some).map_err(with_id)
        };
        let metrics = Metrics {
            impressions: row.impressions.unwrap_or(0),
            clicks: row.clicks.unwrap_or(0),
            cost: money(row.cost, "cost")?,
            purchases: [
                row.purchases1d.unwrap_or(0),
                row.purchases7d.unwrap_or(0),
                row.purchases14d.unwrap_or(0),
                row.purchases30d.unwrap_or(0),
            ],
            sales: [
                money(row.sales1d, "sales1d")?,
                money(row.sales7d, "sales7d")?,
                money(row.sales14d, "sales14d")?,
                money(row.sales30d, "sales30d")?,
            ],
            units_sold_clicks: [
                row.units_sold_clicks1d.unwrap_or(0),
                row.units_sold_clicks7d.unwrap_or(0),
                row.units_sold_clicks14d.unwrap_or(0),
                row.units_sold_clicks30d.unwrap_or(0),
            ],
        };
        Ok(ReportRow {
            campaign_id,
            ad_group_id: opt_id_json(row.ad_group_id, "adGroupId").map_err(with_id)?,
            targeting_id: opt_id_json(row.keyword_id, "keywordId").map_err(with_id)?,
            ad_id: opt_id_json(row.ad_id, "adId").map_err(with_id)?,
            search_term: row.search_term,
            date,
            targeting: row.targeting,
            keyword_type: row.keyword_type,
            advertised_asin: row.advertised_asin,
            advertised_sku: row.advertised_sku,
            metrics,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap()
    }

    #[test]
    fn report_money_keeps_every_digit_and_ids_of_either_type_become_one() {
        let row = ReportRow::parse(&raw(
            r#"{"campaignId":123456789012,"adGroupId":"77","keywordId":5,"date":"2026-11-30",
                "impressions":10,"clicks":2,"cost":12345678901234.57,"sales14d":"0.10","purchases14d":1}"#,
        ))
        .unwrap();
        assert_eq!(row.campaign_id, 123_456_789_012);
        assert_eq!(row.ad_group_id, Some(77));
        assert_eq!(row.metrics.cost, Some(Decimal("12345678901234.57".into())));
        assert_eq!(row.metrics.sales[2], Some(Decimal("0.10".into())));
        assert_eq!(row.metrics.sales[0], Some(Decimal("0".into())));
        assert_eq!(row.metrics.purchases[2], 1);
    }

    #[test]
    fn a_bad_row_is_refused_with_a_reason_and_its_campaign_when_known() {
        let missing =
            ReportRow::parse(&raw(r#"{"campaignId":null,"date":"2026-11-30"}"#)).unwrap_err();
        assert!(missing.reason.contains("campaignId"), "{}", missing.reason);
        let wrong = ReportRow::parse(&raw(
            r#"{"campaignId":9,"date":"2026-11-30","impressions":"many"}"#,
        ))
        .unwrap_err();
        assert!(wrong.reason.contains("invalid type"), "{}", wrong.reason);
        let no_date = ReportRow::parse(&raw(r#"{"campaignId":9}"#)).unwrap_err();
        assert_eq!(no_date.upstream_id.as_deref(), Some("9"));
    }

    #[test]
    fn list_records_need_their_ids_and_keep_list_money_exact() {
        let c = Campaign::parse(&serde_json::json!({
            "campaignId": "42", "name": "Shoes", "state": "ARCHIVED", "targetingType": "MANUAL",
            "budget": {"budgetType": "DAILY", "budget": 12.3},
            "dynamicBidding": {"strategy": "LEGACY_FOR_SALES",
                               "placementBidding": [{"placement": "PLACEMENT_TOP", "percentage": 50}]},
            "startDate": "2026-01-02"
        }))
        .unwrap();
        assert_eq!(c.id, 42);
        assert_eq!(c.budget, Some(Decimal("12.3".into())));
        assert_eq!(c.top_of_search_percentage, Some(50));
        let bad = AdGroup::parse(&serde_json::json!({"name": "x"})).unwrap_err();
        assert!(bad.reason.contains("adGroupId"));
        let bad_state = Keyword::parse(&serde_json::json!({
            "keywordId": "7", "campaignId": "1", "adGroupId": "2", "keywordText": "a",
            "matchType": "EXACT", "state": 42
        }))
        .unwrap_err();
        assert_eq!(bad_state.upstream_id.as_deref(), Some("7"));
    }
}

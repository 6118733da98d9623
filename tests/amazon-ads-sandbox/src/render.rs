//! Report files: which columns a report type offers at which grain, and the file itself —
//! a gzipped JSON array of flat objects, one per grain and day (DAILY) or per grain over
//! the range (SUMMARY), holding exactly the requested columns. Ids are JSON numbers here
//! (strings in the lists), money is written digit by digit from integer cents.

use std::io::Write;

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde_json::Value;

use crate::State;
use crate::data::{Tag, WINDOWS, cents_to_decimal, hash};
use crate::faults::malformed;
use crate::reports::Configuration;
use crate::world::{AdGroup, Campaign, Metrics, ProductAd, Targeting, TargetingKind};

/// The four Sponsored Products report types the sandbox serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportType {
    /// `spCampaigns`, grouped by campaign (and ad group).
    Campaigns,
    /// `spTargeting`: keywords and product targets.
    Targeting,
    /// `spSearchTerm`: what customers typed, per keyword or target.
    SearchTerm,
    /// `spAdvertisedProduct`: per product ad.
    AdvertisedProduct,
}

impl ReportType {
    pub fn id(self) -> &'static str {
        match self {
            ReportType::Campaigns => "spCampaigns",
            ReportType::Targeting => "spTargeting",
            ReportType::SearchTerm => "spSearchTerm",
            ReportType::AdvertisedProduct => "spAdvertisedProduct",
        }
    }

    fn parse(id: &str) -> Option<ReportType> {
        [
            ReportType::Campaigns,
            ReportType::Targeting,
            ReportType::SearchTerm,
            ReportType::AdvertisedProduct,
        ]
        .into_iter()
        .find(|t| t.id() == id)
    }
}

/// What one row is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grain {
    Campaign,
    AdGroup,
    Targeting,
    SearchTerm,
    ProductAd,
}

/// A validated report configuration.
#[derive(Debug, Clone)]
pub struct ReportSpec {
    pub report_type: ReportType,
    pub grain: Grain,
    /// DAILY (a row per day) or SUMMARY (a row over the range).
    pub daily: bool,
    pub columns: Vec<String>,
    /// spTargeting and spSearchTerm: only these keyword types.
    pub keyword_types: Option<Vec<String>>,
}

const METRIC_COLUMNS: [&str; 21] = [
    "impressions",
    "clicks",
    "cost",
    "spend",
    "costPerClick",
    "clickThroughRate",
    "purchases1d",
    "purchases7d",
    "purchases14d",
    "purchases30d",
    "sales1d",
    "sales7d",
    "sales14d",
    "sales30d",
    "unitsSoldClicks1d",
    "unitsSoldClicks7d",
    "unitsSoldClicks14d",
    "unitsSoldClicks30d",
    "acosClicks14d",
    "roasClicks14d",
    "campaignBudgetCurrencyCode",
];
const CAMPAIGN_COLUMNS: [&str; 6] = [
    "campaignId",
    "campaignName",
    "campaignStatus",
    "campaignBudgetAmount",
    "campaignBudgetType",
    "portfolioId",
];
const TIME_COLUMNS: [&str; 3] = ["date", "startDate", "endDate"];
const TARGETING_COLUMNS: [&str; 7] = [
    "keywordId",
    "keyword",
    "matchType",
    "keywordType",
    "targeting",
    "keywordBid",
    "adKeywordStatus",
];
const KEYWORD_TYPES: [&str; 5] = [
    "BROAD",
    "PHRASE",
    "EXACT",
    "TARGETING_EXPRESSION",
    "TARGETING_EXPRESSION_PREDEFINED",
];

impl ReportSpec {
    /// Checks a configuration as Amazon does; the reason when it is refused.
    pub(crate) fn parse(c: &Configuration) -> Result<ReportSpec, String> {
        if c.ad_product != "SPONSORED_PRODUCTS" {
            return Err(format!("adProduct {:?} is not supported", c.ad_product));
        }
        if c.format != "GZIP_JSON" {
            return Err(format!(
                "format {:?} is not supported; use GZIP_JSON",
                c.format
            ));
        }
        let report_type = ReportType::parse(&c.report_type_id)
            .ok_or_else(|| format!("reportTypeId {:?} is not supported", c.report_type_id))?;
        let daily = match c.time_unit.as_str() {
            "DAILY" => true,
            "SUMMARY" => false,
            other => return Err(format!("timeUnit {other:?} must be DAILY or SUMMARY")),
        };
        let group_by: Vec<&str> = c.group_by.iter().map(String::as_str).collect();
        let grain = match (report_type, group_by.as_slice()) {
            (ReportType::Campaigns, ["campaign"]) => Grain::Campaign,
            (
                ReportType::Campaigns,
                ["adGroup"] | ["campaign", "adGroup"] | ["adGroup", "campaign"],
            ) => Grain::AdGroup,
            (ReportType::Targeting, ["targeting"]) => Grain::Targeting,
            (ReportType::SearchTerm, ["searchTerm"]) => Grain::SearchTerm,
            (ReportType::AdvertisedProduct, ["advertiser"]) => Grain::ProductAd,
            (_, []) => return Err("groupBy is required".into()),
            (t, other) => {
                return Err(format!("groupBy {other:?} is not valid for {}", t.id()));
            }
        };
        if c.columns.is_empty() {
            return Err("columns is required".into());
        }
        let mut allowed: Vec<&str> = METRIC_COLUMNS
            .iter()
            .chain(&CAMPAIGN_COLUMNS)
            .chain(&TIME_COLUMNS)
            .copied()
            .collect();
        if grain != Grain::Campaign {
            allowed.extend(["adGroupId", "adGroupName"]);
        }
        match report_type {
            ReportType::Targeting => allowed.extend(TARGETING_COLUMNS),
            ReportType::SearchTerm => {
                allowed.extend(TARGETING_COLUMNS);
                allowed.push("searchTerm");
            }
            ReportType::AdvertisedProduct => {
                allowed.extend(["adId", "advertisedAsin", "advertisedSku"])
            }
            ReportType::Campaigns => {}
        }
        if let Some(unknown) = c
            .columns
            .iter()
            .find(|col| !allowed.contains(&col.as_str()))
        {
            return Err(format!(
                "column {unknown:?} is not available in {} grouped by {:?}",
                report_type.id(),
                c.group_by
            ));
        }
        let has = |col: &str| c.columns.iter().any(|x| x == col);
        if daily && !has("date") {
            return Err("a DAILY report needs the date column".into());
        }
        if !daily && has("date") {
            return Err("a SUMMARY report has no date column; use startDate and endDate".into());
        }
        let mut keyword_types = None;
        for f in &c.filters {
            match (f.field.as_str(), report_type) {
                ("keywordType", ReportType::Targeting | ReportType::SearchTerm) => {
                    if let Some(v) = f
                        .values
                        .iter()
                        .find(|v| !KEYWORD_TYPES.contains(&v.as_str()))
                    {
                        return Err(format!("filter keywordType: unknown value {v:?}"));
                    }
                    keyword_types = Some(f.values.clone());
                }
                (field, t) => {
                    return Err(format!("filter {field:?} is not available in {}", t.id()));
                }
            }
        }
        Ok(ReportSpec {
            report_type,
            grain,
            daily,
            columns: c.columns.clone(),
            keyword_types,
        })
    }
}

/// One value of a row.
enum Cell {
    Int(i64),
    Cents(i64),
    Text(String),
    Ratio(Option<f64>),
    Null,
}

/// What a series of rows is about.
#[derive(Clone, Copy)]
struct Subject<'a> {
    campaign: &'a Campaign,
    ad_group: Option<&'a AdGroup>,
    targeting: Option<&'a Targeting>,
    search_term: Option<&'a str>,
    product_ad: Option<&'a ProductAd>,
}

/// One row: a subject on a day (or over the period).
struct Row<'a> {
    period: (NaiveDate, NaiveDate),
    date: Option<NaiveDate>,
    currency: &'a str,
    subject: Subject<'a>,
    metrics: Metrics,
}

/// `keywordType` and `matchType` of a keyword or target, as reports write them.
fn keyword_type(t: &Targeting) -> &'static str {
    match &t.kind {
        TargetingKind::Keyword { match_type, .. } => match_type,
        TargetingKind::Target {
            expression_type: "AUTO",
            ..
        } => "TARGETING_EXPRESSION_PREDEFINED",
        TargetingKind::Target { .. } => "TARGETING_EXPRESSION",
    }
}

fn cell(column: &str, r: &Row<'_>) -> Cell {
    let m = &r.metrics;
    let s = &r.subject;
    let window = |prefix: &str| -> Option<usize> {
        let days: u32 = column
            .strip_prefix(prefix)?
            .strip_suffix('d')?
            .parse()
            .ok()?;
        WINDOWS.iter().position(|w| *w == days)
    };
    if let Some(w) = window("purchases") {
        return Cell::Int(m.purchases[w]);
    }
    if let Some(w) = window("sales") {
        return Cell::Cents(m.sales_cents[w]);
    }
    if let Some(w) = window("unitsSoldClicks") {
        return Cell::Int(m.units[w]);
    }
    let ratio = |n: f64, d: f64| Cell::Ratio((d != 0.0).then(|| n / d));
    match column {
        "impressions" => Cell::Int(m.impressions),
        "clicks" => Cell::Int(m.clicks),
        "cost" | "spend" => Cell::Cents(m.cost_cents),
        "costPerClick" => ratio(m.cost_cents as f64 / 100.0, m.clicks as f64),
        "clickThroughRate" => ratio(m.clicks as f64 * 100.0, m.impressions as f64),
        "acosClicks14d" => ratio(m.cost_cents as f64 * 100.0, m.sales_cents[2] as f64),
        "roasClicks14d" => ratio(m.sales_cents[2] as f64, m.cost_cents as f64),
        "campaignBudgetCurrencyCode" => Cell::Text(r.currency.to_owned()),
        "date" => r.date.map_or(Cell::Null, |d| Cell::Text(d.to_string())),
        "startDate" => Cell::Text(r.period.0.to_string()),
        "endDate" => Cell::Text(r.period.1.to_string()),
        "campaignId" => Cell::Int(s.campaign.id),
        "campaignName" => Cell::Text(s.campaign.name.clone()),
        "campaignStatus" => Cell::Text(s.campaign.state.to_owned()),
        "campaignBudgetAmount" => Cell::Cents(s.campaign.budget_cents),
        "campaignBudgetType" => Cell::Text("DAILY_BUDGET".into()),
        "portfolioId" => s.campaign.portfolio_id.map_or(Cell::Null, Cell::Int),
        "adGroupId" => s.ad_group.map_or(Cell::Null, |g| Cell::Int(g.id)),
        "adGroupName" => s
            .ad_group
            .map_or(Cell::Null, |g| Cell::Text(g.name.clone())),
        "keywordId" => s.targeting.map_or(Cell::Null, |t| Cell::Int(t.id)),
        "keyword" | "targeting" => s
            .targeting
            .map_or(Cell::Null, |t| Cell::Text(t.targeting_text())),
        "matchType" | "keywordType" => s
            .targeting
            .map_or(Cell::Null, |t| Cell::Text(keyword_type(t).to_owned())),
        "keywordBid" => s
            .targeting
            .and_then(|t| t.bid_cents.or(s.ad_group.map(|g| g.default_bid_cents)))
            .map_or(Cell::Null, Cell::Cents),
        "adKeywordStatus" => s
            .targeting
            .map_or(Cell::Null, |t| Cell::Text(t.state.to_owned())),
        "searchTerm" => s
            .search_term
            .map_or(Cell::Null, |t| Cell::Text(t.to_owned())),
        "adId" => s.product_ad.map_or(Cell::Null, |a| Cell::Int(a.id)),
        "advertisedAsin" => s
            .product_ad
            .map_or(Cell::Null, |a| Cell::Text(a.asin.clone())),
        "advertisedSku" => s
            .product_ad
            .map_or(Cell::Null, |a| Cell::Text(a.sku.clone())),
        _ => Cell::Null,
    }
}

/// Writes rows into a JSON array, a series (one subject's days) at a time.
struct Writer<'s> {
    state: &'s State,
    spec: &'s ReportSpec,
    period: (NaiveDate, NaiveDate),
    currency: &'s str,
    out: Vec<u8>,
    rows: usize,
}

impl Writer<'_> {
    /// The subject's rows: one per active day (DAILY), or one over the period (SUMMARY,
    /// if any day was active). `key` identifies the subject, for the malformed fault.
    fn series(
        &mut self,
        subject: Subject<'_>,
        key: &[i64],
        days: impl Iterator<Item = (NaiveDate, Metrics)>,
    ) {
        if self.spec.daily {
            for (day, metrics) in days {
                self.row(subject, key, Some(day), metrics);
            }
        } else {
            let mut total = None::<Metrics>;
            for (_, m) in days {
                total.get_or_insert_with(Metrics::default).add(&m);
            }
            if let Some(metrics) = total {
                self.row(subject, key, None, metrics);
            }
        }
    }

    fn row(
        &mut self,
        subject: Subject<'_>,
        key: &[i64],
        date: Option<NaiveDate>,
        metrics: Metrics,
    ) {
        let mut parts = key.to_vec();
        parts.push(date.map_or(0, crate::data::day_number));
        let id = hash(0, Tag::Malformed, &parts) as i64;
        // A malformed row: its campaign id missing, or a count of the wrong type.
        let corrupt = malformed(self.state, id, 2).then_some(id % 2 == 0);
        let row = Row {
            period: self.period,
            date,
            currency: self.currency,
            subject,
            metrics,
        };
        let out = &mut self.out;
        out.push(if self.rows == 0 { b'[' } else { b',' });
        self.rows += 1;
        out.push(b'{');
        for (i, column) in self.spec.columns.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend(Value::from(column.as_str()).to_string().as_bytes());
            out.push(b':');
            let value = match (corrupt, column.as_str()) {
                (Some(true), "campaignId") => "null".to_owned(),
                (Some(false), "impressions") => "\"many\"".to_owned(),
                _ => match cell(column, &row) {
                    Cell::Int(n) => n.to_string(),
                    Cell::Cents(c) => cents_to_decimal(c),
                    Cell::Text(t) => Value::from(t).to_string(),
                    Cell::Ratio(Some(x)) => format!("{x:.4}"),
                    Cell::Ratio(None) | Cell::Null => "null".to_owned(),
                },
            };
            out.extend(value.as_bytes());
        }
        out.push(b'}');
    }

    fn finish(mut self) -> Vec<u8> {
        if self.rows == 0 {
            self.out.push(b'[');
        }
        self.out.push(b']');
        self.out
    }
}

/// The JSON rows of a report on profile `profile` over `range`, as of `as_of` (the
/// sandbox time it completed), ungzipped.
pub(crate) fn rows(
    state: &State,
    profile: u32,
    spec: &ReportSpec,
    (start, end): (NaiveDate, NaiveDate),
    as_of: DateTime<Utc>,
) -> Vec<u8> {
    let world = &state.world;
    let Some(p) = world.profile(profile) else {
        return b"[]".to_vec();
    };
    let as_of = as_of.with_timezone(&p.timezone()).date_naive();
    let days: Vec<NaiveDate> = (0..=(end - start).num_days())
        .map(|i| start + Days::new(i as u64))
        .collect();
    let mut w = Writer {
        state,
        spec,
        period: (start, end),
        currency: p.marketplace.currency_code,
        out: Vec::new(),
        rows: 0,
    };
    for campaign in world.campaigns(profile) {
        let c = campaign.index.1;
        let on_campaign = Subject {
            campaign: &campaign,
            ad_group: None,
            targeting: None,
            search_term: None,
            product_ad: None,
        };
        if spec.grain == Grain::Campaign {
            let series = days
                .iter()
                .filter_map(|d| world.campaign_day(profile, c, *d, as_of).map(|m| (*d, m)));
            w.series(on_campaign, &[campaign.id], series);
            continue;
        }
        for group in world.ad_groups(profile, c) {
            let g = group.index.2;
            let on_group = Subject {
                ad_group: Some(&group),
                ..on_campaign
            };
            match spec.grain {
                Grain::AdGroup => {
                    let series = days.iter().filter_map(|d| {
                        world
                            .ad_group_day(profile, c, g, *d, as_of)
                            .map(|m| (*d, m))
                    });
                    w.series(on_group, &[group.id], series);
                }
                Grain::ProductAd => {
                    let by_day: Vec<(NaiveDate, Vec<(ProductAd, Metrics)>)> = days
                        .iter()
                        .map(|d| (*d, world.product_ad_days(profile, c, g, *d, as_of)))
                        .collect();
                    for ad in world.product_ads(profile, c, g) {
                        let series = by_day.iter().filter_map(|(d, parts)| {
                            parts
                                .iter()
                                .find(|(a, _)| a.id == ad.id)
                                .map(|(_, m)| (*d, *m))
                        });
                        let subject = Subject {
                            product_ad: Some(&ad),
                            ..on_group
                        };
                        w.series(subject, &[ad.id], series);
                    }
                }
                Grain::Targeting | Grain::SearchTerm => {
                    for t in world.targetings(profile, c, g) {
                        let wanted = spec
                            .keyword_types
                            .as_ref()
                            .is_none_or(|types| types.iter().any(|k| k == keyword_type(&t)));
                        if !wanted {
                            continue;
                        }
                        let on_targeting = Subject {
                            targeting: Some(&t),
                            ..on_group
                        };
                        if spec.grain == Grain::Targeting {
                            let series = days
                                .iter()
                                .filter_map(|d| world.atom_day(&t, *d, as_of).map(|m| (*d, m)));
                            w.series(on_targeting, &[t.id], series);
                            continue;
                        }
                        // A series per search term.
                        let mut terms: Vec<(String, Vec<(NaiveDate, Metrics)>)> = Vec::new();
                        for d in &days {
                            for (term, m) in world.search_terms(&t, *d, as_of) {
                                match terms.iter_mut().find(|(x, _)| *x == term) {
                                    Some((_, series)) => series.push((*d, m)),
                                    None => terms.push((term, vec![(*d, m)])),
                                }
                            }
                        }
                        for (i, (term, series)) in terms.iter().enumerate() {
                            let subject = Subject {
                                search_term: Some(term),
                                ..on_targeting
                            };
                            w.series(subject, &[t.id, i as i64], series.iter().copied());
                        }
                    }
                }
                Grain::Campaign => unreachable!("handled above"),
            }
        }
    }
    w.finish()
}

/// The report file: its rows, gzipped.
pub(crate) fn file(
    state: &State,
    profile: u32,
    spec: &ReportSpec,
    range: (NaiveDate, NaiveDate),
    as_of: DateTime<Utc>,
) -> Vec<u8> {
    let json = rows(state, profile, spec, range, as_of);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&json).expect("writing to memory");
    gz.finish().expect("writing to memory")
}

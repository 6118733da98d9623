//! Amazon Ads' warehouse tables (schema `amazon_ads`): how each is merged, its staging
//! table as Diesel sees it (COPY needs a declared table), and how parsed records are
//! encoded into staging rows. Generated rows follow each spec's column order (key, then
//! data); a test checks the declarations agree. A report is the whole truth of the days
//! it covers, so the daily tables replace the run's window: a stored row the new reports
//! no longer hold (a search term whose clicks were restated away) is removed.

use adsync_proto::ingestion::SyncEntity;

use super::records::{
    AdGroup, Campaign, Decimal, Keyword, Metrics, ProductAd, Profile, ReportRow, Target,
};
use crate::store::{CopyBuffer, MergeMode, Parent, TableSpec};

pub(crate) const PROFILES: TableSpec = TableSpec {
    table: "amazon_ads.profiles",
    stage: "stage_profiles",
    key: &["id"],
    data: &[
        "region",
        "country_code",
        "currency_code",
        "time_zone",
        "marketplace_id",
        "account_id",
        "account_type",
        "account_name",
    ],
    parent: None,
    sum: &[],
    account: "id",
    mode: MergeMode::Upsert,
    replaces_window: None,
    marks_missing: None,
    entity: SyncEntity::Profile,
    copy: crate::copy_fn!(stage::stage_profiles::table),
};

pub(crate) const CAMPAIGNS: TableSpec = TableSpec {
    table: "amazon_ads.campaigns",
    stage: "stage_campaigns",
    key: &["id"],
    data: &[
        "profile_id",
        "name",
        "state",
        "targeting_type",
        "budget",
        "budget_type",
        "bidding_strategy",
        "top_of_search_percentage",
        "portfolio_id",
        "start_date",
        "end_date",
    ],
    parent: Some(Parent {
        column: "profile_id",
        table: "amazon_ads.profiles",
        account: "id",
    }),
    sum: &[],
    account: "profile_id",
    mode: MergeMode::Upsert,
    replaces_window: None,
    marks_missing: None,
    entity: SyncEntity::Campaign,
    copy: crate::copy_fn!(stage::stage_campaigns::table),
};

pub(crate) const AD_GROUPS: TableSpec = TableSpec {
    table: "amazon_ads.ad_groups",
    stage: "stage_ad_groups",
    key: &["id"],
    data: &["profile_id", "campaign_id", "name", "state", "default_bid"],
    parent: Some(Parent {
        column: "campaign_id",
        table: "amazon_ads.campaigns",
        account: "profile_id",
    }),
    sum: &[],
    account: "profile_id",
    mode: MergeMode::Upsert,
    replaces_window: None,
    marks_missing: None,
    entity: SyncEntity::AdGroup,
    copy: crate::copy_fn!(stage::stage_ad_groups::table),
};

pub(crate) const KEYWORDS: TableSpec = TableSpec {
    table: "amazon_ads.keywords",
    stage: "stage_keywords",
    key: &["id"],
    data: &[
        "profile_id",
        "campaign_id",
        "ad_group_id",
        "keyword_text",
        "match_type",
        "state",
        "bid",
    ],
    parent: Some(Parent {
        column: "ad_group_id",
        table: "amazon_ads.ad_groups",
        account: "profile_id",
    }),
    sum: &[],
    account: "profile_id",
    mode: MergeMode::Upsert,
    replaces_window: None,
    marks_missing: None,
    entity: SyncEntity::Keyword,
    copy: crate::copy_fn!(stage::stage_keywords::table),
};

pub(crate) const NEGATIVE_KEYWORDS: TableSpec = TableSpec {
    table: "amazon_ads.negative_keywords",
    stage: "stage_negative_keywords",
    key: &["id"],
    data: &[
        "profile_id",
        "campaign_id",
        "ad_group_id",
        "keyword_text",
        "match_type",
        "state",
    ],
    parent: Some(Parent {
        column: "ad_group_id",
        table: "amazon_ads.ad_groups",
        account: "profile_id",
    }),
    sum: &[],
    account: "profile_id",
    mode: MergeMode::Upsert,
    replaces_window: None,
    marks_missing: None,
    entity: SyncEntity::NegativeKeyword,
    copy: crate::copy_fn!(stage::stage_negative_keywords::table),
};

pub(crate) const TARGETS: TableSpec = TableSpec {
    table: "amazon_ads.targets",
    stage: "stage_targets",
    key: &["id"],
    data: &[
        "profile_id",
        "campaign_id",
        "ad_group_id",
        "expression_type",
        "expression",
        "resolved_expression",
        "state",
        "bid",
    ],
    parent: Some(Parent {
        column: "ad_group_id",
        table: "amazon_ads.ad_groups",
        account: "profile_id",
    }),
    sum: &[],
    account: "profile_id",
    mode: MergeMode::Upsert,
    replaces_window: None,
    marks_missing: None,
    entity: SyncEntity::Target,
    copy: crate::copy_fn!(stage::stage_targets::table),
};

pub(crate) const PRODUCT_ADS: TableSpec = TableSpec {
    table: "amazon_ads.product_ads",
    stage: "stage_product_ads",
    key: &["id"],
    data: &[
        "profile_id",
        "campaign_id",
        "ad_group_id",
        "asin",
        "sku",
        "state",
    ],
    parent: Some(Parent {
        column: "ad_group_id",
        table: "amazon_ads.ad_groups",
        account: "profile_id",
    }),
    sum: &[],
    account: "profile_id",
    mode: MergeMode::Upsert,
    replaces_window: None,
    marks_missing: None,
    entity: SyncEntity::ProductAd,
    copy: crate::copy_fn!(stage::stage_product_ads::table),
};

pub(crate) const CAMPAIGN_METRICS: TableSpec = TableSpec {
    table: "amazon_ads.campaign_daily_metrics",
    stage: "stage_campaign_daily_metrics",
    key: &["profile_id", "campaign_id", "date"],
    data: &[
        "impressions",
        "clicks",
        "cost",
        "purchases_1d",
        "purchases_7d",
        "purchases_14d",
        "purchases_30d",
        "sales_1d",
        "sales_7d",
        "sales_14d",
        "sales_30d",
        "units_sold_clicks_1d",
        "units_sold_clicks_7d",
        "units_sold_clicks_14d",
        "units_sold_clicks_30d",
    ],
    parent: Some(Parent {
        column: "campaign_id",
        table: "amazon_ads.campaigns",
        account: "profile_id",
    }),
    sum: &[],
    account: "profile_id",
    mode: MergeMode::Upsert,
    replaces_window: Some("date"),
    marks_missing: None,
    entity: SyncEntity::CampaignDailyMetric,
    copy: crate::copy_fn!(stage::stage_campaign_daily_metrics::table),
};

pub(crate) const TARGETING_METRICS: TableSpec = TableSpec {
    table: "amazon_ads.targeting_daily_metrics",
    stage: "stage_targeting_daily_metrics",
    key: &[
        "profile_id",
        "campaign_id",
        "ad_group_id",
        "targeting_id",
        "date",
    ],
    data: &[
        "targeting",
        "keyword_type",
        "impressions",
        "clicks",
        "cost",
        "purchases_1d",
        "purchases_7d",
        "purchases_14d",
        "purchases_30d",
        "sales_1d",
        "sales_7d",
        "sales_14d",
        "sales_30d",
        "units_sold_clicks_1d",
        "units_sold_clicks_7d",
        "units_sold_clicks_14d",
        "units_sold_clicks_30d",
    ],
    parent: Some(Parent {
        column: "campaign_id",
        table: "amazon_ads.campaigns",
        account: "profile_id",
    }),
    sum: &[],
    account: "profile_id",
    mode: MergeMode::Upsert,
    replaces_window: Some("date"),
    marks_missing: None,
    entity: SyncEntity::TargetingDailyMetric,
    copy: crate::copy_fn!(stage::stage_targeting_daily_metrics::table),
};

pub(crate) const SEARCH_TERM_METRICS: TableSpec = TableSpec {
    table: "amazon_ads.search_term_daily_metrics",
    stage: "stage_search_term_daily_metrics",
    key: &[
        "profile_id",
        "campaign_id",
        "ad_group_id",
        "targeting_id",
        "search_term",
        "date",
    ],
    data: &[
        "keyword_type",
        "impressions",
        "clicks",
        "cost",
        "purchases_1d",
        "purchases_7d",
        "purchases_14d",
        "purchases_30d",
        "sales_1d",
        "sales_7d",
        "sales_14d",
        "sales_30d",
        "units_sold_clicks_1d",
        "units_sold_clicks_7d",
        "units_sold_clicks_14d",
        "units_sold_clicks_30d",
    ],
    parent: Some(Parent {
        column: "campaign_id",
        table: "amazon_ads.campaigns",
        account: "profile_id",
    }),
    sum: &[],
    account: "profile_id",
    mode: MergeMode::Upsert,
    replaces_window: Some("date"),
    marks_missing: None,
    entity: SyncEntity::SearchTermDailyMetric,
    copy: crate::copy_fn!(stage::stage_search_term_daily_metrics::table),
};

pub(crate) const PRODUCT_AD_METRICS: TableSpec = TableSpec {
    table: "amazon_ads.product_ad_daily_metrics",
    stage: "stage_product_ad_daily_metrics",
    key: &["profile_id", "campaign_id", "ad_group_id", "ad_id", "date"],
    data: &[
        "advertised_asin",
        "advertised_sku",
        "impressions",
        "clicks",
        "cost",
        "purchases_1d",
        "purchases_7d",
        "purchases_14d",
        "purchases_30d",
        "sales_1d",
        "sales_7d",
        "sales_14d",
        "sales_30d",
        "units_sold_clicks_1d",
        "units_sold_clicks_7d",
        "units_sold_clicks_14d",
        "units_sold_clicks_30d",
    ],
    parent: Some(Parent {
        column: "campaign_id",
        table: "amazon_ads.campaigns",
        account: "profile_id",
    }),
    sum: &[],
    account: "profile_id",
    mode: MergeMode::Upsert,
    replaces_window: Some("date"),
    marks_missing: None,
    entity: SyncEntity::ProductAdDailyMetric,
    copy: crate::copy_fn!(stage::stage_product_ad_daily_metrics::table),
};

/// Every table, parents before children (the order merges must run in).
pub(crate) const ALL: &[&TableSpec] = &[
    &PROFILES,
    &CAMPAIGNS,
    &AD_GROUPS,
    &KEYWORDS,
    &NEGATIVE_KEYWORDS,
    &TARGETS,
    &PRODUCT_ADS,
    &CAMPAIGN_METRICS,
    &TARGETING_METRICS,
    &SEARCH_TERM_METRICS,
    &PRODUCT_AD_METRICS,
];

fn decimal(b: &mut CopyBuffer, d: Option<&Decimal>) {
    match d {
        Some(d) => b.text(&d.0),
        None => b.null(),
    };
}

fn id(b: &mut CopyBuffer, v: Option<i64>) {
    match v {
        Some(v) => b.int(v),
        None => b.null(),
    };
}

/// Staging rows of [`PROFILES`].
pub(crate) fn profiles(rows: &[Profile]) -> CopyBuffer {
    let mut b = CopyBuffer::default();
    for p in rows {
        b.row()
            .int(p.id)
            .text(p.region.as_str())
            .text(&p.country_code)
            .text(&p.currency_code)
            .text(p.time_zone.name());
        b.text(&p.marketplace_id)
            .text(&p.account_id)
            .text(&p.account_type)
            .text(&p.account_name)
            .end_row();
    }
    b
}

/// Staging rows of [`CAMPAIGNS`] of profile `profile_id`.
pub(crate) fn campaigns(profile_id: i64, rows: &[Campaign]) -> CopyBuffer {
    let mut b = CopyBuffer::default();
    for c in rows {
        b.row()
            .int(c.id)
            .int(profile_id)
            .text(&c.name)
            .text(&c.state)
            .opt_text(c.targeting_type.as_deref());
        decimal(&mut b, c.budget.as_ref());
        b.opt_text(c.budget_type.as_deref())
            .opt_text(c.bidding_strategy.as_deref());
        id(&mut b, c.top_of_search_percentage);
        id(&mut b, c.portfolio_id);
        b.opt_date(c.start_date).opt_date(c.end_date).end_row();
    }
    b
}

/// Staging rows of [`AD_GROUPS`] of profile `profile_id`.
pub(crate) fn ad_groups(profile_id: i64, rows: &[AdGroup]) -> CopyBuffer {
    let mut b = CopyBuffer::default();
    for g in rows {
        b.row()
            .int(g.id)
            .int(profile_id)
            .int(g.campaign_id)
            .text(&g.name)
            .text(&g.state);
        decimal(&mut b, g.default_bid.as_ref());
        b.end_row();
    }
    b
}

/// Staging rows of [`KEYWORDS`] (with their bids) or [`NEGATIVE_KEYWORDS`] (without).
pub(crate) fn keywords(profile_id: i64, rows: &[Keyword], with_bid: bool) -> CopyBuffer {
    let mut b = CopyBuffer::default();
    for k in rows {
        b.row()
            .int(k.id)
            .int(profile_id)
            .int(k.campaign_id)
            .int(k.ad_group_id)
            .text(&k.text)
            .text(&k.match_type)
            .text(&k.state);
        if with_bid {
            decimal(&mut b, k.bid.as_ref());
        }
        b.end_row();
    }
    b
}

/// Staging rows of [`TARGETS`].
pub(crate) fn targets(profile_id: i64, rows: &[Target]) -> CopyBuffer {
    let mut b = CopyBuffer::default();
    for t in rows {
        b.row()
            .int(t.id)
            .int(profile_id)
            .int(t.campaign_id)
            .int(t.ad_group_id)
            .text(&t.expression_type)
            .text(&t.expression.to_string());
        b.opt_text(
            t.resolved_expression
                .as_ref()
                .map(|e| e.to_string())
                .as_deref(),
        )
        .text(&t.state);
        decimal(&mut b, t.bid.as_ref());
        b.end_row();
    }
    b
}

/// Staging rows of [`PRODUCT_ADS`].
pub(crate) fn product_ads(profile_id: i64, rows: &[ProductAd]) -> CopyBuffer {
    let mut b = CopyBuffer::default();
    for a in rows {
        b.row()
            .int(a.id)
            .int(profile_id)
            .int(a.campaign_id)
            .int(a.ad_group_id)
            .opt_text(a.asin.as_deref())
            .opt_text(a.sku.as_deref())
            .text(&a.state)
            .end_row();
    }
    b
}

fn metrics(b: &mut CopyBuffer, m: &Metrics) {
    b.int(m.impressions).int(m.clicks);
    decimal(b, m.cost.as_ref());
    for p in m.purchases {
        b.int(p);
    }
    for s in &m.sales {
        decimal(b, s.as_ref());
    }
    for u in m.units_sold_clicks {
        b.int(u);
    }
}

/// Which daily-metrics table a report's rows go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MetricTable {
    Campaign,
    Targeting,
    SearchTerm,
    ProductAd,
}

impl MetricTable {
    pub(crate) fn spec(self) -> &'static TableSpec {
        match self {
            MetricTable::Campaign => &CAMPAIGN_METRICS,
            MetricTable::Targeting => &TARGETING_METRICS,
            MetricTable::SearchTerm => &SEARCH_TERM_METRICS,
            MetricTable::ProductAd => &PRODUCT_AD_METRICS,
        }
    }

    /// Why a row cannot be keyed in this table (a grain id it lacks), if it cannot.
    pub(crate) fn missing(self, r: &ReportRow) -> Option<&'static str> {
        let needs: &[(bool, &'static str)] = match self {
            MetricTable::Campaign => &[],
            MetricTable::Targeting => &[
                (r.ad_group_id.is_none(), "adGroupId is missing"),
                (r.targeting_id.is_none(), "keywordId is missing"),
            ],
            MetricTable::SearchTerm => &[
                (r.ad_group_id.is_none(), "adGroupId is missing"),
                (r.targeting_id.is_none(), "keywordId is missing"),
                (r.search_term.is_none(), "searchTerm is missing"),
            ],
            MetricTable::ProductAd => &[
                (r.ad_group_id.is_none(), "adGroupId is missing"),
                (r.ad_id.is_none(), "adId is missing"),
            ],
        };
        needs.iter().find(|(lacks, _)| *lacks).map(|(_, why)| *why)
    }

    /// Staging rows of this table for `rows` (each keyable: see [`MetricTable::missing`]).
    pub(crate) fn encode(self, profile_id: i64, rows: &[ReportRow]) -> CopyBuffer {
        let mut b = CopyBuffer::default();
        for r in rows {
            b.row().int(profile_id).int(r.campaign_id);
            match self {
                MetricTable::Campaign => {
                    b.date(r.date);
                }
                MetricTable::Targeting => {
                    id(&mut b, r.ad_group_id);
                    id(&mut b, r.targeting_id);
                    b.date(r.date)
                        .opt_text(r.targeting.as_deref())
                        .opt_text(r.keyword_type.as_deref());
                }
                MetricTable::SearchTerm => {
                    id(&mut b, r.ad_group_id);
                    id(&mut b, r.targeting_id);
                    b.opt_text(r.search_term.as_deref())
                        .date(r.date)
                        .opt_text(r.keyword_type.as_deref());
                }
                MetricTable::ProductAd => {
                    id(&mut b, r.ad_group_id);
                    id(&mut b, r.ad_id);
                    b.date(r.date)
                        .opt_text(r.advertised_asin.as_deref())
                        .opt_text(r.advertised_sku.as_deref());
                }
            }
            metrics(&mut b, &r.metrics);
            b.end_row();
        }
        b
    }
}

/// The staging tables as Diesel sees them: its COPY targets a declared table, named
/// without a schema (the run's staging schema is on the search path for the COPY).
pub(crate) mod stage {
    diesel::table! {
        stage_profiles (id) {
            id -> BigInt,
            region -> Text,
            country_code -> Text,
            currency_code -> Text,
            time_zone -> Text,
            marketplace_id -> Text,
            account_id -> Text,
            account_type -> Text,
            account_name -> Text,
        }
    }
    diesel::table! {
        stage_campaigns (id) {
            id -> BigInt,
            profile_id -> BigInt,
            name -> Text,
            state -> Text,
            targeting_type -> Nullable<Text>,
            budget -> Nullable<Numeric>,
            budget_type -> Nullable<Text>,
            bidding_strategy -> Nullable<Text>,
            top_of_search_percentage -> Nullable<Integer>,
            portfolio_id -> Nullable<BigInt>,
            start_date -> Nullable<Date>,
            end_date -> Nullable<Date>,
        }
    }
    diesel::table! {
        stage_ad_groups (id) {
            id -> BigInt,
            profile_id -> BigInt,
            campaign_id -> BigInt,
            name -> Text,
            state -> Text,
            default_bid -> Nullable<Numeric>,
        }
    }
    diesel::table! {
        stage_keywords (id) {
            id -> BigInt,
            profile_id -> BigInt,
            campaign_id -> BigInt,
            ad_group_id -> BigInt,
            keyword_text -> Text,
            match_type -> Text,
            state -> Text,
            bid -> Nullable<Numeric>,
        }
    }
    diesel::table! {
        stage_negative_keywords (id) {
            id -> BigInt,
            profile_id -> BigInt,
            campaign_id -> BigInt,
            ad_group_id -> BigInt,
            keyword_text -> Text,
            match_type -> Text,
            state -> Text,
        }
    }
    diesel::table! {
        stage_targets (id) {
            id -> BigInt,
            profile_id -> BigInt,
            campaign_id -> BigInt,
            ad_group_id -> BigInt,
            expression_type -> Text,
            expression -> Jsonb,
            resolved_expression -> Nullable<Jsonb>,
            state -> Text,
            bid -> Nullable<Numeric>,
        }
    }
    diesel::table! {
        stage_product_ads (id) {
            id -> BigInt,
            profile_id -> BigInt,
            campaign_id -> BigInt,
            ad_group_id -> BigInt,
            asin -> Nullable<Text>,
            sku -> Nullable<Text>,
            state -> Text,
        }
    }
    diesel::table! {
        stage_campaign_daily_metrics (profile_id, campaign_id, date) {
            profile_id -> BigInt,
            campaign_id -> BigInt,
            date -> Date,
            impressions -> BigInt,
            clicks -> BigInt,
            cost -> Numeric,
            purchases_1d -> BigInt,
            purchases_7d -> BigInt,
            purchases_14d -> BigInt,
            purchases_30d -> BigInt,
            sales_1d -> Numeric,
            sales_7d -> Numeric,
            sales_14d -> Numeric,
            sales_30d -> Numeric,
            units_sold_clicks_1d -> BigInt,
            units_sold_clicks_7d -> BigInt,
            units_sold_clicks_14d -> BigInt,
            units_sold_clicks_30d -> BigInt,
        }
    }
    diesel::table! {
        stage_targeting_daily_metrics (profile_id, campaign_id, ad_group_id, targeting_id, date) {
            profile_id -> BigInt,
            campaign_id -> BigInt,
            ad_group_id -> BigInt,
            targeting_id -> BigInt,
            date -> Date,
            targeting -> Nullable<Text>,
            keyword_type -> Nullable<Text>,
            impressions -> BigInt,
            clicks -> BigInt,
            cost -> Numeric,
            purchases_1d -> BigInt,
            purchases_7d -> BigInt,
            purchases_14d -> BigInt,
            purchases_30d -> BigInt,
            sales_1d -> Numeric,
            sales_7d -> Numeric,
            sales_14d -> Numeric,
            sales_30d -> Numeric,
            units_sold_clicks_1d -> BigInt,
            units_sold_clicks_7d -> BigInt,
            units_sold_clicks_14d -> BigInt,
            units_sold_clicks_30d -> BigInt,
        }
    }
    diesel::table! {
        stage_search_term_daily_metrics (profile_id, campaign_id, ad_group_id, targeting_id, search_term, date) {
            profile_id -> BigInt,
            campaign_id -> BigInt,
            ad_group_id -> BigInt,
            targeting_id -> BigInt,
            search_term -> Text,
            date -> Date,
            keyword_type -> Nullable<Text>,
            impressions -> BigInt,
            clicks -> BigInt,
            cost -> Numeric,
            purchases_1d -> BigInt,
            purchases_7d -> BigInt,
            purchases_14d -> BigInt,
            purchases_30d -> BigInt,
            sales_1d -> Numeric,
            sales_7d -> Numeric,
            sales_14d -> Numeric,
            sales_30d -> Numeric,
            units_sold_clicks_1d -> BigInt,
            units_sold_clicks_7d -> BigInt,
            units_sold_clicks_14d -> BigInt,
            units_sold_clicks_30d -> BigInt,
        }
    }
    diesel::table! {
        stage_product_ad_daily_metrics (profile_id, campaign_id, ad_group_id, ad_id, date) {
            profile_id -> BigInt,
            campaign_id -> BigInt,
            ad_group_id -> BigInt,
            ad_id -> BigInt,
            date -> Date,
            advertised_asin -> Nullable<Text>,
            advertised_sku -> Nullable<Text>,
            impressions -> BigInt,
            clicks -> BigInt,
            cost -> Numeric,
            purchases_1d -> BigInt,
            purchases_7d -> BigInt,
            purchases_14d -> BigInt,
            purchases_30d -> BigInt,
            sales_1d -> Numeric,
            sales_7d -> Numeric,
            sales_14d -> Numeric,
            sales_30d -> Numeric,
            units_sold_clicks_1d -> BigInt,
            units_sold_clicks_7d -> BigInt,
            units_sold_clicks_14d -> BigInt,
            units_sold_clicks_30d -> BigInt,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::declared_columns;

    #[test]
    fn staging_declarations_match_the_specs() {
        assert_eq!(
            declared_columns(stage::stage_profiles::table),
            PROFILES.column_list()
        );
        assert_eq!(
            declared_columns(stage::stage_campaigns::table),
            CAMPAIGNS.column_list()
        );
        assert_eq!(
            declared_columns(stage::stage_ad_groups::table),
            AD_GROUPS.column_list()
        );
        assert_eq!(
            declared_columns(stage::stage_keywords::table),
            KEYWORDS.column_list()
        );
        assert_eq!(
            declared_columns(stage::stage_negative_keywords::table),
            NEGATIVE_KEYWORDS.column_list()
        );
        assert_eq!(
            declared_columns(stage::stage_targets::table),
            TARGETS.column_list()
        );
        assert_eq!(
            declared_columns(stage::stage_product_ads::table),
            PRODUCT_ADS.column_list()
        );
        assert_eq!(
            declared_columns(stage::stage_campaign_daily_metrics::table),
            CAMPAIGN_METRICS.column_list()
        );
        assert_eq!(
            declared_columns(stage::stage_targeting_daily_metrics::table),
            TARGETING_METRICS.column_list()
        );
        assert_eq!(
            declared_columns(stage::stage_search_term_daily_metrics::table),
            SEARCH_TERM_METRICS.column_list()
        );
        assert_eq!(
            declared_columns(stage::stage_product_ad_daily_metrics::table),
            PRODUCT_AD_METRICS.column_list()
        );
    }
}

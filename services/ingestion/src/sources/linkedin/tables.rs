//! LinkedIn's warehouse tables (schema `linkedin`): how each is merged, its staging
//! table as Diesel sees it (COPY needs a declared table), and how validated records are
//! encoded into staging rows.

use adsync_proto::ingestion::SyncEntity;

use super::records::{Account, AnalyticsRow, Campaign, CampaignGroup, Creative, Metrics, Money};
use crate::store::{CopyBuffer, MergeMode, Parent, TableSpec};

pub(crate) const ACCOUNTS: TableSpec = TableSpec {
    table: "linkedin.ad_accounts",
    stage: "stage_ad_accounts",
    key: &["id"],
    data: &[
        "name",
        "status",
        "currency",
        "type",
        "is_test",
        "upstream_created_at",
        "upstream_modified_at",
    ],
    parent: None,
    sum: &[],
    account: "id",
    mode: MergeMode::Upsert,
    replaces_window: None,
    marks_missing: None,
    entity: SyncEntity::Account,
    copy: crate::copy_fn!(stage::stage_ad_accounts::table),
};

pub(crate) const CAMPAIGN_GROUPS: TableSpec = TableSpec {
    table: "linkedin.campaign_groups",
    stage: "stage_campaign_groups",
    key: &["id"],
    data: &[
        "account_id",
        "name",
        "status",
        "total_budget",
        "total_budget_currency",
        "run_schedule_start",
        "run_schedule_end",
        "upstream_created_at",
        "upstream_modified_at",
    ],
    parent: Some(Parent {
        column: "account_id",
        table: "linkedin.ad_accounts",
        account: "id",
    }),
    sum: &[],
    account: "account_id",
    mode: MergeMode::Upsert,
    replaces_window: None,
    marks_missing: None,
    entity: SyncEntity::CampaignGroup,
    copy: crate::copy_fn!(stage::stage_campaign_groups::table),
};

pub(crate) const CAMPAIGNS: TableSpec = TableSpec {
    table: "linkedin.campaigns",
    stage: "stage_campaigns",
    key: &["id"],
    data: &[
        "account_id",
        "campaign_group_id",
        "name",
        "status",
        "type",
        "objective_type",
        "format",
        "cost_type",
        "optimization_target_type",
        "creative_selection",
        "daily_budget",
        "daily_budget_currency",
        "total_budget",
        "total_budget_currency",
        "unit_cost",
        "unit_cost_currency",
        "offsite_delivery_enabled",
        "audience_expansion_enabled",
        "run_schedule_start",
        "run_schedule_end",
        "upstream_created_at",
        "upstream_modified_at",
    ],
    parent: Some(Parent {
        column: "account_id",
        table: "linkedin.ad_accounts",
        account: "id",
    }),
    sum: &[],
    account: "account_id",
    mode: MergeMode::Upsert,
    replaces_window: None,
    marks_missing: None,
    entity: SyncEntity::Campaign,
    copy: crate::copy_fn!(stage::stage_campaigns::table),
};

pub(crate) const CREATIVES: TableSpec = TableSpec {
    table: "linkedin.creatives",
    stage: "stage_creatives",
    key: &["id"],
    data: &[
        "campaign_id",
        "account_id",
        "intended_status",
        "is_serving",
        "serving_hold_reasons",
        "content_reference",
        "content_name",
        "upstream_created_at",
        "upstream_modified_at",
    ],
    parent: Some(Parent {
        column: "campaign_id",
        table: "linkedin.campaigns",
        account: "account_id",
    }),
    sum: &[],
    account: "account_id",
    mode: MergeMode::Upsert,
    replaces_window: None,
    marks_missing: None,
    entity: SyncEntity::Creative,
    copy: crate::copy_fn!(stage::stage_creatives::table),
};

pub(crate) const CAMPAIGN_METRICS: TableSpec = TableSpec {
    table: "linkedin.campaign_daily_metrics",
    stage: "stage_campaign_daily_metrics",
    key: &["campaign_id", "date"],
    data: &[
        "account_id",
        "impressions",
        "clicks",
        "cost",
        "landing_page_clicks",
        "external_website_conversions",
        "one_click_leads",
        "likes",
        "comments",
        "shares",
        "follows",
        "opens",
        "sends",
    ],
    parent: Some(Parent {
        column: "campaign_id",
        table: "linkedin.campaigns",
        account: "account_id",
    }),
    sum: &[],
    account: "account_id",
    mode: MergeMode::Upsert,
    replaces_window: None,
    marks_missing: None,
    entity: SyncEntity::CampaignDailyMetric,
    copy: crate::copy_fn!(stage::stage_campaign_daily_metrics::table),
};

pub(crate) const CREATIVE_METRICS: TableSpec = TableSpec {
    table: "linkedin.creative_daily_metrics",
    stage: "stage_creative_daily_metrics",
    key: &["creative_id", "date"],
    data: &[
        "campaign_id",
        "account_id",
        "impressions",
        "clicks",
        "cost",
        "landing_page_clicks",
        "external_website_conversions",
        "one_click_leads",
        "likes",
        "comments",
        "shares",
        "follows",
        "opens",
        "sends",
    ],
    parent: Some(Parent {
        column: "creative_id",
        table: "linkedin.creatives",
        account: "account_id",
    }),
    sum: &[],
    account: "account_id",
    mode: MergeMode::Upsert,
    replaces_window: None,
    marks_missing: None,
    entity: SyncEntity::CreativeDailyMetric,
    copy: crate::copy_fn!(stage::stage_creative_daily_metrics::table),
};

pub(crate) const DEMOGRAPHICS: TableSpec = TableSpec {
    table: "linkedin.audience_demographics",
    stage: "stage_audience_demographics",
    key: &["account_id", "pivot", "segment", "date_start"],
    data: &["date_end", "impressions", "clicks", "cost"],
    parent: Some(Parent {
        column: "account_id",
        table: "linkedin.ad_accounts",
        account: "id",
    }),
    sum: &["impressions", "clicks", "cost"],
    account: "account_id",
    mode: MergeMode::Upsert,
    replaces_window: None,
    marks_missing: None,
    entity: SyncEntity::Demographic,
    copy: crate::copy_fn!(stage::stage_audience_demographics::table),
};

/// Every table, parents before children (the order merges must run in).
pub(crate) const ALL: &[&TableSpec] = &[
    &ACCOUNTS,
    &CAMPAIGN_GROUPS,
    &CAMPAIGNS,
    &CREATIVES,
    &CAMPAIGN_METRICS,
    &CREATIVE_METRICS,
    &DEMOGRAPHICS,
];

/// One demographic segment of one month, ready to stage.
#[derive(Debug, Clone)]
pub(crate) struct DemographicRow {
    pub(crate) pivot: &'static str,
    pub(crate) segment: String,
    pub(crate) date_start: chrono::NaiveDate,
    pub(crate) date_end: chrono::NaiveDate,
    pub(crate) impressions: i64,
    pub(crate) clicks: i64,
    pub(crate) cost: super::records::Decimal,
}

/// Staging rows of [`ACCOUNTS`].
pub(crate) fn accounts(rows: &[Account]) -> CopyBuffer {
    let mut b = CopyBuffer::default();
    for a in rows {
        b.row()
            .int(a.id)
            .text(&a.name)
            .text(&a.status)
            .opt_text(a.currency.as_deref())
            .opt_text(a.kind.as_deref());
        b.bool(a.test)
            .opt_time(a.created)
            .opt_time(a.modified)
            .end_row();
    }
    b
}

/// Staging rows of [`CAMPAIGN_GROUPS`].
pub(crate) fn campaign_groups(rows: &[CampaignGroup]) -> CopyBuffer {
    let mut b = CopyBuffer::default();
    for g in rows {
        b.row()
            .int(g.id)
            .int(g.account_id)
            .text(&g.name)
            .text(&g.status);
        money(&mut b, g.total_budget.as_ref());
        b.opt_time(g.schedule_start)
            .opt_time(g.schedule_end)
            .opt_time(g.created)
            .opt_time(g.modified)
            .end_row();
    }
    b
}

/// Staging rows of [`CAMPAIGNS`].
pub(crate) fn campaigns(rows: &[Campaign]) -> CopyBuffer {
    let mut b = CopyBuffer::default();
    for c in rows {
        b.row().int(c.id).int(c.account_id);
        match c.group_id {
            Some(g) => b.int(g),
            None => b.null(),
        };
        b.text(&c.name)
            .text(&c.status)
            .opt_text(c.kind.as_deref())
            .opt_text(c.objective_type.as_deref());
        b.opt_text(c.format.as_deref())
            .opt_text(c.cost_type.as_deref());
        b.opt_text(c.optimization_target_type.as_deref())
            .opt_text(c.creative_selection.as_deref());
        money(&mut b, c.daily_budget.as_ref());
        money(&mut b, c.total_budget.as_ref());
        money(&mut b, c.unit_cost.as_ref());
        b.bool(c.offsite_delivery_enabled)
            .bool(c.audience_expansion_enabled);
        b.opt_time(c.schedule_start)
            .opt_time(c.schedule_end)
            .opt_time(c.created)
            .opt_time(c.modified)
            .end_row();
    }
    b
}

/// Staging rows of [`CREATIVES`] of account `account_id`.
pub(crate) fn creatives(account_id: i64, rows: &[Creative]) -> CopyBuffer {
    let mut b = CopyBuffer::default();
    for c in rows {
        b.row()
            .int(c.id)
            .int(c.campaign_id)
            .int(account_id)
            .opt_text(c.intended_status.as_deref());
        b.bool(c.is_serving).text_array(&c.serving_hold_reasons);
        b.opt_text(c.content_reference.as_deref())
            .opt_text(c.content_name.as_deref());
        b.opt_time(c.created).opt_time(c.modified).end_row();
    }
    b
}

/// Staging rows of [`CAMPAIGN_METRICS`] of account `account_id`: (campaign id, day).
pub(crate) fn campaign_metrics(account_id: i64, rows: &[(i64, AnalyticsRow)]) -> CopyBuffer {
    let mut b = CopyBuffer::default();
    for (campaign_id, r) in rows {
        b.row().int(*campaign_id).date(r.date).int(account_id);
        metrics(&mut b, &r.metrics);
        b.end_row();
    }
    b
}

/// Staging rows of [`CREATIVE_METRICS`] of account `account_id`: (creative id, day), with
/// each creative's campaign from `campaign_of`.
pub(crate) fn creative_metrics(
    account_id: i64,
    rows: &[(i64, AnalyticsRow)],
    campaign_of: impl Fn(i64) -> i64,
) -> CopyBuffer {
    let mut b = CopyBuffer::default();
    for (creative_id, r) in rows {
        b.row()
            .int(*creative_id)
            .date(r.date)
            .int(campaign_of(*creative_id))
            .int(account_id);
        metrics(&mut b, &r.metrics);
        b.end_row();
    }
    b
}

/// Staging rows of [`DEMOGRAPHICS`] of account `account_id`.
pub(crate) fn demographics(account_id: i64, rows: &[DemographicRow]) -> CopyBuffer {
    let mut b = CopyBuffer::default();
    for d in rows {
        b.row()
            .int(account_id)
            .text(d.pivot)
            .text(&d.segment)
            .date(d.date_start)
            .date(d.date_end);
        b.int(d.impressions).int(d.clicks).text(&d.cost.0).end_row();
    }
    b
}

fn money(b: &mut CopyBuffer, m: Option<&Money>) {
    match m {
        Some(m) => b.text(&m.amount.0).opt_text(m.currency.as_deref()),
        None => b.null().null(),
    };
}

fn metrics(b: &mut CopyBuffer, m: &Metrics) {
    b.int(m.impressions)
        .int(m.clicks)
        .text(&m.cost.0)
        .int(m.landing_page_clicks);
    b.int(m.external_website_conversions)
        .int(m.one_click_leads)
        .int(m.likes)
        .int(m.comments);
    b.int(m.shares).int(m.follows).int(m.opens).int(m.sends);
}

/// The staging tables as Diesel sees them: its COPY targets a declared table, named
/// without a schema (the run's staging schema is on the search path for the COPY).
/// Column order is the spec's (key, then data); a test checks the two agree.
pub(crate) mod stage {
    diesel::table! {
        stage_ad_accounts (id) {
            id -> BigInt,
            name -> Text,
            status -> Text,
            currency -> Nullable<Text>,
            #[sql_name = "type"]
            kind -> Nullable<Text>,
            is_test -> Bool,
            upstream_created_at -> Nullable<Timestamptz>,
            upstream_modified_at -> Nullable<Timestamptz>,
        }
    }
    diesel::table! {
        stage_campaign_groups (id) {
            id -> BigInt,
            account_id -> BigInt,
            name -> Text,
            status -> Text,
            total_budget -> Nullable<Numeric>,
            total_budget_currency -> Nullable<Text>,
            run_schedule_start -> Nullable<Timestamptz>,
            run_schedule_end -> Nullable<Timestamptz>,
            upstream_created_at -> Nullable<Timestamptz>,
            upstream_modified_at -> Nullable<Timestamptz>,
        }
    }
    diesel::table! {
        stage_campaigns (id) {
            id -> BigInt,
            account_id -> BigInt,
            campaign_group_id -> Nullable<BigInt>,
            name -> Text,
            status -> Text,
            #[sql_name = "type"]
            kind -> Nullable<Text>,
            objective_type -> Nullable<Text>,
            format -> Nullable<Text>,
            cost_type -> Nullable<Text>,
            optimization_target_type -> Nullable<Text>,
            creative_selection -> Nullable<Text>,
            daily_budget -> Nullable<Numeric>,
            daily_budget_currency -> Nullable<Text>,
            total_budget -> Nullable<Numeric>,
            total_budget_currency -> Nullable<Text>,
            unit_cost -> Nullable<Numeric>,
            unit_cost_currency -> Nullable<Text>,
            offsite_delivery_enabled -> Bool,
            audience_expansion_enabled -> Bool,
            run_schedule_start -> Nullable<Timestamptz>,
            run_schedule_end -> Nullable<Timestamptz>,
            upstream_created_at -> Nullable<Timestamptz>,
            upstream_modified_at -> Nullable<Timestamptz>,
        }
    }
    diesel::table! {
        stage_creatives (id) {
            id -> BigInt,
            campaign_id -> BigInt,
            account_id -> BigInt,
            intended_status -> Nullable<Text>,
            is_serving -> Bool,
            serving_hold_reasons -> Array<Text>,
            content_reference -> Nullable<Text>,
            content_name -> Nullable<Text>,
            upstream_created_at -> Nullable<Timestamptz>,
            upstream_modified_at -> Nullable<Timestamptz>,
        }
    }
    diesel::table! {
        stage_campaign_daily_metrics (campaign_id, date) {
            campaign_id -> BigInt,
            date -> Date,
            account_id -> BigInt,
            impressions -> BigInt,
            clicks -> BigInt,
            cost -> Numeric,
            landing_page_clicks -> BigInt,
            external_website_conversions -> BigInt,
            one_click_leads -> BigInt,
            likes -> BigInt,
            comments -> BigInt,
            shares -> BigInt,
            follows -> BigInt,
            opens -> BigInt,
            sends -> BigInt,
        }
    }
    diesel::table! {
        stage_creative_daily_metrics (creative_id, date) {
            creative_id -> BigInt,
            date -> Date,
            campaign_id -> BigInt,
            account_id -> BigInt,
            impressions -> BigInt,
            clicks -> BigInt,
            cost -> Numeric,
            landing_page_clicks -> BigInt,
            external_website_conversions -> BigInt,
            one_click_leads -> BigInt,
            likes -> BigInt,
            comments -> BigInt,
            shares -> BigInt,
            follows -> BigInt,
            opens -> BigInt,
            sends -> BigInt,
        }
    }
    diesel::table! {
        stage_audience_demographics (account_id, pivot, segment, date_start) {
            account_id -> BigInt,
            pivot -> Text,
            segment -> Text,
            date_start -> Date,
            date_end -> Date,
            impressions -> BigInt,
            clicks -> BigInt,
            cost -> Numeric,
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
            declared_columns(stage::stage_ad_accounts::table),
            ACCOUNTS.column_list()
        );
        assert_eq!(
            declared_columns(stage::stage_campaign_groups::table),
            CAMPAIGN_GROUPS.column_list()
        );
        assert_eq!(
            declared_columns(stage::stage_campaigns::table),
            CAMPAIGNS.column_list()
        );
        assert_eq!(
            declared_columns(stage::stage_creatives::table),
            CREATIVES.column_list()
        );
        assert_eq!(
            declared_columns(stage::stage_campaign_daily_metrics::table),
            CAMPAIGN_METRICS.column_list()
        );
        assert_eq!(
            declared_columns(stage::stage_creative_daily_metrics::table),
            CREATIVE_METRICS.column_list()
        );
        assert_eq!(
            declared_columns(stage::stage_audience_demographics::table),
            DEMOGRAPHICS.column_list()
        );
    }

    #[test]
    fn merge_sql_filters_unchanged_rows_and_never_touches_created_at() {
        let sql = CAMPAIGN_METRICS
            .merge_sql("s.stage_campaign_daily_metrics")
            .concat();
        assert!(sql.contains("IS DISTINCT FROM"));
        assert!(sql.contains("NOT EXISTS (SELECT 1 FROM linkedin.campaign_daily_metrics t"));
        assert!(!sql.contains("created_at"));
        assert!(
            DEMOGRAPHICS
                .merge_sql("s.stage_audience_demographics")
                .concat()
                .contains("sum(impressions)")
        );
    }
}

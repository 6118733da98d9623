//! The warehouse tables a sync writes, described once: key, data columns, parent. From
//! that come the staging tables (COPY targets, dropped at commit) and the merge SQL that
//! moves staged rows into the real tables — inserting new rows, updating changed ones,
//! leaving unchanged ones untouched (no new tuple, no WAL), never touching `created_at`.

/// One warehouse table as the writer sees it.
#[derive(Debug)]
pub(crate) struct TableSpec {
    pub(crate) table: &'static str,
    /// The primary key: every dimension of the row.
    pub(crate) key: &'static [&'static str],
    /// Every other column a sync writes, in table order (not created_at / fetched_at).
    pub(crate) data: &'static [&'static str],
    /// (column, parent table): rows whose parent is not stored are orphans, not written.
    pub(crate) parent: Option<(&'static str, &'static str)>,
    /// Rows with the same key from several requests are summed (demographic segments
    /// come per campaign batch), not deduplicated.
    pub(crate) sum: &'static [&'static str],
    /// The indexed column holding the account id: the merge compares staged rows with
    /// the syncing account's stored rows only, not with every account's.
    pub(crate) account: &'static str,
}

pub(crate) const ACCOUNTS: TableSpec = TableSpec {
    table: "ad_accounts",
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
};

pub(crate) const CAMPAIGN_GROUPS: TableSpec = TableSpec {
    table: "campaign_groups",
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
    parent: Some(("account_id", "ad_accounts")),
    sum: &[],
    account: "account_id",
};

pub(crate) const CAMPAIGNS: TableSpec = TableSpec {
    table: "campaigns",
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
    parent: Some(("account_id", "ad_accounts")),
    sum: &[],
    account: "account_id",
};

pub(crate) const CREATIVES: TableSpec = TableSpec {
    table: "creatives",
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
    parent: Some(("campaign_id", "campaigns")),
    sum: &[],
    account: "account_id",
};

pub(crate) const CAMPAIGN_METRICS: TableSpec = TableSpec {
    table: "campaign_daily_metrics",
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
    parent: Some(("campaign_id", "campaigns")),
    sum: &[],
    account: "account_id",
};

pub(crate) const CREATIVE_METRICS: TableSpec = TableSpec {
    table: "creative_daily_metrics",
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
    parent: Some(("creative_id", "creatives")),
    sum: &[],
    account: "account_id",
};

pub(crate) const DEMOGRAPHICS: TableSpec = TableSpec {
    table: "audience_demographics",
    key: &["account_id", "pivot", "segment", "date_start"],
    data: &["date_end", "impressions", "clicks", "cost"],
    parent: Some(("account_id", "ad_accounts")),
    sum: &["impressions", "clicks", "cost"],
    account: "account_id",
};

/// Every table, parents before children (the order merges must run in).
pub(crate) const ALL: [&TableSpec; 7] = [
    &ACCOUNTS,
    &CAMPAIGN_GROUPS,
    &CAMPAIGNS,
    &CREATIVES,
    &CAMPAIGN_METRICS,
    &CREATIVE_METRICS,
    &DEMOGRAPHICS,
];

impl TableSpec {
    pub(crate) fn stage(&self) -> String {
        format!("stage_{}", self.table)
    }

    fn columns(&self) -> Vec<&'static str> {
        self.key.iter().chain(self.data).copied().collect()
    }

    /// The column list COPY fills, in the order rows are encoded.
    pub(crate) fn column_list(&self) -> String {
        self.columns().join(", ")
    }

    /// A staging table with the target's column types, dropped at commit.
    pub(crate) fn create_stage_sql(&self) -> String {
        format!(
            "CREATE TEMP TABLE {stage} ON COMMIT DROP AS SELECT {cols} FROM {table} WITH NO DATA",
            stage = self.stage(),
            cols = self.column_list(),
            table = self.table
        )
    }

    /// The staged rows to merge: one per key (the last copy, or the sum for summed
    /// columns), whose parent is stored.
    fn source_sql(&self) -> String {
        let keys = self.key.join(", ");
        let parent = match self.parent {
            Some((col, parent)) => {
                format!(" WHERE EXISTS (SELECT 1 FROM {parent} p WHERE p.id = s.{col})")
            }
            None => String::new(),
        };
        if self.sum.is_empty() {
            format!(
                "SELECT DISTINCT ON ({keys}) * FROM {stage} s{parent} ORDER BY {keys}",
                stage = self.stage()
            )
        } else {
            let cols = self
                .data
                .iter()
                .map(|c| {
                    if self.sum.contains(c) {
                        format!("sum({c}) AS {c}")
                    } else {
                        format!("max({c}) AS {c}")
                    }
                })
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "SELECT {keys}, {cols} FROM {stage} s{parent} GROUP BY {keys}",
                stage = self.stage()
            )
        }
    }

    /// Merges the staged rows in one statement; `$1` is the write time (`fetched_at`),
    /// `$2` the account (its rows are the only stored rows compared, through an index).
    /// Changed rows are updated, new ones inserted, and rows equal to what is stored are
    /// left alone (not even locked). Plain INSERT and UPDATE, not an upsert: the account's
    /// advisory lock makes this transaction the only writer of these keys, and a
    /// speculative insertion per row costs a quarter of the merge on a first load.
    /// Returns one row: `merged` (staged keys whose parent is stored), `written`, and
    /// `orphans` (staged keys whose parent is not).
    pub(crate) fn merge_sql(&self) -> String {
        let cols = self.column_list();
        let join = self
            .key
            .iter()
            .map(|k| format!("t.{k} = src.{k}"))
            .chain([format!("t.{} = $2", self.account)])
            .collect::<Vec<_>>()
            .join(" AND ");
        let stored = self
            .data
            .iter()
            .map(|c| format!("t.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let incoming = self
            .data
            .iter()
            .map(|c| format!("src.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let set = self
            .data
            .iter()
            .map(|c| format!("{c} = src.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        // Orphans are rare: only their keys are de-duplicated.
        let orphans = match self.parent {
            Some((col, parent)) => format!(
                "(SELECT count(*) FROM (SELECT DISTINCT {keys} FROM {stage} s \
                  WHERE NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.id = s.{col})) o)",
                keys = self.key.join(", "),
                stage = self.stage(),
            ),
            None => "0::bigint".to_owned(),
        };
        format!(
            "WITH src AS MATERIALIZED ({source}), \
             upd AS (UPDATE {table} t SET {set}, fetched_at = $1 FROM src \
                     WHERE {join} AND ({stored}) IS DISTINCT FROM ({incoming}) RETURNING 1), \
             ins AS (INSERT INTO {table} ({cols}, fetched_at) SELECT {cols}, $1 FROM src \
                     WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {join}) RETURNING 1) \
             SELECT (SELECT count(*) FROM src) AS merged, \
                    (SELECT count(*) FROM upd) + (SELECT count(*) FROM ins) AS written, \
                    {orphans} AS orphans",
            source = self.source_sql(),
            table = self.table,
        )
    }

    /// Records every orphan as a sync error of run `$1`, entity `$2`, with the staged row.
    pub(crate) fn record_orphans_sql(&self) -> Option<String> {
        let (col, parent) = self.parent?;
        Some(format!(
            "INSERT INTO sync_errors (run_id, account_id, entity, upstream_id, reason, raw) \
             SELECT $1, $3, $2, s.{first}::text, 'its {parent} record ({col} ' || s.{col} || ') was not stored', to_jsonb(s) \
             FROM {stage} s WHERE NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.id = s.{col})",
            first = self.key[0],
            stage = self.stage(),
        ))
    }
}

/// The staging tables as Diesel sees them: its COPY targets a declared table. Column
/// order is the spec's (key, then data); a test checks the two agree.
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
    use diesel::pg::Pg;
    use diesel::query_dsl::QueryDsl;

    use super::*;

    /// Diesel's COPY lists the declared columns; rows are encoded in spec order.
    fn declared<T>(table: T) -> String
    where
        T: diesel::Table + QueryDsl + diesel::query_builder::AsQuery,
        T::Query: diesel::query_builder::QueryFragment<Pg>,
    {
        let sql = diesel::debug_query::<Pg, _>(&table.as_query()).to_string();
        let cols = sql
            .trim_start_matches("SELECT ")
            .split(" FROM ")
            .next()
            .unwrap()
            .to_owned();
        cols.split(", ")
            .map(|c| c.rsplit('.').next().unwrap().trim_matches('"').to_owned())
            .collect::<Vec<_>>()
            .join(", ")
    }

    #[test]
    fn staging_declarations_match_the_specs() {
        assert_eq!(
            declared(stage::stage_ad_accounts::table),
            ACCOUNTS.column_list()
        );
        assert_eq!(
            declared(stage::stage_campaign_groups::table),
            CAMPAIGN_GROUPS.column_list()
        );
        assert_eq!(
            declared(stage::stage_campaigns::table),
            CAMPAIGNS.column_list()
        );
        assert_eq!(
            declared(stage::stage_creatives::table),
            CREATIVES.column_list()
        );
        assert_eq!(
            declared(stage::stage_campaign_daily_metrics::table),
            CAMPAIGN_METRICS.column_list()
        );
        assert_eq!(
            declared(stage::stage_creative_daily_metrics::table),
            CREATIVE_METRICS.column_list()
        );
        assert_eq!(
            declared(stage::stage_audience_demographics::table),
            DEMOGRAPHICS.column_list()
        );
    }

    #[test]
    fn merge_sql_filters_unchanged_rows_and_never_touches_created_at() {
        let sql = CAMPAIGN_METRICS.merge_sql();
        assert!(sql.contains("IS DISTINCT FROM"));
        assert!(sql.contains("NOT EXISTS (SELECT 1 FROM campaign_daily_metrics t"));
        assert!(!sql.contains("created_at"));
        assert!(DEMOGRAPHICS.merge_sql().contains("sum(impressions)"));
    }
}

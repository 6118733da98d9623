//! GetSyncStatus: per account, its last run, the age of its data against the freshness
//! TTL, and its row counts. Each is an index lookup by account id; the counts are read
//! from `account_row_counts`, which the tables' own triggers keep exact.

use adsync_db::prepared_sql;
use adsync_proto::reporting::{
    AccountSyncStatus, GetSyncStatusRequest, GetSyncStatusResponse, TableCounts,
};
use adsync_server::{FieldViolations, Reach, WorkspaceId, duration, timestamp};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};

use crate::error::{DOMAIN, Error};
use crate::request::optional_id;
use crate::rpc::entities::AccountRow;
use crate::service::ReportingApi;

#[derive(Debug, QueryableByName)]
struct StatusRow {
    #[diesel(embed)]
    account: AccountRow,
    #[diesel(sql_type = Nullable<Text>)]
    last_run_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    last_run_status: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    last_run_time: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    last_success_time: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Date>)]
    last_metric_date: Option<NaiveDate>,
    #[diesel(sql_type = BigInt)]
    campaign_groups: i64,
    #[diesel(sql_type = BigInt)]
    campaigns: i64,
    #[diesel(sql_type = BigInt)]
    creatives: i64,
    #[diesel(sql_type = BigInt)]
    campaign_daily_metrics: i64,
    #[diesel(sql_type = BigInt)]
    creative_daily_metrics: i64,
    #[diesel(sql_type = BigInt)]
    demographics: i64,
    #[diesel(sql_type = BigInt)]
    sync_errors: i64,
}

impl StatusRow {
    fn counts(&self) -> TableCounts {
        TableCounts {
            campaign_groups: self.campaign_groups,
            campaigns: self.campaigns,
            creatives: self.creatives,
            campaign_daily_metrics: self.campaign_daily_metrics,
            creative_daily_metrics: self.creative_daily_metrics,
            demographics: self.demographics,
            sync_errors: self.sync_errors,
        }
    }
}

fn add(total: &mut TableCounts, c: &TableCounts) {
    total.campaign_groups += c.campaign_groups;
    total.campaigns += c.campaigns;
    total.creatives += c.creatives;
    total.campaign_daily_metrics += c.campaign_daily_metrics;
    total.creative_daily_metrics += c.creative_daily_metrics;
    total.demographics += c.demographics;
    total.sync_errors += c.sync_errors;
}

/// Every account adsync knows, or account `$1` (of workspace `$2`, when not NULL): synced
/// ones (`ad_accounts`) and discovered ones not yet synced (`sync_accounts`), with their
/// last run, last successful run and counts (kept exact in `account_row_counts` by
/// triggers on each table, so none is counted here).
fn status_sql(one_account: bool) -> String {
    // Two texts, not `$1 IS NULL OR k.id = $1`: each is prepared once per connection, and
    // a plan kept for the optional form would read every account to answer one.
    let account = if one_account { "k.id = $1" } else { "true" };
    format!(
        "\
    SELECT k.id AS account_id, COALESCE(a.name, s.name) AS account_name, \
           COALESCE(a.status, s.status) AS account_status, a.currency, a.type AS account_type, \
           COALESCE(a.is_test, false) AS is_test, \
           COALESCE(a.created_at, s.discovered_at) AS account_created_at, \
           COALESCE(a.fetched_at, s.updated_at) AS account_fetched_at, \
           last_run.id::text AS last_run_id, last_run.status AS last_run_status, \
           last_run.created_at AS last_run_time, \
           (SELECT max(r.finished_at) FROM sync_runs r \
            WHERE r.source = 'linkedin' AND r.account_id = k.id AND r.status IN ('success', 'partial')) AS last_success_time, \
           (SELECT max(m.date) FROM linkedin.campaign_daily_metrics m WHERE m.account_id = k.id) \
             AS last_metric_date, \
           counts.* \
    FROM (SELECT id FROM linkedin.ad_accounts UNION SELECT account_id FROM sync_accounts WHERE source = 'linkedin') k \
    LEFT JOIN linkedin.ad_accounts a ON a.id = k.id \
    LEFT JOIN sync_accounts s ON s.source = 'linkedin' AND s.account_id = k.id \
    LEFT JOIN LATERAL (SELECT r.id, r.status, r.created_at FROM sync_runs r \
                       WHERE r.source = 'linkedin' AND r.account_id = k.id ORDER BY r.created_at DESC, r.id DESC LIMIT 1) \
      last_run ON true \
    LEFT JOIN LATERAL ( \
       SELECT \
         COALESCE(sum(n.row_count) FILTER (WHERE n.table_name = 'campaign_groups'), 0)::int8 AS campaign_groups, \
         COALESCE(sum(n.row_count) FILTER (WHERE n.table_name = 'campaigns'), 0)::int8 AS campaigns, \
         COALESCE(sum(n.row_count) FILTER (WHERE n.table_name = 'creatives'), 0)::int8 AS creatives, \
         COALESCE(sum(n.row_count) FILTER (WHERE n.table_name = 'campaign_daily_metrics'), 0)::int8 AS campaign_daily_metrics, \
         COALESCE(sum(n.row_count) FILTER (WHERE n.table_name = 'creative_daily_metrics'), 0)::int8 AS creative_daily_metrics, \
         COALESCE(sum(n.row_count) FILTER (WHERE n.table_name = 'audience_demographics'), 0)::int8 AS demographics, \
         COALESCE(sum(n.row_count) FILTER (WHERE n.table_name = 'sync_errors'), 0)::int8 AS sync_errors \
       FROM account_row_counts n WHERE n.source = 'linkedin' AND n.account_id = k.id) counts ON true \
    WHERE {account} \
      AND ($2::int8 IS NULL OR k.id IN (SELECT w.account_id FROM sync_accounts w \
                                        WHERE w.source = 'linkedin' AND w.workspace_id = $2)) \
    ORDER BY k.id"
    )
}

impl ReportingApi {
    pub(crate) async fn get_sync_status(
        &self,
        req: GetSyncStatusRequest,
        reach: Reach,
    ) -> Result<GetSyncStatusResponse, Error> {
        let mut v = FieldViolations::new();
        let account = optional_id("account_id", req.account_id, &mut v);
        v.into_result(DOMAIN)?;
        let workspace = self.filter(reach).map(WorkspaceId::get);
        let rows: Vec<StatusRow> = self
            .read_snapshot(reach, move |conn| {
                prepared_sql(status_sql(account.is_some()))
                    .bind::<Nullable<BigInt>, _>(account)
                    .bind::<Nullable<BigInt>, _>(workspace)
                    .load(conn)
                    .map_err(Error::from)
            })
            .await?;
        if let (Some(id), true) = (account, rows.is_empty()) {
            return Err(Error::NotFound {
                kind: "account",
                ids: vec![id],
            });
        }
        let now = self.clock.now();
        let ttl = TimeDelta::minutes(self.freshness_ttl_minutes);
        let mut totals = TableCounts::default();
        let accounts = rows
            .iter()
            .map(|r| {
                let counts = r.counts();
                add(&mut totals, &counts);
                let age = r.last_success_time.map(|t| now - t);
                AccountSyncStatus {
                    account: Some(r.account.to_proto()),
                    last_run_id: r.last_run_id.clone().unwrap_or_default(),
                    last_run_status: r.last_run_status.clone().unwrap_or_default(),
                    last_run_time: r.last_run_time.map(timestamp),
                    last_success_time: r.last_success_time.map(timestamp),
                    age: age.map(duration),
                    freshness_ttl: Some(duration(ttl)),
                    fresh: age.is_some_and(|a| a < ttl),
                    counts: Some(counts),
                    last_metric_date: r
                        .last_metric_date
                        .map_or_else(String::new, |d| d.to_string()),
                }
            })
            .collect();
        Ok(GetSyncStatusResponse {
            accounts,
            totals: Some(totals),
        })
    }
}

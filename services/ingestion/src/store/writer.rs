//! [`Writer`]: stages validated records with COPY and merges them, inside the caller's
//! transaction, so a sync's writes commit (or vanish) together.

use std::io::Write;

use chrono::{DateTime, Utc};
use diesel::pg::PgConnection;
use diesel::sql_types::{BigInt, Text, Timestamptz, Uuid as SqlUuid};
use diesel::{ExecuteCopyFromDsl, QueryableByName, RunQueryDsl, sql_query};

use super::CopyBuffer;
use super::tables::{self, TableSpec, stage};
use crate::linkedin::records::{
    Account, AnalyticsRow, Campaign, CampaignGroup, Creative, Decimal, Metrics,
};

/// One demographic segment of one month, ready to stage.
#[derive(Debug, Clone)]
pub(crate) struct DemographicRow {
    pub(crate) pivot: &'static str,
    pub(crate) segment: String,
    pub(crate) date_start: chrono::NaiveDate,
    pub(crate) date_end: chrono::NaiveDate,
    pub(crate) impressions: i64,
    pub(crate) clicks: i64,
    pub(crate) cost: Decimal,
}

/// Validated records of one kind, for one account.
#[derive(Debug, Clone)]
pub(crate) enum Batch {
    Accounts(Vec<Account>),
    CampaignGroups(Vec<CampaignGroup>),
    Campaigns(Vec<Campaign>),
    Creatives(Vec<Creative>),
    /// (campaign id, row)
    CampaignMetrics(Vec<(i64, AnalyticsRow)>),
    /// (creative id, campaign id, row)
    CreativeMetrics(Vec<(i64, i64, AnalyticsRow)>),
    Demographics(Vec<DemographicRow>),
}

/// What merging one table did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct TableReport {
    /// Distinct keys staged.
    pub(crate) staged: i64,
    /// Inserted or changed.
    pub(crate) written: i64,
    /// Stored already with the same values.
    pub(crate) unchanged: i64,
    /// Staged but their parent was not stored (recorded in sync_errors).
    pub(crate) orphans: i64,
}

#[derive(QueryableByName)]
struct MergeCounts {
    #[diesel(sql_type = BigInt)]
    merged: i64,
    #[diesel(sql_type = BigInt)]
    written: i64,
    #[diesel(sql_type = BigInt)]
    orphans: i64,
}

/// COPYs the buffer's rows into a staging table (Diesel's COPY needs the concrete table).
macro_rules! copy_into {
    ($conn:expr, $buffer:expr, $table:expr) => {{
        if $buffer.rows() == 0 {
            Ok(0)
        } else {
            let bytes = $buffer.bytes();
            diesel::copy_from($table)
                .from_raw_data($table, |w: &mut dyn Write| {
                    w.write_all(bytes)
                        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))
                })
                .execute($conn)
        }
    }};
}

/// Stages and merges for one account inside one transaction.
pub(crate) struct Writer {
    account_id: i64,
    buffer: CopyBuffer,
}

impl Writer {
    /// Creates the staging tables (they vanish at commit or rollback).
    pub(crate) fn begin(conn: &mut PgConnection, account_id: i64) -> diesel::QueryResult<Writer> {
        for spec in tables::ALL {
            sql_query(spec.create_stage_sql()).execute(conn)?;
        }
        Ok(Writer {
            account_id,
            buffer: CopyBuffer::default(),
        })
    }

    /// COPYs one batch into its staging table; returns the rows staged.
    pub(crate) fn stage(
        &mut self,
        conn: &mut PgConnection,
        batch: &Batch,
    ) -> diesel::QueryResult<usize> {
        self.buffer.clear();
        let account_id = self.account_id;
        let b = &mut self.buffer;
        match batch {
            Batch::Accounts(rows) => {
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
                copy_into!(conn, b, stage::stage_ad_accounts::table)
            }
            Batch::CampaignGroups(rows) => {
                for g in rows {
                    b.row()
                        .int(g.id)
                        .int(g.account_id)
                        .text(&g.name)
                        .text(&g.status);
                    money(b, g.total_budget.as_ref());
                    b.opt_time(g.schedule_start)
                        .opt_time(g.schedule_end)
                        .opt_time(g.created)
                        .opt_time(g.modified)
                        .end_row();
                }
                copy_into!(conn, b, stage::stage_campaign_groups::table)
            }
            Batch::Campaigns(rows) => {
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
                    money(b, c.daily_budget.as_ref());
                    money(b, c.total_budget.as_ref());
                    money(b, c.unit_cost.as_ref());
                    b.bool(c.offsite_delivery_enabled)
                        .bool(c.audience_expansion_enabled);
                    b.opt_time(c.schedule_start)
                        .opt_time(c.schedule_end)
                        .opt_time(c.created)
                        .opt_time(c.modified)
                        .end_row();
                }
                copy_into!(conn, b, stage::stage_campaigns::table)
            }
            Batch::Creatives(rows) => {
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
                copy_into!(conn, b, stage::stage_creatives::table)
            }
            Batch::CampaignMetrics(rows) => {
                for (campaign_id, r) in rows {
                    b.row().int(*campaign_id).date(r.date).int(account_id);
                    metrics(b, &r.metrics);
                    b.end_row();
                }
                copy_into!(conn, b, stage::stage_campaign_daily_metrics::table)
            }
            Batch::CreativeMetrics(rows) => {
                for (creative_id, campaign_id, r) in rows {
                    b.row()
                        .int(*creative_id)
                        .date(r.date)
                        .int(*campaign_id)
                        .int(account_id);
                    metrics(b, &r.metrics);
                    b.end_row();
                }
                copy_into!(conn, b, stage::stage_creative_daily_metrics::table)
            }
            Batch::Demographics(rows) => {
                for d in rows {
                    b.row()
                        .int(account_id)
                        .text(d.pivot)
                        .text(&d.segment)
                        .date(d.date_start)
                        .date(d.date_end);
                    b.int(d.impressions).int(d.clicks).text(&d.cost.0).end_row();
                }
                copy_into!(conn, b, stage::stage_audience_demographics::table)
            }
        }
    }

    /// Merges every staging table into its table, parents first; records orphans of run
    /// `run_id` as sync errors. `now` becomes the written rows' `fetched_at`.
    pub(crate) fn merge(
        &self,
        conn: &mut PgConnection,
        run_id: uuid::Uuid,
        now: DateTime<Utc>,
    ) -> diesel::QueryResult<Vec<(&'static TableSpec, TableReport)>> {
        let mut reports = Vec::new();
        for spec in tables::ALL {
            let counts: MergeCounts = sql_query(spec.merge_sql())
                .bind::<Timestamptz, _>(now)
                .bind::<BigInt, _>(self.account_id)
                .get_result(conn)?;
            if counts.orphans > 0
                && let Some(sql) = spec.record_orphans_sql()
            {
                sql_query(sql)
                    .bind::<SqlUuid, _>(run_id)
                    .bind::<Text, _>(spec.table)
                    .bind::<BigInt, _>(self.account_id)
                    .execute(conn)?;
            }
            reports.push((
                spec,
                TableReport {
                    staged: counts.merged + counts.orphans,
                    written: counts.written,
                    unchanged: counts.merged - counts.written,
                    orphans: counts.orphans,
                },
            ));
        }
        Ok(reports)
    }
}

fn money(b: &mut CopyBuffer, m: Option<&crate::linkedin::records::Money>) {
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

#[cfg(test)]
mod tests {
    use adsync_test_harness::TestDatabase;
    use chrono::{NaiveDate, TimeDelta};
    use diesel::{Connection, PgConnection};
    use serde_json::json;

    use super::*;
    use crate::linkedin::records::{AnalyticsRow, Campaign, Creative};

    fn account() -> Account {
        Account::parse(
            &json!({"id": 510_000_000i64, "name": "A", "status": "ACTIVE", "currency": "USD"}),
        )
        .unwrap()
    }

    fn campaign(id: i64) -> Campaign {
        Campaign::parse(&json!({"id": id, "account": "urn:li:sponsoredAccount:510000000", "name": format!("C{id}"), "status": "ACTIVE"}))
            .unwrap()
    }

    fn creative(id: i64, campaign: i64) -> Creative {
        Creative::parse(&json!({"id": format!("urn:li:sponsoredCreative:{id}"), "campaign": format!("urn:li:sponsoredCampaign:{campaign}")}))
            .unwrap()
    }

    fn day(campaign: i64, d: u32, impressions: i64, cost: &str) -> (i64, AnalyticsRow) {
        (
            campaign,
            AnalyticsRow::parse(&json!({
                "pivotValues": [format!("urn:li:sponsoredCampaign:{campaign}")],
                "dateRange": {"start": {"year": 2026, "month": 11, "day": d}},
                "impressions": impressions, "clicks": 3, "costInLocalCurrency": cost
            }))
            .unwrap(),
        )
    }

    fn run(conn: &mut PgConnection) -> uuid::Uuid {
        let id = uuid::Uuid::now_v7();
        sql_query(
            "INSERT INTO sync_runs (id, account_id, trigger, status, worker, finished_at) \
             VALUES ($1, 510000000, 'on_demand', 'success', 'test', now())",
        )
        .bind::<SqlUuid, _>(id)
        .execute(conn)
        .unwrap();
        id
    }

    /// Stages `batches` and merges them in one transaction; the report by table name.
    fn sync(
        conn: &mut PgConnection,
        batches: &[Batch],
        now: DateTime<Utc>,
    ) -> std::collections::HashMap<&'static str, TableReport> {
        let run_id = run(conn);
        conn.transaction(|conn| {
            let mut writer = Writer::begin(conn, 510_000_000)?;
            for b in batches {
                writer.stage(conn, b)?;
            }
            writer.merge(conn, run_id, now)
        })
        .unwrap()
        .into_iter()
        .map(|(spec, report)| (spec.table, report))
        .collect()
    }

    #[derive(QueryableByName, Debug, PartialEq)]
    struct Times {
        #[diesel(sql_type = Timestamptz)]
        created_at: DateTime<Utc>,
        #[diesel(sql_type = Timestamptz)]
        fetched_at: DateTime<Utc>,
    }

    fn times(conn: &mut PgConnection, sql: &str) -> Vec<Times> {
        sql_query(sql).load(conn).unwrap()
    }

    fn batches(cost_of_day_2: &str) -> Vec<Batch> {
        vec![
            Batch::Accounts(vec![account()]),
            Batch::Campaigns(vec![campaign(3_100_000_001), campaign(3_100_000_002)]),
            Batch::Creatives(vec![creative(7_200_000_001, 3_100_000_001)]),
            Batch::CampaignMetrics(vec![
                day(3_100_000_001, 1, 100, "1.50"),
                day(3_100_000_001, 2, 200, cost_of_day_2),
                day(3_100_000_002, 1, 5, "0.0"),
            ]),
        ]
    }

    #[test]
    fn resyncing_unchanged_data_writes_nothing_and_keeps_created_at() {
        let db = TestDatabase::migrated(&[&adsync_warehouse::MIGRATIONS]);
        let mut conn = db.connect();
        let t0 = Utc::now();
        let first = sync(&mut conn, &batches("2.25"), t0);
        assert_eq!(
            first["campaign_daily_metrics"],
            TableReport {
                staged: 3,
                written: 3,
                unchanged: 0,
                orphans: 0
            }
        );
        assert_eq!(first["campaigns"].written, 2);
        let metric_times =
            "SELECT created_at, fetched_at FROM campaign_daily_metrics ORDER BY campaign_id, date";
        let campaign_times = "SELECT created_at, fetched_at FROM campaigns ORDER BY id";
        let before = (
            times(&mut conn, metric_times),
            times(&mut conn, campaign_times),
        );

        // Same data an hour later, cost written differently but equal ("2.250" = "2.25").
        let second = sync(&mut conn, &batches("2.250"), t0 + TimeDelta::hours(1));
        for (table, report) in &second {
            assert_eq!(report.written, 0, "{table} rewrote unchanged rows");
        }
        assert_eq!(second["campaign_daily_metrics"].unchanged, 3);
        assert_eq!(
            (
                times(&mut conn, metric_times),
                times(&mut conn, campaign_times)
            ),
            before
        );

        // A restated day: only that row is written; created_at stays, fetched_at moves.
        let t2 = t0 + TimeDelta::hours(2);
        let third = sync(&mut conn, &batches("9.99"), t2);
        assert_eq!(
            third["campaign_daily_metrics"],
            TableReport {
                staged: 3,
                written: 1,
                unchanged: 2,
                orphans: 0
            }
        );
        let after = times(&mut conn, metric_times);
        assert_eq!(after[1].created_at, before.0[1].created_at);
        assert_eq!(
            after[1].fetched_at.timestamp_micros(),
            t2.timestamp_micros()
        );
        assert_eq!(after[0], before.0[0]);
    }

    #[test]
    fn orphans_are_recorded_not_written_and_demographic_segments_are_summed() {
        let db = TestDatabase::migrated(&[&adsync_warehouse::MIGRATIONS]);
        let mut conn = db.connect();
        let segment = |impressions, cost: &str| DemographicRow {
            pivot: "seniority",
            segment: "urn:li:seniority:5".into(),
            date_start: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            date_end: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
            impressions,
            clicks: 1,
            cost: Decimal(cost.into()),
        };
        let report = sync(
            &mut conn,
            &[
                Batch::Accounts(vec![account()]),
                Batch::Campaigns(vec![campaign(3_100_000_001)]),
                // Its campaign was never stored (e.g. the campaign record was malformed).
                Batch::Creatives(vec![
                    creative(7_200_000_001, 3_100_000_001),
                    creative(7_200_000_009, 3_100_000_999),
                ]),
                // The same segment from two campaign batches.
                Batch::Demographics(vec![segment(10, "1.25")]),
                Batch::Demographics(vec![segment(32, "0.75")]),
            ],
            Utc::now(),
        );
        assert_eq!(
            report["creatives"],
            TableReport {
                staged: 2,
                written: 1,
                unchanged: 0,
                orphans: 1
            }
        );
        assert_eq!(report["audience_demographics"].written, 1);

        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = BigInt)]
            impressions: i64,
            #[diesel(sql_type = Text)]
            cost: String,
        }
        let row: Row =
            sql_query("SELECT impressions, cost::text AS cost FROM audience_demographics")
                .get_result(&mut conn)
                .unwrap();
        assert_eq!((row.impressions, row.cost.as_str()), (42, "2.00"));

        #[derive(QueryableByName)]
        struct Error {
            #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
            upstream_id: Option<String>,
            #[diesel(sql_type = Text)]
            reason: String,
        }
        let errors: Vec<Error> = sql_query("SELECT upstream_id, reason FROM sync_errors")
            .load(&mut conn)
            .unwrap();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].upstream_id.as_deref(), Some("7200000009"));
        assert!(
            errors[0].reason.contains("campaigns"),
            "{}",
            errors[0].reason
        );
    }

    #[test]
    fn a_failure_before_commit_leaves_the_previous_state_intact() {
        let db = TestDatabase::migrated(&[&adsync_warehouse::MIGRATIONS]);
        let mut conn = db.connect();
        sync(&mut conn, &batches("2.25"), Utc::now());
        let run_id = run(&mut conn);
        let failed: diesel::QueryResult<()> = conn.transaction(|conn| {
            let mut writer = Writer::begin(conn, 510_000_000)?;
            for b in &batches("1000") {
                writer.stage(conn, b)?;
            }
            writer.merge(conn, run_id, Utc::now())?;
            Err(diesel::result::Error::RollbackTransaction)
        });
        assert!(failed.is_err());
        #[derive(QueryableByName)]
        struct Cost {
            #[diesel(sql_type = Text)]
            cost: String,
        }
        let costs: Vec<Cost> = sql_query(
            "SELECT cost::text AS cost FROM campaign_daily_metrics ORDER BY campaign_id, date",
        )
        .load(&mut conn)
        .unwrap();
        assert_eq!(
            costs.iter().map(|c| c.cost.as_str()).collect::<Vec<_>>(),
            ["1.50", "2.25", "0.0"]
        );
    }
}

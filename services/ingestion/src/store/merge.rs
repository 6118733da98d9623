//! The merge: a run's staged rows into the warehouse, table by table, parents first,
//! inside the caller's transaction (the one that also records the run's outcome).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::pg::PgConnection;
use diesel::sql_types::{BigInt, Date, Text, Timestamptz, Uuid as SqlUuid};
use diesel::{QueryableByName, RunQueryDsl, sql_query};

use super::spec::TableSpec;
use super::staging::Staging;
use crate::runs::entity_name;

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
    /// Stored rows of the window the upstream no longer reports (counted in `written`).
    pub(crate) removed: i64,
    /// Stored rows the upstream no longer lists, marked as gone (counted in `written`).
    pub(crate) marked: i64,
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

/// Whose rows are merged, and when.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MergeTarget<'a> {
    pub(crate) run_id: uuid::Uuid,
    pub(crate) source: &'a str,
    pub(crate) account_id: i64,
    /// Becomes the written rows' `fetched_at` (and a history table's validity bound).
    pub(crate) now: DateTime<Utc>,
    /// The days the run fetched, for tables that replace them.
    pub(crate) window: Option<(NaiveDate, NaiveDate)>,
    /// The tables whose staging holds every row the upstream lists now (their missing
    /// rows are marked).
    pub(crate) whole: &'a [&'static str],
}

/// Merges every staging table of `staging` into its table, in `specs` order (parents
/// first); records orphans as sync errors of the run.
pub(crate) fn merge(
    conn: &mut PgConnection,
    staging: &Staging,
    specs: &[&'static TableSpec],
    target: MergeTarget<'_>,
) -> diesel::QueryResult<Vec<(&'static TableSpec, TableReport)>> {
    let mut reports = Vec::with_capacity(specs.len());
    for spec in specs {
        let stage = staging.table(spec);
        let mut statements = spec.merge_sql(&stage);
        let last = statements.pop().expect("a merge has a statement");
        for sql in statements {
            sql_query(sql)
                .bind::<Timestamptz, _>(target.now)
                .bind::<BigInt, _>(target.account_id)
                .execute(conn)?;
        }
        let counts: MergeCounts = sql_query(last)
            .bind::<Timestamptz, _>(target.now)
            .bind::<BigInt, _>(target.account_id)
            .get_result(conn)?;
        if counts.orphans > 0
            && let Some(sql) = spec.record_orphans_sql(&stage)
        {
            sql_query(sql)
                .bind::<SqlUuid, _>(target.run_id)
                .bind::<BigInt, _>(target.account_id)
                .bind::<Text, _>(entity_name(spec.entity))
                .bind::<Text, _>(target.source)
                .execute(conn)?;
        }
        let removed = match (spec.remove_unstaged_sql(&stage), target.window) {
            (Some(sql), Some((start, end))) => sql_query(sql)
                .bind::<BigInt, _>(target.account_id)
                .bind::<Date, _>(start)
                .bind::<Date, _>(end)
                .execute(conn)? as i64,
            _ => 0,
        };
        let marked = match spec.mark_missing_sql(&stage) {
            Some(sql) if target.whole.contains(&spec.table) => sql_query(sql)
                .bind::<Timestamptz, _>(target.now)
                .bind::<BigInt, _>(target.account_id)
                .bind::<SqlUuid, _>(target.run_id)
                .execute(conn)?
                as i64,
            _ => 0,
        };
        reports.push((
            *spec,
            TableReport {
                staged: counts.merged + counts.orphans,
                written: counts.written + removed + marked,
                unchanged: counts.merged - counts.written,
                orphans: counts.orphans,
                removed,
                marked,
            },
        ));
    }
    Ok(reports)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use adsync_test_harness::TestDatabase;
    use chrono::{NaiveDate, TimeDelta};
    use diesel::connection::SimpleConnection;
    use diesel::sql_types::Text;
    use diesel::{Connection, PgConnection};
    use serde_json::json;

    use super::*;
    use crate::sources::linkedin::records::{Account, AnalyticsRow, Campaign, Creative, Decimal};
    use crate::sources::linkedin::tables::{self, DemographicRow};
    use crate::store::{CopyBuffer, MergeMode};

    const ACCOUNT: i64 = 510_000_000;

    fn account() -> Account {
        Account::parse(&json!({"id": ACCOUNT, "name": "A", "status": "ACTIVE", "currency": "USD"}))
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
            "INSERT INTO sync_runs (id, source, account_id, trigger, status, worker, finished_at) \
             VALUES ($1, 'linkedin', 510000000, 'on_demand', 'success', 'test', now())",
        )
        .bind::<SqlUuid, _>(id)
        .execute(conn)
        .unwrap();
        id
    }

    /// Stages `rows` into a new run's staging and merges them in one transaction, as a
    /// run's commit does; the report by table.
    fn sync(
        conn: &mut PgConnection,
        rows: Vec<(&'static TableSpec, CopyBuffer)>,
        now: DateTime<Utc>,
    ) -> HashMap<&'static str, TableReport> {
        let run_id = run(conn);
        let staging = Staging::of(run_id);
        staging.create(conn, tables::ALL).unwrap();
        for (spec, buffer) in &rows {
            staging.copy(conn, spec, buffer.bytes()).unwrap();
        }
        let target = MergeTarget {
            run_id,
            source: "linkedin",
            account_id: ACCOUNT,
            now,
            window: None,
            whole: &[],
        };
        let reports = conn
            .transaction(|conn| {
                let reports = merge(conn, &staging, tables::ALL, target)?;
                staging.drop_all(conn)?;
                diesel::QueryResult::Ok(reports)
            })
            .unwrap();
        reports
            .into_iter()
            .map(|(spec, report)| (spec.table.trim_start_matches("linkedin."), report))
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

    fn batches(cost_of_day_2: &str) -> Vec<(&'static TableSpec, CopyBuffer)> {
        vec![
            (&tables::ACCOUNTS, tables::accounts(&[account()])),
            (
                &tables::CAMPAIGNS,
                tables::campaigns(&[campaign(3_100_000_001), campaign(3_100_000_002)]),
            ),
            (
                &tables::CREATIVES,
                tables::creatives(ACCOUNT, &[creative(7_200_000_001, 3_100_000_001)]),
            ),
            (
                &tables::CAMPAIGN_METRICS,
                tables::campaign_metrics(
                    ACCOUNT,
                    &[
                        day(3_100_000_001, 1, 100, "1.50"),
                        day(3_100_000_001, 2, 200, cost_of_day_2),
                        day(3_100_000_002, 1, 5, "0.0"),
                    ],
                ),
            ),
        ]
    }

    #[test]
    fn resyncing_unchanged_data_writes_nothing_and_keeps_created_at() {
        let db = TestDatabase::migrated(&[&adsync_warehouse::MIGRATIONS]);
        let mut conn = db.connect();
        let t0 = Utc::now();
        let first = sync(&mut conn, batches("2.25"), t0);
        assert_eq!(
            first["campaign_daily_metrics"],
            TableReport {
                staged: 3,
                written: 3,
                unchanged: 0,
                orphans: 0,
                removed: 0,
                marked: 0
            }
        );
        assert_eq!(first["campaigns"].written, 2);
        let metric_times = "SELECT created_at, fetched_at FROM linkedin.campaign_daily_metrics \
                            ORDER BY campaign_id, date";
        let campaign_times = "SELECT created_at, fetched_at FROM linkedin.campaigns ORDER BY id";
        let before = (
            times(&mut conn, metric_times),
            times(&mut conn, campaign_times),
        );

        // Same data an hour later, cost written differently but equal ("2.250" = "2.25").
        let second = sync(&mut conn, batches("2.250"), t0 + TimeDelta::hours(1));
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
        let third = sync(&mut conn, batches("9.99"), t2);
        assert_eq!(
            third["campaign_daily_metrics"],
            TableReport {
                staged: 3,
                written: 1,
                unchanged: 2,
                orphans: 0,
                removed: 0,
                marked: 0
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
        let demographics = tables::demographics(ACCOUNT, &[segment(10, "1.25")]);
        // The same segment from two campaign batches, staged apart.
        let second_batch = tables::demographics(ACCOUNT, &[segment(32, "0.75")]);
        let report = {
            let run_id = run(&mut conn);
            let staging = Staging::of(run_id);
            staging.create(&mut conn, tables::ALL).unwrap();
            let stage = |conn: &mut PgConnection, spec: &TableSpec, b: &CopyBuffer| {
                staging.copy(conn, spec, b.bytes()).unwrap();
            };
            stage(
                &mut conn,
                &tables::ACCOUNTS,
                &tables::accounts(&[account()]),
            );
            stage(
                &mut conn,
                &tables::CAMPAIGNS,
                &tables::campaigns(&[campaign(3_100_000_001)]),
            );
            // Its campaign was never stored (e.g. the campaign record was malformed).
            stage(
                &mut conn,
                &tables::CREATIVES,
                &tables::creatives(
                    ACCOUNT,
                    &[
                        creative(7_200_000_001, 3_100_000_001),
                        creative(7_200_000_009, 3_100_000_999),
                    ],
                ),
            );
            stage(&mut conn, &tables::DEMOGRAPHICS, &demographics);
            stage(&mut conn, &tables::DEMOGRAPHICS, &second_batch);
            let target = MergeTarget {
                run_id,
                source: "linkedin",
                account_id: ACCOUNT,
                now: Utc::now(),
                window: None,
                whole: &[],
            };
            conn.transaction(|conn| merge(conn, &staging, tables::ALL, target))
                .unwrap()
                .into_iter()
                .map(|(spec, r)| (spec.table.trim_start_matches("linkedin."), r))
                .collect::<HashMap<_, _>>()
        };
        assert_eq!(
            report["creatives"],
            TableReport {
                staged: 2,
                written: 1,
                unchanged: 0,
                orphans: 1,
                removed: 0,
                marked: 0
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
            sql_query("SELECT impressions, cost::text AS cost FROM linkedin.audience_demographics")
                .get_result(&mut conn)
                .unwrap();
        assert_eq!((row.impressions, row.cost.as_str()), (42, "2.00"));

        #[derive(QueryableByName)]
        struct Error {
            #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
            upstream_id: Option<String>,
            #[diesel(sql_type = Text)]
            reason: String,
            #[diesel(sql_type = Text)]
            source: String,
        }
        let errors: Vec<Error> = sql_query("SELECT upstream_id, reason, source FROM sync_errors")
            .load(&mut conn)
            .unwrap();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].upstream_id.as_deref(), Some("7200000009"));
        assert_eq!(errors[0].source, "linkedin");
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
        sync(&mut conn, batches("2.25"), Utc::now());
        let run_id = run(&mut conn);
        let staging = Staging::of(run_id);
        staging.create(&mut conn, tables::ALL).unwrap();
        for (spec, buffer) in batches("1000") {
            staging.copy(&mut conn, spec, buffer.bytes()).unwrap();
        }
        let target = MergeTarget {
            run_id,
            source: "linkedin",
            account_id: ACCOUNT,
            now: Utc::now(),
            window: None,
            whole: &[],
        };
        let failed: diesel::QueryResult<()> = conn.transaction(|conn| {
            merge(conn, &staging, tables::ALL, target)?;
            Err(diesel::result::Error::RollbackTransaction)
        });
        assert!(failed.is_err());
        #[derive(QueryableByName)]
        struct Cost {
            #[diesel(sql_type = Text)]
            cost: String,
        }
        let costs: Vec<Cost> = sql_query(
            "SELECT cost::text AS cost FROM linkedin.campaign_daily_metrics ORDER BY campaign_id, date",
        )
        .load(&mut conn)
        .unwrap();
        assert_eq!(
            costs.iter().map(|c| c.cost.as_str()).collect::<Vec<_>>(),
            ["1.50", "2.25", "0.0"]
        );
    }

    diesel::table! {
        stage_prices (account_id, item) {
            account_id -> BigInt,
            item -> Text,
            price -> Numeric,
            currency -> Text,
        }
    }

    static PRICES: TableSpec = TableSpec {
        table: "history_test.prices",
        stage: "stage_prices",
        key: &["account_id", "item"],
        data: &["price", "currency"],
        parent: None,
        sum: &[],
        account: "account_id",
        mode: MergeMode::History {
            valid_from: "valid_from",
            valid_to: "valid_to",
        },
        replaces_window: None,
        marks_missing: None,
        entity: adsync_proto::ingestion::SyncEntity::Account,
        copy: crate::copy_fn!(stage_prices::table),
    };

    #[test]
    fn history_tables_keep_every_version_and_close_only_changed_ones() {
        let db = TestDatabase::migrated(&[&adsync_warehouse::MIGRATIONS]);
        let mut conn = db.connect();
        conn.batch_execute(
            "CREATE SCHEMA history_test; \
             CREATE TABLE history_test.prices (account_id BIGINT NOT NULL, item TEXT NOT NULL, \
                 price NUMERIC NOT NULL, currency TEXT NOT NULL, valid_from TIMESTAMPTZ NOT NULL, \
                 valid_to TIMESTAMPTZ, created_at TIMESTAMPTZ NOT NULL DEFAULT now(), \
                 fetched_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (account_id, item, valid_from)); \
             CREATE UNIQUE INDEX prices_current ON history_test.prices (account_id, item) \
                 WHERE valid_to IS NULL",
        )
        .unwrap();
        let specs: &[&'static TableSpec] = &[&PRICES];
        let load = |conn: &mut PgConnection, prices: &[(&str, &str)], now: DateTime<Utc>| {
            let run_id = run(conn);
            let staging = Staging::of(run_id);
            staging.create(conn, specs).unwrap();
            let mut b = CopyBuffer::default();
            for (item, price) in prices {
                b.row()
                    .int(ACCOUNT)
                    .text(item)
                    .text(price)
                    .text("EUR")
                    .end_row();
            }
            staging.copy(conn, &PRICES, b.bytes()).unwrap();
            let target = MergeTarget {
                run_id,
                source: "linkedin",
                account_id: ACCOUNT,
                now,
                window: None,
                whole: &[],
            };
            conn.transaction(|conn| merge(conn, &staging, specs, target))
                .unwrap()
                .remove(0)
                .1
        };
        #[derive(QueryableByName, Debug, PartialEq)]
        struct Version {
            #[diesel(sql_type = Text)]
            item: String,
            #[diesel(sql_type = Text)]
            price: String,
            #[diesel(sql_type = Timestamptz)]
            valid_from: DateTime<Utc>,
            #[diesel(sql_type = diesel::sql_types::Nullable<Timestamptz>)]
            valid_to: Option<DateTime<Utc>>,
        }
        let versions = |conn: &mut PgConnection| -> Vec<Version> {
            sql_query(
                "SELECT item, price::text AS price, valid_from, valid_to FROM history_test.prices \
                 ORDER BY item, valid_from",
            )
            .load(conn)
            .unwrap()
        };
        let t0 = DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z")
            .unwrap()
            .to_utc();
        let (t1, t2) = (t0 + TimeDelta::days(1), t0 + TimeDelta::days(2));

        let first = load(&mut conn, &[("a", "1.50"), ("b", "2.00")], t0);
        assert_eq!((first.written, first.unchanged), (2, 0));
        // Equal values (written differently) open no version.
        let same = load(&mut conn, &[("a", "1.5"), ("b", "2.00")], t1);
        assert_eq!((same.written, same.unchanged), (0, 2));
        // A changed price closes its version and opens one; a new item opens one.
        let changed = load(&mut conn, &[("a", "1.75"), ("b", "2.00"), ("c", "9")], t2);
        assert_eq!((changed.written, changed.unchanged), (2, 1));
        let v = |item: &str, price: &str, from, to| Version {
            item: item.into(),
            price: price.into(),
            valid_from: from,
            valid_to: to,
        };
        assert_eq!(
            versions(&mut conn),
            [
                v("a", "1.50", t0, Some(t2)),
                v("a", "1.75", t2, None),
                v("b", "2.00", t0, None),
                v("c", "9", t2, None),
            ]
        );
    }
}

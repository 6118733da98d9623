//! The foundation every other test stands on: isolated test databases and migrations
//! that apply on an empty database and revert cleanly.

use std::collections::HashSet;

use adsync_db::{prepared_sql, revert_all_migrations, run_migrations};
use adsync_e2e::all_migrations;
use adsync_test_harness::TestDatabase;
use diesel::migration::MigrationSource;
use diesel::pg::Pg;
use diesel::{QueryableByName, RunQueryDsl, sql_query};

const ALL_TABLES: &[&str] = &[
    "account_row_counts",
    "amazon_ads.ad_groups",
    "amazon_ads.campaign_daily_metrics",
    "amazon_ads.campaigns",
    "amazon_ads.keywords",
    "amazon_ads.negative_keywords",
    "amazon_ads.product_ad_daily_metrics",
    "amazon_ads.product_ads",
    "amazon_ads.profiles",
    "amazon_ads.search_term_daily_metrics",
    "amazon_ads.targeting_daily_metrics",
    "amazon_ads.targets",
    "api_tokens",
    "linkedin.account_daily_metrics",
    "linkedin.ad_accounts",
    "linkedin.audience_demographics",
    "linkedin.campaign_daily_metrics",
    "linkedin.campaign_groups",
    "linkedin.campaign_monthly_metrics",
    "linkedin.campaigns",
    "linkedin.creative_daily_metrics",
    "linkedin.creatives",
    "oauth_connections",
    "oauth_states",
    "supplier_feed.items",
    "supplier_feed.prices",
    "supplier_feed.suppliers",
    "supplier_feed.uploads",
    "sync_accounts",
    "sync_errors",
    "sync_events",
    "sync_runs",
    "upstream_jobs",
    "workspaces",
];

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn count_sync_accounts(db: &TestDatabase) -> i64 {
    sql_query("SELECT count(*) AS n FROM sync_accounts")
        .get_result::<Count>(&mut db.connect())
        .unwrap()
        .n
}

#[tokio::test]
async fn two_test_databases_never_see_each_others_rows() {
    let (a, b) = tokio::join!(
        tokio::task::spawn_blocking(|| TestDatabase::migrated(&all_migrations())),
        tokio::task::spawn_blocking(|| TestDatabase::migrated(&all_migrations())),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_ne!(a.name(), b.name());

    sql_query("INSERT INTO sync_accounts (source, account_id, connection_id, name, status, workspace_id) VALUES ('linkedin', 1, 'conn_a', 'A', 'ACTIVE', 1)")
        .execute(&mut a.connect())
        .unwrap();

    assert_eq!(count_sync_accounts(&a), 1);
    assert_eq!(count_sync_accounts(&b), 0);
}

#[test]
fn a_dropped_test_database_is_gone() {
    let db = TestDatabase::migrated(&all_migrations());
    let name = db.name().to_owned();
    let keeper = TestDatabase::empty();
    drop(db);
    let exists = sql_query(format!(
        "SELECT count(*) AS n FROM pg_database WHERE datname = '{name}'"
    ))
    .get_result::<Count>(&mut keeper.connect())
    .unwrap()
    .n;
    assert_eq!(exists, 0);
}

#[test]
fn migrations_apply_on_an_empty_database_and_revert_cleanly() {
    let db = TestDatabase::empty();
    let mut conn = db.connect();
    assert!(db.tables().is_empty());

    let applied = run_migrations(&mut conn, &all_migrations()).expect("up");
    assert_eq!(applied.len(), 24);
    assert_eq!(db.tables(), ALL_TABLES);

    let reverted = revert_all_migrations(&mut conn, &all_migrations()).expect("down");
    assert_eq!(reverted.len(), 24);
    assert!(db.tables().is_empty(), "left behind: {:?}", db.tables());

    // And up again: down.sql left nothing that blocks a re-run.
    run_migrations(&mut conn, &all_migrations()).expect("up again");
    assert_eq!(db.tables(), ALL_TABLES);
    assert!(
        run_migrations(&mut conn, &all_migrations())
            .expect("idempotent")
            .is_empty()
    );
}

/// A table added to a source's warehouse (or any table of accounts' rows) without a
/// row-level-security policy would show a workspace caller every workspace's rows
/// whenever a report forgot its filter.
#[test]
fn every_warehouse_table_shows_a_workspace_reader_only_through_a_policy() {
    #[derive(QueryableByName)]
    struct Table {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let db = TestDatabase::migrated(&all_migrations());
    let unguarded: Vec<String> = sql_query(
        "SELECT n.nspname || '.' || c.relname AS name \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 'p') \
           AND (n.nspname IN ('linkedin', 'amazon_ads', 'supplier_feed') \
                OR EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid \
                           AND a.attname = 'account_id' AND NOT a.attisdropped)) \
           AND NOT (c.relrowsecurity \
                    AND EXISTS (SELECT FROM pg_policy p WHERE p.polrelid = c.oid)) \
         ORDER BY 1",
    )
    .load::<Table>(&mut db.connect())
    .unwrap()
    .into_iter()
    .map(|t| t.name)
    .collect();
    assert_eq!(unguarded, Vec::<String>::new());
}

/// `account_row_counts` per LinkedIn account for `table`, against a real count.
fn row_counts(conn: &mut diesel::PgConnection, table: &str) -> Vec<(i64, i64, i64)> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        account_id: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        kept: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        counted: i64,
    }
    sql_query(format!(
        "SELECT a.id AS account_id, \
                COALESCE((SELECT row_count FROM account_row_counts n WHERE n.source = 'linkedin' \
                          AND n.account_id = a.id AND n.table_name = '{table}'), 0) AS kept, \
                (SELECT count(*) FROM linkedin.{table} t WHERE t.account_id = a.id) AS counted \
         FROM linkedin.ad_accounts a ORDER BY a.id"
    ))
    .load::<Row>(conn)
    .unwrap()
    .into_iter()
    .map(|r| (r.account_id, r.kept, r.counted))
    .collect()
}

#[test]
fn row_counts_stay_exact_under_every_kind_of_write() {
    let db = TestDatabase::migrated(&all_migrations());
    let mut conn = db.connect();
    let run = |conn: &mut diesel::PgConnection, sql: &str| {
        sql_query(sql).execute(conn).unwrap();
    };
    let exact = |conn: &mut diesel::PgConnection, expected: [(i64, i64); 2]| {
        let counts = row_counts(conn, "campaign_groups");
        for ((account, kept, counted), (want_account, want)) in counts.into_iter().zip(expected) {
            assert_eq!((account, kept, counted), (want_account, want, want));
        }
    };
    run(
        &mut conn,
        "INSERT INTO linkedin.ad_accounts (id, name, status) VALUES (1, 'A', 'ACTIVE'), (2, 'B', 'ACTIVE')",
    );
    // One statement, rows of two accounts.
    run(
        &mut conn,
        "INSERT INTO linkedin.campaign_groups (id, account_id, name, status) \
         SELECT g, 1 + g % 2, 'g', 'ACTIVE' FROM generate_series(1, 1001) g",
    );
    exact(&mut conn, [(1, 500), (2, 501)]);
    run(
        &mut conn,
        "DELETE FROM linkedin.campaign_groups WHERE id <= 100",
    );
    exact(&mut conn, [(1, 450), (2, 451)]);
    // Updates that keep the account change nothing; moving rows does.
    run(
        &mut conn,
        "UPDATE linkedin.campaign_groups SET name = 'renamed'",
    );
    exact(&mut conn, [(1, 450), (2, 451)]);
    run(
        &mut conn,
        "UPDATE linkedin.campaign_groups SET account_id = 1 WHERE account_id = 2 AND id <= 200",
    );
    exact(&mut conn, [(1, 500), (2, 401)]);
    // An upsert counts only the rows it inserted.
    run(
        &mut conn,
        "INSERT INTO linkedin.campaign_groups (id, account_id, name, status) \
         SELECT g, 2, 'g', 'ACTIVE' FROM generate_series(1001, 1010) g \
         ON CONFLICT (id) DO UPDATE SET name = 'upserted'",
    );
    exact(&mut conn, [(1, 500), (2, 410)]);
    // Inside a transaction that rolls back, the counts roll back with the rows.
    run(&mut conn, "BEGIN");
    run(&mut conn, "DELETE FROM linkedin.campaign_groups");
    exact(&mut conn, [(1, 0), (2, 0)]);
    run(&mut conn, "ROLLBACK");
    exact(&mut conn, [(1, 500), (2, 410)]);
    run(&mut conn, "TRUNCATE linkedin.campaign_groups");
    exact(&mut conn, [(1, 0), (2, 0)]);
}

/// Rows of the roll-ups of `campaign_daily_metrics` (per campaign and month, per account
/// and day) that differ from summing the stored days again (both ways), as text; empty
/// when both are exact.
fn roll_up_drift(conn: &mut diesel::PgConnection) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Drift {
        #[diesel(sql_type = diesel::sql_types::Text)]
        row: String,
    }
    let months = (
        "SELECT account_id, date_trunc('month', date)::date AS month, campaign_id, \
         count(*)::int8 AS days, sum(impressions)::int8 AS impressions, \
         sum(clicks)::int8 AS clicks, sum(cost) AS cost, sum(sends)::int8 AS sends \
         FROM linkedin.campaign_daily_metrics GROUP BY 1, 2, 3",
        "SELECT account_id, month, campaign_id, days, impressions, clicks, cost, sends \
         FROM linkedin.campaign_monthly_metrics",
    );
    let account_days = (
        "SELECT account_id, date, count(*)::int8 AS campaigns, \
         sum(impressions)::int8 AS impressions, sum(clicks)::int8 AS clicks, sum(cost) AS cost, \
         sum(likes)::int8 AS likes, sum(sends)::int8 AS sends \
         FROM linkedin.campaign_daily_metrics GROUP BY 1, 2",
        "SELECT account_id, date, campaigns, impressions, clicks, cost, likes, sends \
         FROM linkedin.account_daily_metrics",
    );
    [months, account_days]
        .into_iter()
        .flat_map(|(summed, kept)| {
            sql_query(format!(
                "SELECT x::text AS row FROM (({summed}) EXCEPT ({kept})) x \
                 UNION ALL SELECT y::text FROM (({kept}) EXCEPT ({summed})) y"
            ))
            .load::<Drift>(conn)
            .unwrap()
        })
        .map(|d| d.row)
        .collect()
}

#[test]
fn monthly_and_account_daily_sums_stay_exact_under_every_kind_of_write() {
    let db = TestDatabase::migrated(&all_migrations());
    let mut conn = db.connect();
    let mut run = |sql: &str| {
        sql_query(sql).execute(&mut conn).unwrap();
        roll_up_drift(&mut conn)
    };
    run(
        "INSERT INTO linkedin.ad_accounts (id, name, status) VALUES (1, 'A', 'ACTIVE'), (2, 'B', 'ACTIVE')",
    );
    run(
        "INSERT INTO linkedin.campaigns (id, account_id, name, status) \
         VALUES (10, 1, 'a', 'ACTIVE'), (11, 1, 'b', 'ACTIVE'), (20, 2, 'c', 'ACTIVE')",
    );
    let none: Vec<String> = Vec::new();
    // Three months of days, costs with up to six places, in one statement.
    assert_eq!(
        run("INSERT INTO linkedin.campaign_daily_metrics \
               (campaign_id, date, account_id, impressions, clicks, cost, sends) \
             SELECT c.id, d::date, c.account_id, 100 + c.id, c.id % 7, \
                    round((c.id * 1.000001 + extract(day FROM d)::numeric / 3)::numeric, 6), 1 \
             FROM linkedin.campaigns c, generate_series('2026-01-15'::date, '2026-03-31', '1 day') d"),
        none
    );
    // A restated range (a sync's update of changed days), then the same values again.
    for _ in 0..2 {
        assert_eq!(
            run(
                "UPDATE linkedin.campaign_daily_metrics SET impressions = impressions * 2, cost = cost + 0.5 \
                 WHERE date BETWEEN '2026-02-20' AND '2026-03-05'"
            ),
            none
        );
    }
    assert_eq!(
        run("UPDATE linkedin.campaign_daily_metrics SET cost = cost WHERE campaign_id = 10"),
        none
    );
    // Deleting every day of a month removes its row; deleting some days adjusts it.
    assert_eq!(
        run(
            "DELETE FROM linkedin.campaign_daily_metrics WHERE campaign_id = 11 AND date < '2026-02-01'"
        ),
        none
    );
    assert_eq!(
        run(
            "DELETE FROM linkedin.campaign_daily_metrics WHERE date IN ('2026-03-01', '2026-03-31')"
        ),
        none
    );
    // An upsert as the sync writes: some rows new, some replaced.
    assert_eq!(
        run(
            "INSERT INTO linkedin.campaign_daily_metrics (campaign_id, date, account_id, impressions, cost) \
             SELECT 20, d::date, 2, 5, 0.25 \
             FROM generate_series('2026-03-25'::date, '2026-04-03', '1 day') d \
             ON CONFLICT (campaign_id, date) DO UPDATE SET impressions = EXCLUDED.impressions, \
                                                        cost = EXCLUDED.cost"
        ),
        none
    );
    // Emptied with the days (no drift then means no rows left).
    assert_eq!(run("TRUNCATE linkedin.campaign_daily_metrics"), none);
}

/// Services can share a database, and Diesel keeps one migrations table: a version used
/// by two services would make the second service's migration silently "already applied".
#[test]
fn migration_versions_are_unique_across_services() {
    let mut seen = HashSet::new();
    for set in all_migrations() {
        for migration in MigrationSource::<Pg>::migrations(set).unwrap() {
            let version = migration.name().version().to_string();
            assert!(
                seen.insert(version.clone()),
                "migration version {version} is used twice"
            );
        }
    }
}

#[test]
fn hand_written_statements_are_prepared_once_per_connection_with_their_binds_in_place() {
    let db = TestDatabase::empty();
    let mut conn = db.connect();
    // `$2` twice, and a `$1` inside a literal that is not a placeholder.
    let sql = "SELECT ($1::int8 + $2 * $2 + length('$1'))::int8 AS n";
    let mut run = |a: i64, b: i64| {
        prepared_sql(sql)
            .bind::<diesel::sql_types::BigInt, _>(a)
            .bind::<diesel::sql_types::BigInt, _>(b)
            .get_result::<Count>(&mut conn)
            .unwrap()
            .n
    };
    assert_eq!(run(1, 3), 1 + 9 + 2);
    assert_eq!(run(2, 4), 2 + 16 + 2);
    let prepared_on = |conn: &mut diesel::PgConnection| {
        sql_query(
            "SELECT count(*) AS n FROM pg_prepared_statements WHERE statement LIKE '%length(''$1'')%'",
        )
        .get_result::<Count>(conn)
        .unwrap()
        .n
    };
    // One statement for both calls on the connection that ran them; none on another.
    assert_eq!(prepared_on(&mut conn), 1);
    assert_eq!(prepared_on(&mut db.connect()), 0);

    // A placeholder without its bind is refused before anything is sent.
    let unbound = prepared_sql("SELECT $1::int8 AS n").get_result::<Count>(&mut conn);
    let refused = unbound.err().expect("an unbound placeholder is refused");
    assert!(refused.to_string().contains("$1 has no bind"), "{refused}");
}

#[derive(QueryableByName)]
struct Seen {
    #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::BigInt>)]
    ids: Vec<i64>,
}

/// The sync accounts `reach`'s reads see on `db`.
async fn seen_by(db: &adsync_db::Db, reach: adsync_server::Reach) -> Vec<i64> {
    adsync_warehouse::row_security::read_for(db, reach, |conn| {
        sql_query("SELECT COALESCE(array_agg(account_id ORDER BY account_id), '{}') AS ids FROM sync_accounts")
            .get_result::<Seen>(conn)
            .map(|s| s.ids)
            .map_err(adsync_db::DbError::from)
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn a_pooled_connection_reads_for_one_workspace_at_a_time_and_for_the_platform_as_itself() {
    use adsync_server::{Reach, WorkspaceId};
    let test_db = tokio::task::spawn_blocking(|| TestDatabase::migrated(&all_migrations()))
        .await
        .unwrap();
    sql_query(
        "INSERT INTO sync_accounts (source, account_id, connection_id, name, status, workspace_id) \
         VALUES ('linkedin', 1, 'c', 'A', 'ACTIVE', 1), ('linkedin', 2, 'c', 'B', 'ACTIVE', 2), \
                ('linkedin', 3, 'c', 'C', 'ACTIVE', 2)",
    )
    .execute(&mut test_db.connect())
    .unwrap();
    // One connection: every read below is served by the same session.
    let mut config = adsync_db::DbConfig::new(test_db.url(), "session-test");
    config.max_connections = 1;
    let db = adsync_db::Db::connect(config).await.unwrap();
    let (one, two) = (
        Reach::Workspace(WorkspaceId::new(1).unwrap()),
        Reach::Workspace(WorkspaceId::new(2).unwrap()),
    );

    assert_eq!(seen_by(&db, one).await, [1]);
    assert_eq!(seen_by(&db, one).await, [1], "kept for the same workspace");
    assert_eq!(seen_by(&db, two).await, [2, 3], "changed for another");
    assert_eq!(
        seen_by(&db, Reach::Platform).await,
        [1, 2, 3],
        "undone for the platform"
    );
    assert_eq!(seen_by(&db, two).await, [2, 3]);
    // A plain run (every write's) is the login's own, not the last reader's.
    let role = db
        .run(|conn| {
            #[derive(QueryableByName)]
            struct Role {
                #[diesel(sql_type = diesel::sql_types::Text)]
                name: String,
            }
            sql_query("SELECT current_user::text AS name")
                .get_result::<Role>(conn)
                .map(|r| r.name)
                .map_err(adsync_db::DbError::from)
        })
        .await
        .unwrap();
    assert_ne!(role, adsync_warehouse::row_security::WORKSPACE_READER);

    // And back: narrowed again after a plain run.
    assert_eq!(seen_by(&db, one).await, [1]);
    assert_eq!(seen_by(&db, Reach::Platform).await, [1, 2, 3]);

    // A change that fails half way (the role taken, then an error) is undone before the
    // next run, whatever that run asks for.
    let broken = adsync_db::SessionState {
        apply: format!(
            "SET ROLE {}; SELECT 1 / 0",
            adsync_warehouse::row_security::WORKSPACE_READER
        ),
        undo: "RESET ROLE",
    };
    let failed = db
        .run_in(Some(broken), |_| Ok::<_, adsync_db::DbError>(()))
        .await;
    assert!(failed.is_err());
    assert_eq!(seen_by(&db, Reach::Platform).await, [1, 2, 3]);
    assert_eq!(seen_by(&db, two).await, [2, 3]);
}

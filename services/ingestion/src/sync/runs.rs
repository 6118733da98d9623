//! `sync_runs`: every run, skipped ones included, and the facts the freshness gate and
//! the incremental window read.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};

/// A run as stored.
#[derive(Debug, Clone, QueryableByName)]
pub(crate) struct RunRow {
    #[diesel(sql_type = SqlUuid)]
    pub(crate) id: uuid::Uuid,
    #[diesel(sql_type = BigInt)]
    pub(crate) account_id: i64,
    #[diesel(sql_type = Text)]
    pub(crate) trigger: String,
    #[diesel(sql_type = Text)]
    pub(crate) status: String,
    #[diesel(sql_type = Text)]
    pub(crate) reason: String,
    #[diesel(sql_type = Bool)]
    pub(crate) force: bool,
    #[diesel(sql_type = Nullable<Date>)]
    pub(crate) window_start: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Date>)]
    pub(crate) window_end: Option<NaiveDate>,
    #[diesel(sql_type = Text)]
    pub(crate) worker: String,
    #[diesel(sql_type = Jsonb)]
    pub(crate) entity_counts: serde_json::Value,
    #[diesel(sql_type = BigInt)]
    pub(crate) upstream_calls: i64,
    #[diesel(sql_type = BigInt)]
    pub(crate) error_count: i64,
    #[diesel(sql_type = BigInt)]
    pub(crate) last_sequence: i64,
    #[diesel(sql_type = Timestamptz)]
    pub(crate) created_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub(crate) finished_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, account_id, trigger, status, reason, force, window_start, window_end, worker, \
     entity_counts, upstream_calls, error_count, last_sequence, created_at, finished_at";

/// A run to record.
#[derive(Debug, Clone)]
pub(crate) struct NewRun {
    pub(crate) id: uuid::Uuid,
    pub(crate) account_id: i64,
    pub(crate) trigger: &'static str,
    pub(crate) force: bool,
    pub(crate) window: Option<(NaiveDate, NaiveDate)>,
    pub(crate) worker: String,
    pub(crate) now: DateTime<Utc>,
}

/// Records a running run. `Err(Some(id))` when the account already has one running (the
/// unique index decides, across every replica); `Err(None)` is not used.
pub(crate) fn start(
    conn: &mut PgConnection,
    run: &NewRun,
) -> QueryResult<Result<RunRow, uuid::Uuid>> {
    let inserted = diesel::sql_query(format!(
        "INSERT INTO sync_runs (id, account_id, trigger, status, force, window_start, window_end, worker, created_at, heartbeat_at) \
         VALUES ($1, $2, $3, 'running', $4, $5, $6, $7, $8, $8) ON CONFLICT DO NOTHING RETURNING {COLUMNS}"
    ))
    .bind::<SqlUuid, _>(run.id)
    .bind::<BigInt, _>(run.account_id)
    .bind::<Text, _>(run.trigger)
    .bind::<Bool, _>(run.force)
    .bind::<Nullable<Date>, _>(run.window.map(|w| w.0))
    .bind::<Nullable<Date>, _>(run.window.map(|w| w.1))
    .bind::<Text, _>(&run.worker)
    .bind::<Timestamptz, _>(run.now)
    .get_result::<RunRow>(conn)
    .optional()?;
    match inserted {
        Some(row) => Ok(Ok(row)),
        None => Ok(Err(running(conn, run.account_id)?
            .map(|r| r.id)
            .unwrap_or(run.id))),
    }
}

impl NewRun {
    /// This run as stored when the freshness gate skips it: finished at once, after
    /// `last_sequence` events.
    pub(crate) fn skipped(&self, reason: String, last_sequence: i64) -> RunRow {
        RunRow {
            id: self.id,
            account_id: self.account_id,
            trigger: self.trigger.to_owned(),
            status: "skipped".to_owned(),
            reason,
            force: self.force,
            window_start: None,
            window_end: None,
            worker: self.worker.clone(),
            entity_counts: serde_json::json!({}),
            upstream_calls: 0,
            error_count: 0,
            last_sequence,
            created_at: self.now,
            finished_at: Some(self.now),
        }
    }
}

/// Stores `run` (skipped by the freshness gate, see [`NewRun::skipped`]) with its
/// `events` (see [`super::events::insert_ctes`]) in one statement: the gate's answer
/// waits for one trip to the database.
pub(crate) fn insert_skipped(
    conn: &mut PgConnection,
    run: &RunRow,
    events: &[super::events::NewEvent],
) -> QueryResult<()> {
    debug_assert!(events.iter().all(|e| e.run_id == run.id));
    let query = diesel::sql_query(format!(
        "WITH run AS (INSERT INTO sync_runs (id, account_id, trigger, status, reason, force, worker, \
                          last_sequence, created_at, heartbeat_at, finished_at) \
             VALUES ($1, $2, $6, $7, $8, $9, $10, $11, $12, $12, $12) RETURNING 1), \
         {} \
         SELECT 1 FROM run, notified",
        super::events::insert_ctes()
    ));
    super::events::bind_events(query.into_boxed(), events)
        .bind::<Text, _>(&run.trigger)
        .bind::<Text, _>(&run.status)
        .bind::<Text, _>(&run.reason)
        .bind::<Bool, _>(run.force)
        .bind::<Text, _>(&run.worker)
        .bind::<BigInt, _>(run.last_sequence)
        .bind::<Timestamptz, _>(run.created_at)
        .execute(conn)?;
    Ok(())
}

/// How a run ended.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub(crate) status: &'static str,
    pub(crate) reason: String,
    pub(crate) entity_counts: serde_json::Value,
    pub(crate) upstream_calls: i64,
    pub(crate) error_count: i64,
    pub(crate) finished_at: DateTime<Utc>,
}

/// Marks a running run finished (only if it is still running).
pub(crate) fn finish(
    conn: &mut PgConnection,
    id: uuid::Uuid,
    outcome: &Outcome,
) -> QueryResult<Option<RunRow>> {
    diesel::sql_query(format!(
        "UPDATE sync_runs SET status = $2, reason = $3, entity_counts = $4, upstream_calls = $5, error_count = $6, \
         finished_at = $7, heartbeat_at = $7 WHERE id = $1 AND status = 'running' RETURNING {COLUMNS}"
    ))
    .bind::<SqlUuid, _>(id)
    .bind::<Text, _>(outcome.status)
    .bind::<Text, _>(&outcome.reason)
    .bind::<Jsonb, _>(&outcome.entity_counts)
    .bind::<BigInt, _>(outcome.upstream_calls)
    .bind::<BigInt, _>(outcome.error_count)
    .bind::<Timestamptz, _>(outcome.finished_at)
    .get_result(conn)
    .optional()
}

pub(crate) fn get(conn: &mut PgConnection, id: uuid::Uuid) -> QueryResult<Option<RunRow>> {
    diesel::sql_query(format!("SELECT {COLUMNS} FROM sync_runs WHERE id = $1"))
        .bind::<SqlUuid, _>(id)
        .get_result(conn)
        .optional()
}

pub(crate) fn running(conn: &mut PgConnection, account_id: i64) -> QueryResult<Option<RunRow>> {
    diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM sync_runs WHERE account_id = $1 AND status = 'running'"
    ))
    .bind::<BigInt, _>(account_id)
    .get_result(conn)
    .optional()
}

/// The latest SUCCESS or PARTIAL run of the account: what the freshness gate measures.
pub(crate) fn last_success(
    conn: &mut PgConnection,
    account_id: i64,
) -> QueryResult<Option<RunRow>> {
    diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM sync_runs WHERE account_id = $1 AND status IN ('success', 'partial') \
         ORDER BY finished_at DESC LIMIT 1"
    ))
    .bind::<BigInt, _>(account_id)
    .get_result(conn)
    .optional()
}

/// The last day whose metrics a committed sync fetched, for the incremental window.
pub(crate) fn synced_through(
    conn: &mut PgConnection,
    account_id: i64,
) -> QueryResult<Option<NaiveDate>> {
    #[derive(QueryableByName)]
    struct Through {
        #[diesel(sql_type = Nullable<Date>)]
        metrics_synced_through: Option<NaiveDate>,
    }
    diesel::sql_query("SELECT metrics_synced_through FROM sync_accounts WHERE account_id = $1")
        .bind::<BigInt, _>(account_id)
        .get_result::<Through>(conn)
        .optional()
        .map(|t| t.and_then(|t| t.metrics_synced_through))
}

/// Moves the account's metrics watermark (inside the sync's write transaction).
pub(crate) fn set_synced_through(
    conn: &mut PgConnection,
    account_id: i64,
    through: NaiveDate,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE sync_accounts SET metrics_synced_through = greatest(coalesce(metrics_synced_through, $2), $2), updated_at = $3 \
         WHERE account_id = $1",
    )
    .bind::<BigInt, _>(account_id)
    .bind::<Date, _>(through)
    .bind::<Timestamptz, _>(now)
    .execute(conn)?;
    Ok(())
}

/// Runs newest first, after the cursor `(created_at, id)` (exclusive), filtered.
pub(crate) fn list(
    conn: &mut PgConnection,
    after: Option<(DateTime<Utc>, uuid::Uuid)>,
    account_id: Option<i64>,
    statuses: &[String],
    trigger: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<RunRow>> {
    use diesel::sql_types::Array;
    diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM sync_runs WHERE ($1::timestamptz IS NULL OR (created_at, id) < ($1, $2)) \
         AND ($3::bigint IS NULL OR account_id = $3) AND (cardinality($4::text[]) = 0 OR status = ANY($4)) \
         AND ($5::text IS NULL OR trigger = $5) ORDER BY created_at DESC, id DESC LIMIT $6"
    ))
    .bind::<Nullable<Timestamptz>, _>(after.map(|a| a.0))
    .bind::<SqlUuid, _>(after.map_or(uuid::Uuid::nil(), |a| a.1))
    .bind::<Nullable<BigInt>, _>(account_id)
    .bind::<Array<Text>, _>(statuses)
    .bind::<Nullable<Text>, _>(trigger)
    .bind::<BigInt, _>(limit)
    .load(conn)
}

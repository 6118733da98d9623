//! `sync_runs`: every run, skipped ones included.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{
    Array, BigInt, Bool, Date, Integer, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};

use adsync_server::{Reach, WorkspaceId};

use super::events::{self, NewEvent};
use super::model::{Outcome, RunCounts, RunRow, RunStatus, SourceName, Trigger};

const COLUMNS: &str = "id, source, account_id, trigger, status, reason, force, window_start, window_end, \
     worker, owner, entity_counts AS counts, upstream_calls, error_count, last_sequence, created_at, finished_at";

/// A run to record.
#[derive(Debug, Clone)]
pub(crate) struct NewRun {
    pub(crate) id: uuid::Uuid,
    pub(crate) source: SourceName,
    pub(crate) account_id: i64,
    pub(crate) trigger: Trigger,
    pub(crate) force: bool,
    pub(crate) window: Option<(NaiveDate, NaiveDate)>,
    pub(crate) worker: String,
    pub(crate) owner: i32,
    pub(crate) now: DateTime<Utc>,
}

impl NewRun {
    /// This run as stored when the freshness gate skips it: finished at once, after
    /// `last_sequence` events, owned by no process.
    pub(crate) fn skipped(&self, reason: String, last_sequence: i64) -> RunRow {
        RunRow {
            id: self.id,
            source: self.source.clone(),
            account_id: self.account_id,
            trigger: self.trigger,
            status: RunStatus::Skipped,
            reason,
            force: self.force,
            window_start: None,
            window_end: None,
            worker: self.worker.clone(),
            owner: None,
            counts: RunCounts::default(),
            upstream_calls: 0,
            error_count: 0,
            last_sequence,
            created_at: self.now,
            finished_at: Some(self.now),
        }
    }
}

/// Records a running run; `None` when the account already has one (the unique index
/// decides, across every replica).
pub(crate) fn insert_running(conn: &mut PgConnection, run: &NewRun) -> QueryResult<Option<RunRow>> {
    diesel::sql_query(format!(
        "INSERT INTO sync_runs (id, source, account_id, trigger, status, force, window_start, window_end, \
                                worker, owner, created_at, heartbeat_at) \
         VALUES ($1, $2, $3, $4, 'running', $5, $6, $7, $8, $9, $10, $10) \
         ON CONFLICT DO NOTHING RETURNING {COLUMNS}"
    ))
    .bind::<SqlUuid, _>(run.id)
    .bind::<Text, _>(&run.source)
    .bind::<BigInt, _>(run.account_id)
    .bind::<Text, _>(run.trigger)
    .bind::<Bool, _>(run.force)
    .bind::<Nullable<Date>, _>(run.window.map(|w| w.0))
    .bind::<Nullable<Date>, _>(run.window.map(|w| w.1))
    .bind::<Text, _>(&run.worker)
    .bind::<Integer, _>(run.owner)
    .bind::<Timestamptz, _>(run.now)
    .get_result::<RunRow>(conn)
    .optional()
}

/// Stores `run` (skipped by the freshness gate, see [`NewRun::skipped`]) with its
/// `events` in one statement: the gate's answer waits for one trip to the database.
pub(crate) fn insert_skipped(
    conn: &mut PgConnection,
    run: &RunRow,
    batch: &[NewEvent],
) -> QueryResult<()> {
    debug_assert!(batch.iter().all(|e| e.run_id == run.id));
    let query = diesel::sql_query(format!(
        "WITH run AS (INSERT INTO sync_runs (id, source, account_id, trigger, status, reason, force, worker, \
                          last_sequence, created_at, heartbeat_at, finished_at) \
             VALUES ($1, $3, $2, $7, $8, $9, $10, $11, $12, $13, $13, $13) RETURNING 1), \
         {} \
         SELECT 1 FROM run, notified",
        events::insert_ctes()
    ));
    events::bind_events(query.into_boxed(), batch)
        .bind::<Text, _>(run.trigger)
        .bind::<Text, _>(run.status)
        .bind::<Text, _>(&run.reason)
        .bind::<Bool, _>(run.force)
        .bind::<Text, _>(&run.worker)
        .bind::<BigInt, _>(run.last_sequence)
        .bind::<Timestamptz, _>(run.created_at)
        .execute(conn)?;
    Ok(())
}

/// Marks a running run finished, only if it is still running: a run failed meanwhile
/// by another replica (its process was thought dead) stays as that replica left it.
pub(crate) fn finish(
    conn: &mut PgConnection,
    id: uuid::Uuid,
    outcome: &Outcome,
) -> QueryResult<Option<RunRow>> {
    diesel::sql_query(format!(
        "UPDATE sync_runs SET status = $2, reason = $3, entity_counts = $4, upstream_calls = $5, \
         error_count = $6, finished_at = $7, heartbeat_at = $7 \
         WHERE id = $1 AND status = 'running' RETURNING {COLUMNS}"
    ))
    .bind::<SqlUuid, _>(id)
    .bind::<Text, _>(outcome.status)
    .bind::<Text, _>(&outcome.reason)
    .bind::<Jsonb, _>(&outcome.counts)
    .bind::<BigInt, _>(outcome.upstream_calls)
    .bind::<BigInt, _>(outcome.error_count)
    .bind::<Timestamptz, _>(outcome.finished_at)
    .get_result(conn)
    .optional()
}

/// The run, if a caller of `reach` may see it (it is a run of the caller's workspace).
pub(crate) fn get_in_reach(
    conn: &mut PgConnection,
    id: uuid::Uuid,
    reach: Reach,
) -> QueryResult<Option<RunRow>> {
    diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM sync_runs WHERE id = $1 AND {IN_WORKSPACE}"
    ))
    .bind::<SqlUuid, _>(id)
    .bind::<Nullable<BigInt>, _>(reach.workspace().map(WorkspaceId::get))
    .get_result(conn)
    .optional()
}

/// A condition on a `sync_runs` row: its account belongs to workspace `$2` (any when
/// NULL).
const IN_WORKSPACE: &str = "($2::bigint IS NULL OR EXISTS (SELECT 1 FROM sync_accounts a \
     WHERE a.source = sync_runs.source AND a.account_id = sync_runs.account_id AND a.workspace_id = $2))";

pub(crate) fn get(conn: &mut PgConnection, id: uuid::Uuid) -> QueryResult<Option<RunRow>> {
    diesel::sql_query(format!("SELECT {COLUMNS} FROM sync_runs WHERE id = $1"))
        .bind::<SqlUuid, _>(id)
        .get_result(conn)
        .optional()
}

/// The account's running run, locked against concurrent changes until the transaction
/// ends when `lock` (so two replicas never both replace a dead one).
pub(crate) fn running(
    conn: &mut PgConnection,
    source: &SourceName,
    account_id: i64,
    lock: bool,
) -> QueryResult<Option<RunRow>> {
    diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM sync_runs WHERE source = $1 AND account_id = $2 AND status = 'running'{}",
        if lock { " FOR UPDATE" } else { "" }
    ))
    .bind::<Text, _>(source)
    .bind::<BigInt, _>(account_id)
    .get_result(conn)
    .optional()
}

/// Every running run, oldest first.
pub(crate) fn all_running(conn: &mut PgConnection) -> QueryResult<Vec<RunRow>> {
    diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM sync_runs WHERE status = 'running' ORDER BY created_at"
    ))
    .load(conn)
}

/// The latest SUCCESS or PARTIAL run of the account: what the freshness gate measures.
pub(crate) fn last_success(
    conn: &mut PgConnection,
    source: &SourceName,
    account_id: i64,
) -> QueryResult<Option<RunRow>> {
    diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM sync_runs WHERE source = $1 AND account_id = $2 \
         AND status IN ('success', 'partial') ORDER BY finished_at DESC LIMIT 1"
    ))
    .bind::<Text, _>(source)
    .bind::<BigInt, _>(account_id)
    .get_result(conn)
    .optional()
}

/// What [`list`] returns.
#[derive(Debug, Clone, Default)]
pub(crate) struct RunFilter {
    /// Only runs of this workspace's accounts.
    pub(crate) workspace: Option<WorkspaceId>,
    pub(crate) source: Option<SourceName>,
    pub(crate) account_id: Option<i64>,
    pub(crate) statuses: Vec<RunStatus>,
    pub(crate) trigger: Option<Trigger>,
}

/// Runs newest first, after the cursor `(created_at, id)` (exclusive), filtered.
pub(crate) fn list(
    conn: &mut PgConnection,
    after: Option<(DateTime<Utc>, uuid::Uuid)>,
    filter: &RunFilter,
    limit: i64,
) -> QueryResult<Vec<RunRow>> {
    let statuses: Vec<&str> = filter.statuses.iter().map(|s| s.as_str()).collect();
    diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM sync_runs WHERE ($1::timestamptz IS NULL OR (created_at, id) < ($1, $2)) \
         AND ($3::text IS NULL OR source = $3) AND ($4::bigint IS NULL OR account_id = $4) \
         AND (cardinality($5::text[]) = 0 OR status = ANY($5)) \
         AND ($6::text IS NULL OR trigger = $6) \
         AND ($8::bigint IS NULL OR EXISTS (SELECT 1 FROM sync_accounts a WHERE a.source = sync_runs.source \
              AND a.account_id = sync_runs.account_id AND a.workspace_id = $8)) \
         ORDER BY created_at DESC, id DESC LIMIT $7"
    ))
    .bind::<Nullable<Timestamptz>, _>(after.map(|a| a.0))
    .bind::<SqlUuid, _>(after.map_or(uuid::Uuid::nil(), |a| a.1))
    .bind::<Nullable<Text>, _>(filter.source.as_ref())
    .bind::<Nullable<BigInt>, _>(filter.account_id)
    .bind::<Array<Text>, _>(statuses)
    .bind::<Nullable<Text>, _>(filter.trigger)
    .bind::<BigInt, _>(limit)
    .bind::<Nullable<BigInt>, _>(filter.workspace.map(WorkspaceId::get))
    .load(conn)
}

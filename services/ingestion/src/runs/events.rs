//! `sync_events`: every event of every run, persisted with a per-run sequence so any
//! replica can replay them. Inserts take a transaction-scoped advisory lock, so ids (the
//! global cursor) commit in order.

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{Array, BigInt, Bytea, Nullable, Text, Uuid as SqlUuid};

use adsync_server::WorkspaceId;

use super::model::SourceName;

/// Serialises event inserts across the cluster (ids commit in id order).
const EVENTS_LOCK_KEY: i64 = 0x6164_7379_6e63_4556; // "adsyncEV"

/// The channel event inserts notify; every process listens on it (`runs::presence`).
pub(crate) const CHANNEL: &str = "adsync_sync_events";

/// The CTEs `inserted` (one run's events, after the cluster-wide events lock) and
/// `notified` (the listeners, once). Parameters: `$1` run id, `$2` account id, `$3`
/// source, `$4`..`$6` the events' sequences, kinds and payloads (see [`bind_events`]).
/// A statement using them must reference `notified`, or it is not run.
pub(crate) fn insert_ctes() -> String {
    format!(
        "locked AS (SELECT pg_advisory_xact_lock({EVENTS_LOCK_KEY})), \
         inserted AS (INSERT INTO sync_events (run_id, sequence, account_id, source, kind, payload) \
             SELECT $1, e.sequence, $2, $3, e.kind, e.payload \
             FROM locked, unnest($4::int8[], $5::text[], $6::bytea[]) AS e (sequence, kind, payload) \
             ORDER BY e.sequence RETURNING 1), \
         notified AS (SELECT pg_notify('{CHANNEL}', $1::text) \
             FROM (SELECT count(*) FROM inserted) AS done)"
    )
}

/// Binds `$1`..`$6` of [`insert_ctes`] for `batch`: one run's events, in sequence order.
pub(crate) fn bind_events<'a>(
    query: BoxedSqlQuery<'a, Pg, SqlQuery>,
    batch: &'a [NewEvent],
) -> BoxedSqlQuery<'a, Pg, SqlQuery> {
    let first = batch.first().expect("a batch holds an event");
    debug_assert!(
        batch.iter().all(|e| (e.run_id, e.account_id, &e.source)
            == (first.run_id, first.account_id, &first.source))
    );
    query
        .bind::<SqlUuid, _>(first.run_id)
        .bind::<BigInt, _>(first.account_id)
        .bind::<Text, _>(&first.source)
        .bind::<Array<BigInt>, _>(batch.iter().map(|e| e.sequence).collect::<Vec<_>>())
        .bind::<Array<Text>, _>(batch.iter().map(|e| e.kind).collect::<Vec<_>>())
        .bind::<Array<Bytea>, _>(
            batch
                .iter()
                .map(|e| e.payload.as_slice())
                .collect::<Vec<_>>(),
        )
}

/// Appends one run's events (in sequence order), moves the run's `last_sequence` and
/// notifies the listeners, in one statement: a sync emits many events.
pub(crate) fn append(conn: &mut PgConnection, batch: &[NewEvent]) -> QueryResult<()> {
    let Some(last) = batch.last() else {
        return Ok(());
    };
    let query = diesel::sql_query(format!(
        "WITH {}, \
         moved AS (UPDATE sync_runs SET last_sequence = greatest(last_sequence, $7), heartbeat_at = now() \
             WHERE id = $1 RETURNING 1) \
         SELECT 1 FROM notified, (SELECT count(*) FROM moved) AS done",
        insert_ctes()
    ));
    bind_events(query.into_boxed(), batch)
        .bind::<BigInt, _>(last.sequence)
        .execute(conn)?;
    Ok(())
}

/// An event to store: one run's, with its sequence.
#[derive(Debug)]
pub(crate) struct NewEvent {
    pub(crate) run_id: uuid::Uuid,
    pub(crate) source: SourceName,
    pub(crate) account_id: i64,
    pub(crate) sequence: i64,
    pub(crate) kind: &'static str,
    pub(crate) payload: Vec<u8>,
}

#[derive(Debug, QueryableByName)]
pub(crate) struct StoredEvent {
    #[diesel(sql_type = BigInt)]
    pub(crate) sequence: i64,
    #[diesel(sql_type = Bytea)]
    pub(crate) payload: Vec<u8>,
}

/// A run's events after `sequence`, in order.
pub(crate) fn after(
    conn: &mut PgConnection,
    run_id: uuid::Uuid,
    sequence: i64,
) -> QueryResult<Vec<StoredEvent>> {
    diesel::sql_query("SELECT sequence, payload FROM sync_events WHERE run_id = $1 AND sequence > $2 ORDER BY sequence LIMIT 1000")
        .bind::<SqlUuid, _>(run_id)
        .bind::<BigInt, _>(sequence)
        .load(conn)
}

#[derive(Debug, QueryableByName)]
pub(crate) struct FeedEvent {
    #[diesel(sql_type = BigInt)]
    pub(crate) id: i64,
    #[diesel(sql_type = Bytea)]
    pub(crate) payload: Vec<u8>,
}

/// Events of every run after the global cursor `after_id`, optionally of one source and
/// of some of its accounts.
pub(crate) fn feed(
    conn: &mut PgConnection,
    after_id: i64,
    workspace: Option<WorkspaceId>,
    source: Option<&SourceName>,
    accounts: &[i64],
) -> QueryResult<Vec<FeedEvent>> {
    diesel::sql_query(
        "SELECT id, payload FROM sync_events e WHERE id > $1 AND ($2::text IS NULL OR source = $2) \
         AND (cardinality($3::bigint[]) = 0 OR account_id = ANY($3)) \
         AND ($4::bigint IS NULL OR EXISTS (SELECT 1 FROM sync_accounts a \
              WHERE a.source = e.source AND a.account_id = e.account_id AND a.workspace_id = $4)) \
         ORDER BY id LIMIT 500",
    )
    .bind::<BigInt, _>(after_id)
    .bind::<Nullable<Text>, _>(source)
    .bind::<Array<BigInt>, _>(accounts)
    .bind::<Nullable<BigInt>, _>(workspace.map(WorkspaceId::get))
    .load(conn)
}

/// The newest event id (the feed's "now").
pub(crate) fn latest_id(conn: &mut PgConnection) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Latest {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    diesel::sql_query("SELECT coalesce(max(id), 0) AS id FROM sync_events")
        .get_result::<Latest>(conn)
        .map(|l| l.id)
}

//! `sync_events`: every event of every run, persisted with a per-run sequence so any
//! replica can replay them. Inserts take a transaction-scoped advisory lock, so ids (the
//! global cursor) commit in order.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bytea, Text, Uuid as SqlUuid};

/// Serialises event inserts across the cluster (ids commit in id order).
const EVENTS_LOCK_KEY: i64 = 0x6164_7379_6e63_4556; // "adsyncEV"

/// Appends a run's events (in sequence order) in one transaction, moves the run's
/// `last_sequence` and notifies the listeners once.
pub(crate) fn append(conn: &mut PgConnection, batch: &[NewEvent]) -> QueryResult<()> {
    let Some(last) = batch.last() else {
        return Ok(());
    };
    conn.transaction(|conn| {
        diesel::sql_query(format!("SELECT pg_advisory_xact_lock({EVENTS_LOCK_KEY})")).execute(conn)?;
        for e in batch {
            diesel::sql_query("INSERT INTO sync_events (run_id, sequence, account_id, kind, payload) VALUES ($1, $2, $3, $4, $5)")
                .bind::<SqlUuid, _>(e.run_id)
                .bind::<BigInt, _>(e.sequence)
                .bind::<BigInt, _>(e.account_id)
                .bind::<Text, _>(e.kind)
                .bind::<Bytea, _>(&e.payload)
                .execute(conn)?;
        }
        diesel::sql_query("UPDATE sync_runs SET last_sequence = greatest(last_sequence, $2), heartbeat_at = now() WHERE id = $1")
            .bind::<SqlUuid, _>(last.run_id)
            .bind::<BigInt, _>(last.sequence)
            .execute(conn)?;
        diesel::sql_query("SELECT pg_notify('adsync_sync_events', $1)").bind::<Text, _>(last.run_id.to_string()).execute(conn)?;
        Ok(())
    })
}

/// An event to store: one run's, with its sequence.
#[derive(Debug)]
pub(crate) struct NewEvent {
    pub(crate) run_id: uuid::Uuid,
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

/// Events of every run after the global cursor `after_id`, optionally of some accounts.
pub(crate) fn feed(
    conn: &mut PgConnection,
    after_id: i64,
    accounts: &[i64],
) -> QueryResult<Vec<FeedEvent>> {
    use diesel::sql_types::Array;
    diesel::sql_query(
        "SELECT id, payload FROM sync_events WHERE id > $1 AND (cardinality($2::bigint[]) = 0 OR account_id = ANY($2)) \
         ORDER BY id LIMIT 500",
    )
    .bind::<BigInt, _>(after_id)
    .bind::<Array<BigInt>, _>(accounts)
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

//! The accounts ingestion syncs (`sync_accounts`): which connection reads each one, and
//! the scheduler's and the incremental window's state.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};

/// A syncable account with its last successful sync.
#[derive(Debug, Clone, QueryableByName)]
pub(crate) struct SyncAccountRow {
    #[diesel(sql_type = BigInt)]
    pub(crate) account_id: i64,
    #[diesel(sql_type = Text)]
    pub(crate) connection_id: String,
    #[diesel(sql_type = Text)]
    pub(crate) name: String,
    #[diesel(sql_type = Text)]
    pub(crate) status: String,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub(crate) last_success_at: Option<DateTime<Utc>>,
}

const SELECT: &str = "SELECT a.account_id, a.connection_id, a.name, a.status, \
     (SELECT max(r.finished_at) FROM sync_runs r WHERE r.account_id = a.account_id \
      AND r.status IN ('success', 'partial')) AS last_success_at FROM sync_accounts a";

/// Records (or updates) an account discovered through `connection_id`.
pub(crate) fn upsert(
    conn: &mut PgConnection,
    account_id: i64,
    connection_id: &str,
    name: &str,
    status: &str,
    now: DateTime<Utc>,
) -> QueryResult<SyncAccountRow> {
    diesel::sql_query(
        "INSERT INTO sync_accounts (account_id, connection_id, name, status, discovered_at, updated_at, next_scheduled_at) \
         VALUES ($1, $2, $3, $4, $5, $5, $5) \
         ON CONFLICT (account_id) DO UPDATE SET connection_id = EXCLUDED.connection_id, name = EXCLUDED.name, \
         status = EXCLUDED.status, updated_at = EXCLUDED.updated_at",
    )
    .bind::<BigInt, _>(account_id)
    .bind::<Text, _>(connection_id)
    .bind::<Text, _>(name)
    .bind::<Text, _>(status)
    .bind::<Timestamptz, _>(now)
    .execute(conn)?;
    find(conn, account_id).map(|row| row.expect("just upserted"))
}

pub(crate) fn find(
    conn: &mut PgConnection,
    account_id: i64,
) -> QueryResult<Option<SyncAccountRow>> {
    diesel::sql_query(format!("{SELECT} WHERE a.account_id = $1"))
        .bind::<BigInt, _>(account_id)
        .get_result(conn)
        .optional()
}

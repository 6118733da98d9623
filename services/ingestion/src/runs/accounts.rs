//! `sync_accounts`: the accounts ingestion syncs, per source — which connection reads
//! each one, and the scheduler's and the incremental window's state.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Text, Timestamptz};

use adsync_server::{Reach, WorkspaceId};

use super::model::SourceName;

/// A syncable account with its last successful sync.
#[derive(Debug, Clone, QueryableByName)]
pub(crate) struct AccountRow {
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
    /// The last day whose metrics a committed sync fetched.
    #[diesel(sql_type = Nullable<Date>)]
    pub(crate) synced_through: Option<NaiveDate>,
    /// The IANA time zone the source reports the account's days in.
    #[diesel(sql_type = Text)]
    pub(crate) time_zone: String,
    /// The upstream's version of the account's data at the last committed sync, for
    /// sources whose upstream has one.
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) upstream_version: Option<String>,
    /// The hash of what the last committed sync read, for sources that keep one.
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) content_hash: Option<String>,
    /// The workspace that owns the account and everything synced from it.
    #[diesel(sql_type = BigInt)]
    pub(crate) workspace_id: i64,
}

impl AccountRow {
    /// Whether a caller of `reach` may see the account.
    pub(crate) fn seen_from(&self, reach: Reach) -> bool {
        reach.sees_stored(self.workspace_id)
    }

    /// The account's calendar day at `now`, in its time zone (UTC if the stored zone is
    /// unknown to this build).
    pub(crate) fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        match self.time_zone.parse::<chrono_tz::Tz>() {
            Ok(tz) => now.with_timezone(&tz).date_naive(),
            Err(_) => now.date_naive(),
        }
    }
}

const SELECT: &str = "SELECT a.account_id, a.connection_id, a.name, a.status, \
     (SELECT max(r.finished_at) FROM sync_runs r WHERE r.source = a.source AND r.account_id = a.account_id \
      AND r.status IN ('success', 'partial')) AS last_success_at, \
     a.metrics_synced_through AS synced_through, a.time_zone, a.upstream_version, a.content_hash, \
     a.workspace_id FROM sync_accounts a";

/// An account as a source's discovery found it.
#[derive(Debug, Clone)]
pub(crate) struct Discovered {
    pub(crate) account_id: i64,
    pub(crate) name: String,
    pub(crate) status: String,
    /// The time zone its days are reported in.
    pub(crate) time_zone: chrono_tz::Tz,
}

/// What recording a discovered account did.
#[derive(Debug)]
pub(crate) enum Recorded {
    /// The account is the workspace's (new, or already its own): as stored now.
    Owned(AccountRow),
    /// The account belongs to another workspace, and stays there unchanged: a
    /// connection of one workspace never claims another's account silently.
    OwnedElsewhere,
}

/// Records (or updates) an account of `source` discovered through `connection_id`, a
/// connection of `workspace`.
pub(crate) fn upsert(
    conn: &mut PgConnection,
    source: &SourceName,
    connection_id: &str,
    workspace: WorkspaceId,
    account: &Discovered,
    now: DateTime<Utc>,
) -> QueryResult<Recorded> {
    diesel::sql_query(
        "INSERT INTO sync_accounts (source, account_id, connection_id, name, status, time_zone, discovered_at, updated_at, next_scheduled_at, workspace_id) \
         VALUES ($1, $2, $3, $4, $5, $7, $6, $6, $6, $8) \
         ON CONFLICT (source, account_id) DO UPDATE SET connection_id = EXCLUDED.connection_id, \
         name = EXCLUDED.name, status = EXCLUDED.status, time_zone = EXCLUDED.time_zone, \
         updated_at = EXCLUDED.updated_at WHERE sync_accounts.workspace_id = EXCLUDED.workspace_id",
    )
    .bind::<Text, _>(source)
    .bind::<BigInt, _>(account.account_id)
    .bind::<Text, _>(connection_id)
    .bind::<Text, _>(crate::store::sync_errors::pg_text(&account.name))
    .bind::<Text, _>(crate::store::sync_errors::pg_text(&account.status))
    .bind::<Timestamptz, _>(now)
    .bind::<Text, _>(account.time_zone.name())
    .bind::<BigInt, _>(workspace.get())
    .execute(conn)?;
    let row = find(conn, source, account.account_id)?.expect("just upserted");
    Ok(if row.workspace_id == workspace.get() {
        Recorded::Owned(row)
    } else {
        Recorded::OwnedElsewhere
    })
}

/// The account, if a caller of `reach` may see it.
pub(crate) fn find_in_reach(
    conn: &mut PgConnection,
    source: &SourceName,
    account_id: i64,
    reach: Reach,
) -> QueryResult<Option<AccountRow>> {
    Ok(find(conn, source, account_id)?.filter(|a| a.seen_from(reach)))
}

pub(crate) fn find(
    conn: &mut PgConnection,
    source: &SourceName,
    account_id: i64,
) -> QueryResult<Option<AccountRow>> {
    diesel::sql_query(format!(
        "{SELECT} WHERE a.source = $1 AND a.account_id = $2"
    ))
    .bind::<Text, _>(source)
    .bind::<BigInt, _>(account_id)
    .get_result(conn)
    .optional()
}

/// Moves the account's metrics watermark (inside the transaction that commits a run).
pub(crate) fn set_synced_through(
    conn: &mut PgConnection,
    source: &SourceName,
    account_id: i64,
    through: NaiveDate,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE sync_accounts SET metrics_synced_through = greatest(coalesce(metrics_synced_through, $3), $3), \
         updated_at = $4 WHERE source = $1 AND account_id = $2",
    )
    .bind::<Text, _>(source)
    .bind::<BigInt, _>(account_id)
    .bind::<Date, _>(through)
    .bind::<Timestamptz, _>(now)
    .execute(conn)?;
    Ok(())
}

/// Records what the upstream said at a committed sync (inside its transaction).
pub(crate) fn set_upstream_state(
    conn: &mut PgConnection,
    source: &SourceName,
    account_id: i64,
    state: &UpstreamState,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE sync_accounts SET upstream_version = $3, content_hash = $4, updated_at = $5 \
         WHERE source = $1 AND account_id = $2",
    )
    .bind::<Text, _>(source)
    .bind::<BigInt, _>(account_id)
    .bind::<Text, _>(&state.version)
    .bind::<Text, _>(&state.content_hash)
    .bind::<Timestamptz, _>(now)
    .execute(conn)?;
    Ok(())
}

/// What an upstream said about an account's data: its version and the hash of the
/// content read (with the settings it was read with).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UpstreamState {
    pub(crate) version: String,
    pub(crate) content_hash: String,
}

/// Claims the accounts due for a scheduled sync, moving their next time to `next`
/// (`FOR UPDATE SKIP LOCKED`: replicas never claim the same account). At most `limit`.
pub(crate) fn claim_due(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    next: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<(SourceName, i64)>> {
    #[derive(QueryableByName)]
    struct Due {
        #[diesel(sql_type = Text)]
        source: SourceName,
        #[diesel(sql_type = BigInt)]
        account_id: i64,
    }
    let rows: Vec<Due> = diesel::sql_query(
        "UPDATE sync_accounts SET next_scheduled_at = $2 WHERE (source, account_id) IN (\
           SELECT source, account_id FROM sync_accounts WHERE schedule_enabled AND next_scheduled_at <= $1 \
           AND status <> 'REMOVED' ORDER BY next_scheduled_at LIMIT $3 FOR UPDATE SKIP LOCKED) \
         RETURNING source, account_id",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<Timestamptz, _>(next)
    .bind::<BigInt, _>(limit)
    .load(conn)?;
    Ok(rows.into_iter().map(|r| (r.source, r.account_id)).collect())
}

//! Queries over `oauth_connections`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::models::{ConnectionRow, NewConnection, SealedTokens};
use super::schema::oauth_connections::dsl as c;

/// Inserts a connection with its first tokens.
pub(crate) fn insert(
    conn: &mut PgConnection,
    new: &NewConnection<'_>,
    tokens: &SealedTokens,
) -> QueryResult<ConnectionRow> {
    diesel::insert_into(c::oauth_connections)
        .values((new, tokens))
        .returning(ConnectionRow::as_returning())
        .get_result(conn)
}

pub(crate) fn find(conn: &mut PgConnection, id: &str) -> QueryResult<Option<ConnectionRow>> {
    c::oauth_connections
        .filter(c::id.eq(id))
        .select(ConnectionRow::as_select())
        .first(conn)
        .optional()
}

/// Replaces the tokens of a live connection (a refresh or a re-authorization).
pub(crate) fn store_tokens(
    conn: &mut PgConnection,
    id: &str,
    tokens: &SealedTokens,
) -> QueryResult<Option<ConnectionRow>> {
    diesel::update(
        c::oauth_connections
            .filter(c::id.eq(id))
            .filter(c::revoked_at.is_null()),
    )
    .set(tokens)
    .returning(ConnectionRow::as_returning())
    .get_result(conn)
    .optional()
}

/// Marks a connection as needing a new authorization, with the reason (no secret in it).
pub(crate) fn mark_reauth(
    conn: &mut PgConnection,
    id: &str,
    error: &str,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(c::oauth_connections.filter(c::id.eq(id)))
        .set((
            c::needs_reauth.eq(true),
            c::last_error.eq(error),
            c::updated_at.eq(at),
            c::refresh_lease_until.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a failed refresh that may succeed later, and releases the lease.
pub(crate) fn record_refresh_error(
    conn: &mut PgConnection,
    id: &str,
    error: &str,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(c::oauth_connections.filter(c::id.eq(id)))
        .set((
            c::last_error.eq(error),
            c::updated_at.eq(at),
            c::refresh_lease_until.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Revokes a connection of `workspace` (any when `None`) and deletes its tokens; a
/// second revoke keeps the first time. `None` if unknown there.
pub(crate) fn revoke(
    conn: &mut PgConnection,
    id: &str,
    workspace: Option<i64>,
    at: DateTime<Utc>,
) -> QueryResult<Option<ConnectionRow>> {
    let in_reach = |row: &ConnectionRow| workspace.is_none_or(|w| row.workspace_id == w);
    if !find(conn, id)?.as_ref().is_some_and(in_reach) {
        return Ok(None);
    }
    diesel::update(
        c::oauth_connections
            .filter(c::id.eq(id))
            .filter(c::revoked_at.is_null()),
    )
    .set((
        c::revoked_at.eq(at),
        c::access_token_sealed.eq(None::<Vec<u8>>),
        c::refresh_token_sealed.eq(None::<Vec<u8>>),
        c::key_id.eq(None::<String>),
        c::updated_at.eq(at),
    ))
    .execute(conn)?;
    find(conn, id)
}

/// Takes the refresh lease of a connection until `until`, if nobody holds it at `now`.
pub(crate) fn take_refresh_lease(
    conn: &mut PgConnection,
    id: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> QueryResult<Option<ConnectionRow>> {
    // The row comes back as it is under the lease: the refresh uses its tokens, never
    // ones read before another replica's refresh.
    diesel::update(
        c::oauth_connections.filter(c::id.eq(id)).filter(
            c::refresh_lease_until
                .is_null()
                .or(c::refresh_lease_until.lt(now)),
        ),
    )
    .set(c::refresh_lease_until.eq(until))
    .returning(ConnectionRow::as_returning())
    .get_result(conn)
    .optional()
}

/// Stores refreshed tokens if the caller still holds the lease it took (identified by
/// the expiry it chose): a holder whose lease lapsed and was taken over stores nothing.
pub(crate) fn store_refreshed(
    conn: &mut PgConnection,
    id: &str,
    lease: DateTime<Utc>,
    tokens: &SealedTokens,
) -> QueryResult<Option<ConnectionRow>> {
    diesel::update(
        c::oauth_connections
            .filter(c::id.eq(id))
            .filter(c::revoked_at.is_null())
            .filter(c::refresh_lease_until.eq(lease)),
    )
    .set(tokens)
    .returning(ConnectionRow::as_returning())
    .get_result(conn)
    .optional()
}

/// Gives back a lease the caller took and did not need.
pub(crate) fn release_refresh_lease(
    conn: &mut PgConnection,
    id: &str,
    lease: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(
        c::oauth_connections
            .filter(c::id.eq(id))
            .filter(c::refresh_lease_until.eq(lease)),
    )
    .set(c::refresh_lease_until.eq(None::<DateTime<Utc>>))
    .execute(conn)?;
    Ok(())
}

/// Connections ordered by id, after `after` (exclusive); only `workspace`'s when given.
pub(crate) fn list(
    conn: &mut PgConnection,
    workspace: Option<i64>,
    after: Option<&str>,
    include_revoked: bool,
    limit: i64,
) -> QueryResult<Vec<ConnectionRow>> {
    let mut query = c::oauth_connections
        .select(ConnectionRow::as_select())
        .order(c::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(w) = workspace {
        query = query.filter(c::workspace_id.eq(w));
    }
    if let Some(after) = after {
        query = query.filter(c::id.gt(after.to_owned()));
    }
    if !include_revoked {
        query = query.filter(c::revoked_at.is_null());
    }
    query.load(conn)
}

//! Queries over `api_tokens`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::models::{ApiTokenRow, NewApiToken};
use super::schema::api_tokens::dsl as t;

pub(crate) fn insert(conn: &mut PgConnection, new: &NewApiToken<'_>) -> QueryResult<ApiTokenRow> {
    diesel::insert_into(t::api_tokens)
        .values(new)
        .returning(ApiTokenRow::as_returning())
        .get_result(conn)
}

pub(crate) fn find_by_hash(
    conn: &mut PgConnection,
    hash: &[u8],
) -> QueryResult<Option<ApiTokenRow>> {
    t::api_tokens
        .filter(t::token_hash.eq(hash))
        .select(ApiTokenRow::as_select())
        .first(conn)
        .optional()
}

/// Revokes a token of `workspace` (any token when `None`); a second revoke keeps the
/// first time. `None` if unknown there.
pub(crate) fn revoke(
    conn: &mut PgConnection,
    id: &str,
    workspace: Option<i64>,
    at: DateTime<Utc>,
) -> QueryResult<Option<ApiTokenRow>> {
    let in_reach = |row: &ApiTokenRow| workspace.is_none_or(|w| row.workspace_id == Some(w));
    if !find(conn, id)?.as_ref().is_some_and(in_reach) {
        return Ok(None);
    }
    diesel::update(
        t::api_tokens
            .filter(t::id.eq(id))
            .filter(t::revoked_at.is_null()),
    )
    .set(t::revoked_at.eq(at))
    .execute(conn)?;
    find(conn, id)
}

fn find(conn: &mut PgConnection, id: &str) -> QueryResult<Option<ApiTokenRow>> {
    t::api_tokens
        .filter(t::id.eq(id))
        .select(ApiTokenRow::as_select())
        .first(conn)
        .optional()
}

/// Tokens ordered by id, after `after` (exclusive); only `workspace`'s when given.
pub(crate) fn list(
    conn: &mut PgConnection,
    workspace: Option<i64>,
    after: Option<&str>,
    include_revoked: bool,
    limit: i64,
) -> QueryResult<Vec<ApiTokenRow>> {
    let mut query = t::api_tokens
        .select(ApiTokenRow::as_select())
        .order(t::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(w) = workspace {
        query = query.filter(t::workspace_id.eq(w));
    }
    if let Some(after) = after {
        query = query.filter(t::id.gt(after.to_owned()));
    }
    if !include_revoked {
        query = query.filter(t::revoked_at.is_null());
    }
    query.load(conn)
}

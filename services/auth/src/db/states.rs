//! Queries over `oauth_states`.

use chrono::{DateTime, TimeDelta, Utc};
use diesel::prelude::*;

use super::models::{NewState, StateRow};
use super::schema::oauth_states::dsl as s;

/// Stores a new state, and forgets states that expired a day ago or more.
pub(crate) fn insert(conn: &mut PgConnection, new: &NewState<'_>) -> QueryResult<()> {
    diesel::delete(s::oauth_states.filter(s::expires_at.lt(new.created_at - TimeDelta::days(1))))
        .execute(conn)?;
    diesel::insert_into(s::oauth_states)
        .values(new)
        .execute(conn)?;
    Ok(())
}

/// Consumes a state of `workspace` (any when `None`) if it is unused and unexpired at
/// `now`; returns it. Atomic: two concurrent completions of one state cannot both
/// succeed.
pub(crate) fn consume(
    conn: &mut PgConnection,
    hash: &[u8],
    workspace: Option<i64>,
    now: DateTime<Utc>,
) -> QueryResult<Option<StateRow>> {
    diesel::update(
        s::oauth_states
            .filter(s::state_hash.eq(hash))
            .filter(s::consumed_at.is_null())
            .filter(s::expires_at.gt(now))
            .filter(
                s::workspace_id
                    .nullable()
                    .eq(workspace)
                    .or(workspace.is_none().into_sql::<diesel::sql_types::Bool>()),
            ),
    )
    .set(s::consumed_at.eq(now))
    .returning(StateRow::as_returning())
    .get_result(conn)
    .optional()
}

pub(crate) fn find(conn: &mut PgConnection, hash: &[u8]) -> QueryResult<Option<StateRow>> {
    s::oauth_states
        .filter(s::state_hash.eq(hash))
        .select(StateRow::as_select())
        .first(conn)
        .optional()
}

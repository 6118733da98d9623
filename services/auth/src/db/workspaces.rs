//! Queries over `workspaces`.

use diesel::prelude::*;

use super::models::{NewWorkspace, WorkspaceRow};
use super::schema::workspaces::dsl as w;

/// Inserts a workspace; `None` when its name is taken.
pub(crate) fn insert(
    conn: &mut PgConnection,
    new: &NewWorkspace<'_>,
) -> QueryResult<Option<WorkspaceRow>> {
    diesel::insert_into(w::workspaces)
        .values(new)
        .on_conflict(w::name)
        .do_nothing()
        .returning(WorkspaceRow::as_returning())
        .get_result(conn)
        .optional()
}

pub(crate) fn exists(conn: &mut PgConnection, id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(w::workspaces.filter(w::id.eq(id)))).get_result(conn)
}

/// Workspaces ordered by id, after `after` (exclusive); only `only` when given.
pub(crate) fn list(
    conn: &mut PgConnection,
    only: Option<i64>,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<WorkspaceRow>> {
    let mut query = w::workspaces
        .select(WorkspaceRow::as_select())
        .order(w::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(only) = only {
        query = query.filter(w::id.eq(only));
    }
    if let Some(after) = after {
        query = query.filter(w::id.gt(after));
    }
    query.load(conn)
}

//! Row-level security, the database's backstop for workspaces: every workspace-owned table
//! shows the role [`WORKSPACE_READER`] only the rows of the workspace its session
//! names (the migration `workspace_row_security` makes the policies). A service reads for
//! a workspace's caller in such a session ([`read_for`]): a query that forgot its own
//! workspace filter then finds nothing of another workspace.

use adsync_db::{Db, DbError, SessionState};
use adsync_server::Reach;
use diesel::PgConnection;
use diesel::connection::SimpleConnection;

/// The role a workspace caller's reads take.
pub const WORKSPACE_READER: &str = "adsync_workspace_reader";

/// Runs `read` on `db` for a caller of `reach`: a workspace caller's narrowed to its
/// workspace's rows; a platform caller's as the service itself (as every write is).
pub async fn read_for<T, E, F>(db: &Db, reach: Reach, read: F) -> Result<T, E>
where
    F: FnOnce(&mut PgConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<DbError> + From<diesel::result::Error> + Send + 'static,
{
    db.run_in(session_for(reach), read).await
}

/// The session a caller of `reach` reads in: for a workspace caller, the role
/// [`WORKSPACE_READER`] with its workspace named, so that row-level security shows it
/// that workspace's rows only; `None` (the login's own) for a platform caller. Held by
/// the pooled connection across runs (`adsync_db::SessionState`), so a workspace's reads
/// pay no round trip for it while their connection last read for that workspace.
pub fn session_for(reach: Reach) -> Option<SessionState> {
    let workspace = reach.workspace()?;
    Some(SessionState {
        // A number: nothing to quote.
        apply: format!(
            "SET ROLE {WORKSPACE_READER}; SET adsync.workspace_id = '{}'",
            workspace.get()
        ),
        undo: "RESET ROLE; RESET adsync.workspace_id",
    })
}

/// Whether this login can take [`WORKSPACE_READER`]; the reason and the fix when it
/// cannot. Services check it at start-up rather than fail every workspace caller's read.
pub fn can_narrow(conn: &mut PgConnection) -> Result<(), String> {
    use diesel::Connection;
    conn.transaction(|conn| conn.batch_execute(&format!("SET LOCAL ROLE {WORKSPACE_READER}")))
        .map_err(|e| {
            format!(
                "this database login cannot take the role {WORKSPACE_READER} that workspace \
                 callers' reads run as ({e}); grant it: GRANT {WORKSPACE_READER} TO <the services' login>"
            )
        })
}

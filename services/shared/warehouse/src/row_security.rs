//! Row-level security, the database's backstop for workspaces: every workspace-owned table
//! shows the role [`WORKSPACE_READER`] only the rows of the workspace its transaction
//! names (the migration `workspace_row_security` makes the policies). A service reads for
//! a workspace's caller in such a transaction ([`read_for`]): a query that forgot its
//! own workspace filter then finds nothing of another workspace.

use adsync_db::{Db, DbError};
use adsync_server::Reach;
use diesel::PgConnection;
use diesel::connection::SimpleConnection;

/// The role a workspace caller's reads take.
pub const WORKSPACE_READER: &str = "adsync_workspace_reader";

/// Runs `read` on `db` for a caller of `reach`: a workspace caller's in a transaction
/// narrowed to its workspace's rows; a platform caller's as the service itself (as
/// every write is).
pub async fn read_for<T, E, F>(db: &Db, reach: Reach, read: F) -> Result<T, E>
where
    F: FnOnce(&mut PgConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<DbError> + From<diesel::result::Error> + Send + 'static,
{
    let Some(workspace) = reach.workspace() else {
        return db.run(read).await;
    };
    db.run(move |conn| read_narrowed(conn, "BEGIN", workspace.get(), read))
        .await
}

/// Runs `read` in a transaction begun with `begin` (`BEGIN`, or one with an isolation
/// level) and narrowed to workspace `workspace_id`'s rows: it reads as
/// [`WORKSPACE_READER`] until it ends. Begun and narrowed in one round trip; committed
/// when `read` succeeds, rolled back when it fails.
pub fn read_narrowed<T, E, F>(
    conn: &mut PgConnection,
    begin: &str,
    workspace_id: i64,
    read: F,
) -> Result<T, E>
where
    F: FnOnce(&mut PgConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    // A number: nothing to quote.
    let sql = format!(
        "{begin}; SET LOCAL ROLE {WORKSPACE_READER}; SET LOCAL adsync.workspace_id = '{workspace_id}'"
    );
    if let Err(e) = AnsiTransactionManager::begin_transaction_sql(conn, &sql) {
        // The BEGIN may have run before a SET failed: end what the server holds open,
        // so the pooled connection is clean for its next user.
        let _ = conn.batch_execute("ROLLBACK");
        return Err(e.into());
    }
    match read(conn) {
        Ok(value) => {
            AnsiTransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            AnsiTransactionManager::rollback_transaction(conn)?;
            Err(e)
        }
    }
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

//! Reads on behalf of a caller. The RPCs filter by the caller's workspace themselves;
//! behind that, a workspace caller's reads run in a transaction narrowed by row-level
//! security to its workspace's rows (`adsync_warehouse::row_security`), so a read that
//! forgot its filter finds nothing of another workspace. A platform caller's reads, and
//! every write, run as the service itself.

use adsync_db::{Db, DbError};
use adsync_server::Reach;
use diesel::PgConnection;

/// Runs `read` on `db` for a caller of `reach`.
pub(crate) async fn read_for<T, E, F>(db: &Db, reach: Reach, read: F) -> Result<T, E>
where
    F: FnOnce(&mut PgConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<DbError> + From<diesel::result::Error> + Send + 'static,
{
    let Some(workspace) = reach.workspace() else {
        return db.run(read).await;
    };
    db.run(move |conn| {
        adsync_warehouse::row_security::read_narrowed(conn, "BEGIN", workspace.get(), read)
    })
    .await
}

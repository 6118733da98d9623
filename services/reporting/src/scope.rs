//! Reads on behalf of a caller, in two layers.
//!
//! Every report filters by the caller's workspace itself, in the statement that reads:
//! lists with [`in_workspace`] in their SQL, reads of named accounts and entities with it
//! or with the same subquery (another workspace's is as unknown as one that does not
//! exist: NOT_FOUND).
//!
//! Behind that, a workspace caller's reads run in a session that takes the database
//! role `adsync_workspace_reader` and names the caller's workspace: the warehouse's
//! row-level security then shows that session only the workspace's rows, whatever
//! the query — so a report whose filter is missing still returns nothing of another
//! workspace. A platform caller's reads run as the service itself.

use adsync_db::DbError;
use adsync_server::{Reach, WorkspaceId};
use diesel::prelude::*;

use adsync_warehouse::row_security::{can_narrow, read_for, session_for};

use crate::error::Error;
use crate::service::ReportingApi;

/// Whether this login can take the workspace reader role (checked at start-up).
pub(crate) fn check_workspace_reader(conn: &mut PgConnection) -> Result<(), Error> {
    can_narrow(conn).map_err(Error::Config)
}

impl ReportingApi {
    /// Runs `read` for a caller of `reach` (narrowed to its workspace when it has one).
    pub(crate) async fn read<T, E, F>(&self, reach: Reach, read: F) -> Result<T, E>
    where
        F: FnOnce(&mut PgConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + From<diesel::result::Error> + Send + 'static,
    {
        read_for(&self.db, reach, read).await
    }

    /// As [`ReportingApi::read`], in one read-only repeatable-read snapshot: every query
    /// of `read` sees the same committed state.
    pub(crate) async fn read_snapshot<T, E, F>(&self, reach: Reach, read: F) -> Result<T, E>
    where
        F: FnOnce(&mut PgConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + From<diesel::result::Error> + Send + 'static,
    {
        self.db
            .run_in(session_for(reach), move |conn| {
                conn.build_transaction()
                    .read_only()
                    .repeatable_read()
                    .run(read)
            })
            .await
    }

    /// The workspace a caller's reports filter by (`None`: every workspace's).
    pub(crate) fn filter(&self, reach: Reach) -> Option<WorkspaceId> {
        if self.workspace_filters_off {
            return None;
        }
        reach.workspace()
    }
}

/// A condition that `column` holds an account of `source` that workspace `$param` (a
/// nullable int8 bind; NULL: every workspace) owns.
pub(crate) fn in_workspace(column: &str, source: &str, param: usize) -> String {
    format!(
        "(${param}::int8 IS NULL OR {column} IN (SELECT w.account_id FROM sync_accounts w \
         WHERE w.source = '{source}' AND w.workspace_id = ${param}))"
    )
}

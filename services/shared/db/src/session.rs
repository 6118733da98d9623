//! [`SessionState`]: settings a pooled connection's session holds for a run (a role to
//! read as, a setting that role's row-level security reads), kept between runs.
//!
//! A transaction that sets them and ends costs two round trips on every run (its
//! `BEGIN`, its `COMMIT`). A session that keeps them costs nothing while the runs that
//! follow want the same, and one round trip to change: each connection remembers what
//! it holds, undoes it before a run that wants none, and treats a change that failed
//! half way as unknown (undone before the next run, whatever it wants).

use diesel::PgConnection;
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};

use crate::DbError;

/// Session settings: how to apply them, and how to undo them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionState {
    /// Statements that set them for the session (e.g. `SET ROLE r; SET x.y = '1'`).
    pub apply: String,
    /// Statements that return the session to the login's own (e.g. `RESET ROLE; RESET x.y`).
    pub undo: &'static str,
}

/// What a pooled connection's session holds.
#[derive(Debug, Clone, Default)]
pub(crate) enum Held {
    /// The login's own settings, as the pool opened it.
    #[default]
    Own,
    /// These settings, applied in full.
    Applied(SessionState),
    /// A change was sent and did not complete: undo with this before anything else.
    Unknown(&'static str),
}

/// Makes `conn`'s session hold `wanted` (its own settings when `None`), recording in
/// `held` what it holds.
pub(crate) fn hold(
    conn: &mut PgConnection,
    held: &mut Held,
    wanted: Option<&SessionState>,
) -> Result<(), DbError> {
    let undo = match (&*held, wanted) {
        (Held::Own, None) => return Ok(()),
        (Held::Applied(now), Some(w)) if now == w => return Ok(()),
        (Held::Own, Some(_)) => None,
        (Held::Applied(now), _) => Some(now.undo),
        (Held::Unknown(undo), _) => Some(*undo),
    };
    // Session settings changed inside a transaction would be rolled back with it: the
    // record would then be wrong. A pooled connection is never in one between runs.
    let depth = AnsiTransactionManager::transaction_manager_status_mut(conn).transaction_depth()?;
    if depth.is_some() {
        return Err(DbError::Connect(
            "a pooled connection was left inside a transaction".to_owned(),
        ));
    }
    let sql = match (undo, wanted) {
        (Some(undo), Some(w)) => format!("{undo}; {}", w.apply),
        (Some(undo), None) => undo.to_owned(),
        (None, Some(w)) => w.apply.clone(),
        (None, None) => unreachable!("returned above"),
    };
    *held = Held::Unknown(undo.or(wanted.map(|w| w.undo)).expect("one of them"));
    conn.batch_execute(&sql)?;
    *held = wanted.map_or(Held::Own, |w| Held::Applied(w.clone()));
    Ok(())
}

//! What can go wrong between a service and its database.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// A database failure. Services map it to a gRPC status in their one error conversion:
/// [`DbError::is_unavailable`] ones to UNAVAILABLE, the rest to INTERNAL.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No connection became free within the acquire timeout.
    #[error("no database connection available within {0:?}")]
    PoolTimeout(std::time::Duration),
    /// The pool could not open a connection.
    #[error("database connection failed: {0}")]
    Connect(String),
    /// A query failed.
    #[error(transparent)]
    Query(#[from] DieselError),
    /// Running migrations failed.
    #[error("database migration failed: {0}")]
    Migration(String),
    /// The blocking task was cancelled (the runtime is shutting down).
    #[error("database task cancelled")]
    Cancelled,
}

impl DbError {
    /// True when retrying later may succeed: the database is unreachable or busy.
    pub fn is_unavailable(&self) -> bool {
        match self {
            DbError::PoolTimeout(_) | DbError::Connect(_) | DbError::Cancelled => true,
            DbError::Query(DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, _)) => {
                true
            }
            DbError::Query(DieselError::DatabaseError(_, info)) => {
                // A statement timeout or an administrator ending the session: try again later.
                let message = info.message();
                message.contains("statement timeout") || message.contains("terminating connection")
            }
            _ => false,
        }
    }
}

/// True for a unique-constraint violation (e.g. a concurrent insert won a race).
pub fn is_unique_violation(err: &DieselError) -> bool {
    matches!(
        err,
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)
    )
}

//! The reporting service's errors, and their one conversion to a gRPC status.

use adsync_db::DbError;
use tonic::Status;

/// Everything that can fail in the reporting service.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Serve(#[from] adsync_server::ServeError),
    #[error("{0}")]
    Config(String),
}

impl From<Error> for Status {
    fn from(err: Error) -> Status {
        match &err {
            Error::Db(db) if db.is_unavailable() => {
                Status::unavailable("the database is unavailable; try again")
            }
            _ => {
                tracing::error!(error = %err, "internal error");
                Status::internal("internal error")
            }
        }
    }
}

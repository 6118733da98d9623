//! The reporting service's errors, and their one conversion to a gRPC status (AIP-193:
//! an `ErrorInfo` in domain `reporting.adsync` on every error).

use adsync_db::DbError;
use adsync_server::{database_unavailable, error_status, internal_error};
use tonic::{Code, Status};

pub(crate) const DOMAIN: &str = "reporting.adsync";

/// Everything that can fail in the reporting service.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Serve(#[from] adsync_server::ServeError),
    #[error("{0}")]
    Config(String),
    /// A money sum too large to state exactly.
    #[error("{0}")]
    Amount(String),
    /// Bad input: a ready INVALID_ARGUMENT with its field violations.
    #[error("{}", .0.message())]
    Invalid(Box<Status>),
    /// Ids the request named that the warehouse does not hold.
    #[error("{kind} not found: {ids:?}")]
    NotFound { kind: &'static str, ids: Vec<i64> },
}

impl From<Status> for Error {
    fn from(status: Status) -> Error {
        Error::Invalid(Box::new(status))
    }
}

impl From<crate::decimal::OutOfRange> for Error {
    fn from(e: crate::decimal::OutOfRange) -> Error {
        Error::Amount(e.to_string())
    }
}

impl From<diesel::result::Error> for Error {
    fn from(e: diesel::result::Error) -> Error {
        Error::Db(DbError::Query(e))
    }
}

impl From<Error> for Status {
    fn from(err: Error) -> Status {
        match err {
            Error::Invalid(status) => *status,
            Error::NotFound { kind, ids } => {
                let ids = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
                error_status(
                    Code::NotFound,
                    format!("no {kind} with id {ids} has been synced"),
                    DOMAIN,
                    "NOT_FOUND",
                    &[("resource", kind.to_owned()), ("ids", ids)],
                )
            }
            Error::Db(db) if db.is_unavailable() => database_unavailable(DOMAIN, &db),
            err => internal_error(DOMAIN, &err),
        }
    }
}

//! The ingestion service's errors, and their one conversion to a gRPC status (AIP-193:
//! an `ErrorInfo` in domain `ingestion.adsync` on every error).

use adsync_db::DbError;
use adsync_server::{database_unavailable, error_status, internal_error};
use tonic::{Code, Status};

use crate::linkedin::UpstreamError;

pub(crate) const DOMAIN: &str = "ingestion.adsync";

/// Everything that can fail in the ingestion service.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Serve(#[from] adsync_server::ServeError),
    #[error("{0}")]
    Config(String),
    /// Bad input: a ready INVALID_ARGUMENT with its field violations.
    #[error("{}", .0.message())]
    Invalid(Box<Status>),
    #[error("{kind} {id:?} not found")]
    NotFound { kind: &'static str, id: String },
    /// The account's connection cannot supply tokens (revoked, needs re-authorization).
    #[error("{0}")]
    ConnectionUnusable(String),
    #[error(transparent)]
    Upstream(#[from] UpstreamError),
    /// The auth service could not be asked.
    #[error("the auth service is unavailable: {0}")]
    AuthUnavailable(String),
}

impl From<Status> for Error {
    fn from(status: Status) -> Error {
        Error::Invalid(Box::new(status))
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
            Error::NotFound { kind, id } => error_status(
                Code::NotFound,
                format!("{kind} {id:?} does not exist"),
                DOMAIN,
                "NOT_FOUND",
                &[("resource", kind.to_owned()), ("id", id)],
            ),
            Error::ConnectionUnusable(why) => error_status(
                Code::FailedPrecondition,
                why,
                DOMAIN,
                "CONNECTION_UNUSABLE",
                &[],
            ),
            Error::Upstream(UpstreamError::Token(why)) => error_status(
                Code::FailedPrecondition,
                format!("no upstream access token: {why}"),
                DOMAIN,
                "CONNECTION_UNUSABLE",
                &[],
            ),
            Error::Upstream(e @ UpstreamError::RateLimited { .. }) => error_status(
                Code::ResourceExhausted,
                e.to_string(),
                DOMAIN,
                "UPSTREAM_RATE_LIMITED",
                &[],
            ),
            Error::Upstream(e) => error_status(
                Code::Unavailable,
                e.to_string(),
                DOMAIN,
                "UPSTREAM_UNAVAILABLE",
                &[],
            ),
            Error::AuthUnavailable(why) => {
                error_status(Code::Unavailable, why, DOMAIN, "AUTH_UNAVAILABLE", &[])
            }
            Error::Db(db) if db.is_unavailable() => database_unavailable(DOMAIN, &db),
            other => internal_error(DOMAIN, &other),
        }
    }
}

//! The ingestion service's errors, and their one conversion to a gRPC status (AIP-193:
//! an `ErrorInfo` in domain `ingestion.adsync` on every error).

use adsync_db::DbError;
use adsync_server::{database_unavailable, error_status, internal_error};
use tonic::{Code, Status};

use crate::upstream::UpstreamError;

pub(crate) const DOMAIN: &str = "ingestion.adsync";

/// Everything that can fail in the ingestion service.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Serve(#[from] adsync_server::ServeError),
    /// The service's own settings are wrong (found at start-up).
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
    /// Long-running upstream work (a report) failed upstream or did not finish in time.
    #[error("{0}")]
    UpstreamJob(String),
    /// A supplier's price list cannot be read as its feed is configured (not shared, no
    /// such tab or range, a required column missing): the feed needs fixing.
    #[error("{0}")]
    FeedUnreadable(String),
    /// The auth service could not be asked.
    #[error("the auth service is unavailable: {0}")]
    AuthUnavailable(String),
    /// This process's presence connection could not be opened.
    #[error("cannot hold this process's presence in the database: {0}")]
    Presence(String),
    /// The service is shutting down: streams end with this, callers reconnect to another
    /// replica (or this one, restarted) and resume after the last event they received.
    #[error(
        "the ingestion service is shutting down; reconnect to resume after the last event received"
    )]
    ShuttingDown,
    /// A broken invariant: logged, answered as INTERNAL.
    #[error("{0}")]
    Internal(String),
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
            Error::Upstream(UpstreamError::ConnectionUnusable(why)) => error_status(
                Code::FailedPrecondition,
                format!("the connection cannot supply tokens: {why}"),
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
            Error::FeedUnreadable(why) => error_status(
                Code::FailedPrecondition,
                why,
                DOMAIN,
                "FEED_UNREADABLE",
                &[],
            ),
            Error::UpstreamJob(why) => {
                error_status(Code::Unavailable, why, DOMAIN, "UPSTREAM_JOB_FAILED", &[])
            }
            Error::ShuttingDown => error_status(
                Code::Unavailable,
                Error::ShuttingDown.to_string(),
                DOMAIN,
                "SHUTTING_DOWN",
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

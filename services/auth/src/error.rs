//! The auth service's errors, and their one conversion to a gRPC status (AIP-193:
//! an `ErrorInfo` in domain `auth.adsync` on every error).

use adsync_db::DbError;
use adsync_server::{database_unavailable, error_status, internal_error};
use tonic::{Code, Status};

use crate::crypto::CryptoError;
use crate::upstream::UpstreamError;

pub(crate) const DOMAIN: &str = "auth.adsync";

/// Why an OAuth `state` was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateProblem {
    Unknown,
    AlreadyUsed,
    Expired,
}

/// Why a caller token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    Malformed,
    Unknown,
    Revoked,
    Expired,
}

/// Everything that can fail in the auth service.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Serve(#[from] adsync_server::ServeError),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// Bad input: a ready INVALID_ARGUMENT with its field violations.
    #[error("{}", .0.message())]
    Invalid(Box<Status>),
    #[error("{kind} {id:?} not found")]
    NotFound { kind: &'static str, id: String },
    #[error("{kind} {id:?} already exists")]
    AlreadyExists { kind: &'static str, id: String },
    #[error("the OAuth state is {0:?}")]
    State(StateProblem),
    #[error("the connection {id:?} {reason}")]
    ConnectionUnusable { id: String, reason: String },
    #[error("the upstream refused the authorization code: {0}")]
    CodeRejected(String),
    #[error(transparent)]
    Upstream(UpstreamError),
    #[error("caller token {0:?}")]
    Token(TokenProblem),
    /// The token endpoint refused a service account's key.
    #[error("the token endpoint refused the key: {0}")]
    KeyRejected(String),
    /// The provider's OAuth app has no client id in this deployment.
    #[error("the {0} app is not configured")]
    ProviderNotConfigured(&'static str),
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
            Error::AlreadyExists { kind, id } => error_status(
                Code::AlreadyExists,
                format!("{kind} {id:?} already exists"),
                DOMAIN,
                "ALREADY_EXISTS",
                &[("resource", kind.to_owned()), ("id", id)],
            ),
            Error::State(problem) => {
                let (reason, message) = match problem {
                    StateProblem::Unknown => (
                        "STATE_UNKNOWN",
                        "unknown OAuth state; start the authorization again",
                    ),
                    StateProblem::AlreadyUsed => (
                        "STATE_ALREADY_USED",
                        "this OAuth state was already used; start the authorization again",
                    ),
                    StateProblem::Expired => (
                        "STATE_EXPIRED",
                        "this OAuth state has expired; start the authorization again",
                    ),
                };
                error_status(Code::FailedPrecondition, message, DOMAIN, reason, &[])
            }
            Error::ConnectionUnusable { id, reason } => error_status(
                Code::FailedPrecondition,
                format!("connection {id:?} {reason}"),
                DOMAIN,
                "CONNECTION_UNUSABLE",
                &[("connectionId", id)],
            ),
            Error::CodeRejected(why) => error_status(
                Code::FailedPrecondition,
                format!("the upstream refused the authorization code: {why}"),
                DOMAIN,
                "CODE_REJECTED",
                &[],
            ),
            Error::Upstream(e) => error_status(
                Code::Unavailable,
                e.to_string(),
                DOMAIN,
                "UPSTREAM_UNAVAILABLE",
                &[],
            ),
            Error::Token(problem) => {
                let (reason, message) = match problem {
                    TokenProblem::Malformed => {
                        ("TOKEN_MALFORMED", "the token is not an adsync token")
                    }
                    TokenProblem::Unknown => ("TOKEN_UNKNOWN", "the token is not known"),
                    TokenProblem::Revoked => ("TOKEN_REVOKED", "the token was revoked"),
                    TokenProblem::Expired => ("TOKEN_EXPIRED", "the token has expired"),
                };
                error_status(Code::Unauthenticated, message, DOMAIN, reason, &[])
            }
            Error::KeyRejected(why) => error_status(
                Code::FailedPrecondition,
                format!("the token endpoint refused the service account's key: {why}"),
                DOMAIN,
                "KEY_REJECTED",
                &[],
            ),
            Error::ProviderNotConfigured(provider) => error_status(
                Code::FailedPrecondition,
                format!(
                    "this deployment has no {provider} app configured (its client id is unset)"
                ),
                DOMAIN,
                "PROVIDER_NOT_CONFIGURED",
                &[("provider", provider.to_owned())],
            ),
            Error::Db(db) if db.is_unavailable() => database_unavailable(DOMAIN, &db),
            other => internal_error(DOMAIN, &other),
        }
    }
}

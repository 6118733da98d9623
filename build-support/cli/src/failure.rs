//! Why a command failed, and the exit code that says so: the gRPC status code of the
//! call that failed (3 INVALID_ARGUMENT, 5 NOT_FOUND, 7 PERMISSION_DENIED, 14 UNAVAILABLE,
//! 16 UNAUTHENTICATED, ...), so scripts can branch on it as they would on the status.

use std::process::ExitCode;

use tonic::Code;
use tonic_types::StatusExt;

#[derive(Debug)]
pub(crate) enum Failure {
    /// A call answered with an error status.
    Status(tonic::Status),
    /// A service could not be reached at all.
    Unreachable(String),
    /// The command line asked for something impossible (before any call).
    Usage(String),
    /// No token was given for a call that needs one.
    NoToken,
    /// A sync ran and ended `failed`.
    RunFailed(String),
}

pub(crate) type Outcome<T = ()> = Result<T, Failure>;

impl From<tonic::Status> for Failure {
    fn from(status: tonic::Status) -> Self {
        if broken_connection(&status) {
            return Failure::Unreachable(format!(
                "the service became unreachable (the connection broke: {})",
                status.message()
            ));
        }
        Failure::Status(status)
    }
}

/// Whether `status` is a broken connection rather than a service's answer: a status the
/// server sent carries its own code; one made by the client from a transport failure
/// (a process that died mid-stream) is UNKNOWN, with the transport error as its source.
fn broken_connection(status: &tonic::Status) -> bool {
    use std::error::Error;
    status.code() == Code::Unknown
        && (status.source().is_some()
            || ["h2 protocol error", "transport error", "connection reset"]
                .iter()
                .any(|s| status.message().contains(s)))
}

impl Failure {
    pub(crate) fn code(&self) -> Code {
        match self {
            Failure::Status(s) => s.code(),
            Failure::Unreachable(_) => Code::Unavailable,
            Failure::Usage(_) => Code::InvalidArgument,
            Failure::NoToken => Code::Unauthenticated,
            Failure::RunFailed(_) => Code::Aborted,
        }
    }

    /// Prints the failure on stderr (with every field violation) and gives the exit code.
    pub(crate) fn report(&self) -> ExitCode {
        let code = self.code();
        match self {
            Failure::Status(status) => {
                eprintln!("error: {code:?}: {}", status.message());
                let details = status.get_error_details();
                if let Some(bad) = details.bad_request() {
                    for v in &bad.field_violations {
                        eprintln!("  {}: {}", v.field, v.description);
                    }
                }
            }
            Failure::Unreachable(why) => eprintln!("error: {why}"),
            Failure::Usage(why) => eprintln!("error: {why}"),
            Failure::NoToken => eprintln!(
                "error: no token: pass --token or set ADSYNC_TOKEN (build-support/stack writes \
                 an admin token to target/adsync-stack/secrets.env)"
            ),
            Failure::RunFailed(why) => eprintln!("error: {why}"),
        }
        ExitCode::from(code as u8)
    }
}

//! How every adsync gRPC server is assembled, so the three services behave alike:
//! gRPC health (`grpc.health.v1`), server reflection (v1 and v1alpha, so grpcurl of any
//! age needs no proto files), a tracing layer, and graceful shutdown on SIGINT/SIGTERM.
//!
//! A service library calls [`serve`] with its bound listener, its routes and a shutdown
//! future; its thin `main` uses [`ServerArgs`], [`telemetry::init`] and [`shutdown_signal`].

mod args;
pub mod auth;
mod clock;
mod deadline;
mod load;
mod page_token;
mod proto_time;
mod run;
mod serve;
mod shutdown;
mod status;
pub mod telemetry;
mod timing;
mod tls;
mod workspace;

pub use args::{LogFormat, ServerArgs, parse_flags};
pub use auth::{
    AuthLayer, Authenticator, Identity, MethodScopes, RemoteAuthArgs, RemoteAuthenticator, Tenancy,
    caller_reach, methods_missing_from,
};
pub use clock::Clock;
pub use deadline::{CallLimits, DeadlineLayer};
pub use load::LoadShedLayer;
pub use page_token::PageTokens;
pub use proto_time::{duration, timestamp};
pub use run::{Shutdown, run_binary};
pub use serve::{ServeError, serve};
pub use shutdown::shutdown_signal;
pub use status::{
    FieldViolations, database_unavailable, error_status, internal_error, invalid_field,
};
pub use timing::{ServerTimingLayer, server_time_ms};
pub use tls::TlsArgs;
pub use workspace::{OutOfReach, Reach, WorkspaceId};

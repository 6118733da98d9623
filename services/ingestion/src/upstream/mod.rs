//! What every source needs to talk to its upstream: one HTTP client with bounded
//! concurrency, timeouts, retries with backoff and jitter that honour `Retry-After`, one
//! token refresh on a 401, call counting and a cap on response size ([`UpstreamClient`]),
//! and the access tokens of a connection ([`AuthTokenSource`]).

mod auth;
mod client;
mod error;
mod retry;
mod token;

pub(crate) use auth::{Auth, unusable};
pub use client::{Answer, Build, CallCounter, Request, UpstreamClient, UpstreamSettings};
pub use error::UpstreamError;
pub use retry::{RetryPolicy, parse_retry_after};
pub use token::{AuthTokenSource, TokenFuture, TokenSource};

/// Flags for the upstream plumbing every source shares.
#[derive(Debug, Clone, clap::Args)]
pub struct UpstreamArgs {
    /// Upstream requests in flight at once, across all syncs of this process.
    #[arg(long, env = "ADSYNC_UPSTREAM_CONCURRENCY", default_value_t = 4)]
    pub upstream_concurrency: usize,

    /// Timeout of one upstream request, in milliseconds.
    #[arg(long, env = "ADSYNC_UPSTREAM_TIMEOUT_MS", default_value_t = 30_000)]
    pub upstream_timeout_ms: u64,

    /// Tries per upstream request, the first included.
    #[arg(long, env = "ADSYNC_UPSTREAM_MAX_ATTEMPTS", default_value_t = 6)]
    pub upstream_max_attempts: u32,

    /// The largest upstream response body read, in MiB; a larger one fails the request
    /// instead of exhausting memory.
    #[arg(long, env = "ADSYNC_UPSTREAM_MAX_RESPONSE_MIB", default_value_t = 256)]
    pub upstream_max_response_mib: usize,
}

impl UpstreamArgs {
    /// The settings these flags describe.
    pub fn settings(&self) -> UpstreamSettings {
        UpstreamSettings {
            timeout: std::time::Duration::from_millis(self.upstream_timeout_ms),
            max_concurrency: self.upstream_concurrency.max(1),
            retry: RetryPolicy {
                max_attempts: self.upstream_max_attempts.max(1),
                ..RetryPolicy::default()
            },
            max_response_bytes: self.upstream_max_response_mib.max(1) << 20,
        }
    }
}

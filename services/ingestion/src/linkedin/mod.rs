//! The LinkedIn Marketing API client: Rest.li requests with LinkedIn's headers, bounded
//! concurrency, retries with backoff and jitter that honour `Retry-After`, one token
//! refresh on a 401, and typed, per-record validation of what comes back.

mod client;
pub mod records;
mod retry;
mod token;

pub use client::{CallCounter, ClientSettings, LinkedInClient, UpstreamError};
pub use retry::{RetryPolicy, parse_retry_after};
pub use token::{AuthTokenSource, TokenFuture, TokenSource};

//! [`UpstreamError`]: why an upstream call failed for good (after its retries).

use std::time::Duration;

/// Why an upstream call failed for good.
#[derive(Debug, Clone, thiserror::Error)]
pub enum UpstreamError {
    /// No usable access token (connection revoked, needs re-authorization, auth down).
    #[error("no upstream access token: {0}")]
    Token(String),
    /// Auth says the connection cannot supply tokens (revoked, needs re-authorization):
    /// the connection is at fault, not auth.
    #[error("the connection cannot supply tokens: {0}")]
    ConnectionUnusable(String),
    /// The upstream refused the token even after one refresh.
    #[error("the upstream refused the access token even after a refresh")]
    Unauthorized,
    /// Still rate limited after the retries, or asked to wait longer than we will.
    #[error("rate limited by the upstream (retry after {retry_after:?})")]
    RateLimited { retry_after: Option<Duration> },
    /// Network failures or 5xx answers, after the retries.
    #[error("the upstream is unavailable: {0}")]
    Unavailable(String),
    /// A 4xx the request itself caused: retrying cannot help. `body` is the start of
    /// what the upstream said, for sources that read their upstream's error codes.
    #[error("the upstream refused the request ({status}): {message}")]
    Rejected {
        status: u16,
        message: String,
        body: String,
    },
    /// A 2xx answer that is not what was expected.
    #[error("the upstream answered something unreadable: {0}")]
    Malformed(String),
    /// The answer was larger than the configured cap.
    #[error("the upstream's answer is larger than {limit_bytes} bytes")]
    TooLarge { limit_bytes: usize },
}

//! [`UpstreamClient`]: the one place that sends HTTP to an upstream. Sources say how to
//! build each request and how to read its answer; this decides how many are in flight,
//! how long each may take, what is retried and when, when the token is refreshed, and
//! how much of an answer is read.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::Utc;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use secrecy::ExposeSecret;
use serde_json::Value;
use tokio::sync::Semaphore;

use super::UpstreamError;
use super::retry::{RetryPolicy, parse_retry_after};
use super::token::TokenSource;

/// How every upstream request is sent.
#[derive(Debug, Clone)]
pub struct UpstreamSettings {
    /// One request, end to end.
    pub timeout: Duration,
    /// Requests in flight at once, across every sync of this process.
    pub max_concurrency: usize,
    pub retry: RetryPolicy,
    /// The largest answer body read.
    pub max_response_bytes: usize,
}

/// Sends upstream requests. Cheap to clone; clones share the concurrency limit.
#[derive(Debug, Clone)]
pub struct UpstreamClient {
    http: reqwest::Client,
    settings: Arc<UpstreamSettings>,
    permits: Arc<Semaphore>,
}

/// Counts of one caller's requests (e.g. one sync run), retries included.
#[derive(Debug, Default)]
pub struct CallCounter {
    pub calls: AtomicU64,
    pub retries: AtomicU64,
    pub rate_limited: AtomicU64,
}

impl CallCounter {
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }
}

/// The builder of one request: given the shared HTTP client and the bearer token to send
/// (if the request carries one), the request, ready to send.
pub type Build<'a> =
    &'a (dyn Fn(&reqwest::Client, Option<&str>) -> reqwest::RequestBuilder + Send + Sync);

/// One request to send.
pub struct Request<'a> {
    /// What it is, for logs and errors: a path, never a URL that may carry a secret.
    pub what: &'a str,
    pub build: Build<'a>,
    /// Where its bearer token comes from; `None` sends none (e.g. a presigned URL).
    pub tokens: Option<&'a dyn TokenSource>,
    pub counter: &'a CallCounter,
}

/// A 2xx answer, its body read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// One failed attempt: retry (after how long) or give up.
enum Attempt {
    Retry(UpstreamError, Option<Duration>),
    Fail(UpstreamError),
}

impl UpstreamClient {
    pub fn new(settings: UpstreamSettings) -> UpstreamClient {
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(Duration::from_secs(10))
            .build()
            .expect("TLS backend initialises");
        let permits = Arc::new(Semaphore::new(settings.max_concurrency.max(1)));
        UpstreamClient {
            http,
            settings: Arc::new(settings),
            permits,
        }
    }

    /// How many requests this client (and its clones) send at once.
    pub fn max_concurrency(&self) -> usize {
        self.settings.max_concurrency.max(1)
    }

    /// Sends `request` and reads its answer with `read`, retrying as the policy says:
    /// network failures, 408, 5xx and 429 (after `Retry-After` when given, else backoff
    /// with jitter), and an answer `read` refuses (it may have been cut short). A 401 gets
    /// one token refresh; any other 4xx fails at once.
    pub async fn send<T>(
        &self,
        request: &Request<'_>,
        read: impl Fn(Answer) -> Result<T, String>,
    ) -> Result<T, UpstreamError> {
        let policy = self.settings.retry;
        let what = request.what;
        let mut refreshed = false;
        let mut attempt = 0;
        // A rate limit says "not now", not "broken": its retries have a budget of their
        // own (three times the attempts), so a busy limit does not use up the tries a
        // failing upstream gets.
        let mut rate_limited = 0;
        loop {
            attempt += 1;
            let token = match request.tokens {
                Some(tokens) => Some(tokens.token(false).await?),
                None => None,
            };
            let outcome = {
                let _permit = self
                    .permits
                    .acquire()
                    .await
                    .expect("semaphore is never closed");
                request.counter.calls.fetch_add(1, Ordering::Relaxed);
                self.attempt(request, token.as_ref().map(|t| t.expose_secret()))
                    .await
            };
            let (error, wait) = match outcome {
                Ok(answer) => match read(answer) {
                    Ok(value) => return Ok(value),
                    Err(why) => (UpstreamError::Malformed(why), None),
                },
                // One refresh per call: a second 401 means the grant itself is gone.
                Err(Attempt::Fail(UpstreamError::Unauthorized)) if !refreshed => {
                    let Some(tokens) = request.tokens else {
                        return Err(UpstreamError::Unauthorized);
                    };
                    refreshed = true;
                    tracing::info!(
                        what,
                        "upstream answered 401; refreshing the access token once"
                    );
                    tokens.token(true).await?;
                    attempt -= 1;
                    continue;
                }
                Err(Attempt::Fail(e)) => return Err(e),
                Err(Attempt::Retry(e, wait)) => (e, wait),
            };
            let limited = matches!(error, UpstreamError::RateLimited { .. });
            if limited {
                request.counter.rate_limited.fetch_add(1, Ordering::Relaxed);
                rate_limited += 1;
                attempt -= 1;
            }
            if attempt >= policy.max_attempts || rate_limited >= policy.max_attempts * 3 {
                return Err(error);
            }
            let wait = match wait {
                Some(w) if w > policy.max_retry_after => return Err(error),
                Some(w) => w,
                None => policy.backoff(if limited { rate_limited } else { attempt }),
            };
            request.counter.retries.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(what, attempt, wait_ms = wait.as_millis() as u64, error = %error, "retrying upstream call");
            tokio::time::sleep(wait).await;
        }
    }

    /// [`UpstreamClient::send`] for an answer that is one JSON document.
    /// Bytes that are not UTF-8 become U+FFFD (the record stays readable; one bad
    /// string never fails a page).
    pub async fn send_json(&self, request: &Request<'_>) -> Result<Value, UpstreamError> {
        self.send(request, |answer| {
            let text = String::from_utf8_lossy(&answer.body);
            serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", request.what))
        })
        .await
    }

    async fn attempt(&self, request: &Request<'_>, token: Option<&str>) -> Result<Answer, Attempt> {
        let unavailable = |e: reqwest::Error| {
            Attempt::Retry(
                UpstreamError::Unavailable(e.without_url().to_string()),
                None,
            )
        };
        let mut response = (request.build)(&self.http, token)
            .send()
            .await
            .map_err(unavailable)?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, Utc::now()));
        let headers = std::mem::take(response.headers_mut());
        let limit = self.settings.max_response_bytes;
        let too_large = || Attempt::Fail(UpstreamError::TooLarge { limit_bytes: limit });
        if response.content_length().is_some_and(|n| n > limit as u64) {
            return Err(too_large());
        }
        // Read in chunks, so an answer over the cap is refused before it is held. A
        // connection cut mid-body fails here: as retryable as a refused connection.
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(unavailable)? {
            if body.len() + chunk.len() > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        match status {
            s if s.is_success() => Ok(Answer {
                status: s.as_u16(),
                headers,
                body,
            }),
            StatusCode::UNAUTHORIZED => Err(Attempt::Fail(UpstreamError::Unauthorized)),
            StatusCode::TOO_MANY_REQUESTS => Err(Attempt::Retry(
                UpstreamError::RateLimited { retry_after },
                retry_after,
            )),
            s if s.is_server_error() || s == StatusCode::REQUEST_TIMEOUT => Err(Attempt::Retry(
                UpstreamError::Unavailable(format!("{}: HTTP {}", request.what, s.as_u16())),
                retry_after,
            )),
            s => Err(Attempt::Fail(UpstreamError::Rejected {
                status: s.as_u16(),
                message: error_message(&body),
                body: String::from_utf8_lossy(&body[..body.len().min(4096)]).into_owned(),
            })),
        }
    }
}

/// What an error body says, in the fields upstreams use for it; else its start.
fn error_message(body: &[u8]) -> String {
    let said = serde_json::from_slice::<Value>(body).ok().and_then(|v| {
        [
            "message",
            "details",
            "detail",
            "error_description",
            "error",
            "code",
        ]
        .iter()
        .find_map(|k| v.get(k).and_then(Value::as_str).map(str::to_owned))
    });
    said.unwrap_or_else(|| String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned())
}

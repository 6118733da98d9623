//! [`LinkedInClient`]: one place that talks HTTP to the Marketing API.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::Utc;
use reqwest::StatusCode;
use secrecy::ExposeSecret;
use serde_json::Value;
use tokio::sync::Semaphore;

use super::retry::{RetryPolicy, parse_retry_after};
use super::token::TokenSource;

/// Why an upstream call failed for good (after its retries).
#[derive(Debug, Clone, thiserror::Error)]
pub enum UpstreamError {
    /// No usable access token (connection revoked, needs re-authorization, auth down).
    #[error("no upstream access token: {0}")]
    Token(String),
    /// The upstream refused the token even after one refresh.
    #[error("the upstream refused the access token even after a refresh")]
    Unauthorized,
    /// Still rate limited after the retries, or asked to wait longer than we will.
    #[error("rate limited by the upstream (retry after {retry_after:?})")]
    RateLimited { retry_after: Option<Duration> },
    /// Network failures or 5xx answers, after the retries.
    #[error("the upstream is unavailable: {0}")]
    Unavailable(String),
    /// A 4xx the request itself caused: retrying cannot help.
    #[error("the upstream refused the request ({status}): {message}")]
    Rejected { status: u16, message: String },
    /// A 2xx answer that is not the JSON envelope expected.
    #[error("the upstream answered something unreadable: {0}")]
    Malformed(String),
}

/// How to reach the Marketing API.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    /// e.g. https://api.linkedin.com/rest
    pub base_url: String,
    /// The `LinkedIn-Version` header, YYYYMM.
    pub version: String,
    /// One request, end to end.
    pub timeout: Duration,
    /// Requests in flight at once, across every sync of this process.
    pub max_concurrency: usize,
    pub retry: RetryPolicy,
}

/// The Marketing API client. Cheap to clone; clones share the concurrency limit.
#[derive(Debug, Clone)]
pub struct LinkedInClient {
    http: reqwest::Client,
    settings: Arc<ClientSettings>,
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

/// One failed attempt: retry (after how long) or give up.
enum Attempt {
    Retry(UpstreamError, Option<Duration>),
    Fail(UpstreamError),
}

impl LinkedInClient {
    pub fn new(settings: ClientSettings) -> LinkedInClient {
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(Duration::from_secs(10))
            .build()
            .expect("TLS backend initialises");
        let permits = Arc::new(Semaphore::new(settings.max_concurrency.max(1)));
        LinkedInClient {
            http,
            settings: Arc::new(settings),
            permits,
        }
    }

    /// How many requests this client (and its clones) send at once.
    pub fn max_concurrency(&self) -> usize {
        self.settings.max_concurrency.max(1)
    }

    /// `GET {base}{path}?{query}` with a raw Rest.li query (kept as written: `List(...)`,
    /// `(start:(...))`), retried as the policy says; the parsed JSON body.
    pub async fn get(
        &self,
        path: &str,
        query: &str,
        tokens: &dyn TokenSource,
        counter: &CallCounter,
    ) -> Result<Value, UpstreamError> {
        let url = format!("{}{path}?{query}", self.settings.base_url);
        let policy = self.settings.retry;
        let mut refreshed = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let token = tokens.token(false).await?;
            let outcome = {
                let _permit = self
                    .permits
                    .acquire()
                    .await
                    .expect("semaphore is never closed");
                counter.calls.fetch_add(1, Ordering::Relaxed);
                self.send(&url, token.expose_secret()).await
            };
            let (error, wait) = match outcome {
                Ok(value) => return Ok(value),
                // One refresh per call: a second 401 means the grant itself is gone.
                Err(Attempt::Fail(UpstreamError::Unauthorized)) if !refreshed => {
                    refreshed = true;
                    tracing::info!(
                        path,
                        "upstream answered 401; refreshing the access token once"
                    );
                    tokens.token(true).await?;
                    attempt -= 1;
                    continue;
                }
                Err(Attempt::Fail(e)) => return Err(e),
                Err(Attempt::Retry(e, wait)) => (e, wait),
            };
            if let UpstreamError::RateLimited { .. } = error {
                counter.rate_limited.fetch_add(1, Ordering::Relaxed);
            }
            if attempt >= policy.max_attempts {
                return Err(error);
            }
            let wait = match wait {
                Some(w) if w > policy.max_retry_after => return Err(error),
                Some(w) => w,
                None => policy.backoff(attempt),
            };
            counter.retries.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(path, attempt, wait_ms = wait.as_millis() as u64, error = %error, "retrying upstream call");
            tokio::time::sleep(wait).await;
        }
    }

    async fn send(&self, url: &str, token: &str) -> Result<Value, Attempt> {
        let response = self
            .http
            .get(url)
            .bearer_auth(token)
            .header("LinkedIn-Version", &self.settings.version)
            .header("X-Restli-Protocol-Version", "2.0.0")
            .send()
            .await
            .map_err(|e| {
                Attempt::Retry(
                    UpstreamError::Unavailable(e.without_url().to_string()),
                    None,
                )
            })?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, Utc::now()));
        // A connection cut mid-body fails here: as retryable as a refused connection.
        let body = response.bytes().await.map_err(|e| {
            Attempt::Retry(
                UpstreamError::Unavailable(e.without_url().to_string()),
                None,
            )
        })?;
        match status {
            s if s.is_success() => serde_json::from_slice(&body).map_err(|e| {
                Attempt::Retry(UpstreamError::Malformed(format!("not JSON: {e}")), None)
            }),
            StatusCode::UNAUTHORIZED => Err(Attempt::Fail(UpstreamError::Unauthorized)),
            StatusCode::TOO_MANY_REQUESTS => Err(Attempt::Retry(
                UpstreamError::RateLimited { retry_after },
                retry_after,
            )),
            s if s.is_server_error() || s == StatusCode::REQUEST_TIMEOUT => Err(Attempt::Retry(
                UpstreamError::Unavailable(format!("HTTP {}", s.as_u16())),
                retry_after,
            )),
            s => Err(Attempt::Fail(UpstreamError::Rejected {
                status: s.as_u16(),
                message: error_message(&body),
            })),
        }
    }

    /// Walks a cursor-paginated finder (`pageSize`/`pageToken`), handing each page's
    /// elements to `on_page` as it arrives: memory holds one page, not the collection.
    pub async fn for_each_page(
        &self,
        path: &str,
        query: &str,
        page_size: u32,
        tokens: &dyn TokenSource,
        counter: &CallCounter,
        mut on_page: impl FnMut(Vec<Value>),
    ) -> Result<(), UpstreamError> {
        let mut page_token: Option<String> = None;
        let mut seen_tokens = std::collections::HashSet::new();
        loop {
            let mut q = format!("{query}&pageSize={page_size}");
            if let Some(t) = &page_token {
                q.push_str("&pageToken=");
                q.push_str(t);
            }
            let mut body = self.get(path, &q, tokens, counter).await?;
            let elements = match body.get_mut("elements").map(Value::take) {
                Some(Value::Array(elements)) => elements,
                _ => {
                    return Err(UpstreamError::Malformed(format!(
                        "{path}: no `elements` array"
                    )));
                }
            };
            on_page(elements);
            match body
                .pointer("/metadata/nextPageToken")
                .and_then(Value::as_str)
            {
                // A cursor that repeats would loop forever: stop and say so.
                Some(next) if !seen_tokens.insert(next.to_owned()) => {
                    return Err(UpstreamError::Malformed(format!(
                        "{path}: the page cursor repeated"
                    )));
                }
                Some(next) => page_token = Some(next.to_owned()),
                None => return Ok(()),
            }
        }
    }
}

/// LinkedIn's error body says `message`; anything else is cut short.
fn error_message(body: &[u8]) -> String {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned())
}

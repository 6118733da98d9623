//! [`DeadlineLayer`]: every call gets a deadline — the caller's `grpc-timeout` when it
//! sends one, never more than the server's own limit — and a call still running at its
//! deadline is dropped (its handler stops, and a database query it was waiting on is
//! cancelled: see `adsync_db`) and answered DEADLINE_EXCEEDED. The deadline covers a call
//! until its response starts: a server stream (sync events) runs on once it has begun.
//! Health checks have none.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tonic::Code;
use tonic_types::{ErrorDetails, StatusExt};

/// How many calls a server handles at once, and how long one may take.
#[derive(Debug, Clone, clap::Args)]
pub struct CallLimits {
    /// Calls this server handles at once (a stream counts until it ends); more are
    /// refused at once with RESOURCE_EXHAUSTED and a retry delay.
    #[arg(long, env = "ADSYNC_MAX_CONCURRENT_CALLS", default_value_t = 1024)]
    pub max_concurrent_calls: usize,

    /// The longest a call may run before it is stopped and answered DEADLINE_EXCEEDED,
    /// in seconds (a caller's shorter grpc-timeout wins; a stream, once started, runs on).
    #[arg(long, env = "ADSYNC_REQUEST_TIMEOUT_SECS", default_value_t = 60)]
    pub request_timeout_secs: u64,
}

impl Default for CallLimits {
    fn default() -> CallLimits {
        CallLimits {
            max_concurrent_calls: 1024,
            request_timeout_secs: 60,
        }
    }
}

/// Stops calls at their deadline.
#[derive(Debug, Clone)]
pub struct DeadlineLayer {
    limit: Duration,
    domain: &'static str,
}

impl DeadlineLayer {
    pub fn new(limit: Duration, domain: &'static str) -> DeadlineLayer {
        DeadlineLayer { limit, domain }
    }
}

impl<S> tower::Layer<S> for DeadlineLayer {
    type Service = Deadline<S>;
    fn layer(&self, inner: S) -> Deadline<S> {
        Deadline {
            inner,
            layer: self.clone(),
        }
    }
}

/// The layer's service.
#[derive(Debug, Clone)]
pub struct Deadline<S> {
    inner: S,
    layer: DeadlineLayer,
}

/// A `grpc-timeout` header value: up to 8 digits and a unit (H, M, S, m, u, n).
fn grpc_timeout(value: &str) -> Option<Duration> {
    let (digits, unit) = value.split_at(value.len().checked_sub(1)?);
    if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(n * 3600),
        "M" => Duration::from_secs(n * 60),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    })
}

fn exceeded(after: Duration, domain: &str) -> tonic::Status {
    let details = ErrorDetails::with_error_info(
        "DEADLINE_EXCEEDED",
        domain,
        std::collections::HashMap::from([("deadlineMs".to_owned(), after.as_millis().to_string())]),
    );
    tonic::Status::with_error_details(
        Code::DeadlineExceeded,
        format!(
            "the call did not finish within its deadline of {} ms and was stopped",
            after.as_millis()
        ),
        details,
    )
}

impl<S, B> tower::Service<http::Request<B>> for Deadline<S>
where
    S: tower::Service<
            http::Request<B>,
            Response = http::Response<tonic::body::Body>,
            Error = Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        if crate::load::is_health_check(request.uri().path()) {
            return Box::pin(inner.call(request));
        }
        let asked = request
            .headers()
            .get("grpc-timeout")
            .and_then(|v| v.to_str().ok())
            .and_then(grpc_timeout);
        let after = asked.map_or(self.layer.limit, |a| a.min(self.layer.limit));
        let domain = self.layer.domain;
        let method = request.uri().path().to_owned();
        Box::pin(async move {
            match tokio::time::timeout(after, inner.call(request)).await {
                Ok(response) => response,
                Err(_) => {
                    tracing::warn!(%method, deadline_ms = after.as_millis() as u64, "call stopped at its deadline");
                    Ok(exceeded(after, domain).into_http())
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use tower::{Layer, Service, ServiceExt};

    use super::*;

    #[test]
    fn grpc_timeouts_parse_as_the_protocol_writes_them() {
        assert_eq!(grpc_timeout("100m"), Some(Duration::from_millis(100)));
        assert_eq!(grpc_timeout("2S"), Some(Duration::from_secs(2)));
        assert_eq!(grpc_timeout("1H"), Some(Duration::from_secs(3600)));
        assert_eq!(grpc_timeout("123456789S"), None);
        assert_eq!(grpc_timeout("S"), None);
        assert_eq!(grpc_timeout("10x"), None);
    }

    #[tokio::test]
    async fn a_call_past_its_deadline_is_stopped_and_answered_deadline_exceeded() {
        let slow = tower::service_fn(|_: http::Request<()>| async {
            tokio::time::sleep(Duration::from_millis(500)).await;
            Ok::<_, Infallible>(http::Response::new(tonic::body::Body::empty()))
        });
        let mut service = DeadlineLayer::new(Duration::from_secs(5), "test.adsync").layer(slow);
        let status = |r: &http::Response<tonic::body::Body>| {
            r.headers()
                .get("grpc-status")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        // The caller's shorter deadline wins.
        let request = http::Request::get("/a.B/C")
            .header("grpc-timeout", "50m")
            .body(())
            .unwrap();
        let stopped = service.ready().await.unwrap().call(request).await.unwrap();
        assert_eq!(status(&stopped).as_deref(), Some("4"), "DEADLINE_EXCEEDED");
        // Within the server's limit, the call finishes.
        let request = http::Request::get("/a.B/C").body(()).unwrap();
        let done = service.ready().await.unwrap().call(request).await.unwrap();
        assert_eq!(status(&done), None);
        // The server's limit caps a longer caller deadline.
        let mut strict = DeadlineLayer::new(Duration::from_millis(50), "test.adsync").layer(
            tower::service_fn(|_: http::Request<()>| async {
                tokio::time::sleep(Duration::from_millis(500)).await;
                Ok::<_, Infallible>(http::Response::new(tonic::body::Body::empty()))
            }),
        );
        let request = http::Request::get("/a.B/C")
            .header("grpc-timeout", "10S")
            .body(())
            .unwrap();
        let stopped = strict.ready().await.unwrap().call(request).await.unwrap();
        assert_eq!(status(&stopped).as_deref(), Some("4"));
    }
}

//! [`ServerTimingLayer`]: every response says how long the server took to produce it, in
//! a `server-timing` header (`app;dur=1.234`, milliseconds, as the W3C Server-Timing
//! header writes it) — from the moment the call reached the server (before the caller's
//! token was checked) to the response's headers. For a unary call that is the whole
//! call; for a stream, the time to its first message. Benchmarks read it to measure what
//! the server does apart from the network and the caller; operators see it with
//! `grpcurl -v`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

/// Adds the `server-timing` header.
#[derive(Debug, Clone, Copy, Default)]
pub struct ServerTimingLayer;

impl<S> tower::Layer<S> for ServerTimingLayer {
    type Service = ServerTiming<S>;
    fn layer(&self, inner: S) -> ServerTiming<S> {
        ServerTiming { inner }
    }
}

/// The layer's service.
#[derive(Debug, Clone)]
pub struct ServerTiming<S> {
    inner: S,
}

impl<S, B, R> tower::Service<http::Request<B>> for ServerTiming<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<R>>,
    S::Future: Send + 'static,
{
    type Response = http::Response<R>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let started = Instant::now();
        let response = self.inner.call(request);
        Box::pin(async move {
            let mut response = response.await?;
            let ms = started.elapsed().as_secs_f64() * 1e3;
            if let Ok(value) = http::HeaderValue::from_str(&format!("app;dur={ms:.3}")) {
                response.headers_mut().insert("server-timing", value);
            }
            Ok(response)
        })
    }
}

/// The duration in a `server-timing` value written by this layer, in milliseconds.
pub fn server_time_ms(value: &str) -> Option<f64> {
    value.strip_prefix("app;dur=")?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_reads_back() {
        assert_eq!(server_time_ms("app;dur=1.250"), Some(1.25));
        assert_eq!(server_time_ms("db;dur=3"), None);
    }
}

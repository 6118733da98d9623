//! [`LoadShedLayer`]: a server handles at most a configured number of calls at once (a
//! streaming call counts until its stream ends); one more is refused at once with
//! RESOURCE_EXHAUSTED and a `RetryInfo`, instead of queueing until every caller times
//! out. Health checks are never refused: an overloaded server is still alive.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tonic::Code;
use tonic_types::{ErrorDetails, StatusExt};

/// Sheds calls beyond `max` at once.
#[derive(Debug, Clone)]
pub struct LoadShedLayer {
    permits: Arc<Semaphore>,
    max: usize,
    /// The ErrorInfo domain of the refusals (the service's).
    domain: &'static str,
}

impl LoadShedLayer {
    pub fn new(max: usize, domain: &'static str) -> LoadShedLayer {
        let max = max.max(1);
        LoadShedLayer {
            permits: Arc::new(Semaphore::new(max)),
            max,
            domain,
        }
    }
}

impl<S> tower::Layer<S> for LoadShedLayer {
    type Service = LoadShed<S>;
    fn layer(&self, inner: S) -> LoadShed<S> {
        LoadShed {
            inner,
            layer: self.clone(),
        }
    }
}

/// The layer's service.
#[derive(Debug, Clone)]
pub struct LoadShed<S> {
    inner: S,
    layer: LoadShedLayer,
}

/// A response body that holds its call's permit until the body ends.
struct Permitted {
    body: tonic::body::Body,
    _permit: OwnedSemaphorePermit,
}

impl http_body::Body for Permitted {
    type Data = <tonic::body::Body as http_body::Body>::Data;
    type Error = <tonic::body::Body as http_body::Body>::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// Whether `path` is a health check: never shed, never timed out, never authenticated.
pub(crate) fn is_health_check(path: &str) -> bool {
    path.starts_with("/grpc.health.v1.Health/")
}

/// RESOURCE_EXHAUSTED, retry after a second.
fn overloaded(max: usize, domain: &str) -> tonic::Status {
    let mut details = ErrorDetails::with_error_info(
        "OVERLOADED",
        domain,
        std::collections::HashMap::from([("maxConcurrentCalls".to_owned(), max.to_string())]),
    );
    details.set_retry_info(Some(Duration::from_secs(1)));
    tonic::Status::with_error_details(
        Code::ResourceExhausted,
        format!("the server is handling its maximum of {max} calls; retry shortly"),
        details,
    )
}

impl<S, B> tower::Service<http::Request<B>> for LoadShed<S>
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
        if is_health_check(request.uri().path()) {
            return Box::pin(inner.call(request));
        }
        let Ok(permit) = self.layer.permits.clone().try_acquire_owned() else {
            let (max, domain) = (self.layer.max, self.layer.domain);
            tracing::warn!(
                method = request.uri().path(),
                max,
                "call shed: the server is at its limit"
            );
            return Box::pin(async move { Ok(overloaded(max, domain).into_http()) });
        };
        Box::pin(async move {
            let response = inner.call(request).await?;
            Ok(response.map(|body| {
                tonic::body::Body::new(Permitted {
                    body,
                    _permit: permit,
                })
            }))
        })
    }
}

#[cfg(test)]
mod tests {
    use tower::{Layer, Service, ServiceExt};

    use super::*;

    #[tokio::test]
    async fn calls_beyond_the_limit_are_refused_at_once_and_health_never_is() {
        let slow = tower::service_fn(|_: http::Request<()>| async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            Ok::<_, Infallible>(http::Response::new(tonic::body::Body::empty()))
        });
        let mut service = LoadShedLayer::new(1, "test.adsync").layer(slow);
        let call = |path: &'static str| http::Request::get(path).body(()).unwrap();
        let first = tokio::spawn({
            let mut s = service.clone();
            async move { s.ready().await.unwrap().call(call("/a.B/C")).await.unwrap() }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        let shed = service
            .ready()
            .await
            .unwrap()
            .call(call("/a.B/C"))
            .await
            .unwrap();
        assert_eq!(
            shed.headers()
                .get("grpc-status")
                .and_then(|v| v.to_str().ok()),
            Some("8"),
            "RESOURCE_EXHAUSTED"
        );
        let health = service
            .ready()
            .await
            .unwrap()
            .call(call("/grpc.health.v1.Health/Check"))
            .await
            .unwrap();
        assert!(
            health.headers().get("grpc-status").is_none(),
            "health passes"
        );
        let done = first.await.unwrap();
        assert!(done.headers().get("grpc-status").is_none());
        // The permit came back when the first call's body ended.
        drop(done);
        let again = service
            .ready()
            .await
            .unwrap()
            .call(call("/a.B/C"))
            .await
            .unwrap();
        assert!(again.headers().get("grpc-status").is_none());
    }
}

//! [`serve`]: one function that runs a service's routes the way every adsync server runs.

use std::future::Future;
use std::time::Duration;

use tokio::net::TcpListener;
use tonic::service::Routes;
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;
use tonic_health::ServingStatus;
use tower_http::trace::TraceLayer;

use crate::{AuthLayer, CallLimits, DeadlineLayer, LoadShedLayer, ServerTimingLayer, TlsArgs};

/// Why a server stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot build the reflection service: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
    #[error("gRPC transport failed: {0}")]
    Transport(#[from] tonic::transport::Error),
    #[error("cannot read the listener address: {0}")]
    Listener(#[from] std::io::Error),
    #[error("TLS: {0}")]
    Tls(String),
}

/// Serves `routes` plus health and reflection on `listener` (over TLS when `tls` has a
/// certificate, requiring client certificates when it says so) until `shutdown` completes,
/// at most `limits.max_concurrent_calls` calls at once (more are shed with
/// RESOURCE_EXHAUSTED), each stopped at its deadline (DEADLINE_EXCEEDED), every call but
/// health and reflection going through `auth` first;
/// then stops accepting, reports NOT_SERVING and waits for in-flight calls to finish.
///
/// Health reports `service_name` (and the whole server, "") as SERVING from the first
/// accepted connection: callers run migrations and other start-up checks before this.
pub async fn serve(
    service_name: &'static str,
    listener: TcpListener,
    routes: Routes,
    auth: AuthLayer,
    limits: &CallLimits,
    tls: &TlsArgs,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    let tls = tls.server_config().map_err(ServeError::Tls)?;
    // "adsync.reporting.v1.ReportingService" answers in domain "reporting.adsync".
    let domain: &'static str = match service_name.split('.').nth(1) {
        Some("auth") => "auth.adsync",
        Some("ingestion") => "ingestion.adsync",
        Some("reporting") => "reporting.adsync",
        _ => "adsync",
    };
    let addr = listener.local_addr()?;
    let (health, health_service) = tonic_health::server::health_reporter();
    health
        .set_service_status(service_name, ServingStatus::Serving)
        .await;
    health.set_service_status("", ServingStatus::Serving).await;

    // Both reflection versions: grpcurl up to 1.8 asks for v1alpha, newer clients for v1.
    let reflection_v1 = reflection(service_name).build_v1()?;
    let reflection_v1alpha = reflection(service_name).build_v1alpha()?;
    let routes = routes
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha);

    tracing::info!(service = service_name, %addr, tls = tls.is_some(), "serving gRPC");
    let signal = async {
        shutdown.await;
        health
            .set_service_status(service_name, ServingStatus::NotServing)
            .await;
        health
            .set_service_status("", ServingStatus::NotServing)
            .await;
        tracing::info!(service = service_name, "draining in-flight calls");
    };
    let mut server = Server::builder();
    if let Some(tls) = tls {
        server = server.tls_config(tls)?;
    }
    server
        .layer(ServerTimingLayer)
        .layer(TraceLayer::new_for_grpc())
        .layer(LoadShedLayer::new(limits.max_concurrent_calls, domain))
        .layer(DeadlineLayer::new(
            Duration::from_secs(limits.request_timeout_secs.max(1)),
            domain,
        ))
        .layer(auth)
        .add_routes(routes)
        // Without TCP_NODELAY a response's small HTTP/2 frames wait on Nagle's algorithm.
        .serve_with_incoming_shutdown(TcpIncoming::from(listener).with_nodelay(Some(true)), signal)
        .await?;
    tracing::info!(service = service_name, "stopped");
    Ok(())
}

/// Reflection over every adsync proto (so message types resolve), advertising only the
/// services this server actually serves.
fn reflection(service_name: &'static str) -> tonic_reflection::server::Builder<'static> {
    tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(adsync_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        // google.rpc error details, so grpcurl can print ErrorInfo and BadRequest.
        .register_encoded_file_descriptor_set(tonic_types::pb::FILE_DESCRIPTOR_SET)
        .with_service_name(service_name)
        .with_service_name("grpc.health.v1.Health")
        .with_service_name("grpc.reflection.v1.ServerReflection")
        .with_service_name("grpc.reflection.v1alpha.ServerReflection")
}

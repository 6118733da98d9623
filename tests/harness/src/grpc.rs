//! Probes every adsync server must answer: health and reflection.

use tonic::transport::Channel;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;
use tonic_reflection::pb::v1::ServerReflectionRequest;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

/// The health status the server reports for `service` ("" is the whole server).
pub async fn health_status(
    channel: Channel,
    service: &str,
) -> tonic_health::pb::health_check_response::ServingStatus {
    let response = HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: service.to_owned(),
        })
        .await
        .unwrap_or_else(|s| panic!("health check of {service:?} failed: {s:?}"));
    // Every adsync server says how long it took to answer.
    let timing = response
        .metadata()
        .get("server-timing")
        .and_then(|v| v.to_str().ok())
        .and_then(adsync_server::server_time_ms);
    assert!(
        timing.is_some(),
        "no server-timing header: {:?}",
        response.metadata()
    );
    response.into_inner().status()
}

/// The services the server advertises through reflection v1, sorted.
pub async fn reflected_services(channel: Channel) -> Vec<String> {
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut stream = ServerReflectionClient::new(channel)
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .expect("reflection call")
        .into_inner();
    let response = stream
        .message()
        .await
        .expect("reflection answer")
        .expect("one answer");
    let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else {
        panic!("unexpected reflection answer: {response:?}");
    };
    let mut names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    names.sort();
    names
}

/// Asserts what every adsync server must offer: SERVING health for `service` and for
/// the whole server, and reflection advertising exactly `service`, health and reflection.
pub async fn assert_standard_server(channel: Channel, service: &str) {
    use tonic_health::pb::health_check_response::ServingStatus;
    assert_eq!(
        health_status(channel.clone(), service).await,
        ServingStatus::Serving
    );
    assert_eq!(
        health_status(channel.clone(), "").await,
        ServingStatus::Serving
    );
    let mut expected = vec![
        service.to_owned(),
        "grpc.health.v1.Health".to_owned(),
        "grpc.reflection.v1.ServerReflection".to_owned(),
        "grpc.reflection.v1alpha.ServerReflection".to_owned(),
    ];
    expected.sort();
    assert_eq!(reflected_services(channel).await, expected);
}

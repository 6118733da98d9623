//! The auth layer as every service applies it: ingestion and reporting ask the auth
//! service who calls, and enforce each RPC's scope.

use adsync_e2e::{Stack, bearer};
use adsync_linkedin_sandbox::SandboxConfig;
use adsync_proto::auth::Scope;
use adsync_proto::auth::auth_service_client::AuthServiceClient;
use adsync_proto::ingestion::ingestion_service_client::IngestionServiceClient;
use adsync_proto::reporting::reporting_service_client::ReportingServiceClient;
use adsync_proto::{ingestion, reporting};
use adsync_test_harness::assert_standard_server;
use tonic::Code;

#[tokio::test]
async fn every_service_checks_tokens_and_scopes_through_auth() {
    let stack = Stack::start(SandboxConfig::default()).await;
    let (reader, reader_id) = stack.token("dashboards", &[Scope::ReportsRead]).await;
    let (writer, _) = stack.token("operator", &[Scope::SyncWrite]).await;

    for (server, name) in [
        (stack.auth.channel(), adsync_proto::AUTH_SERVICE),
        (stack.ingestion.channel(), adsync_proto::INGESTION_SERVICE),
        (stack.reporting.channel(), adsync_proto::REPORTING_SERVICE),
    ] {
        assert_standard_server(server, name).await;
    }

    let reporting = |token: &str| {
        let mut client = ReportingServiceClient::new(stack.reporting.channel());
        let request = bearer(reporting::ListAccountsRequest::default(), token);
        async move {
            match client.list_accounts(request).await {
                Ok(_) => Code::Ok,
                Err(status) => status.code(),
            }
        }
    };
    assert_eq!(reporting(&reader).await, Code::Ok);
    assert_eq!(reporting(&writer).await, Code::PermissionDenied);
    assert_eq!(
        reporting(&stack.admin).await,
        Code::Ok,
        "admin may do everything"
    );
    assert_eq!(reporting("adsync_forged").await, Code::Unauthenticated);

    let mut ingestion = IngestionServiceClient::new(stack.ingestion.channel());
    let denied = ingestion
        .trigger_sync(bearer(ingestion::TriggerSyncRequest::default(), &reader))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    assert!(
        denied.message().contains("sync:write"),
        "{}",
        denied.message()
    );
    let allowed = ingestion
        .trigger_sync(bearer(ingestion::TriggerSyncRequest::default(), &writer))
        .await
        .unwrap_err();
    // Let in: the RPC itself now judges the (empty) request.
    assert_eq!(allowed.code(), Code::InvalidArgument);

    // Revocation reaches the other services (they cache nothing in tests).
    AuthServiceClient::new(stack.auth.channel())
        .revoke_api_token(bearer(
            adsync_proto::auth::RevokeApiTokenRequest {
                token_id: reader_id,
            },
            &stack.admin,
        ))
        .await
        .unwrap();
    let mut client = ReportingServiceClient::new(stack.reporting.channel());
    let revoked = client
        .list_accounts(bearer(reporting::ListAccountsRequest::default(), &reader))
        .await
        .unwrap_err();
    assert_eq!(revoked.code(), Code::Unauthenticated);
    assert!(
        revoked.message().contains("revoked"),
        "{}",
        revoked.message()
    );
}

#[tokio::test]
async fn a_service_whose_own_token_is_refused_answers_unavailable_not_unauthenticated() {
    let stack =
        Stack::start_with_service_token(SandboxConfig::default(), Some("adsync_not-a-real-token"))
            .await;
    let (reader, _) = stack.token("dashboards", &[Scope::ReportsRead]).await;
    let status = ReportingServiceClient::new(stack.reporting.channel())
        .list_accounts(bearer(reporting::ListAccountsRequest::default(), &reader))
        .await
        .unwrap_err();
    // The caller did nothing wrong: the service is misconfigured.
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
}

#[tokio::test]
async fn a_method_missing_from_a_scope_table_is_refused_even_to_an_admin() {
    let stack = Stack::start(SandboxConfig::default()).await;
    // A method no service lists: the layer refuses it before routing, to every caller.
    for channel in [
        stack.auth.channel(),
        stack.ingestion.channel(),
        stack.reporting.channel(),
    ] {
        let mut grpc = tonic::client::Grpc::new(channel);
        grpc.ready().await.unwrap();
        let path = tonic::codegen::http::uri::PathAndQuery::from_static(
            "/adsync.reporting.v1.ReportingService/DropEverything",
        );
        let status = grpc
            .unary::<(), (), _>(
                bearer((), &stack.admin),
                path,
                tonic_prost::ProstCodec::default(),
            )
            .await
            .unwrap_err();
        assert_eq!(
            status.code(),
            Code::PermissionDenied,
            "{}",
            status.message()
        );
        assert!(status.message().contains("not open to any scope"));
    }
}

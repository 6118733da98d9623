//! DiscoverAccounts: which ad accounts each connection reads, recorded for syncing; a
//! connection whose grant died upstream does not stop the others.

use adsync_e2e::{Stack, bearer};
use adsync_linkedin_sandbox::SandboxConfig;
use adsync_proto::auth::Scope;
use adsync_proto::auth::auth_service_client::AuthServiceClient;
use adsync_proto::ingestion::DiscoverAccountsRequest;
use adsync_proto::ingestion::ingestion_service_client::IngestionServiceClient;
use tonic::Code;

#[tokio::test]
async fn discovery_records_every_account_of_the_connection() {
    let stack = Stack::start(SandboxConfig::default()).await;
    let connection_id = stack.connect().await;
    let (operator, _) = stack.token("operator", &[Scope::SyncWrite]).await;
    let mut ingestion = IngestionServiceClient::new(stack.ingestion.channel());

    let found = ingestion
        .discover_accounts(bearer(DiscoverAccountsRequest::default(), &operator))
        .await
        .expect("discover")
        .into_inner()
        .accounts;
    let mut ids: Vec<i64> = found.iter().map(|a| a.account_id).collect();
    ids.sort_unstable();
    let mut expected: Vec<i64> = stack
        .sandbox
        .truth()
        .accounts()
        .iter()
        .map(|a| a.id)
        .collect();
    expected.sort_unstable();
    assert_eq!(ids, expected);
    assert!(
        found
            .iter()
            .all(|a| a.connection_id == connection_id && a.last_success_time.is_none())
    );

    // Again: the same accounts, not duplicates.
    let again = ingestion
        .discover_accounts(bearer(
            DiscoverAccountsRequest {
                connection_id: connection_id.clone(),
                ..Default::default()
            },
            &operator,
        ))
        .await
        .expect("discover one connection")
        .into_inner();
    assert_eq!(again.accounts.len(), expected.len());

    let unknown = ingestion
        .discover_accounts(bearer(
            DiscoverAccountsRequest {
                connection_id: "conn_nope".into(),
                ..Default::default()
            },
            &operator,
        ))
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound);

    AuthServiceClient::new(stack.auth.channel())
        .revoke_connection(bearer(
            adsync_proto::auth::RevokeConnectionRequest {
                connection_id: connection_id.clone(),
            },
            &stack.admin,
        ))
        .await
        .unwrap();
    let revoked = ingestion
        .discover_accounts(bearer(
            DiscoverAccountsRequest {
                connection_id,
                ..Default::default()
            },
            &operator,
        ))
        .await
        .unwrap_err();
    assert_eq!(revoked.code(), Code::FailedPrecondition, "{revoked:?}");
    assert!(
        revoked.message().contains("revoked"),
        "{}",
        revoked.message()
    );
}

#[tokio::test]
async fn a_connection_whose_grant_died_upstream_is_skipped_and_the_others_are_discovered() {
    let stack = Stack::start(SandboxConfig::default()).await;
    stack.connect().await;
    let amazon = stack.connect_amazon(adsync_proto::auth::Region::Na).await;
    let (operator, _) = stack.token("operator", &[Scope::SyncWrite]).await;
    // The advertiser removes the app upstream: its tokens stop working.
    for token in stack.amazon.issued_tokens() {
        stack.amazon.revoke_access_token(&token);
        stack.amazon.revoke_refresh_token(&token);
    }
    // Past auth's 30-second guard against repeated forced refreshes.
    stack.clock.advance(chrono::TimeDelta::minutes(1));
    let found = IngestionServiceClient::new(stack.ingestion.channel())
        .discover_accounts(bearer(DiscoverAccountsRequest::default(), &operator))
        .await
        .expect("discovery of the connections that still work")
        .into_inner()
        .accounts;
    assert_eq!(found.len(), stack.sandbox.truth().accounts().len());
    assert!(found.iter().all(|a| a.connection_id != amazon));
    // Named explicitly, the dead connection is an error, not an empty answer.
    let named = IngestionServiceClient::new(stack.ingestion.channel())
        .discover_accounts(bearer(
            DiscoverAccountsRequest {
                connection_id: amazon,
                ..Default::default()
            },
            &operator,
        ))
        .await
        .unwrap_err();
    assert_eq!(
        named.code(),
        Code::FailedPrecondition,
        "{}",
        named.message()
    );
}

//! Two auth processes on one database, as two replicas run: callers of both at once for
//! a connection whose token is about to expire cause exactly one upstream refresh, and
//! every caller gets the refreshed token.

use adsync_linkedin_sandbox::{Sandbox, SandboxConfig};
use adsync_proto::auth::auth_service_client::AuthServiceClient;
use adsync_proto::auth::{
    CompleteAuthorizationRequest, GetAccessTokenRequest, Scope, StartAuthorizationRequest,
};
use adsync_test_harness::{ServiceProcess, TestDatabase, db_args};
use chrono::TimeDelta;
use tonic::transport::Channel;

use crate::support::{KEY, REDIRECT, authorize, bearer};

const BINARY: &str = env!("CARGO_BIN_EXE_adsync-auth");

async fn client(process: &ServiceProcess) -> AuthServiceClient<Channel> {
    AuthServiceClient::new(
        Channel::from_shared(process.uri())
            .unwrap()
            .connect()
            .await
            .expect("connect to the auth process"),
    )
}

#[tokio::test]
async fn two_replicas_refresh_an_expiring_token_once_between_them() {
    let db = TestDatabase::migrated(&[&adsync_auth::MIGRATIONS]);
    // Tokens live 8 s and are refreshed within 4 s of their end.
    let sandbox = Sandbox::start(SandboxConfig {
        access_token_ttl: TimeDelta::seconds(8),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let admin =
        adsync_auth::bootstrap_token(&db_args(&db), "admin", &[Scope::Admin], TimeDelta::days(1))
            .await
            .unwrap();
    let service = adsync_auth::bootstrap_token(
        &db_args(&db),
        "svc",
        &[Scope::UpstreamTokens],
        TimeDelta::days(1),
    )
    .await
    .unwrap();
    let args: Vec<String> = [
        "--database-url",
        db.url(),
        "--token-encryption-keys",
        &format!("test1:{KEY}"),
        "--linkedin-client-id",
        &sandbox.config().client_id,
        "--linkedin-client-secret",
        &sandbox.config().client_secret,
        "--linkedin-redirect-uri",
        REDIRECT,
        "--linkedin-authorization-url",
        &format!("{}/authorization", sandbox.oauth_url()),
        "--linkedin-token-url",
        &format!("{}/accessToken", sandbox.oauth_url()),
        "--linkedin-refresh-ahead-secs",
        "4",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let (a, b) = (
        ServiceProcess::spawn(BINARY, &args),
        ServiceProcess::spawn(BINARY, &args),
    );
    let (mut first, second) = (client(&a).await, client(&b).await);

    let start = first
        .start_authorization(bearer(StartAuthorizationRequest::default(), &admin))
        .await
        .unwrap()
        .into_inner();
    let (code, state) = authorize(&start.authorization_url).await;
    let connection_id = first
        .complete_authorization(bearer(CompleteAuthorizationRequest { state, code }, &admin))
        .await
        .unwrap()
        .into_inner()
        .connection
        .unwrap()
        .connection_id;
    assert_eq!(sandbox.calls()["oauth.accessToken"], 1);

    // Into the refresh window: twenty callers on each replica at once.
    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    let calls = (0..40).map(|i| {
        let mut c = if i % 2 == 0 {
            first.clone()
        } else {
            second.clone()
        };
        let request = bearer(
            GetAccessTokenRequest {
                connection_id: connection_id.clone(),
                force_refresh: false,
            },
            &service,
        );
        async move {
            c.get_access_token(request)
                .await
                .map(|r| r.into_inner().access_token)
        }
    });
    let tokens: Vec<String> = futures::future::join_all(calls)
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("every caller gets a token");
    assert_eq!(
        sandbox.calls()["oauth.accessToken"],
        2,
        "one refresh between the two replicas"
    );
    assert!(
        tokens.windows(2).all(|w| w[0] == w[1]),
        "everyone got the refreshed token"
    );
}

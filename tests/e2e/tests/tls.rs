//! The stack over mutual TLS: every server on TLS requiring a client certificate signed
//! by the services' CA, ingestion and reporting calling auth over https with their own
//! certificates. A sync and reads work end to end; a plaintext caller, a caller without
//! a certificate and one with a certificate of another CA are refused.

use adsync_e2e::{Stack, bearer, finished, start_sync};
use adsync_proto::ingestion::{Source, StartSyncRequest, SyncStatus};
use adsync_proto::reporting::ListAccountsRequest;
use adsync_proto::reporting::reporting_service_client::ReportingServiceClient;
use adsync_test_harness::tls::DevPki;
use tonic::transport::{Certificate, ClientTlsConfig, Endpoint, Identity};

const ACCOUNT: i64 = 510_000_000;

async fn accounts(channel: tonic::transport::Channel, token: &str) -> Result<usize, tonic::Status> {
    ReportingServiceClient::new(channel)
        .list_accounts(bearer(ListAccountsRequest::default(), token))
        .await
        .map(|r| r.into_inner().accounts.len())
}

#[tokio::test]
async fn the_stack_syncs_and_serves_over_mutual_tls_and_refuses_other_callers() {
    let dir = std::env::temp_dir().join(format!("adsync-tls-{}", std::process::id()));
    let pki = DevPki::generate(
        &dir.join("ours"),
        &["auth", "ingestion", "reporting", "cli"],
    )
    .expect("certificates");
    let other = DevPki::generate(&dir.join("other"), &["cli"]).expect("certificates");
    let stack = Stack::start_tls(pki.clone()).await;

    // A sync: ingestion checks the caller's token and fetches the upstream token from
    // auth over mutual TLS.
    let (operator, account, mut ingestion) = stack.ready_to_sync().await;
    assert_eq!(account, ACCOUNT);
    let events = start_sync(
        &mut ingestion,
        &operator,
        StartSyncRequest {
            account_id: account,
            source: Source::Linkedin as i32,
            ..Default::default()
        },
    )
    .await;
    let done = finished(&events);
    assert_eq!(done.status(), SyncStatus::Success, "{}", done.reason);
    // Reporting checks tokens through auth over mutual TLS too.
    assert_eq!(
        accounts(stack.channel_to(&stack.reporting), &stack.admin)
            .await
            .expect("accounts over mutual TLS"),
        1
    );

    let addr = stack.reporting.addr();
    // Plaintext to a TLS server.
    let plaintext = Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect_lazy();
    assert!(accounts(plaintext, &stack.admin).await.is_err());
    // TLS, but no client certificate.
    let anonymous = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(std::fs::read(pki.ca()).unwrap()))
        .domain_name("127.0.0.1");
    let anonymous = Endpoint::from_shared(format!("https://{addr}"))
        .unwrap()
        .tls_config(anonymous)
        .unwrap()
        .connect_lazy();
    assert!(accounts(anonymous, &stack.admin).await.is_err());
    // A client certificate of another CA.
    let stranger = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(std::fs::read(pki.ca()).unwrap()))
        .identity(Identity::from_pem(
            std::fs::read(other.cert("cli")).unwrap(),
            std::fs::read(other.key("cli")).unwrap(),
        ))
        .domain_name("127.0.0.1");
    let stranger = Endpoint::from_shared(format!("https://{addr}"))
        .unwrap()
        .tls_config(stranger)
        .unwrap()
        .connect_lazy();
    assert!(accounts(stranger, &stack.admin).await.is_err());
    // A server whose certificate the client's CA did not sign is not trusted either.
    let wrong_ca = other.tls_args("cli", false);
    let config = wrong_ca
        .client_config(&format!("https://{addr}"))
        .unwrap()
        .unwrap();
    let untrusted = Endpoint::from_shared(format!("https://{addr}"))
        .unwrap()
        .tls_config(config)
        .unwrap()
        .connect_lazy();
    assert!(accounts(untrusted, &stack.admin).await.is_err());
    std::fs::remove_dir_all(&dir).ok();
}

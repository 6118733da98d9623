//! Start-up: refuse to run without a key, migrate an empty database, serve health and
//! reflection without a token.

use adsync_amazon_ads_sandbox::{Sandbox as AmazonSandbox, SandboxConfig as AmazonConfig};
use adsync_linkedin_sandbox::{Sandbox, SandboxConfig};
use adsync_server::Clock;
use adsync_test_harness::{TestDatabase, TestServer, assert_standard_server};

use crate::support::config;

#[tokio::test]
async fn migrates_an_empty_database_then_serves_health_and_reflection_without_a_token() {
    let db = TestDatabase::empty();
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let amazon = AmazonSandbox::start(AmazonConfig::default()).await.unwrap();
    let config = config(&db, &sandbox, (&amazon, None), Clock::default());
    let server =
        TestServer::start(|listener, shutdown| adsync_auth::serve(config, listener, shutdown))
            .await;

    assert_standard_server(server.channel(), adsync_proto::AUTH_SERVICE).await;
    assert_eq!(
        db.tables(),
        [
            "api_tokens",
            "oauth_connections",
            "oauth_states",
            "workspaces"
        ]
    );

    server.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn refuses_to_start_without_a_usable_encryption_key() {
    let db = TestDatabase::empty();
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let amazon = AmazonSandbox::start(AmazonConfig::default()).await.unwrap();
    for keys in ["", "k1:dG9vLXNob3J0"] {
        let mut config = config(&db, &sandbox, (&amazon, None), Clock::default());
        config.token_encryption_keys = keys.to_owned().into();
        let server =
            TestServer::start(|listener, shutdown| adsync_auth::serve(config, listener, shutdown))
                .await;
        let err = server.shutdown().await.expect_err("must not start");
        assert!(
            err.to_string().contains("ADSYNC_TOKEN_ENCRYPTION_KEYS"),
            "{err}"
        );
    }
    assert!(
        db.tables().is_empty(),
        "nothing was touched before the key check"
    );
}

#[tokio::test]
async fn fails_to_start_on_an_unreachable_database() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let amazon = AmazonSandbox::start(AmazonConfig::default()).await.unwrap();
    let mut config = config(
        &TestDatabase::empty(),
        &sandbox,
        (&amazon, None),
        Clock::default(),
    );
    config.db.database_url = "postgres://adsync:hunter2@127.0.0.1:1/adsync"
        .to_owned()
        .into();
    let server =
        TestServer::start(|listener, shutdown| adsync_auth::serve(config, listener, shutdown))
            .await;
    let err = server.shutdown().await.expect_err("must not start");
    assert!(err.to_string().contains("cannot connect"), "{err}");
}

#[test]
fn binary_exits_non_zero_with_a_clear_message_on_a_bad_database_url() {
    adsync_test_harness::assert_rejects_unreachable_database(env!("CARGO_BIN_EXE_adsync-auth"));
}

#[test]
fn binary_refuses_to_start_without_a_key() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_adsync-auth"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            "postgres://127.0.0.1:1/x",
        ])
        .env_remove("ADSYNC_TOKEN_ENCRYPTION_KEYS")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--token-encryption-keys"));
}

#[test]
fn help_documents_every_setting() {
    adsync_test_harness::assert_help_documents(
        env!("CARGO_BIN_EXE_adsync-auth"),
        &[
            "--listen",
            "--database-url",
            "DATABASE_URL",
            "--token-encryption-keys",
            "ADSYNC_TOKEN_ENCRYPTION_KEYS",
            "--linkedin-client-id",
            "--linkedin-client-secret",
            "--linkedin-redirect-uri",
            "--linkedin-token-url",
            "--linkedin-authorization-url",
            "--linkedin-scopes",
            "--linkedin-refresh-ahead-secs",
            "--amazon-client-id",
            "--amazon-client-secret",
            "--amazon-redirect-uri",
            "--amazon-authorization-url-na",
            "--amazon-authorization-url-eu",
            "--amazon-authorization-url-fe",
            "--amazon-token-url",
            "--amazon-scopes",
            "--amazon-refresh-ahead-secs",
            "--google-token-url",
            "--google-scopes",
            "--google-refresh-ahead-secs",
            "--oauth-state-ttl-secs",
            "--max-concurrent-calls",
            "--expiring-soon-days",
            "bootstrap-token",
        ],
    );
}

#[test]
fn bootstrap_token_prints_a_working_admin_token() {
    let db = TestDatabase::empty();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_adsync-auth"))
        .args([
            "bootstrap-token",
            "--database-url",
            db.url(),
            "--name",
            "first-admin",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let token = String::from_utf8(output.stdout).unwrap();
    assert!(
        token.trim().starts_with("adsync_") && token.trim().len() == 50,
        "{token}"
    );
}

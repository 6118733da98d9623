//! Start-up: migrate an empty database, then serve health, reflection and the API.

use adsync_proto::ingestion::GetSyncRunRequest;
use adsync_proto::ingestion::ingestion_service_client::IngestionServiceClient;
use adsync_test_harness::{TestDatabase, TestServer, assert_standard_server};

fn config(db: &TestDatabase) -> adsync_ingestion::Config {
    // Nothing listens on port 1: only health and reflection work without auth.
    adsync_ingestion::Config::from_flags([
        "--database-url",
        db.url(),
        "--auth-url",
        "http://127.0.0.1:1",
        "--service-token",
        "adsync_unused",
    ])
    .expect("flags")
}

#[tokio::test]
async fn migrates_an_empty_database_then_serves_health_and_reflection() {
    let db = TestDatabase::empty();
    let config = config(&db);
    let server =
        TestServer::start(|listener, shutdown| adsync_ingestion::serve(config, listener, shutdown))
            .await;

    assert_standard_server(server.channel(), adsync_proto::INGESTION_SERVICE).await;
    assert_eq!(
        db.tables(),
        [
            "account_row_counts",
            "amazon_ads.ad_groups",
            "amazon_ads.campaign_daily_metrics",
            "amazon_ads.campaigns",
            "amazon_ads.keywords",
            "amazon_ads.negative_keywords",
            "amazon_ads.product_ad_daily_metrics",
            "amazon_ads.product_ads",
            "amazon_ads.profiles",
            "amazon_ads.search_term_daily_metrics",
            "amazon_ads.targeting_daily_metrics",
            "amazon_ads.targets",
            "linkedin.account_daily_metrics",
            "linkedin.ad_accounts",
            "linkedin.audience_demographics",
            "linkedin.campaign_daily_metrics",
            "linkedin.campaign_groups",
            "linkedin.campaign_monthly_metrics",
            "linkedin.campaigns",
            "linkedin.creative_daily_metrics",
            "linkedin.creatives",
            "supplier_feed.items",
            "supplier_feed.prices",
            "supplier_feed.suppliers",
            "supplier_feed.uploads",
            "sync_accounts",
            "sync_errors",
            "sync_events",
            "sync_runs",
            "upstream_jobs"
        ]
    );

    server.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn fails_to_start_on_an_unreachable_database() {
    let mut config = config(&TestDatabase::empty());
    config.db.database_url = "postgres://adsync:hunter2@127.0.0.1:1/adsync"
        .to_owned()
        .into();
    let server =
        TestServer::start(|listener, shutdown| adsync_ingestion::serve(config, listener, shutdown))
            .await;
    let err = server.shutdown().await.expect_err("must not start");
    assert!(err.to_string().contains("cannot connect"), "{err}");
}

#[tokio::test]
async fn rpcs_refuse_callers_without_a_bearer_token() {
    let db = TestDatabase::empty();
    let config = config(&db);
    let server =
        TestServer::start(|listener, shutdown| adsync_ingestion::serve(config, listener, shutdown))
            .await;
    let status = IngestionServiceClient::new(server.channel())
        .get_sync_run(GetSyncRunRequest::default())
        .await
        .expect_err("no token");
    assert_eq!(status.code(), tonic::Code::Unauthenticated);
    assert!(
        status.message().contains("authorization"),
        "{}",
        status.message()
    );
    server.shutdown().await.expect("clean shutdown");
}

#[test]
fn binary_exits_non_zero_with_a_clear_message_on_a_bad_database_url() {
    adsync_test_harness::assert_rejects_unreachable_database(env!(
        "CARGO_BIN_EXE_adsync-ingestion"
    ));
}

#[test]
fn help_documents_every_setting() {
    adsync_test_harness::assert_help_documents(
        env!("CARGO_BIN_EXE_adsync-ingestion"),
        &[
            "--listen",
            "ADSYNC_LISTEN",
            "--database-url",
            "DATABASE_URL",
            "--log-format",
            "--db-max-connections",
            "--max-concurrent-calls",
            "--amazon-client-id",
            "--amazon-api-url-eu",
            "--amazon-regions",
            "--amazon-backfill-days",
            "--amazon-restatement-days",
            "--amazon-report-poll-ms",
            "--amazon-report-max-wait-secs",
        ],
    );
}

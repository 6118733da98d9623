//! The ingestion binary killed with SIGKILL in the middle of a sync, then started again:
//! the dead run ends FAILED with a reason, a new request for the account syncs it at
//! once (waiting on the upstream reports the dead run asked for, not asking again), and
//! no partial data is ever visible in the warehouse.

use std::time::Instant;

use adsync_e2e::{Stack, bearer};
use adsync_linkedin_sandbox::{Faults, SandboxConfig, Size};
use adsync_proto::auth::Scope;
use adsync_proto::ingestion::ingestion_service_client::IngestionServiceClient;
use adsync_proto::ingestion::{
    DiscoverAccountsRequest, GetSyncRunRequest, Source, StartSyncRequest, SyncStage, SyncStatus,
    TriggerSyncRequest, UpstreamReportState, WatchSyncRequest, sync_event,
};
use adsync_test_harness::ServiceProcess;
use tonic::transport::Channel;

const BINARY: &str = env!("CARGO_BIN_EXE_adsync-ingestion");

/// Rows of the account in every LinkedIn table.
fn stored(stack: &Stack, account: i64) -> i64 {
    stack.count(&format!(
        "SELECT (SELECT count(*) FROM linkedin.ad_accounts WHERE id = {account}) \
              + (SELECT count(*) FROM linkedin.campaign_groups WHERE account_id = {account}) \
              + (SELECT count(*) FROM linkedin.campaigns WHERE account_id = {account}) \
              + (SELECT count(*) FROM linkedin.creatives WHERE account_id = {account}) \
              + (SELECT count(*) FROM linkedin.campaign_daily_metrics WHERE account_id = {account}) \
              + (SELECT count(*) FROM linkedin.creative_daily_metrics WHERE account_id = {account}) \
              + (SELECT count(*) FROM linkedin.audience_demographics WHERE account_id = {account}) AS n"
    ))
}

async fn client(process: &ServiceProcess) -> IngestionServiceClient<Channel> {
    let channel = Channel::from_shared(process.uri())
        .expect("uri")
        .connect()
        .await
        .expect("connect to the ingestion process");
    IngestionServiceClient::new(channel)
}

/// A stack whose sandbox has one account large enough that its fetch and merge take a
/// moment; (stack, operator token, account).
async fn large_account() -> (Stack, String, i64) {
    let stack = Stack::start(SandboxConfig {
        size: Size {
            accounts: 1,
            campaign_groups_per_account: 5,
            campaigns_per_account: 400,
            creatives_per_campaign: 3,
            days: 120,
        },
        ..SandboxConfig::default()
    })
    .await;
    stack.connect().await;
    let (operator, _) = stack
        .token("operator", &[Scope::SyncWrite, Scope::SyncRead])
        .await;
    let account = IngestionServiceClient::new(stack.ingestion.channel())
        .discover_accounts(bearer(DiscoverAccountsRequest::default(), &operator))
        .await
        .expect("discover")
        .into_inner()
        .accounts[0]
        .account_id;
    (stack, operator, account)
}

/// Starts a forced sync of `account` on `process`, follows its events until `stage`
/// begins, then kills the process. Returns the killed run's id.
async fn kill_during(stack: &Stack, operator: &str, account: i64, stage: SyncStage) -> String {
    let process = ServiceProcess::spawn(
        BINARY,
        &stack.ingestion_flags(&["--schedule-interval-secs", "0"]),
    );
    let mut ingestion = client(&process).await;
    let run_id = ingestion
        .trigger_sync(bearer(
            TriggerSyncRequest {
                account_id: account,
                force: true,
                ..Default::default()
            },
            operator,
        ))
        .await
        .expect("trigger")
        .into_inner()
        .run_id;
    let mut events = ingestion
        .watch_sync(bearer(
            WatchSyncRequest {
                run_id: run_id.clone(),
                after_sequence: 0,
            },
            operator,
        ))
        .await
        .expect("watch")
        .into_inner();
    loop {
        let event = events
            .message()
            .await
            .expect("event")
            .expect("the run goes on")
            .event
            .expect("event");
        assert!(
            !matches!(event.payload, Some(sync_event::Payload::RunFinished(_))),
            "the run ended before {stage:?}"
        );
        if event.stage == stage as i32 {
            break;
        }
    }
    process.kill();
    run_id
}

/// After the kill: a new process, a StartSync that ends SUCCESS, the dead run FAILED.
async fn restart_and_sync(stack: &Stack, operator: &str, account: i64, dead_run: &str) {
    let process = ServiceProcess::spawn(
        BINARY,
        &stack.ingestion_flags(&["--schedule-interval-secs", "0"]),
    );
    let mut ingestion = client(&process).await;
    let asked = Instant::now();
    let events = adsync_e2e::start_sync(
        &mut ingestion,
        operator,
        StartSyncRequest {
            account_id: account,
            ..Default::default()
        },
    )
    .await;
    let finished = adsync_e2e::finished(&events);
    assert_eq!(
        finished.status(),
        SyncStatus::Success,
        "{}",
        finished.reason
    );
    let run = finished.run.as_ref().expect("the run");
    assert_ne!(run.run_id, dead_run, "a new run, not the dead one");
    eprintln!(
        "the account synced again in {:.1} s after the restart",
        asked.elapsed().as_secs_f64()
    );
    let dead = ingestion
        .get_sync_run(bearer(
            GetSyncRunRequest {
                run_id: dead_run.to_owned(),
            },
            operator,
        ))
        .await
        .expect("the dead run")
        .into_inner()
        .run
        .expect("run");
    assert_eq!(dead.status(), SyncStatus::Failed);
    assert!(
        dead.reason.contains("process running it stopped"),
        "{}",
        dead.reason
    );
}

#[tokio::test]
async fn a_sync_killed_while_fetching_is_failed_and_the_next_request_syncs_the_account() {
    let (stack, operator, account) = large_account().await;
    stack.sandbox.set_faults(Faults {
        slow_ratio: 1.0,
        slow_delay_ms: 30,
        ..Default::default()
    });
    let dead = kill_during(&stack, &operator, account, SyncStage::CampaignMetrics).await;
    // Staged rows are never warehouse rows.
    assert_eq!(
        stored(&stack, account),
        0,
        "nothing of the killed run is visible"
    );
    stack.sandbox.set_faults(Faults::default());
    restart_and_sync(&stack, &operator, account, &dead).await;
    assert!(stored(&stack, account) > 0);
    assert_eq!(
        stack.count("SELECT count(*) AS n FROM pg_namespace WHERE nspname LIKE 'sync_run_%'"),
        0,
        "the dead run's staging is dropped"
    );
}

#[tokio::test]
async fn a_sync_killed_while_merging_commits_all_or_nothing_and_the_next_request_syncs_the_account()
{
    let (stack, operator, account) = large_account().await;
    let dead = kill_during(&stack, &operator, account, SyncStage::Write).await;
    let after_kill = stored(&stack, account);
    restart_and_sync(&stack, &operator, account, &dead).await;
    let complete = stored(&stack, account);
    assert!(
        after_kill == 0 || after_kill == complete,
        "{after_kill} rows after the kill: neither nothing nor everything ({complete})"
    );
}

#[tokio::test]
async fn a_sync_killed_while_amazon_reports_generate_resumes_them_after_a_restart_without_asking_again()
 {
    // Reports take three seconds to generate: the kill lands while all are pending.
    let stack = Stack::start_with_amazon(adsync_amazon_ads_sandbox::SandboxConfig {
        report_pending_ms: 2_000,
        report_processing_ms: 1_000,
        ..Default::default()
    })
    .await;
    stack.connect_amazon(adsync_proto::auth::Region::Na).await;
    let (operator, _) = stack
        .token("operator", &[Scope::SyncWrite, Scope::SyncRead])
        .await;
    let profile = IngestionServiceClient::new(stack.ingestion.channel())
        .discover_accounts(bearer(
            DiscoverAccountsRequest {
                source: Source::AmazonAds as i32,
                ..Default::default()
            },
            &operator,
        ))
        .await
        .expect("discover")
        .into_inner()
        .accounts[0]
        .account_id;
    let flags = [
        "--schedule-interval-secs",
        "0",
        "--amazon-reports-in-flight",
        "16",
    ];

    let process = ServiceProcess::spawn(BINARY, &stack.ingestion_flags(&flags));
    let mut ingestion = client(&process).await;
    let run_id = ingestion
        .trigger_sync(bearer(
            TriggerSyncRequest {
                account_id: profile,
                source: Source::AmazonAds as i32,
                force: true,
                ..Default::default()
            },
            &operator,
        ))
        .await
        .expect("trigger")
        .into_inner()
        .run_id;
    let mut events = ingestion
        .watch_sync(bearer(
            WatchSyncRequest {
                run_id: run_id.clone(),
                after_sequence: 0,
            },
            &operator,
        ))
        .await
        .expect("watch")
        .into_inner();
    // Every report is asked for and checked once (still generating): then the kill.
    let mut pending = 0;
    while pending < 16 {
        let event = events
            .message()
            .await
            .expect("event")
            .expect("the run goes on")
            .event
            .expect("event");
        if let Some(sync_event::Payload::Report(r)) = &event.payload {
            pending += i32::from(r.state == UpstreamReportState::Pending as i32);
        }
        assert!(
            !matches!(event.payload, Some(sync_event::Payload::RunFinished(_))),
            "the run ended before its reports were pending"
        );
    }
    process.kill();
    let asked = stack.amazon.reports_created();
    assert_eq!(
        asked, 16,
        "four report types over 95 days, four slices each"
    );
    assert_eq!(
        stack.count("SELECT count(*) AS n FROM upstream_jobs WHERE state = 'pending'"),
        16,
        "every request was recorded before it was waited on"
    );

    let process = ServiceProcess::spawn(BINARY, &stack.ingestion_flags(&flags));
    let mut ingestion = client(&process).await;
    let events = adsync_e2e::start_sync(
        &mut ingestion,
        &operator,
        StartSyncRequest {
            account_id: profile,
            source: Source::AmazonAds as i32,
            ..Default::default()
        },
    )
    .await;
    let finished = adsync_e2e::finished(&events);
    assert_eq!(
        finished.status(),
        SyncStatus::Success,
        "{}",
        finished.reason
    );
    assert_ne!(finished.run.as_ref().unwrap().run_id, run_id);
    assert_eq!(
        stack.amazon.reports_created(),
        asked,
        "the restarted sync waited on the reports already asked for"
    );
    assert!(
        stack.count(&format!(
            "SELECT count(*) AS n FROM amazon_ads.campaign_daily_metrics WHERE profile_id = {profile}"
        )) > 0
    );
}

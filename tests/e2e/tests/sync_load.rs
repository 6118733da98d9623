//! Many syncs at once: a replica runs at most its configured number of syncs, queues the
//! rest (and says so), holds a pooled connection only while a sync writes, and keeps
//! answering while it works.

use std::collections::{BTreeSet, HashMap};

use adsync_e2e::{Stack, bearer};
use adsync_linkedin_sandbox::{Faults, SandboxConfig, Size};
use adsync_proto::auth::Scope;
use adsync_proto::ingestion::ingestion_service_client::IngestionServiceClient;
use adsync_proto::ingestion::{
    DiscoverAccountsRequest, SubscribeSyncEventsRequest, SyncStage, SyncStatus, TriggerSyncRequest,
    sync_event,
};
use adsync_proto::reporting::GetSyncStatusRequest;
use adsync_proto::reporting::reporting_service_client::ReportingServiceClient;

#[tokio::test]
async fn fifty_accounts_at_once_run_eight_at_a_time_on_a_pool_of_sixteen_and_all_succeed() {
    let stack = Stack::start(SandboxConfig {
        size: Size {
            accounts: 50,
            campaign_groups_per_account: 1,
            campaigns_per_account: 2,
            creatives_per_campaign: 1,
            days: 10,
        },
        // Slow enough that the syncs overlap.
        faults: Faults {
            slow_ratio: 1.0,
            slow_delay_ms: 15,
            ..Default::default()
        },
        ..SandboxConfig::default()
    })
    .await;
    stack.connect().await;
    let (operator, _) = stack
        .token(
            "operator",
            &[Scope::SyncWrite, Scope::SyncRead, Scope::ReportsRead],
        )
        .await;
    let replica = stack
        .start_ingestion_replica(&[
            "--schedule-interval-secs",
            "0",
            "--db-max-connections",
            "16",
            "--max-concurrent-syncs",
            "8",
            "--upstream-concurrency",
            "16",
        ])
        .await;
    let mut client = IngestionServiceClient::new(replica.channel());
    let accounts: Vec<i64> = client
        .discover_accounts(bearer(DiscoverAccountsRequest::default(), &operator))
        .await
        .expect("discover")
        .into_inner()
        .accounts
        .iter()
        .map(|a| a.account_id)
        .collect();
    assert_eq!(accounts.len(), 50);
    let mut feed = client
        .subscribe_sync_events(bearer(SubscribeSyncEventsRequest::default(), &operator))
        .await
        .expect("subscribe")
        .into_inner();

    // All fifty at once.
    let triggers = accounts.iter().map(|account| {
        let mut client = client.clone();
        let operator = operator.clone();
        let account = *account;
        async move {
            client
                .trigger_sync(bearer(
                    TriggerSyncRequest {
                        account_id: account,
                        force: true,
                        ..Default::default()
                    },
                    &operator,
                ))
                .await
                .expect("trigger")
                .into_inner()
                .run_id
        }
    });
    let runs: BTreeSet<String> = futures::future::join_all(triggers)
        .await
        .into_iter()
        .collect();
    assert_eq!(runs.len(), 50, "one run per account");

    // While they run, reporting answers as usual.
    let status = ReportingServiceClient::new(stack.reporting.channel())
        .get_sync_status(bearer(GetSyncStatusRequest::default(), &operator))
        .await
        .expect("reporting answers during the storm")
        .into_inner();
    assert_eq!(status.accounts.len(), 50);

    // In the order events were committed: a run fetches from its first stage to its end;
    // never more than eight at once.
    let (mut fetching, mut most, mut queued) = (0i32, 0i32, 0);
    let mut ended: HashMap<String, i32> = HashMap::new();
    while ended.len() < 50 {
        let event = feed
            .message()
            .await
            .expect("feed")
            .expect("the feed goes on")
            .event
            .expect("event");
        if !runs.contains(&event.run_id) {
            continue;
        }
        match event.payload {
            Some(sync_event::Payload::RunQueued(q)) => {
                assert_eq!(q.limit, 8);
                queued += 1;
            }
            Some(sync_event::Payload::StageStarted(_))
                if event.stage == SyncStage::Account as i32 =>
            {
                fetching += 1;
                most = most.max(fetching);
            }
            Some(sync_event::Payload::RunFinished(f)) => {
                fetching -= 1;
                ended.insert(event.run_id.clone(), f.status);
            }
            _ => {}
        }
    }
    assert!(most <= 8, "{most} syncs ran at once");
    assert!(queued > 0, "no run said it was queued");
    let failed: Vec<_> = ended
        .iter()
        .filter(|(_, status)| **status != SyncStatus::Success as i32)
        .collect();
    assert!(failed.is_empty(), "not every run succeeded: {failed:?}");
    replica.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn a_replica_shutting_down_ends_its_event_streams_so_it_can_exit() {
    let stack = Stack::start(SandboxConfig::default()).await;
    let (operator, _) = stack.token("agent", &[Scope::SyncRead]).await;
    let replica = stack
        .start_ingestion_replica(&["--schedule-interval-secs", "0"])
        .await;
    let mut feed = IngestionServiceClient::new(replica.channel())
        .subscribe_sync_events(bearer(SubscribeSyncEventsRequest::default(), &operator))
        .await
        .expect("subscribe")
        .into_inner();
    let (ended, stopped) = tokio::join!(feed.message(), replica.shutdown());
    stopped.expect("the replica stops");
    let status = ended.expect_err("the stream ends with a status");
    assert_eq!(status.code(), tonic::Code::Unavailable);
    assert!(
        status.message().contains("reconnect"),
        "{}",
        status.message()
    );
}

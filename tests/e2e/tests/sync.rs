//! The sync end to end: sandbox -> ingestion (tokens from auth) -> PostgreSQL, driven
//! through the gRPC API as a client would.

use adsync_e2e::{Stack, bearer};
use adsync_linkedin_sandbox::{SandboxConfig, Size};
use adsync_proto::auth::Scope;
use adsync_proto::ingestion::ingestion_service_client::IngestionServiceClient;
use adsync_proto::ingestion::{
    DiscoverAccountsRequest, StartSyncRequest, SyncEvent, SyncStatus, SyncTrigger, sync_event,
};
use diesel::{QueryableByName, RunQueryDsl, sql_query};
use tonic::transport::Channel;

/// Runs StartSync to its end; all events received.
async fn start_sync(
    client: &mut IngestionServiceClient<Channel>,
    token: &str,
    req: StartSyncRequest,
) -> Vec<SyncEvent> {
    let mut stream = client
        .start_sync(bearer(req, token))
        .await
        .expect("start sync")
        .into_inner();
    let mut events = Vec::new();
    while let Some(message) = stream.message().await.expect("event") {
        events.push(message.event.expect("event"));
    }
    events
}

fn finished(events: &[SyncEvent]) -> &adsync_proto::ingestion::RunFinished {
    match events.last().and_then(|e| e.payload.as_ref()) {
        Some(sync_event::Payload::RunFinished(f)) => f,
        other => panic!("the last event is not RunFinished: {other:?}"),
    }
}

#[derive(QueryableByName, Debug, PartialEq)]
struct MetricRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    campaign_id: i64,
    #[diesel(sql_type = diesel::sql_types::Date)]
    date: chrono::NaiveDate,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    impressions: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    clicks: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    cost: String,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    created_at: chrono::DateTime<chrono::Utc>,
}

#[tokio::test]
async fn a_sync_stores_the_ground_truth_and_a_scheduled_resync_is_skipped_without_upstream_calls() {
    let size = Size {
        accounts: 2,
        campaign_groups_per_account: 2,
        campaigns_per_account: 4,
        creatives_per_campaign: 2,
        days: 40,
    };
    let stack = Stack::start(SandboxConfig {
        size,
        ..SandboxConfig::default()
    })
    .await;
    stack.connect().await;
    let (operator, _) = stack
        .token("operator", &[Scope::SyncWrite, Scope::SyncRead])
        .await;
    let mut client = IngestionServiceClient::new(stack.ingestion.channel());
    let accounts = client
        .discover_accounts(bearer(DiscoverAccountsRequest::default(), &operator))
        .await
        .unwrap()
        .into_inner()
        .accounts;
    let account = accounts[0].account_id;

    let events = start_sync(
        &mut client,
        &operator,
        StartSyncRequest {
            account_id: account,
            ..Default::default()
        },
    )
    .await;
    let done = finished(&events);
    assert_eq!(done.status(), SyncStatus::Success, "{}", done.reason);
    let run = done.run.as_ref().unwrap();
    assert!(run.upstream_calls > 0);
    assert!(
        events
            .windows(2)
            .all(|w| w[1].sequence == w[0].sequence + 1),
        "gapless sequences"
    );

    // Every stored campaign-day equals the sandbox's, money to the last digit, and no
    // campaign of the other account is stored.
    let truth = stack.sandbox.truth();
    let range = run.date_range.as_ref().unwrap();
    let start: chrono::NaiveDate = range.start_date.parse().unwrap();
    let end: chrono::NaiveDate = range.end_date.parse().unwrap();
    let stored: Vec<MetricRow> = sql_query(
        "SELECT campaign_id, date, impressions, clicks, cost::text AS cost, created_at FROM campaign_daily_metrics ORDER BY campaign_id, date",
    )
    .load(&mut stack.db.connect())
    .unwrap();
    let mut expected = Vec::new();
    for campaign in truth.campaigns(account) {
        for day in start.iter_days().take_while(|d| *d <= end) {
            if let Some(m) = truth.campaign_day(campaign.id, day) {
                expected.push((campaign.id, day, m.impressions, m.clicks, m.cost_string()));
            }
        }
    }
    let got: Vec<_> = stored
        .iter()
        .map(|r| {
            (
                r.campaign_id,
                r.date,
                r.impressions,
                r.clicks,
                trim(&r.cost),
            )
        })
        .collect();
    assert_eq!(
        got,
        expected
            .iter()
            .map(|e| (e.0, e.1, e.2, e.3, trim(&e.4)))
            .collect::<Vec<_>>()
    );
    assert!(!expected.is_empty());

    // SCHEDULED within the TTL: skipped, zero upstream calls, nothing rewritten.
    let calls_before = stack.sandbox.rest_calls();
    let skipped = start_sync(
        &mut client,
        &operator,
        StartSyncRequest {
            account_id: account,
            trigger: SyncTrigger::Scheduled as i32,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(finished(&skipped).status(), SyncStatus::Skipped);
    assert_eq!(
        stack.sandbox.rest_calls(),
        calls_before,
        "a gated sync calls nothing upstream"
    );

    // Forced: fetches again, writes no changed row, keeps created_at.
    let forced = start_sync(
        &mut client,
        &operator,
        StartSyncRequest {
            account_id: account,
            trigger: SyncTrigger::Scheduled as i32,
            force: true,
            ..Default::default()
        },
    )
    .await;
    let forced = finished(&forced);
    assert_eq!(forced.status(), SyncStatus::Success, "{}", forced.reason);
    for count in &forced.run.as_ref().unwrap().entity_counts {
        assert_eq!(count.written, 0, "{count:?} rewrote unchanged rows");
    }
    let again: Vec<MetricRow> = sql_query(
        "SELECT campaign_id, date, impressions, clicks, cost::text AS cost, created_at FROM campaign_daily_metrics ORDER BY campaign_id, date",
    )
    .load(&mut stack.db.connect())
    .unwrap();
    assert_eq!(again, stored);
}

fn trim(decimal: &str) -> String {
    if decimal.contains('.') {
        let t = decimal.trim_end_matches('0');
        t.trim_end_matches('.').to_owned()
    } else {
        decimal.to_owned()
    }
}

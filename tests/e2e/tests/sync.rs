//! The sync end to end: sandbox -> ingestion (tokens from auth) -> PostgreSQL, driven
//! through the gRPC API as a client would.

use adsync_e2e::{Stack, bearer, finished, start_sync};
use adsync_linkedin_sandbox::{SandboxConfig, Size};
use adsync_proto::auth::Scope;
use adsync_proto::ingestion::ingestion_service_client::IngestionServiceClient;
use adsync_proto::ingestion::{
    DiscoverAccountsRequest, StartSyncRequest, SyncStatus, SyncTrigger, sync_event,
};
use chrono::Days;
use diesel::{QueryableByName, RunQueryDsl, sql_query};
use tonic::transport::Channel;

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
        "SELECT campaign_id, date, impressions, clicks, cost::text AS cost, created_at FROM linkedin.campaign_daily_metrics ORDER BY campaign_id, date",
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
        "SELECT campaign_id, date, impressions, clicks, cost::text AS cost, created_at FROM linkedin.campaign_daily_metrics ORDER BY campaign_id, date",
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

async fn ready(size: Size) -> (Stack, String, i64, IngestionServiceClient<Channel>) {
    let stack = Stack::start(SandboxConfig {
        size,
        ..SandboxConfig::default()
    })
    .await;
    let (operator, account, client) = stack.ready_to_sync().await;
    (stack, operator, account, client)
}

fn count(stack: &Stack, sql: &str) -> i64 {
    stack.count(sql)
}

#[tokio::test]
async fn with_malformed_records_5xx_and_rate_limits_the_sync_ends_partial_and_keeps_every_valid_record()
 {
    use adsync_linkedin_sandbox::{Faults, MalformedKey, RateLimit, RetryAfterStyle};
    let size = Size {
        accounts: 1,
        campaign_groups_per_account: 2,
        campaigns_per_account: 30,
        creatives_per_campaign: 2,
        days: 20,
    };
    let (stack, operator, account, mut client) = ready(size).await;
    stack.sandbox.set_faults(Faults {
        malformed_ratio: 0.05,
        error_ratio: 0.10,
        rate_limit: Some(RateLimit {
            max_calls: 8,
            window_ms: 200,
            retry_after: RetryAfterStyle::Seconds,
        }),
        ..Faults::default()
    });
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
    assert_eq!(done.status(), SyncStatus::Partial, "{}", done.reason);

    let truth = stack.sandbox.truth();
    let campaigns = truth.campaigns(account);
    let bad_campaigns: Vec<i64> = campaigns
        .iter()
        .filter(|c| truth.is_malformed(MalformedKey::Campaign(c.id)))
        .map(|c| c.id)
        .collect();
    let good_campaigns = campaigns.len() as i64 - bad_campaigns.len() as i64;
    assert!(
        !bad_campaigns.is_empty() || count(&stack, "SELECT count(*) AS n FROM sync_errors") > 0
    );
    assert_eq!(
        count(&stack, "SELECT count(*) AS n FROM linkedin.campaigns"),
        good_campaigns,
        "every valid campaign stored"
    );
    for id in &bad_campaigns {
        let n = count(
            &stack,
            &format!(
                "SELECT count(*) AS n FROM sync_errors WHERE entity = 'campaign' AND upstream_id = '{id}'"
            ),
        );
        assert_eq!(
            n, 1,
            "malformed campaign {id} is in sync_errors with its raw JSON"
        );
    }
    let warnings = events
        .iter()
        .filter(|e| matches!(e.payload, Some(sync_event::Payload::Warning(_))))
        .count() as i64;
    assert_eq!(
        warnings,
        count(
            &stack,
            "SELECT count(*) AS n FROM sync_errors WHERE reason NOT LIKE 'its %'"
        )
    );
    assert!(done.run.as_ref().unwrap().error_count > 0);
}

#[tokio::test]
async fn twenty_concurrent_start_syncs_make_one_upstream_sync_and_end_alike() {
    let size = Size {
        accounts: 1,
        campaign_groups_per_account: 1,
        campaigns_per_account: 6,
        creatives_per_campaign: 2,
        days: 20,
    };
    let (stack, operator, account, client) = ready(size).await;
    stack.sandbox.set_faults(adsync_linkedin_sandbox::Faults {
        slow_ratio: 1.0,
        slow_delay_ms: 20,
        ..Default::default()
    });
    let calls_before = stack.sandbox.rest_calls();
    let streams = (0..20).map(|_| {
        let mut client = client.clone();
        let operator = operator.clone();
        async move {
            start_sync(
                &mut client,
                &operator,
                StartSyncRequest {
                    account_id: account,
                    ..Default::default()
                },
            )
            .await
        }
    });
    let all = futures::future::join_all(streams).await;
    let ends: Vec<_> = all.iter().map(|events| finished(events).clone()).collect();
    assert!(
        ends.iter().all(|e| e == &ends[0]),
        "all 20 streams end with the same terminal event"
    );
    assert_eq!(ends[0].status(), SyncStatus::Success);
    assert_eq!(
        count(&stack, "SELECT count(*) AS n FROM sync_runs"),
        1,
        "one run"
    );
    let calls = stack.sandbox.rest_calls() - calls_before;
    assert_eq!(
        calls as i64,
        ends[0].run.as_ref().unwrap().upstream_calls,
        "one upstream sync's calls"
    );
}

#[tokio::test]
async fn watch_sync_resumes_after_a_disconnect_without_gaps_or_duplicates() {
    use adsync_proto::ingestion::{TriggerSyncRequest, WatchSyncRequest};
    let size = Size {
        accounts: 1,
        campaign_groups_per_account: 1,
        campaigns_per_account: 5,
        creatives_per_campaign: 2,
        days: 20,
    };
    let (stack, operator, account, mut client) = ready(size).await;
    stack.sandbox.set_faults(adsync_linkedin_sandbox::Faults {
        slow_ratio: 1.0,
        slow_delay_ms: 30,
        ..Default::default()
    });
    let run_id = client
        .trigger_sync(bearer(
            TriggerSyncRequest {
                account_id: account,
                ..Default::default()
            },
            &operator,
        ))
        .await
        .unwrap()
        .into_inner()
        .run_id;

    // Read three events, hang up, come back with the last sequence seen.
    let mut first = client
        .watch_sync(bearer(
            WatchSyncRequest {
                run_id: run_id.clone(),
                after_sequence: 0,
            },
            &operator,
        ))
        .await
        .unwrap()
        .into_inner();
    let mut seen = Vec::new();
    while seen.len() < 3 {
        seen.push(
            first
                .message()
                .await
                .unwrap()
                .unwrap()
                .event
                .unwrap()
                .sequence,
        );
    }
    drop(first);
    let mut second = client
        .watch_sync(bearer(
            WatchSyncRequest {
                run_id: run_id.clone(),
                after_sequence: *seen.last().unwrap(),
            },
            &operator,
        ))
        .await
        .unwrap()
        .into_inner();
    while let Some(message) = second.message().await.unwrap() {
        seen.push(message.event.unwrap().sequence);
    }
    let expected: Vec<i64> = (1..=seen.len() as i64).collect();
    assert_eq!(seen, expected, "every event once, in order");

    let unknown = client
        .watch_sync(bearer(
            WatchSyncRequest {
                run_id: uuid_string(),
                after_sequence: 0,
            },
            &operator,
        ))
        .await;
    let status = match unknown {
        Err(s) => s,
        Ok(stream) => stream.into_inner().message().await.unwrap_err(),
    };
    assert_eq!(status.code(), tonic::Code::NotFound);
    let _ = stack;
}

fn uuid_string() -> String {
    "0190a0b0-c0d0-7e0f-8000-000000000001".to_owned()
}

#[tokio::test]
async fn bad_requests_are_refused_with_field_details_and_create_no_run() {
    use adsync_proto::ingestion::{DateRange, TriggerSyncRequest};
    use tonic_types::StatusExt;
    let size = Size {
        accounts: 1,
        campaign_groups_per_account: 1,
        campaigns_per_account: 2,
        creatives_per_campaign: 1,
        days: 10,
    };
    let (stack, operator, account, mut client) = ready(size).await;
    let today = stack.clock.now().date_naive();
    let cases = [
        (
            TriggerSyncRequest::default(),
            tonic::Code::InvalidArgument,
            "account_id",
        ),
        (
            TriggerSyncRequest {
                account_id: account,
                trigger: 42,
                ..Default::default()
            },
            tonic::Code::InvalidArgument,
            "trigger",
        ),
        (
            TriggerSyncRequest {
                account_id: account,
                date_range: Some(DateRange {
                    start_date: "2026-11-10".into(),
                    end_date: "2026-11-01".into(),
                }),
                ..Default::default()
            },
            tonic::Code::InvalidArgument,
            "date_range",
        ),
        (
            TriggerSyncRequest {
                account_id: account,
                date_range: Some(DateRange {
                    start_date: "2020-01-01".into(),
                    end_date: "2026-11-01".into(),
                }),
                ..Default::default()
            },
            tonic::Code::InvalidArgument,
            "date_range",
        ),
        (
            TriggerSyncRequest {
                account_id: account,
                date_range: Some(DateRange {
                    start_date: "yesterday".into(),
                    end_date: "2026-11-01".into(),
                }),
                ..Default::default()
            },
            tonic::Code::InvalidArgument,
            "date_range.start_date",
        ),
        (
            TriggerSyncRequest {
                account_id: 999,
                ..Default::default()
            },
            tonic::Code::NotFound,
            "",
        ),
        // Days that are not over yet: entirely in the future, and ending today (UTC).
        (
            TriggerSyncRequest {
                account_id: account,
                date_range: Some(DateRange {
                    start_date: (today + Days::new(30)).to_string(),
                    end_date: (today + Days::new(40)).to_string(),
                }),
                ..Default::default()
            },
            tonic::Code::InvalidArgument,
            "date_range.end_date",
        ),
        (
            TriggerSyncRequest {
                account_id: account,
                force: true,
                date_range: Some(DateRange {
                    start_date: (today - Days::new(3)).to_string(),
                    end_date: today.to_string(),
                }),
                ..Default::default()
            },
            tonic::Code::InvalidArgument,
            "date_range",
        ),
    ];
    for (request, code, field) in cases {
        let status = client
            .trigger_sync(bearer(request.clone(), &operator))
            .await
            .unwrap_err();
        assert_eq!(status.code(), code, "{request:?}: {status:?}");
        if !field.is_empty() {
            let fields: Vec<String> = status
                .get_error_details()
                .bad_request()
                .unwrap()
                .field_violations
                .iter()
                .map(|v| v.field.clone())
                .collect();
            // A range ending today is refused by the request's own check before 10:00
            // UTC (no day is complete anywhere yet) and by the account's day after it:
            // `date_range.end_date` or `date_range`, both under `date_range`.
            assert!(fields.iter().any(|f| f.starts_with(field)), "{fields:?}");
        }
    }
    assert_eq!(count(&stack, "SELECT count(*) AS n FROM sync_runs"), 0);
}

#[tokio::test]
async fn restated_days_inside_the_window_are_picked_up_by_the_next_sync() {
    let size = Size {
        accounts: 1,
        campaign_groups_per_account: 1,
        campaigns_per_account: 3,
        creatives_per_campaign: 1,
        days: 30,
    };
    let (stack, operator, account, mut client) = ready(size).await;
    let first = start_sync(
        &mut client,
        &operator,
        StartSyncRequest {
            account_id: account,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(finished(&first).status(), SyncStatus::Success);
    let total = |stack: &Stack| {
        count(
            stack,
            "SELECT coalesce(sum(impressions), 0)::bigint AS n FROM linkedin.campaign_daily_metrics",
        )
    };
    let before = total(&stack);

    let yesterday = stack.sandbox.truth().today() - chrono::Days::new(1);
    stack
        .sandbox
        .restate(yesterday - chrono::Days::new(5), yesterday);
    let second = start_sync(
        &mut client,
        &operator,
        StartSyncRequest {
            account_id: account,
            ..Default::default()
        },
    )
    .await;
    let done = finished(&second);
    assert_eq!(done.status(), SyncStatus::Success);
    let written: i64 = done
        .run
        .as_ref()
        .unwrap()
        .entity_counts
        .iter()
        .filter(|c| c.entity == 5)
        .map(|c| c.written)
        .sum();
    assert!(written > 0, "restated campaign days were rewritten");
    assert_ne!(total(&stack), before);

    // And the stored values are the restated ones.
    let truth = stack.sandbox.truth();
    let expected: i64 = truth
        .campaigns(account)
        .iter()
        .map(|c| {
            truth
                .campaign_total(c.id, truth.first_day(), yesterday)
                .impressions
        })
        .sum();
    assert_eq!(total(&stack), expected);
}

#[tokio::test]
async fn a_failure_while_committing_leaves_the_previous_data_and_fails_the_run() {
    let size = Size {
        accounts: 1,
        campaign_groups_per_account: 1,
        campaigns_per_account: 4,
        creatives_per_campaign: 2,
        days: 20,
    };
    let (stack, operator, account, mut client) = ready(size).await;
    let first = start_sync(
        &mut client,
        &operator,
        StartSyncRequest {
            account_id: account,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(finished(&first).status(), SyncStatus::Success);
    let snapshot = || {
        count(
            &stack,
            "SELECT coalesce(sum(impressions), 0)::bigint + count(*) AS n FROM linkedin.campaign_daily_metrics",
        )
    };
    let before = snapshot();

    // Everything restated; the merge of the campaign metrics will fail half-way through
    // the commit, after the accounts, groups, campaigns and creatives were merged.
    let truth_today = stack.sandbox.truth().today();
    stack
        .sandbox
        .restate(truth_today - chrono::Days::new(30), truth_today);
    diesel::connection::SimpleConnection::batch_execute(
        &mut stack.db.connect(),
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN RAISE EXCEPTION 'refused for the test'; END $$; \
         CREATE TRIGGER refuse BEFORE UPDATE ON linkedin.campaign_daily_metrics \
         FOR EACH STATEMENT EXECUTE FUNCTION refuse()",
    )
    .unwrap();
    let events = start_sync(
        &mut client,
        &operator,
        StartSyncRequest {
            account_id: account,
            force: true,
            ..Default::default()
        },
    )
    .await;
    let end = finished(&events);
    assert_eq!(end.status(), SyncStatus::Failed);
    assert!(
        end.reason.contains("refused for the test"),
        "{}",
        end.reason
    );
    assert_eq!(snapshot(), before, "previous data intact");
    assert_eq!(
        count(
            &stack,
            "SELECT count(*) AS n FROM pg_namespace WHERE nspname LIKE 'sync_run_%'"
        ),
        0,
        "the failed run's staging is dropped"
    );
}

#[tokio::test]
async fn runs_are_listed_newest_first_page_by_page_and_events_can_be_followed_across_runs() {
    use adsync_proto::ingestion::{ListSyncRunsRequest, SubscribeSyncEventsRequest};
    let size = Size {
        accounts: 1,
        campaign_groups_per_account: 1,
        campaigns_per_account: 2,
        creatives_per_campaign: 1,
        days: 10,
    };
    let (_stack, operator, account, mut client) = ready(size).await;

    // An agent subscribes before anything happens.
    let mut feed = client
        .subscribe_sync_events(bearer(SubscribeSyncEventsRequest::default(), &operator))
        .await
        .unwrap()
        .into_inner();
    start_sync(
        &mut client,
        &operator,
        StartSyncRequest {
            account_id: account,
            ..Default::default()
        },
    )
    .await;
    let scheduled = StartSyncRequest {
        account_id: account,
        trigger: SyncTrigger::Scheduled as i32,
        ..Default::default()
    };
    start_sync(&mut client, &operator, scheduled).await;

    let mut received = Vec::new();
    let mut finished_runs = 0;
    while finished_runs < 2 {
        let message = feed.message().await.unwrap().unwrap();
        let event = message.event.unwrap();
        finished_runs += usize::from(matches!(
            event.payload,
            Some(sync_event::Payload::RunFinished(_))
        ));
        received.push((event.run_id, event.sequence, message.cursor));
    }
    drop(feed);
    // Resuming after the third event gives the fourth next.
    let mut resumed = client
        .subscribe_sync_events(bearer(
            SubscribeSyncEventsRequest {
                account_ids: vec![account],
                after_cursor: received[2].2.clone(),
                ..Default::default()
            },
            &operator,
        ))
        .await
        .unwrap()
        .into_inner();
    let next = resumed.message().await.unwrap().unwrap().event.unwrap();
    assert_eq!(
        (next.run_id, next.sequence),
        (received[3].0.clone(), received[3].1)
    );

    // Two runs, newest first, one per page.
    let mut page_token = String::new();
    let mut statuses = Vec::new();
    loop {
        let page = client
            .list_sync_runs(bearer(
                ListSyncRunsRequest {
                    page_size: 1,
                    page_token: page_token.clone(),
                    ..Default::default()
                },
                &operator,
            ))
            .await
            .unwrap()
            .into_inner();
        statuses.extend(page.sync_runs.iter().map(|r| r.status()));
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    assert_eq!(statuses, [SyncStatus::Skipped, SyncStatus::Success]);
    let only_skipped = client
        .list_sync_runs(bearer(
            ListSyncRunsRequest {
                statuses: vec![SyncStatus::Skipped as i32],
                ..Default::default()
            },
            &operator,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(only_skipped.sync_runs.len(), 1);
    let tampered = client
        .list_sync_runs(bearer(
            ListSyncRunsRequest {
                page_token: "Zm9yZ2Vk".into(),
                ..Default::default()
            },
            &operator,
        ))
        .await
        .unwrap_err();
    assert_eq!(tampered.code(), tonic::Code::InvalidArgument);
}

#[tokio::test]
async fn a_run_left_running_by_a_dead_worker_is_failed_and_the_scheduler_gates_fresh_accounts() {
    use adsync_proto::ingestion::GetSyncRunRequest;
    let size = Size {
        accounts: 1,
        campaign_groups_per_account: 1,
        campaigns_per_account: 2,
        creatives_per_campaign: 1,
        days: 10,
    };
    let (stack, operator, account, mut client) = ready(size).await;

    // A process died mid-sync: its run is still `running`, and no live process holds its\n    // owner lock (it has no owner at all).
    let orphan = "0190a0b0-c0d0-7e0f-8000-0000000000aa";
    sql_query(format!(
        "INSERT INTO sync_runs (id, source, account_id, trigger, status, worker, window_start, window_end, created_at, heartbeat_at) \
         VALUES ('{orphan}', 'linkedin', {account}, 'scheduled', 'running', 'dead-replica', '2026-01-01', '2026-01-02', now() - interval '1 hour', now() - interval '1 hour')"
    ))
    .execute(&mut stack.db.connect())
    .unwrap();
    // A replica starting up fails it (its process is gone); then its scheduler, every second,
    // syncs the account once and skips it afterwards (fresh).
    let replica = stack
        .start_ingestion_replica(&["--schedule-interval-secs", "1"])
        .await;
    let runs = wait_for_runs(&mut client, &operator, 3).await;
    let orphaned = client
        .get_sync_run(bearer(
            GetSyncRunRequest {
                run_id: orphan.into(),
            },
            &operator,
        ))
        .await
        .unwrap()
        .into_inner()
        .run
        .unwrap();
    assert_eq!(orphaned.status(), SyncStatus::Failed);
    assert!(
        orphaned.reason.contains("process running it stopped"),
        "{}",
        orphaned.reason
    );
    let newest: Vec<_> = runs
        .iter()
        .take(2)
        .map(|r| (r.status(), r.trigger()))
        .collect();
    assert_eq!(
        newest,
        [
            (SyncStatus::Skipped, SyncTrigger::Scheduled),
            (SyncStatus::Success, SyncTrigger::Scheduled)
        ]
    );
    replica.shutdown().await.unwrap();
}

/// Polls ListSyncRuns until `n` runs exist and none is running; newest first.
async fn wait_for_runs(
    client: &mut IngestionServiceClient<Channel>,
    token: &str,
    n: usize,
) -> Vec<adsync_proto::ingestion::SyncRun> {
    use adsync_proto::ingestion::ListSyncRunsRequest;
    for _ in 0..200 {
        let runs = client
            .list_sync_runs(bearer(ListSyncRunsRequest::default(), token))
            .await
            .unwrap()
            .into_inner()
            .sync_runs;
        if runs.len() >= n && runs.iter().all(|r| r.status() != SyncStatus::Running) {
            return runs;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("fewer than {n} finished runs");
}

#[tokio::test]
async fn a_run_on_one_replica_can_be_watched_from_another() {
    use adsync_proto::ingestion::{TriggerSyncRequest, WatchSyncRequest};
    let size = Size {
        accounts: 1,
        campaign_groups_per_account: 1,
        campaigns_per_account: 3,
        creatives_per_campaign: 1,
        days: 10,
    };
    let (stack, operator, account, mut client) = ready(size).await;
    let replica = stack
        .start_ingestion_replica(&["--schedule-interval-secs", "0"])
        .await;
    stack.sandbox.set_faults(adsync_linkedin_sandbox::Faults {
        slow_ratio: 1.0,
        slow_delay_ms: 20,
        ..Default::default()
    });
    let run_id = client
        .trigger_sync(bearer(
            TriggerSyncRequest {
                account_id: account,
                ..Default::default()
            },
            &operator,
        ))
        .await
        .unwrap()
        .into_inner()
        .run_id;
    let mut other = IngestionServiceClient::new(replica.channel());
    let mut stream = other
        .watch_sync(bearer(
            WatchSyncRequest {
                run_id,
                after_sequence: 0,
            },
            &operator,
        ))
        .await
        .unwrap()
        .into_inner();
    let mut events = Vec::new();
    while let Some(message) = stream.message().await.unwrap() {
        events.push(message.event.unwrap());
    }
    assert_eq!(finished(&events).status(), SyncStatus::Success);
    assert!(
        events
            .windows(2)
            .all(|w| w[1].sequence == w[0].sequence + 1)
    );
    replica.shutdown().await.unwrap();
}

#[tokio::test]
async fn every_account_of_a_multi_account_sandbox_holds_exactly_its_own_data() {
    let size = Size {
        accounts: 3,
        campaign_groups_per_account: 2,
        campaigns_per_account: 4,
        creatives_per_campaign: 2,
        days: 15,
    };
    let (stack, operator, _, mut client) = ready(size).await;
    let truth = stack.sandbox.truth();
    for account in truth.accounts() {
        let events = start_sync(
            &mut client,
            &operator,
            StartSyncRequest {
                account_id: account.id,
                ..Default::default()
            },
        )
        .await;
        assert_eq!(finished(&events).status(), SyncStatus::Success);
    }
    #[derive(QueryableByName)]
    struct Owner {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        account_id: i64,
    }
    let owners: Vec<Owner> = sql_query("SELECT id, account_id FROM linkedin.campaigns ORDER BY id")
        .load(&mut stack.db.connect())
        .unwrap();
    let mut expected: Vec<(i64, i64)> = truth
        .accounts()
        .iter()
        .flat_map(|a| truth.campaigns(a.id))
        .map(|c| (c.id, c.account_id))
        .collect();
    expected.sort_unstable();
    assert_eq!(
        owners
            .iter()
            .map(|o| (o.id, o.account_id))
            .collect::<Vec<_>>(),
        expected,
        "every campaign under its own account"
    );

    let yesterday = truth.today() - chrono::Days::new(1);
    for account in truth.accounts() {
        let stored = count(
            &stack,
            &format!(
                "SELECT coalesce(sum(impressions), 0)::bigint AS n FROM linkedin.campaign_daily_metrics WHERE account_id = {}",
                account.id
            ),
        );
        let expected: i64 = truth
            .campaigns(account.id)
            .iter()
            .map(|c| {
                truth
                    .campaign_total(c.id, truth.first_day(), yesterday)
                    .impressions
            })
            .sum();
        assert_eq!(stored, expected, "account {}", account.id);
        let segments = count(
            &stack,
            &format!(
                "SELECT count(*) AS n FROM linkedin.audience_demographics WHERE account_id = {}",
                account.id
            ),
        );
        assert!(segments > 0, "demographics stored per account");
    }
}

#[tokio::test]
async fn oversized_filter_lists_are_refused_whole_before_any_per_item_work() {
    let stack = Stack::start(SandboxConfig::default()).await;
    let (operator, _) = stack
        .token("operator", &[Scope::SyncWrite, Scope::SyncRead])
        .await;
    let mut client = IngestionServiceClient::new(stack.ingestion.channel());
    let fields = |status: &tonic::Status| -> Vec<String> {
        use tonic_types::StatusExt;
        status
            .get_error_details()
            .bad_request()
            .unwrap()
            .field_violations
            .iter()
            .map(|v| v.field.clone())
            .collect()
    };
    let runs = client
        .list_sync_runs(bearer(
            adsync_proto::ingestion::ListSyncRunsRequest {
                statuses: vec![99; 100_000],
                ..Default::default()
            },
            &operator,
        ))
        .await
        .unwrap_err();
    assert_eq!(runs.code(), tonic::Code::InvalidArgument);
    assert_eq!(
        fields(&runs),
        ["statuses"],
        "one violation, not one per item"
    );
    let events = client
        .subscribe_sync_events(bearer(
            adsync_proto::ingestion::SubscribeSyncEventsRequest {
                account_ids: vec![-1; 100_000],
                ..Default::default()
            },
            &operator,
        ))
        .await
        .unwrap_err();
    assert_eq!(fields(&events), ["account_ids"]);
}

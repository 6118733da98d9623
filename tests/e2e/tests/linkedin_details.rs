//! The details of a LinkedIn sync that are easy to get wrong, each checked end to end:
//! typed, gapless progress events; an account without campaigns gets no one else's;
//! demographic segments summed across campaign batches; a token near expiry refreshed;
//! upstream creation times kept and `created_at` never rewritten; missing budgets stored
//! as NULL, not 0; finished campaigns synced with their metrics; every page of a large
//! account stored once; an analytics response at LinkedIn's element cap split, not
//! truncated; each run's calls, counts and structured errors recorded; demographics kept
//! per calendar month so daily syncs do not pile them up; the window ending yesterday in
//! UTC; hostile upstream strings stored safely or kept as errors.

use adsync_e2e::{Stack, finished, start_sync};
use adsync_linkedin_sandbox::{Faults, Pivot, SandboxConfig, Size};
use adsync_proto::ingestion::ingestion_service_client::IngestionServiceClient;
use adsync_proto::ingestion::{DateRange, StartSyncRequest, SyncStatus, SyncTrigger, sync_event};
use chrono::{Datelike, Days, NaiveDate, TimeDelta};
use tonic::transport::Channel;

fn size(accounts: u32, campaigns: u32, creatives: u32, days: u32) -> Size {
    Size {
        accounts,
        campaign_groups_per_account: 2,
        campaigns_per_account: campaigns,
        creatives_per_campaign: creatives,
        days,
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

/// A forced ON_DEMAND sync of `account` over the sandbox's whole history.
fn everything(stack: &Stack, account: i64) -> StartSyncRequest {
    let truth = stack.sandbox.truth();
    StartSyncRequest {
        account_id: account,
        trigger: SyncTrigger::OnDemand as i32,
        force: true,
        date_range: Some(DateRange {
            start_date: truth.first_day().to_string(),
            end_date: (truth.today() - Days::new(1)).to_string(),
        }),
        ..Default::default()
    }
}

fn days(start: NaiveDate, end: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    start.iter_days().take_while(move |d| *d <= end)
}

#[tokio::test]
async fn progress_events_are_typed_gapless_and_json_mappable() {
    let (stack, operator, account, mut client) = ready(size(1, 3, 1, 20)).await;
    let events = start_sync(&mut client, &operator, everything(&stack, account)).await;
    let run_id = &events[0].run_id;
    for (i, e) in events.iter().enumerate() {
        assert_eq!(&e.run_id, run_id);
        assert_eq!(e.sequence, i as i64 + 1, "gapless, in order");
        assert_eq!(e.account_id, account);
        assert!(e.time.is_some() && e.payload.is_some(), "{e:?}");
    }
    assert!(matches!(
        events[0].payload,
        Some(sync_event::Payload::RunStarted(_))
    ));
    assert_eq!(finished(&events).status, SyncStatus::Success as i32);
    assert!(
        events
            .iter()
            .any(|e| matches!(e.payload, Some(sync_event::Payload::StageProgress(_))))
    );
}

#[tokio::test]
async fn an_account_without_campaigns_gets_no_one_elses_campaigns_or_creatives() {
    let (stack, operator, empty, mut client) = ready(size(2, 0, 2, 10)).await;
    let other = empty + 1;
    let added = stack.sandbox.add_campaign(other).expect("a campaign");
    for account in [empty, other] {
        let events = start_sync(&mut client, &operator, everything(&stack, account)).await;
        let done = finished(&events);
        assert_eq!(done.status, SyncStatus::Success as i32, "{}", done.reason);
    }
    let of = |table: &str, account: i64| {
        stack.count(&format!(
            "SELECT count(*) AS n FROM linkedin.{table} WHERE account_id = {account}"
        ))
    };
    assert_eq!((of("campaigns", empty), of("creatives", empty)), (0, 0));
    assert_eq!(of("campaigns", other), 1);
    assert_eq!(
        of("creatives", other),
        stack.sandbox.truth().creatives(added).len() as i64
    );
    assert_eq!(
        stack.count(&format!(
            "SELECT count(*) AS n FROM linkedin.campaigns WHERE id = {added} AND account_id = {other}"
        )),
        1,
        "the campaign keeps its own account"
    );
}

#[tokio::test]
async fn demographics_of_many_campaigns_equal_the_truth_per_segment() {
    // More campaigns than the original's 20-campaign demographic batches.
    let (stack, operator, account, mut client) = ready(size(1, 45, 1, 40)).await;
    let events = start_sync(&mut client, &operator, everything(&stack, account)).await;
    assert_eq!(finished(&events).status, SyncStatus::Success as i32);
    let truth = stack.sandbox.truth();
    let month = truth.first_day().with_day(1).unwrap();
    let want = truth.demographics(account, Pivot::Seniority, month);
    assert!(!want.is_empty());
    for (segment, m) in &want {
        let stored = stack.count(&format!(
            "SELECT impressions AS n FROM linkedin.audience_demographics WHERE account_id = {account} \
             AND pivot = 'seniority' AND segment = '{segment}' AND date_start = '{month}'"
        ));
        assert_eq!(stored, m.impressions, "segment {segment}");
    }
    assert_eq!(
        stack.count(&format!(
            "SELECT count(*) AS n FROM linkedin.audience_demographics WHERE account_id = {account} \
             AND pivot = 'seniority' AND date_start = '{month}'"
        )),
        want.len() as i64,
        "one row per segment"
    );
}

#[tokio::test]
async fn a_sync_with_the_access_token_near_expiry_refreshes_it_and_succeeds() {
    let (stack, operator, account, mut client) = ready(size(1, 2, 1, 10)).await;
    let issued = stack.sandbox.issued_tokens().len();
    // 59.5 of the access token's 60 days later (auth refreshes a day ahead).
    stack
        .clock
        .advance(TimeDelta::days(59) + TimeDelta::hours(12));
    let events = start_sync(&mut client, &operator, everything(&stack, account)).await;
    assert_eq!(finished(&events).status, SyncStatus::Success as i32);
    assert!(
        stack.sandbox.issued_tokens().len() > issued,
        "auth refreshed the access token before using it"
    );
}

#[tokio::test]
async fn upstream_creation_times_are_kept_and_created_at_survives_changes() {
    let (stack, operator, account, mut client) = ready(size(1, 3, 1, 20)).await;
    start_sync(&mut client, &operator, everything(&stack, account)).await;
    assert_eq!(
        stack.count(
            "SELECT count(*) AS n FROM linkedin.campaigns WHERE upstream_created_at IS NULL \
             OR created_at IS NULL"
        ),
        0,
        "creation times come from changeAuditStamps"
    );
    let first = stack
        .count("SELECT min(extract(epoch FROM created_at))::int8 AS n FROM linkedin.campaign_daily_metrics");
    let truth = stack.sandbox.truth();
    stack
        .sandbox
        .restate(truth.first_day(), truth.today() - Days::new(1));
    start_sync(&mut client, &operator, everything(&stack, account)).await;
    assert!(
        stack.count(
            "SELECT count(*) AS n FROM linkedin.campaign_daily_metrics WHERE fetched_at > created_at"
        ) > 0,
        "restated rows were rewritten"
    );
    assert_eq!(
        stack.count(
            "SELECT min(extract(epoch FROM created_at))::int8 AS n FROM linkedin.campaign_daily_metrics"
        ),
        first,
        "created_at is never overwritten"
    );
}

#[tokio::test]
async fn missing_budgets_are_null_not_zero() {
    let (stack, operator, account, mut client) = ready(size(1, 12, 1, 10)).await;
    start_sync(&mut client, &operator, everything(&stack, account)).await;
    let truth = stack.sandbox.truth();
    let campaigns = truth.campaigns(account);
    assert!(campaigns.iter().any(|c| c.daily_budget_micros.is_none()));
    for c in &campaigns {
        let stored_null = stack.count(&format!(
            "SELECT (daily_budget IS NULL)::int::int8 AS n FROM linkedin.campaigns WHERE id = {}",
            c.id
        ));
        assert_eq!(
            stored_null == 1,
            c.daily_budget_micros.is_none(),
            "campaign {}",
            c.id
        );
    }
    assert_eq!(
        stack.count(
            "SELECT count(*) AS n FROM linkedin.campaigns WHERE daily_budget = 0 OR total_budget = 0"
        ),
        0
    );
}

#[tokio::test]
async fn completed_archived_and_canceled_campaigns_are_synced_with_their_metrics() {
    let (stack, operator, account, mut client) = ready(size(1, 40, 1, 60)).await;
    start_sync(&mut client, &operator, everything(&stack, account)).await;
    let truth = stack.sandbox.truth();
    let finished_ones: Vec<_> = truth
        .campaigns(account)
        .into_iter()
        .filter(|c| matches!(c.status, "COMPLETED" | "ARCHIVED" | "CANCELED"))
        .collect();
    assert!(
        !finished_ones.is_empty(),
        "the sandbox has finished campaigns"
    );
    for c in &finished_ones {
        assert_eq!(
            stack.count(&format!(
                "SELECT count(*) AS n FROM linkedin.campaigns WHERE id = {} AND status = '{}'",
                c.id, c.status
            )),
            1
        );
        let want = days(truth.first_day(), truth.today() - Days::new(1))
            .filter(|d| truth.campaign_day(c.id, *d).is_some())
            .count() as i64;
        assert_eq!(
            stack.count(&format!(
                "SELECT count(*) AS n FROM linkedin.campaign_daily_metrics WHERE campaign_id = {}",
                c.id
            )),
            want,
            "{} campaign {}",
            c.status,
            c.id
        );
    }
}

#[tokio::test]
async fn every_page_of_a_large_account_is_stored_once() {
    // More creatives than one page of their finder holds.
    let (stack, operator, account, mut client) = ready(size(1, 260, 1, 3)).await;
    let events = start_sync(&mut client, &operator, everything(&stack, account)).await;
    assert_eq!(finished(&events).status, SyncStatus::Success as i32);
    let truth = stack.sandbox.truth();
    let campaigns = truth.campaigns(account);
    assert_eq!(
        stack.count("SELECT count(*) AS n FROM linkedin.campaigns"),
        campaigns.len() as i64
    );
    assert_eq!(
        stack.count("SELECT count(*) AS n FROM linkedin.creatives"),
        campaigns
            .iter()
            .map(|c| truth.creatives(c.id).len() as i64)
            .sum::<i64>()
    );
    // Creatives come 100 to a page (LinkedIn's maximum for that finder).
    assert!(
        stack.sandbox.calls()["creatives"] >= 3,
        "{:?}",
        stack.sandbox.calls()
    );
}

#[tokio::test]
async fn an_analytics_response_at_the_cap_is_split_not_truncated() {
    // Campaigns whose creatives x days exceed 15,000 rows each: no batching of campaigns
    // can avoid the cap, so a full response must be detected and its range split.
    let (stack, operator, account, mut client) = ready(size(1, 3, 100, 500)).await;
    let events = start_sync(&mut client, &operator, everything(&stack, account)).await;
    assert_eq!(finished(&events).status, SyncStatus::Success as i32);
    let truth = stack.sandbox.truth();
    let (first, last) = (truth.first_day(), truth.today() - Days::new(1));
    let per_campaign: Vec<i64> = truth
        .campaigns(account)
        .iter()
        .map(|c| {
            truth
                .creatives(c.id)
                .iter()
                .map(|k| {
                    days(first, last)
                        .filter(|d| truth.creative_day(k.id, *d).is_some())
                        .count() as i64
                })
                .sum()
        })
        .collect();
    assert!(
        per_campaign.iter().any(|n| *n > 15_000),
        "the test needs a campaign with more rows than the cap: {per_campaign:?}"
    );
    let want: i64 = per_campaign.iter().sum();
    assert_eq!(
        stack.count("SELECT count(*) AS n FROM linkedin.creative_daily_metrics"),
        want
    );
    assert_eq!(
        stack.count(&format!(
            "SELECT count(*) AS n FROM linkedin.creative_daily_metrics \
             WHERE date < '{first}' OR date > '{last}'"
        )),
        0,
        "no row outside the window (none without a date)"
    );
}

#[tokio::test]
async fn each_run_records_its_account_calls_counts_and_structured_errors() {
    let (stack, operator, account, mut client) = ready(size(1, 20, 1, 10)).await;
    stack.sandbox.set_faults(Faults {
        malformed_ratio: 0.1,
        ..Faults::default()
    });
    stack.sandbox.reset_calls();
    let events = start_sync(&mut client, &operator, everything(&stack, account)).await;
    let done = finished(&events);
    let run = done.run.clone().unwrap();
    assert_eq!(done.status, SyncStatus::Partial as i32);
    assert_eq!(run.account_id, account);
    assert_eq!(run.upstream_calls as u64, stack.sandbox.rest_calls());
    let errors = stack.count(&format!(
        "SELECT count(*) AS n FROM sync_errors WHERE run_id = '{}' AND account_id = {account} \
         AND entity <> '' AND reason <> '' AND jsonb_typeof(raw) = 'object'",
        run.run_id
    ));
    assert!(errors > 0);
    assert_eq!(errors, run.error_count);
    assert_eq!(
        stack.count(&format!(
            "SELECT (entity_counts <> '[]'::jsonb AND entity_counts <> '{{}}'::jsonb)::int::int8 AS n \
             FROM sync_runs WHERE id = '{}'",
            run.run_id
        )),
        1
    );
    let fetched: i64 = run.entity_counts.iter().map(|c| c.fetched).sum();
    let invalid: i64 = run.entity_counts.iter().map(|c| c.invalid).sum();
    assert!(
        invalid > 0 && fetched > invalid,
        "counts after validation: {run:?}"
    );
}

#[tokio::test]
async fn daily_syncs_do_not_pile_up_demographics() {
    let (stack, operator, account, mut client) = ready(size(1, 3, 1, 40)).await;
    let incremental = |force| StartSyncRequest {
        account_id: account,
        trigger: SyncTrigger::Scheduled as i32,
        force,
        ..Default::default()
    };
    start_sync(&mut client, &operator, incremental(true)).await;
    let rows = stack.count("SELECT count(*) AS n FROM linkedin.audience_demographics");
    let keys = "SELECT count(DISTINCT (pivot, segment, date_start)) AS n FROM linkedin.audience_demographics";
    assert_eq!(stack.count(keys), rows);
    // A day later, the next scheduled sync: the same months, no copies.
    stack
        .sandbox
        .advance_clock(std::time::Duration::from_secs(86_400));
    stack.clock.advance(TimeDelta::days(1));
    let events = start_sync(&mut client, &operator, incremental(false)).await;
    assert_eq!(finished(&events).status, SyncStatus::Success as i32);
    let months =
        stack.count("SELECT count(DISTINCT date_start) AS n FROM linkedin.audience_demographics");
    assert_eq!(
        stack.count(
            "SELECT count(*) AS n FROM linkedin.audience_demographics WHERE date_start <> date_trunc('month', date_start)::date"
        ),
        0,
        "keyed by calendar month"
    );
    assert!(months <= 4, "{months} months for a 90-day window at most");
    assert_eq!(
        stack.count(keys),
        stack.count("SELECT count(*) AS n FROM linkedin.audience_demographics")
    );
}

#[tokio::test]
async fn the_window_ends_yesterday_in_utc() {
    let (stack, operator, account, mut client) = ready(size(1, 2, 1, 20)).await;
    let events = start_sync(
        &mut client,
        &operator,
        StartSyncRequest {
            account_id: account,
            trigger: SyncTrigger::OnDemand as i32,
            ..Default::default()
        },
    )
    .await;
    let run = finished(&events).run.clone().unwrap();
    let range = run.date_range.unwrap();
    let yesterday = stack.clock.now().date_naive() - Days::new(1);
    assert_eq!(
        range.end_date,
        yesterday.to_string(),
        "the last whole UTC day"
    );
    assert_eq!(
        stack.count(&format!(
            "SELECT count(*) AS n FROM linkedin.campaign_daily_metrics WHERE date > '{yesterday}'"
        )),
        0,
        "no partial day is stored"
    );
}

#[tokio::test]
async fn hostile_upstream_strings_are_stored_safely_or_kept_as_errors_never_failing_the_sync() {
    // Half the entities come with a NUL or bytes that are not UTF-8 in their name, a
    // non-ASCII content reference, or an id beyond 64 bits.
    let stack = Stack::start(SandboxConfig {
        size: size(1, 12, 2, 10),
        faults: Faults {
            hostile_ratio: 0.5,
            ..Faults::default()
        },
        ..SandboxConfig::default()
    })
    .await;
    let (operator, account, mut client) = stack.ready_to_sync().await;
    let events = start_sync(&mut client, &operator, everything(&stack, account)).await;
    let done = finished(&events);
    assert_eq!(
        done.status,
        SyncStatus::Partial as i32,
        "ids beyond 64 bits are refused, nothing else fails: {}",
        done.reason
    );
    let replaced = |table: &str, column: &str| {
        stack.count(&format!(
            "SELECT count(*) AS n FROM linkedin.{table} WHERE {column} LIKE '%\u{FFFD}%'"
        ))
    };
    assert!(
        replaced("campaigns", "name") + replaced("campaign_groups", "name") > 0,
        "NUL and non-UTF-8 bytes stored as U+FFFD"
    );
    assert!(
        stack.count(
            "SELECT count(*) AS n FROM linkedin.creatives WHERE content_reference LIKE '%ünïcødé%'"
        ) > 0,
        "non-ASCII kept as it is"
    );
    let refused = stack.count(&format!(
        "SELECT count(*) AS n FROM sync_errors WHERE account_id = {account}"
    ));
    assert!(refused > 0);
    assert_eq!(done.run.as_ref().unwrap().error_count, refused);
}

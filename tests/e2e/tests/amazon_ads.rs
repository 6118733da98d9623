//! Amazon Ads end to end: a Login with Amazon connection, its profiles discovered in
//! every region, a profile synced — entities of every state, four daily reports recorded
//! as durable jobs before they are waited on — and the warehouse checked against the
//! sandbox's ground truth, to the cent.

use adsync_amazon_ads_sandbox::{Faults, RateLimit, SandboxConfig as AmazonConfig};
use adsync_e2e::{Stack, bearer, finished, start_sync};
use adsync_proto::auth::Region;
use adsync_proto::auth::Scope;
use adsync_proto::ingestion::ingestion_service_client::IngestionServiceClient;
use adsync_proto::ingestion::{
    DateRange, DiscoverAccountsRequest, Source, StartSyncRequest, SyncAccount, SyncEvent,
    SyncStatus, SyncTrigger, UpstreamReportState, sync_event,
};
use chrono::{Days, NaiveDate};
use tonic::Code;
use tonic::transport::Channel;
use tonic_types::StatusExt;

/// An operator's token and client, and every profile discovered through an EU connection.
async fn discovered(stack: &Stack) -> (String, IngestionServiceClient<Channel>, Vec<SyncAccount>) {
    stack.connect_amazon(Region::Eu).await;
    let (token, _) = stack
        .token("operator", &[Scope::SyncWrite, Scope::SyncRead])
        .await;
    let mut client = IngestionServiceClient::new(stack.ingestion.channel());
    let accounts = client
        .discover_accounts(bearer(
            DiscoverAccountsRequest {
                source: Source::AmazonAds as i32,
                ..Default::default()
            },
            &token,
        ))
        .await
        .expect("discover")
        .into_inner()
        .accounts;
    (token, client, accounts)
}

fn sync_request(profile_id: i64) -> StartSyncRequest {
    StartSyncRequest {
        account_id: profile_id,
        source: Source::AmazonAds as i32,
        trigger: SyncTrigger::OnDemand as i32,
        ..Default::default()
    }
}

/// The report events of a run: (report type, state), in order.
fn report_events(events: &[SyncEvent]) -> Vec<(String, UpstreamReportState)> {
    events
        .iter()
        .filter_map(|e| match &e.payload {
            Some(sync_event::Payload::Report(r)) => Some((
                r.report_type.clone(),
                UpstreamReportState::try_from(r.state).expect("a known state"),
            )),
            _ => None,
        })
        .collect()
}

/// "12.34" for 1234 cents.
fn money(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// Asserts that every entity of `profile` and every daily row of its campaigns, keywords
/// and targets over `range` equals the sandbox's ground truth (as a report completed now
/// states it), to the cent; returns the number of campaign days compared.
fn assert_profile_exact(stack: &Stack, profile: i64, range: (NaiveDate, NaiveDate)) -> i64 {
    let truth = stack.amazon.truth();
    let campaigns = truth.campaigns(profile);
    let groups: Vec<_> = campaigns
        .iter()
        .flat_map(|c| truth.ad_groups(c.id))
        .collect();
    let targetings: Vec<_> = groups.iter().flat_map(|g| truth.targetings(g.id)).collect();
    let negatives: i64 = groups
        .iter()
        .map(|g| truth.negative_keywords(g.id).len() as i64)
        .sum();
    let ads: Vec<_> = groups
        .iter()
        .flat_map(|g| truth.product_ads(g.id))
        .collect();
    let count = |table: &str| {
        stack.count(&format!(
            "SELECT count(*) AS n FROM amazon_ads.{table} WHERE profile_id = {profile}"
        ))
    };
    let days_in_range = |table: &str| {
        stack.count(&format!(
            "SELECT count(*) AS n FROM amazon_ads.{table} WHERE profile_id = {profile} \
             AND date BETWEEN '{}' AND '{}'",
            range.0, range.1
        ))
    };
    assert_eq!(count("campaigns"), campaigns.len() as i64);
    assert_eq!(count("ad_groups"), groups.len() as i64);
    assert_eq!(
        count("keywords") + count("targets"),
        targetings.len() as i64
    );
    assert_eq!(count("negative_keywords"), negatives);
    assert_eq!(count("product_ads"), ads.len() as i64);
    // Every state, archived included.
    let archived = campaigns.iter().filter(|c| c.state == "ARCHIVED").count()
        + groups.iter().filter(|g| g.state == "ARCHIVED").count()
        + ads.iter().filter(|a| a.state == "ARCHIVED").count();
    assert_eq!(
        stack.count(&format!(
            "SELECT (SELECT count(*) FROM amazon_ads.campaigns WHERE state = 'ARCHIVED' AND profile_id = {profile}) \
                  + (SELECT count(*) FROM amazon_ads.ad_groups WHERE state = 'ARCHIVED' AND profile_id = {profile}) \
                  + (SELECT count(*) FROM amazon_ads.product_ads WHERE state = 'ARCHIVED' AND profile_id = {profile}) AS n"
        )),
        archived as i64
    );

    let days = || {
        let (mut day, end) = range;
        std::iter::from_fn(move || {
            (day <= end).then(|| {
                let d = day;
                day = day + Days::new(1);
                d
            })
        })
    };
    let matches = |table: &str, key: &str, m: &adsync_amazon_ads_sandbox::Metrics| {
        stack.count(&format!(
            "SELECT count(*) AS n FROM amazon_ads.{table} WHERE profile_id = {profile} AND {key} \
             AND impressions = {} AND clicks = {} AND cost = {} AND purchases_7d = {} \
             AND purchases_14d = {} AND sales_7d = {} AND sales_14d = {} AND units_sold_clicks_30d = {}",
            m.impressions,
            m.clicks,
            money(m.cost_cents),
            m.purchases[1],
            m.purchases[2],
            money(m.sales_cents[1]),
            money(m.sales_cents[2]),
            m.units[3],
        ))
    };
    let mut campaign_days = 0;
    for c in &campaigns {
        for day in days() {
            if let Some(m) = truth.campaign_day(c.id, day) {
                campaign_days += 1;
                let key = format!("campaign_id = {} AND date = '{day}'", c.id);
                assert_eq!(matches("campaign_daily_metrics", &key, &m), 1, "{key}");
            }
        }
    }
    assert_eq!(days_in_range("campaign_daily_metrics"), campaign_days);
    let mut targeting_days = 0;
    for t in &targetings {
        for day in days() {
            if let Some(m) = truth.targeting_day(t.id, day) {
                targeting_days += 1;
                let key = format!("targeting_id = {} AND date = '{day}'", t.id);
                assert_eq!(matches("targeting_daily_metrics", &key, &m), 1, "{key}");
            }
        }
    }
    assert_eq!(days_in_range("targeting_daily_metrics"), targeting_days);
    let mut ad_days = 0;
    for a in &ads {
        for day in days() {
            if let Some(m) = truth.product_ad_day(a.id, day) {
                ad_days += 1;
                let key = format!("ad_id = {} AND date = '{day}'", a.id);
                assert_eq!(matches("product_ad_daily_metrics", &key, &m), 1, "{key}");
            }
        }
    }
    assert_eq!(days_in_range("product_ad_daily_metrics"), ad_days);
    let search_terms: i64 = targetings
        .iter()
        .flat_map(|t| days().map(move |d| (t.id, d)))
        .map(|(id, day)| truth.search_terms(id, day).len() as i64)
        .sum();
    assert_eq!(days_in_range("search_term_daily_metrics"), search_terms);
    assert!(campaign_days > 0 && targeting_days > 0 && search_terms > 0);
    campaign_days
}

/// A run's date range.
fn range_of(events: &[SyncEvent]) -> (NaiveDate, NaiveDate) {
    let r = finished(events)
        .run
        .as_ref()
        .unwrap()
        .date_range
        .clone()
        .unwrap();
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    (day(&r.start_date), day(&r.end_date))
}

#[tokio::test]
async fn profiles_of_two_regions_sync_every_entity_and_every_daily_row_exactly() {
    let stack = Stack::start_with_amazon(AmazonConfig::default()).await;
    let (token, mut client, accounts) = discovered(&stack).await;
    let truth = stack.amazon.truth();
    // Every seller and vendor profile of every region, whichever region signed in.
    let mut ids: Vec<i64> = accounts.iter().map(|a| a.account_id).collect();
    ids.sort();
    let mut expected: Vec<i64> = truth.profiles().iter().map(|p| p.id).collect();
    expected.sort();
    assert_eq!(ids, expected);
    assert!(
        accounts
            .iter()
            .all(|a| a.source == Source::AmazonAds as i32)
    );

    let eu = truth
        .profiles_in(adsync_amazon_ads_sandbox::Region::Eu)
        .remove(0);
    let fe = truth
        .profiles_in(adsync_amazon_ads_sandbox::Region::Fe)
        .remove(0);
    assert_ne!(eu.marketplace.timezone, fe.marketplace.timezone);
    assert_ne!(eu.marketplace.currency_code, fe.marketplace.currency_code);
    for profile in [&eu, &fe] {
        let events = start_sync(&mut client, &token, sync_request(profile.id)).await;
        let done = finished(&events);
        assert_eq!(done.status(), SyncStatus::Success, "{}", done.reason);

        // The window: 95 days back from yesterday, in the profile's time zone.
        let today = truth.today(profile.id).unwrap();
        assert_eq!(
            range_of(&events),
            (today - Days::new(95), today - Days::new(1))
        );
        assert_profile_exact(&stack, profile.id, range_of(&events));
        assert_eq!(
            stack.count(&format!(
                "SELECT count(*) AS n FROM amazon_ads.profiles WHERE id = {} \
                 AND time_zone = '{}' AND currency_code = '{}'",
                profile.id, profile.marketplace.timezone, profile.marketplace.currency_code
            )),
            1
        );

        // Four report types over 95 days: four slices each, every one requested once,
        // followed to ready and loaded.
        let reports = report_events(&events);
        let of = |state| reports.iter().filter(|(_, s)| *s == state).count();
        assert_eq!(of(UpstreamReportState::Requested), 16, "{reports:?}");
        assert_eq!(of(UpstreamReportState::Ready), 16);
        assert_eq!(of(UpstreamReportState::Loaded), 16);
    }
    assert_eq!(stack.amazon.reports_created(), 32);
    assert_eq!(
        stack.count(
            "SELECT count(*) AS n FROM upstream_jobs WHERE source = 'amazon_ads' AND state = 'consumed'"
        ),
        32,
        "consumed with the runs that loaded them"
    );
}

#[tokio::test]
async fn a_restated_day_is_picked_up_by_the_next_sync_and_an_expired_token_is_refreshed() {
    let stack = Stack::start_with_amazon(AmazonConfig {
        report_pending_ms: 300,
        ..AmazonConfig::default()
    })
    .await;
    let (token, mut client, accounts) = discovered(&stack).await;
    let profile = accounts[0].account_id;
    let events = start_sync(&mut client, &token, sync_request(profile)).await;
    assert_eq!(finished(&events).status(), SyncStatus::Success);

    // Amazon corrects ten days inside the restatement window.
    let today = stack.amazon.truth().today(profile).unwrap();
    let (from, to) = (today - Days::new(20), today - Days::new(11));
    let sample = stack.amazon.truth().campaigns(profile)[0].id;
    let before = (from.iter_days().take(10))
        .filter_map(|d| stack.amazon.truth().campaign_day(sample, d))
        .map(|m| m.sales_cents[2])
        .sum::<i64>();
    stack.amazon.restate(from, to);
    let after = (from.iter_days().take(10))
        .filter_map(|d| stack.amazon.truth().campaign_day(sample, d))
        .map(|m| m.sales_cents[2])
        .sum::<i64>();
    assert_ne!(before, after, "the sandbox changed its numbers");

    // Mid-sync, every access token dies: the next call's 401 gets one refresh, not a
    // failure. (A minute on: auth answers a forced refresh within 30 s of the last one
    // with that one, so a stampede of 401s costs one refresh.)
    stack.clock.advance(chrono::TimeDelta::minutes(1));
    let revoke = {
        let issued = stack.amazon.issued_tokens();
        async move {
            tokio::time::sleep(std::time::Duration::from_millis(150)).await;
            issued
        }
    };
    let sync = start_sync(&mut client, &token, sync_request(profile));
    let (events, issued) = tokio::join!(sync, async {
        let issued = revoke.await;
        for t in &issued {
            stack.amazon.revoke_access_token(t);
        }
        issued
    });
    assert!(!issued.is_empty());
    let done = finished(&events);
    assert_eq!(done.status(), SyncStatus::Success, "{}", done.reason);
    assert!(
        stack.amazon.calls_of("lwa.token") >= 2,
        "a refresh after the revocation"
    );
    let range = range_of(&events);
    assert_eq!(
        range,
        (today - Days::new(42), today - Days::new(1)),
        "the restatement window"
    );
    assert_profile_exact(&stack, profile, range);
}

#[tokio::test]
async fn rate_limits_server_errors_and_slow_reports_cost_retries_not_data() {
    let stack = Stack::start_with_amazon(AmazonConfig {
        faults: Faults {
            rate_limit: Some(RateLimit {
                max_calls: 6,
                window_ms: 300,
                retry_after: true,
            }),
            report_rate_limit: Some(RateLimit {
                max_calls: 2,
                window_ms: 300,
                retry_after: false,
            }),
            error_ratio: 0.1,
            slow_ratio: 0.1,
            slow_delay_ms: 50,
            slow_report_ratio: 0.5,
            slow_report_ms: 400,
            ..Faults::default()
        },
        ..AmazonConfig::default()
    })
    .await;
    let (token, mut client, accounts) = discovered(&stack).await;
    let profile = accounts[0].account_id;
    let events = start_sync(&mut client, &token, sync_request(profile)).await;
    let done = finished(&events);
    assert_eq!(done.status(), SyncStatus::Success, "{}", done.reason);
    assert_profile_exact(&stack, profile, range_of(&events));
    assert_eq!(
        stack.amazon.reports_created(),
        16,
        "a refused request is not a report"
    );
}

#[tokio::test]
async fn bad_sync_requests_are_refused_with_field_details_and_create_no_run() {
    let stack = Stack::start_with_amazon(AmazonConfig::default()).await;
    let (token, mut client, accounts) = discovered(&stack).await;
    let profile = accounts[0].account_id;
    let today = stack.amazon.truth().today(profile).unwrap();
    let with_range = |start: NaiveDate, end: NaiveDate| StartSyncRequest {
        date_range: Some(DateRange {
            start_date: start.to_string(),
            end_date: end.to_string(),
        }),
        ..sync_request(profile)
    };
    let refused = |req: StartSyncRequest| {
        let mut client = client.clone();
        let token = token.clone();
        async move {
            client
                .start_sync(bearer(req, &token))
                .await
                .expect_err("refused")
        }
    };
    let unknown = refused(sync_request(42)).await;
    assert_eq!(unknown.code(), Code::NotFound, "{}", unknown.message());
    for (req, field) in [
        (
            with_range(today - Days::new(3), today - Days::new(5)),
            "date_range",
        ),
        (
            with_range(today - Days::new(120), today - Days::new(1)),
            "date_range",
        ),
        (
            with_range(today - Days::new(3), today + Days::new(2)),
            "date_range",
        ),
    ] {
        let status = refused(req).await;
        assert_eq!(status.code(), Code::InvalidArgument, "{}", status.message());
        let details = status.get_error_details();
        let violations = details.bad_request().expect("field details");
        assert!(
            violations
                .field_violations
                .iter()
                .any(|f| f.field.starts_with(field)),
            "{violations:?}"
        );
    }
    // A LinkedIn connection cannot discover Amazon profiles.
    let linkedin = stack.connect().await;
    let wrong = client
        .discover_accounts(bearer(
            DiscoverAccountsRequest {
                connection_id: linkedin,
                source: Source::AmazonAds as i32,
            },
            &token,
        ))
        .await
        .expect_err("a LinkedIn connection");
    assert_eq!(wrong.code(), Code::InvalidArgument, "{}", wrong.message());
    assert_eq!(stack.count("SELECT count(*) AS n FROM sync_runs"), 0);

    // An explicit range inside retention is fine.
    let events = start_sync(
        &mut client,
        &token,
        with_range(today - Days::new(10), today - Days::new(1)),
    )
    .await;
    assert_eq!(finished(&events).status(), SyncStatus::Success);
}

#[tokio::test]
async fn reports_asked_for_by_a_run_that_gave_up_are_waited_on_by_the_next_never_asked_again() {
    // Reports take two seconds to generate; the first replica gives up on them at once.
    let stack = Stack::start_with_amazon(AmazonConfig {
        report_pending_ms: 1_000,
        report_processing_ms: 1_000,
        ..AmazonConfig::default()
    })
    .await;
    let (token, _, accounts) = discovered(&stack).await;
    let profile = accounts[0].account_id;
    let impatient = stack
        .start_ingestion_replica(&[
            "--schedule-interval-secs",
            "0",
            "--amazon-report-max-wait-secs",
            "0",
            "--amazon-backfill-days",
            "20",
        ])
        .await;
    let mut first = IngestionServiceClient::new(impatient.channel());
    let events = start_sync(&mut first, &token, sync_request(profile)).await;
    let gave_up = finished(&events);
    assert_eq!(gave_up.status(), SyncStatus::Failed);
    assert!(gave_up.reason.contains("not ready"), "{}", gave_up.reason);
    let asked = stack.amazon.reports_created();
    assert_eq!(asked, 4, "one report of each type over 20 days");
    assert_eq!(
        stack.count("SELECT count(*) AS n FROM upstream_jobs WHERE state = 'pending'"),
        4
    );
    assert_eq!(
        stack.count("SELECT count(*) AS n FROM amazon_ads.campaign_daily_metrics"),
        0,
        "a failed run stores nothing"
    );

    let patient = stack
        .start_ingestion_replica(&[
            "--schedule-interval-secs",
            "0",
            "--amazon-backfill-days",
            "20",
        ])
        .await;
    let mut second = IngestionServiceClient::new(patient.channel());
    let events = start_sync(&mut second, &token, sync_request(profile)).await;
    let done = finished(&events);
    assert_eq!(done.status(), SyncStatus::Success, "{}", done.reason);
    assert_eq!(stack.amazon.reports_created(), asked, "never asked twice");
    let reports = report_events(&events);
    assert_eq!(
        reports
            .iter()
            .filter(|(_, s)| *s == UpstreamReportState::Resumed)
            .count(),
        4,
        "{reports:?}"
    );
    assert!(stack.count("SELECT count(*) AS n FROM amazon_ads.campaign_daily_metrics") > 0);

    // The next sync asks anew (restated numbers need fresh reports), over the 42-day
    // restatement window: two slices of each type.
    let events = start_sync(&mut second, &token, sync_request(profile)).await;
    assert_eq!(finished(&events).status(), SyncStatus::Success);
    let range = finished(&events)
        .run
        .as_ref()
        .unwrap()
        .date_range
        .clone()
        .unwrap();
    let start = NaiveDate::parse_from_str(&range.start_date, "%Y-%m-%d").unwrap();
    let end = NaiveDate::parse_from_str(&range.end_date, "%Y-%m-%d").unwrap();
    assert_eq!((end - start).num_days() + 1, 42);
    assert_eq!(stack.amazon.reports_created(), asked + 8);
}

#[tokio::test]
async fn a_failed_report_fails_the_run_with_amazons_reason_and_bad_rows_become_sync_errors() {
    let stack = Stack::start_with_amazon(AmazonConfig::default()).await;
    let (token, mut client, accounts) = discovered(&stack).await;
    let profile = accounts[0].account_id;

    stack.amazon.set_faults(Faults {
        failed_report_ratio: 1.0,
        ..Faults::default()
    });
    let events = start_sync(&mut client, &token, sync_request(profile)).await;
    let failed = finished(&events);
    assert_eq!(failed.status(), SyncStatus::Failed);
    assert!(
        failed.reason.contains("Report generation failed"),
        "{}",
        failed.reason
    );
    assert!(
        report_events(&events)
            .iter()
            .any(|(_, s)| *s == UpstreamReportState::Failed)
    );

    // Malformed records and rows, and download URLs that expire: the run ends PARTIAL
    // with every bad record kept, every expired URL replaced.
    stack.amazon.set_faults(Faults {
        malformed_ratio: 0.05,
        expired_url_ratio: 0.25,
        ..Faults::default()
    });
    let events = start_sync(&mut client, &token, sync_request(profile)).await;
    let partial = finished(&events);
    assert_eq!(partial.status(), SyncStatus::Partial, "{}", partial.reason);
    let errors = stack.count(&format!(
        "SELECT count(*) AS n FROM sync_errors WHERE source = 'amazon_ads' AND account_id = {profile}"
    ));
    assert!(errors > 0);
    assert_eq!(partial.run.as_ref().unwrap().error_count, errors);
    assert!(stack.count("SELECT count(*) AS n FROM amazon_ads.campaign_daily_metrics") > 0);
}

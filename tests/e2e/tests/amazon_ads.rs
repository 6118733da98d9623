//! Amazon Ads end to end: a Login with Amazon connection, its profiles discovered in
//! every region, a profile synced — entities of every state, four daily reports recorded
//! as durable jobs before they are waited on — and the warehouse checked against the
//! sandbox's ground truth, to the cent.

use adsync_amazon_ads_sandbox::{Faults, SandboxConfig as AmazonConfig};
use adsync_e2e::{Stack, bearer, finished, start_sync};
use adsync_proto::auth::Region;
use adsync_proto::auth::Scope;
use adsync_proto::ingestion::ingestion_service_client::IngestionServiceClient;
use adsync_proto::ingestion::{
    DiscoverAccountsRequest, Source, StartSyncRequest, SyncAccount, SyncEvent, SyncStatus,
    SyncTrigger, UpstreamReportState, sync_event,
};
use chrono::{Days, NaiveDate};
use tonic::transport::Channel;

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

#[tokio::test]
async fn a_profile_syncs_every_entity_and_four_daily_reports_exactly() {
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
    let events = start_sync(&mut client, &token, sync_request(eu.id)).await;
    let done = finished(&events);
    assert_eq!(done.status(), SyncStatus::Success, "{}", done.reason);

    // The window: 95 days back from yesterday, in the profile's time zone.
    let today = truth.today(eu.id).unwrap();
    let range = done.run.as_ref().unwrap().date_range.clone().unwrap();
    assert_eq!(range.end_date, (today - Days::new(1)).to_string());
    assert_eq!(range.start_date, (today - Days::new(95)).to_string());

    // Entities of every state, archived included.
    let campaigns = truth.campaigns(eu.id);
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
            "SELECT count(*) AS n FROM amazon_ads.{table} WHERE profile_id = {}",
            eu.id
        ))
    };
    assert_eq!(count("campaigns"), campaigns.len() as i64);
    let archived = campaigns.iter().filter(|c| c.state == "ARCHIVED").count()
        + groups.iter().filter(|g| g.state == "ARCHIVED").count()
        + ads.iter().filter(|a| a.state == "ARCHIVED").count();
    assert_eq!(
        stack.count(&format!(
            "SELECT (SELECT count(*) FROM amazon_ads.campaigns WHERE state = 'ARCHIVED' AND profile_id = {0}) \
                  + (SELECT count(*) FROM amazon_ads.ad_groups WHERE state = 'ARCHIVED' AND profile_id = {0}) \
                  + (SELECT count(*) FROM amazon_ads.product_ads WHERE state = 'ARCHIVED' AND profile_id = {0}) AS n",
            eu.id
        )),
        archived as i64
    );
    assert_eq!(count("ad_groups"), groups.len() as i64);
    assert_eq!(
        count("keywords") + count("targets"),
        targetings.len() as i64
    );
    assert_eq!(count("negative_keywords"), negatives);
    assert_eq!(count("product_ads"), ads.len() as i64);
    assert_eq!(
        stack.count(&format!(
            "SELECT count(*) AS n FROM amazon_ads.profiles WHERE id = {} AND time_zone = '{}'",
            eu.id, eu.marketplace.timezone
        )),
        1
    );

    // Daily campaign metrics: every active day, exact to the cent, keyed by its own day.
    let start = NaiveDate::parse_from_str(&range.start_date, "%Y-%m-%d").unwrap();
    let mut expected_days = 0;
    for campaign in &campaigns {
        let mut day = start;
        while day < today {
            if let Some(m) = truth.campaign_day(campaign.id, day) {
                expected_days += 1;
                let stored = stack.count(&format!(
                    "SELECT count(*) AS n FROM amazon_ads.campaign_daily_metrics \
                     WHERE profile_id = {} AND campaign_id = {} AND date = '{day}' \
                     AND impressions = {} AND clicks = {} AND cost = {} \
                     AND purchases_14d = {} AND sales_14d = {} AND units_sold_clicks_30d = {}",
                    eu.id,
                    campaign.id,
                    m.impressions,
                    m.clicks,
                    money(m.cost_cents),
                    m.purchases[2],
                    money(m.sales_cents[2]),
                    m.units[3],
                ));
                assert_eq!(stored, 1, "campaign {} on {day}", campaign.id);
            }
            day = day + Days::new(1);
        }
    }
    assert!(expected_days > 0);
    assert_eq!(count("campaign_daily_metrics"), expected_days);
    // Keyword and target days: one row per (campaign, ad group, keyword or target, day).
    let targeting_days: i64 = targetings
        .iter()
        .map(|t| {
            let mut n = 0;
            let mut day = start;
            while day < today {
                n += i64::from(truth.targeting_day(t.id, day).is_some());
                day = day + Days::new(1);
            }
            n
        })
        .sum();
    assert_eq!(count("targeting_daily_metrics"), targeting_days);
    assert!(count("search_term_daily_metrics") > 0);
    assert!(count("product_ad_daily_metrics") > 0);

    // Four report types over 95 days: four slices each, every one requested once,
    // followed to ready and loaded, and consumed with the run.
    let reports = report_events(&events);
    let of = |state| reports.iter().filter(|(_, s)| *s == state).count();
    assert_eq!(of(UpstreamReportState::Requested), 16, "{reports:?}");
    assert_eq!(of(UpstreamReportState::Ready), 16);
    assert_eq!(of(UpstreamReportState::Loaded), 16);
    assert_eq!(stack.amazon.reports_created(), 16);
    assert_eq!(
        stack.count(
            "SELECT count(*) AS n FROM upstream_jobs WHERE source = 'amazon_ads' AND state = 'consumed'"
        ),
        16
    );
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

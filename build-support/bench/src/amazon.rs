//! `adsync-bench amazon`: Amazon Ads profiles synced through the real stack against a
//! generated Amazon Ads sandbox — entities from the lists, four daily reports per 31-day
//! slice generated asynchronously upstream — then a re-sync of the restatement window.
//! Prints wall time, upstream calls, how long reports took to generate and to load,
//! rows/s and peak memory.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use adsync_amazon_ads_sandbox::{SandboxConfig as AmazonConfig, Size};
use adsync_e2e::{Stack, all_migrations, bearer};
use adsync_linkedin_sandbox::SandboxConfig;
use adsync_proto::auth::{Region, Scope};
use adsync_proto::ingestion::ingestion_service_client::IngestionServiceClient;
use adsync_proto::ingestion::{
    DiscoverAccountsRequest, Source, StartSyncRequest, SyncEvent, SyncStatus, SyncTrigger,
    UpstreamReportState, sync_event,
};
use adsync_test_harness::TestDatabase;
use diesel::{RunQueryDsl, sql_query};
use tonic::transport::Channel;

use crate::measure::{N, peak_rss_mib, percentile_ms};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[arg(long, default_value_t = 10)]
    profiles: u32,
    #[arg(long, default_value_t = 200)]
    campaigns: u32,
    #[arg(long, default_value_t = 2)]
    ad_groups: u32,
    /// Keywords per ad group.
    #[arg(long, default_value_t = 10)]
    keywords: u32,
    /// Product targets per ad group.
    #[arg(long, default_value_t = 2)]
    targets: u32,
    #[arg(long, default_value_t = 2)]
    product_ads: u32,
    /// Days of history (the first sync reads up to Amazon's 95-day retention of them).
    #[arg(long, default_value_t = 90)]
    days: u32,
    /// How long the sandbox keeps a report PENDING, then PROCESSING, in milliseconds.
    #[arg(long, default_value_t = 500)]
    report_pending_ms: u64,
    #[arg(long, default_value_t = 1_500)]
    report_processing_ms: u64,
}

/// What one round of syncs took.
struct Round {
    wall: Duration,
    upstream_calls: i64,
    written: i64,
    /// Per report: requested (or resumed) to ready, and ready to loaded.
    generating: Vec<Duration>,
    loading: Vec<Duration>,
}

pub(crate) async fn run(args: Args) -> anyhow::Result<()> {
    let size = Size {
        profiles: args.profiles,
        campaigns_per_profile: args.campaigns,
        ad_groups_per_campaign: args.ad_groups,
        keywords_per_ad_group: args.keywords,
        targets_per_ad_group: args.targets,
        product_ads_per_ad_group: args.product_ads,
        days: args.days,
    };
    println!(
        "sandbox: {} profiles x {} campaigns x {} ad groups x ({} keywords + {} targets + {} product ads) x {} days; \
         reports take {} ms + {} ms to generate",
        args.profiles,
        args.campaigns,
        args.ad_groups,
        args.keywords,
        args.targets,
        args.product_ads,
        args.days,
        args.report_pending_ms,
        args.report_processing_ms,
    );
    let stack = Stack::start_full(
        TestDatabase::migrated(&all_migrations()),
        SandboxConfig::default(),
        AmazonConfig {
            size,
            report_pending_ms: args.report_pending_ms,
            report_processing_ms: args.report_processing_ms,
            ..AmazonConfig::default()
        },
        None,
        &["--amazon-reports-in-flight", "16"],
    )
    .await;
    stack.connect_amazon(Region::Na).await;
    let (token, _) = stack
        .token("bench", &[Scope::SyncWrite, Scope::SyncRead])
        .await;
    let mut client = IngestionServiceClient::new(stack.ingestion.channel());
    let profiles: Vec<i64> = client
        .discover_accounts(bearer(
            DiscoverAccountsRequest {
                source: Source::AmazonAds as i32,
                ..Default::default()
            },
            &token,
        ))
        .await?
        .into_inner()
        .accounts
        .iter()
        .map(|a| a.account_id)
        .collect();

    let first = sync_all(&client, &token, &profiles).await?;
    let mut conn = stack.db.connect();
    let metric_rows = sql_query(
        "SELECT (SELECT count(*) FROM amazon_ads.campaign_daily_metrics) \
              + (SELECT count(*) FROM amazon_ads.targeting_daily_metrics) \
              + (SELECT count(*) FROM amazon_ads.search_term_daily_metrics) \
              + (SELECT count(*) FROM amazon_ads.product_ad_daily_metrics) AS n",
    )
    .get_result::<N>(&mut conn)?
    .n;
    print_round("first sync", &first, profiles.len());
    println!("              {metric_rows} daily metric rows stored");
    let again = sync_all(&client, &token, &profiles).await?;
    print_round(
        "resync (the 42-day restatement window)",
        &again,
        profiles.len(),
    );
    println!(
        "peak RSS:     {:.0} MiB (the Amazon Ads sandbox, auth and ingestion in this one process)",
        peak_rss_mib()
    );
    Ok(())
}

fn print_round(what: &str, r: &Round, profiles: usize) {
    println!(
        "{what}: {profiles} profiles, wall {:.2} s, upstream calls {}, rows written {}, {:.0} rows/s end to end",
        r.wall.as_secs_f64(),
        r.upstream_calls,
        r.written,
        r.written as f64 / r.wall.as_secs_f64()
    );
    let mut generating = r.generating.clone();
    generating.sort();
    let mut loading = r.loading.clone();
    loading.sort();
    println!(
        "              {} reports: waiting for Amazon to generate p50 {:.0} ms, max {:.0} ms; \
         download + parse + stage p50 {:.0} ms, max {:.0} ms",
        generating.len(),
        percentile_ms(&generating, 0.5),
        percentile_ms(&generating, 1.0),
        percentile_ms(&loading, 0.5),
        percentile_ms(&loading, 1.0),
    );
}

/// Syncs every profile at once (the replica runs them its configured few at a time).
async fn sync_all(
    client: &IngestionServiceClient<Channel>,
    token: &str,
    profiles: &[i64],
) -> anyhow::Result<Round> {
    let started = Instant::now();
    let runs = profiles.iter().map(|&profile| {
        let mut client = client.clone();
        let token = token.to_owned();
        async move {
            let mut stream = client
                .start_sync(bearer(
                    StartSyncRequest {
                        account_id: profile,
                        source: Source::AmazonAds as i32,
                        trigger: SyncTrigger::OnDemand as i32,
                        ..Default::default()
                    },
                    &token,
                ))
                .await?
                .into_inner();
            let mut events: Vec<(Instant, SyncEvent)> = Vec::new();
            while let Some(message) = stream.message().await? {
                if let Some(event) = message.event {
                    events.push((Instant::now(), event));
                }
            }
            anyhow::Ok(events)
        }
    });
    let all = futures::future::try_join_all(runs).await?;
    let wall = started.elapsed();
    let mut round = Round {
        wall,
        upstream_calls: 0,
        written: 0,
        generating: Vec::new(),
        loading: Vec::new(),
    };
    for events in all {
        let Some((_, last)) = events.last() else {
            anyhow::bail!("a run without events");
        };
        let Some(sync_event::Payload::RunFinished(done)) = &last.payload else {
            anyhow::bail!("a run that did not finish");
        };
        anyhow::ensure!(
            done.status() == SyncStatus::Success,
            "a sync failed: {}",
            done.reason
        );
        let run = done.run.clone().unwrap_or_default();
        round.upstream_calls += run.upstream_calls;
        round.written += run.entity_counts.iter().map(|c| c.written).sum::<i64>();
        // Report timings, at the caller: when each state's event arrived.
        let mut asked: HashMap<String, Instant> = HashMap::new();
        let mut ready: HashMap<String, Instant> = HashMap::new();
        for (at, e) in &events {
            let Some(sync_event::Payload::Report(r)) = &e.payload else {
                continue;
            };
            match UpstreamReportState::try_from(r.state) {
                Ok(UpstreamReportState::Requested | UpstreamReportState::Resumed) => {
                    asked.insert(r.upstream_id.clone(), *at);
                }
                Ok(UpstreamReportState::Ready) => {
                    if let Some(t) = asked.get(&r.upstream_id) {
                        round.generating.push(at.duration_since(*t));
                    }
                    ready.insert(r.upstream_id.clone(), *at);
                }
                Ok(UpstreamReportState::Loaded) => {
                    if let Some(t) = ready.get(&r.upstream_id) {
                        round.loading.push(at.duration_since(*t));
                    }
                }
                _ => {}
            }
        }
    }
    Ok(round)
}

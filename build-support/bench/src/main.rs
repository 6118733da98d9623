//! `cargo run --release -p adsync-bench -- sync [--accounts N --campaigns N --creatives N --days N]`
//!
//! Syncs a generated LinkedIn sandbox through the real stack (sandbox, auth and ingestion
//! in this process, PostgreSQL from TEST_DATABASE_URL/DATABASE_URL or a throwaway
//! cluster) and prints: wall time, upstream calls, rows written per second, the merge
//! phase's rate, peak memory, a re-sync that changes nothing, gated-sync latency, and the
//! same rows loaded by plain COPY into empty copies of the tables for comparison.

use std::time::{Duration, Instant};

use adsync_e2e::{Stack, bearer};
use adsync_linkedin_sandbox::{SandboxConfig, Size};
use adsync_proto::auth::Scope;
use adsync_proto::ingestion::ingestion_service_client::IngestionServiceClient;
use adsync_proto::ingestion::{
    DateRange, DiscoverAccountsRequest, StartSyncRequest, SyncStage, SyncTrigger,
    TriggerSyncRequest, sync_event,
};
use clap::Parser;
use diesel::{QueryableByName, RunQueryDsl, sql_query};

/// Benchmarks of the sync write path.
#[derive(Debug, Parser)]
#[command(name = "adsync-bench")]
enum Cli {
    /// Sync a generated sandbox and compare the write path with plain COPY.
    Sync {
        #[arg(long, default_value_t = 10)]
        accounts: u32,
        #[arg(long, default_value_t = 500)]
        campaigns: u32,
        #[arg(long, default_value_t = 4)]
        creatives: u32,
        #[arg(long, default_value_t = 365)]
        days: u32,
        /// Gated (skipped) syncs to time.
        #[arg(long, default_value_t = 200)]
        gated: usize,
    },
}

#[derive(QueryableByName)]
struct N {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let Cli::Sync {
        accounts,
        campaigns,
        creatives,
        days,
        gated,
    } = Cli::parse();
    let size = Size {
        accounts,
        campaign_groups_per_account: 10.min(campaigns.max(1)),
        campaigns_per_account: campaigns,
        creatives_per_campaign: creatives,
        days,
    };
    println!(
        "sandbox: {accounts} accounts x {campaigns} campaigns x {creatives} creatives x {days} days"
    );
    let stack = Stack::start(SandboxConfig {
        size,
        ..SandboxConfig::default()
    })
    .await;
    stack.connect().await;
    let (token, _) = stack
        .token("bench", &[Scope::SyncWrite, Scope::SyncRead])
        .await;
    let mut client =
        IngestionServiceClient::new(stack.ingestion.channel()).max_decoding_message_size(64 << 20);
    let ids: Vec<i64> = client
        .discover_accounts(bearer(DiscoverAccountsRequest::default(), &token))
        .await?
        .into_inner()
        .accounts
        .iter()
        .map(|a| a.account_id)
        .collect();
    let end = stack.sandbox.truth().today() - chrono::Days::new(1);
    let start = end - chrono::Days::new(u64::from(days) - 1);
    let range = DateRange {
        start_date: start.to_string(),
        end_date: end.to_string(),
    };

    let sync_all = |force: bool| {
        let mut client = client.clone();
        let (ids, token, range) = (ids.clone(), token.clone(), range.clone());
        async move {
            let (mut written, mut calls, mut merge) = (0i64, 0i64, Duration::ZERO);
            let started = Instant::now();
            for id in &ids {
                let request = StartSyncRequest {
                    account_id: *id,
                    force,
                    date_range: Some(range.clone()),
                    ..Default::default()
                };
                let mut stream = client
                    .start_sync(bearer(request, &token))
                    .await?
                    .into_inner();
                let mut write_started = None;
                while let Some(message) = stream.message().await? {
                    let event = message.event.unwrap_or_default();
                    if event.stage == SyncStage::Write as i32 {
                        write_started = Some(Instant::now());
                    }
                    if let Some(sync_event::Payload::RunFinished(done)) = event.payload {
                        anyhow::ensure!(
                            done.status() != adsync_proto::ingestion::SyncStatus::Failed,
                            "sync failed: {}",
                            done.reason
                        );
                        let run = done.run.unwrap_or_default();
                        written += run.entity_counts.iter().map(|c| c.written).sum::<i64>();
                        calls += run.upstream_calls;
                        merge += write_started.map_or(Duration::ZERO, |t| t.elapsed());
                    }
                }
            }
            anyhow::Ok((started.elapsed(), written, calls, merge))
        }
    };

    let (wall, written, calls, merge) = sync_all(false).await?;
    let mut conn = stack.db.connect();
    let metric_rows = sql_query("SELECT (SELECT count(*) FROM campaign_daily_metrics) + (SELECT count(*) FROM creative_daily_metrics) AS n").get_result::<N>(&mut conn)?.n;
    println!(
        "first sync:   wall {:.2} s, upstream calls {calls}, rows written {written} ({metric_rows} metric rows), {:.0} rows/s end to end",
        wall.as_secs_f64(),
        written as f64 / wall.as_secs_f64()
    );
    println!(
        "              merge phase (COPYs done, merging + commit) {:.2} s: {:.0} rows/s",
        merge.as_secs_f64(),
        written as f64 / merge.as_secs_f64().max(1e-9)
    );

    let (wall2, written2, _, merge2) = sync_all(true).await?;
    println!(
        "forced resync: wall {:.2} s, rows written {written2} (nothing changed), merge phase {:.2} s",
        wall2.as_secs_f64(),
        merge2.as_secs_f64()
    );

    // Plain COPY of the same metric rows into empty copies of the tables, with psql's
    // \copy (client-side COPY over the wire, like a loader would do). Only the load is timed.
    let dir = std::env::temp_dir().join(format!("adsync-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let psql = |command: &str| -> anyhow::Result<()> {
        let status = std::process::Command::new("psql")
            .args(["-q", "-v", "ON_ERROR_STOP=1", stack.db.url(), "-c", command])
            .status()?;
        anyhow::ensure!(status.success(), "psql failed: {command}");
        Ok(())
    };
    let mut load = Duration::ZERO;
    for table in ["campaign_daily_metrics", "creative_daily_metrics"] {
        let file = dir.join(format!("{table}.txt"));
        psql(&format!("\\copy {table} TO '{}'", file.display()))?;
        psql(&format!(
            "CREATE TABLE bench_{table} (LIKE {table} INCLUDING ALL)"
        ))?;
        let t = Instant::now();
        psql(&format!("\\copy bench_{table} FROM '{}'", file.display()))?;
        load += t.elapsed();
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "reference:    plain COPY (psql \\copy) of the same {metric_rows} metric rows into empty tables {:.2} s: {:.0} rows/s",
        load.as_secs_f64(),
        metric_rows as f64 / load.as_secs_f64()
    );

    // Gated syncs: SCHEDULED within the TTL.
    let mut latencies = Vec::with_capacity(gated);
    for _ in 0..gated {
        let request = TriggerSyncRequest {
            account_id: ids[0],
            trigger: SyncTrigger::Scheduled as i32,
            ..Default::default()
        };
        let t = Instant::now();
        client.trigger_sync(bearer(request, &token)).await?;
        latencies.push(t.elapsed());
    }
    latencies.sort();
    let pct =
        |p: f64| latencies[((latencies.len() as f64 - 1.0) * p) as usize].as_secs_f64() * 1000.0;
    println!(
        "gated syncs:  {gated} SCHEDULED TriggerSync round trips: p50 {:.2} ms, p99 {:.2} ms (includes the caller-token check through auth)",
        pct(0.5),
        pct(0.99)
    );
    println!(
        "peak RSS:     {:.0} MiB (sandbox, auth and ingestion in this one process)",
        peak_rss_mib()
    );
    Ok(())
}

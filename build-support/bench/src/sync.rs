//! `adsync-bench sync`: the sync write path against plain COPY of the same rows, a
//! re-sync that changes nothing, gated-sync latency and peak memory.

use std::time::{Duration, Instant};

use adsync_e2e::bearer;
use adsync_proto::ingestion::ingestion_service_client::IngestionServiceClient;
use adsync_proto::ingestion::{CheckFreshnessRequest, SyncStatus, SyncTrigger, TriggerSyncRequest};
use diesel::{RunQueryDsl, sql_query};
use tonic::transport::Channel;

use crate::measure::{N, peak_rss_mib, percentile_ms};
use crate::own_runtime::OwnRuntime;
use crate::seed::{Seeded, SizeArgs};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    size: SizeArgs,
    /// Gated (skipped) syncs to time.
    #[arg(long, default_value_t = 200)]
    gated: usize,
}

pub(crate) async fn run(args: Args) -> anyhow::Result<()> {
    let seeded = Seeded::start(&args.size).await?;
    let stack = &seeded.stack;

    let first = seeded.sync_all(false).await?;
    let mut conn = stack.db.connect();
    let metric_rows = sql_query(
        "SELECT (SELECT count(*) FROM linkedin.campaign_daily_metrics) \
              + (SELECT count(*) FROM linkedin.creative_daily_metrics) AS n",
    )
    .get_result::<N>(&mut conn)?
    .n;
    println!(
        "first sync:   wall {:.2} s, upstream calls {}, rows written {} ({metric_rows} metric rows), {:.0} rows/s end to end",
        first.wall.as_secs_f64(),
        first.upstream_calls,
        first.written,
        first.written as f64 / first.wall.as_secs_f64()
    );
    println!(
        "              merge phase (COPYs done, merging + commit) {:.2} s: {:.0} rows/s",
        first.merge.as_secs_f64(),
        first.written as f64 / first.merge.as_secs_f64().max(1e-9)
    );

    let again = seeded.sync_all(true).await?;
    println!(
        "forced resync: wall {:.2} s, rows written {} (nothing changed), merge phase {:.2} s",
        again.wall.as_secs_f64(),
        again.written,
        again.merge.as_secs_f64()
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
        psql(&format!("\\copy linkedin.{table} TO '{}'", file.display()))?;
        psql(&format!(
            "CREATE TABLE bench_{table} (LIKE linkedin.{table} INCLUDING ALL)"
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

    // Gated syncs: SCHEDULED within the TTL, first through the stack's replica (it asks
    // auth about the caller's token on every call), then through one as deployed (a
    // checked token is trusted for the default 10 s, so auth is asked once). Beside them,
    // CheckFreshness (one read, nothing written) on the deployed replica: the floor of an
    // RPC that makes one trip to the database on this machine, for context.
    let checked = gated_latencies(seeded.client.clone(), &seeded, args.gated).await?;
    let mut config = stack.ingestion_replica_config(&["--schedule-interval-secs", "0"]);
    config.auth.auth_cache_secs = 10;
    // As deployed, ingestion is a process of its own: its runtime is not shared with
    // the load generator, the sandbox or auth.
    let deployed = OwnRuntime::start("ingestion", |listener, stopped| {
        adsync_ingestion::serve(config, listener, async {
            let _ = stopped.await;
        })
    })?;
    let client =
        IngestionServiceClient::new(Channel::from_shared(deployed.uri())?.connect().await?);
    let cached = gated_latencies(client.clone(), &seeded, args.gated).await?;
    let floor = read_latencies(client, &seeded, args.gated).await?;
    for (latencies, how) in [
        (
            checked,
            "SCHEDULED TriggerSync, every caller token checked through auth",
        ),
        (
            cached,
            "SCHEDULED TriggerSync, as deployed: caller token cached",
        ),
        (floor, "CheckFreshness (one read), as deployed"),
    ] {
        println!(
            "gated syncs:  {} {how}: round trip p50 {:.2} ms, p99 {:.2} ms; at the server p50 {:.2} ms, p99 {:.2} ms",
            args.gated,
            percentile_ms(&latencies.round_trip, 0.5),
            percentile_ms(&latencies.round_trip, 0.99),
            percentile_ms(&latencies.server, 0.5),
            percentile_ms(&latencies.server, 0.99)
        );
    }
    println!(
        "peak RSS:     {:.0} MiB (sandbox, auth and ingestion in this one process)",
        peak_rss_mib()
    );
    Ok(())
}

/// Each call's time at the caller (the round trip) and at the server (its
/// `server-timing` header: from arrival to the response, without the network and the
/// caller's scheduling), sorted.
struct Latencies {
    round_trip: Vec<Duration>,
    server: Vec<Duration>,
}

impl Latencies {
    fn with_capacity(n: usize) -> Latencies {
        Latencies {
            round_trip: Vec::with_capacity(n),
            server: Vec::with_capacity(n),
        }
    }

    fn push<T>(&mut self, started: Instant, response: &tonic::Response<T>) -> anyhow::Result<()> {
        self.round_trip.push(started.elapsed());
        let header = response
            .metadata()
            .get("server-timing")
            .and_then(|v| v.to_str().ok())
            .and_then(adsync_server::server_time_ms)
            .ok_or_else(|| anyhow::anyhow!("no server-timing header"))?;
        self.server.push(Duration::from_secs_f64(header / 1e3));
        Ok(())
    }

    fn sorted(mut self) -> Latencies {
        self.round_trip.sort();
        self.server.sort();
        self
    }
}

/// `n` SCHEDULED TriggerSyncs of a fresh account (after one to warm up).
async fn gated_latencies(
    mut client: IngestionServiceClient<Channel>,
    seeded: &Seeded,
    n: usize,
) -> anyhow::Result<Latencies> {
    let request = TriggerSyncRequest {
        account_id: seeded.accounts[0],
        trigger: SyncTrigger::Scheduled as i32,
        ..Default::default()
    };
    client
        .trigger_sync(bearer(request.clone(), &seeded.token))
        .await?;
    let mut latencies = Latencies::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let response = client
            .trigger_sync(bearer(request.clone(), &seeded.token))
            .await?;
        latencies.push(t, &response)?;
        let run = response.into_inner().run.unwrap_or_default();
        anyhow::ensure!(
            run.status() == SyncStatus::Skipped,
            "a gated sync was not skipped: {run:?}"
        );
    }
    Ok(latencies.sorted())
}

/// `n` CheckFreshness calls of the same account.
async fn read_latencies(
    mut client: IngestionServiceClient<Channel>,
    seeded: &Seeded,
    n: usize,
) -> anyhow::Result<Latencies> {
    let request = CheckFreshnessRequest {
        account_id: seeded.accounts[0],
        ..Default::default()
    };
    let mut latencies = Latencies::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let response = client
            .check_freshness(bearer(request, &seeded.token))
            .await?;
        latencies.push(t, &response)?;
    }
    Ok(latencies.sorted())
}

//! `adsync-bench report`: the reporting RPCs over a synced sandbox (millions of metric
//! rows), each driven by many concurrent callers with their own connections. Prints
//! throughput and p50/p99 per RPC, first with every caller sending back to back (the
//! saturation point), then with callers pacing themselves (an open loop whose latency
//! counts from each request's scheduled send time, so a slow server cannot hide queueing).

use std::future::Future;
use std::time::{Duration, Instant};

use adsync_e2e::{Stack, bearer};
use adsync_linkedin_sandbox::SandboxConfig;
use adsync_proto::auth::Scope;
use adsync_proto::reporting::reporting_service_client::ReportingServiceClient;
use adsync_proto::reporting::*;
use adsync_test_harness::TestDatabase;
use chrono::{Days, NaiveDate};
use diesel::{QueryableByName, RunQueryDsl, sql_query};
use tonic::transport::Channel;

use crate::measure::{N, percentile_ms};
use crate::own_runtime::OwnRuntime;
use crate::seed::{Seeded, SizeArgs};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    size: SizeArgs,
    /// Concurrent callers, each with its own connection.
    #[arg(long, default_value_t = 50)]
    callers: usize,
    /// Requests per caller and RPC.
    #[arg(long, default_value_t = 40)]
    requests: usize,
    /// Requests per second per caller in the paced runs, one run per rate.
    #[arg(long, value_delimiter = ',', default_value = "5,10")]
    rates: Vec<f64>,
    /// Print the executed plans of the hot queries.
    #[arg(long)]
    explain: bool,
    /// Leave the synced database in place at the end and print its name, for `--warehouse`.
    #[arg(long)]
    keep: bool,
    /// Load a database synced by an earlier `report --keep` (its name, on the same
    /// PostgreSQL server) instead of syncing a new sandbox; the size flags are then unused.
    #[arg(long, value_name = "DATABASE")]
    warehouse: Option<String>,
    /// Run only the scenarios whose name contains this text (e.g. "GetSyncStatus").
    #[arg(long)]
    only: Option<String>,
    /// Read with a token of the default workspace, which owns the synced data (its
    /// reports then run under the workspace filters and row-level security), instead of
    /// a platform token.
    #[arg(long)]
    workspace_token: bool,
}

#[derive(QueryableByName)]
struct LastDay {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Date>)]
    day: Option<NaiveDate>,
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

/// What a scenario's requests may pick from.
struct Pool {
    accounts: Vec<i64>,
    campaigns: Vec<i64>,
    creatives: Vec<i64>,
    /// The last synced day.
    end: NaiveDate,
}

impl Pool {
    /// A pseudo-random pick for caller `c`'s `i`-th request: callers ask for different rows.
    fn pick(list: &[i64], c: usize, i: usize) -> i64 {
        let h = (c as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ (i as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        list[(h % list.len() as u64) as usize]
    }
    fn days_back(&self, n: u64) -> (String, String) {
        (
            (self.end - Days::new(n - 1)).to_string(),
            self.end.to_string(),
        )
    }
}

type Client = ReportingServiceClient<Channel>;

/// One request of a scenario: caller `c`'s `i`-th.
fn call(
    name: &str,
    mut client: Client,
    token: String,
    pool: &Pool,
    c: usize,
    i: usize,
) -> impl Future<Output = Result<(), tonic::Status>> + Send + 'static {
    let campaign = Pool::pick(&pool.campaigns, c, i);
    let creative = Pool::pick(&pool.creatives, c, i);
    let account = Pool::pick(&pool.accounts, c, i);
    let campaigns: Vec<i64> = (0..20)
        .map(|k| Pool::pick(&pool.campaigns, c, i * 20 + k))
        .collect();
    let (year_start, end) = pool.days_back(365);
    let (month_start, _) = pool.days_back(30);
    let name = name.to_owned();
    async move {
        match name.as_str() {
            "GetCampaignMetrics 1 campaign x 365 days, DAY" => {
                client
                    .get_campaign_metrics(bearer(
                        GetCampaignMetricsRequest {
                            campaign_ids: vec![campaign],
                            start_date: year_start,
                            end_date: end,
                            granularity: Granularity::Day as i32,
                        },
                        &token,
                    ))
                    .await?;
            }
            "GetCampaignMetrics 20 campaigns x 365 days, MONTH" => {
                client
                    .get_campaign_metrics(bearer(
                        GetCampaignMetricsRequest {
                            campaign_ids: campaigns,
                            start_date: year_start,
                            end_date: end,
                            granularity: Granularity::Month as i32,
                        },
                        &token,
                    ))
                    .await?;
            }
            "GetCreativeMetrics 1 creative x 365 days, WEEK" => {
                client
                    .get_creative_metrics(bearer(
                        GetCreativeMetricsRequest {
                            creative_ids: vec![creative],
                            start_date: year_start,
                            end_date: end,
                            granularity: Granularity::Week as i32,
                        },
                        &token,
                    ))
                    .await?;
            }
            "GetAccountSummary 30 days" | "GetAccountSummary 365 days" => {
                let start = if name.ends_with("30 days") {
                    month_start
                } else {
                    year_start
                };
                client
                    .get_account_summary(bearer(
                        GetAccountSummaryRequest {
                            account_id: account,
                            start_date: start,
                            end_date: end,
                            top_campaigns: 5,
                        },
                        &token,
                    ))
                    .await?;
            }
            "GetDemographics job titles, 12 months" => {
                client
                    .get_demographics(bearer(
                        GetDemographicsRequest {
                            account_id: account,
                            pivot: DemographicPivot::JobTitle as i32,
                            start_date: year_start,
                            end_date: end,
                            limit: 0,
                        },
                        &token,
                    ))
                    .await?;
            }
            "ListCampaigns page of 100" => {
                client
                    .list_campaigns(bearer(
                        ListCampaignsRequest {
                            page_size: 100,
                            account_id: account,
                            ..Default::default()
                        },
                        &token,
                    ))
                    .await?;
            }
            "AuditCampaigns page of 100" => {
                client
                    .audit_campaigns(bearer(
                        AuditCampaignsRequest {
                            page_size: 100,
                            account_id: account,
                            ..Default::default()
                        },
                        &token,
                    ))
                    .await?;
            }
            "GetSyncStatus one account" => {
                client
                    .get_sync_status(bearer(
                        GetSyncStatusRequest {
                            account_id: account,
                        },
                        &token,
                    ))
                    .await?;
            }
            other => unreachable!("unknown scenario {other}"),
        }
        Ok(())
    }
}

const SCENARIOS: [&str; 9] = [
    "GetCampaignMetrics 1 campaign x 365 days, DAY",
    "GetCampaignMetrics 20 campaigns x 365 days, MONTH",
    "GetCreativeMetrics 1 creative x 365 days, WEEK",
    "GetAccountSummary 30 days",
    "GetAccountSummary 365 days",
    "GetDemographics job titles, 12 months",
    "ListCampaigns page of 100",
    "AuditCampaigns page of 100",
    "GetSyncStatus one account",
];

/// Runs `scenario` with every caller; `rate` paces each caller (None: back to back).
/// Returns (sorted latencies, wall time).
async fn drive(
    scenario: &'static str,
    clients: &[Client],
    token: &str,
    pool: &Pool,
    requests: usize,
    rate: Option<f64>,
) -> anyhow::Result<(Vec<Duration>, Duration)> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (c, client) in clients.iter().enumerate() {
        let calls: Vec<_> = (0..requests)
            .map(|i| call(scenario, client.clone(), token.to_owned(), pool, c, i))
            .collect();
        // Paced callers start spread over one interval, as independent callers would.
        let interval = rate.map(|r| Duration::from_secs_f64(1.0 / r));
        let offset = interval.map_or(Duration::ZERO, |iv| {
            iv.mul_f64(c as f64 / clients.len() as f64)
        });
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(calls.len());
            let begin = Instant::now() + offset;
            for (i, request) in calls.into_iter().enumerate() {
                let scheduled = match interval {
                    Some(iv) => {
                        let at = begin + iv.mul_f64(i as f64);
                        tokio::time::sleep_until(at.into()).await;
                        at
                    }
                    None => Instant::now(),
                };
                request.await?;
                latencies.push(scheduled.elapsed());
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await??);
    }
    all.sort();
    Ok((all, started.elapsed()))
}

pub(crate) async fn run(args: Args) -> anyhow::Result<()> {
    let mut stack = match &args.warehouse {
        Some(name) => {
            println!("warehouse: database {name}, synced earlier");
            Stack::start_on(TestDatabase::existing(name), SandboxConfig::default(), None).await
        }
        None => {
            let seeded = Seeded::start(&args.size).await?;
            let synced = seeded.sync_all(false).await?;
            println!("synced in {:.1} s", synced.wall.as_secs_f64());
            seeded.stack
        }
    };
    if args.keep {
        stack.db.keep();
    }
    let mut conn = stack.db.connect();
    let rows = sql_query(
        "SELECT (SELECT count(*) FROM linkedin.campaign_daily_metrics) \
              + (SELECT count(*) FROM linkedin.creative_daily_metrics) AS n",
    )
    .get_result::<N>(&mut conn)?
    .n;
    println!("warehouse: {rows} metric rows");
    sql_query("VACUUM ANALYZE").execute(&mut conn)?;

    // A reporting server as deployed: default pool and token cache (the stack's own
    // reporting server checks every token with auth, as tests need).
    let config = adsync_reporting::Config {
        clock: stack.clock.clone(),
        ..adsync_reporting::Config::from_flags([
            "--database-url",
            stack.db.url(),
            "--auth-url",
            &stack.auth.uri(),
            "--service-token",
            &stack.service_token,
        ])?
    };
    let server = OwnRuntime::start("adsync-reporting", |listener, stop| {
        adsync_reporting::serve(config, listener, async {
            let _ = stop.await;
        })
    })?;
    let token = if args.workspace_token {
        stack.workspace_token(1, &[Scope::ReportsRead]).await
    } else {
        stack.token("bench-reader", &[Scope::ReportsRead]).await.0
    };
    println!(
        "reading as a {} token",
        if args.workspace_token {
            "default-workspace"
        } else {
            "platform"
        }
    );

    let ids = |sql: &str| -> anyhow::Result<Vec<i64>> {
        Ok(sql_query(sql)
            .load::<Id>(&mut stack.db.connect())?
            .into_iter()
            .map(|r| r.id)
            .collect())
    };
    let pool = Pool {
        accounts: ids("SELECT id FROM linkedin.ad_accounts ORDER BY id")?,
        campaigns: ids("SELECT id FROM linkedin.campaigns ORDER BY id")?,
        creatives: ids("SELECT id FROM linkedin.creatives ORDER BY id")?,
        end: sql_query("SELECT max(date) AS day FROM linkedin.campaign_daily_metrics")
            .get_result::<LastDay>(&mut conn)?
            .day
            .ok_or_else(|| anyhow::anyhow!("the warehouse holds no metrics"))?,
    };

    if args.explain {
        let campaign = ids(
            "SELECT campaign_id AS id FROM linkedin.campaign_daily_metrics \
             GROUP BY campaign_id ORDER BY count(*) DESC LIMIT 1",
        )?[0];
        let (start, end) = (pool.end - Days::new(364), pool.end);
        for (name, plan) in adsync_reporting::explain_hot_queries(
            &mut conn,
            campaign,
            pool.accounts[0],
            start,
            end,
        )? {
            println!("\n-- {name} (365 days)\n{plan}");
        }
        println!();
    }

    let mut clients = Vec::with_capacity(args.callers);
    for _ in 0..args.callers {
        let channel = Channel::from_shared(server.uri())?.connect().await?;
        clients.push(ReportingServiceClient::new(channel).max_decoding_message_size(64 << 20));
    }
    // Warm up: connections, the token cache, the database's buffers.
    let scenarios: Vec<&'static str> = SCENARIOS
        .into_iter()
        .filter(|s| {
            args.only
                .as_ref()
                .is_none_or(|only| s.contains(only.as_str()))
        })
        .collect();
    for scenario in scenarios.iter().copied() {
        drive(scenario, &clients, &token, &pool, 2, None).await?;
    }

    println!(
        "{} callers, each with its own connection; {} requests per caller and RPC",
        args.callers, args.requests
    );
    println!(
        "\n{:<52} {:>9} {:>9} {:>9}",
        "back to back (saturation)", "req/s", "p50 ms", "p99 ms"
    );
    let mut capacity = Vec::new();
    for scenario in scenarios.iter().copied() {
        let (lat, wall) = drive(scenario, &clients, &token, &pool, args.requests, None).await?;
        let throughput = lat.len() as f64 / wall.as_secs_f64();
        capacity.push(throughput);
        println!(
            "{scenario:<52} {throughput:>9.0} {:>9.2} {:>9.2}",
            percentile_ms(&lat, 0.5),
            percentile_ms(&lat, 0.99)
        );
    }
    for rate in &args.rates {
        println!(
            "\n{:<52} {:>9} {:>9} {:>9}",
            format!("paced: each caller {rate}/s"),
            "req/s",
            "p50 ms",
            "p99 ms"
        );
        let offered = rate * args.callers as f64;
        for (scenario, capacity) in scenarios.iter().copied().zip(&capacity) {
            if offered > capacity * 0.9 {
                // Latency grows without bound when more is offered than can be served.
                println!("{scenario:<52} offered {offered:.0}/s is above its capacity: not run");
                continue;
            }
            let (lat, wall) = drive(
                scenario,
                &clients,
                &token,
                &pool,
                args.requests,
                Some(*rate),
            )
            .await?;
            println!(
                "{scenario:<52} {:>9.0} {:>9.2} {:>9.2}",
                lat.len() as f64 / wall.as_secs_f64(),
                percentile_ms(&lat, 0.5),
                percentile_ms(&lat, 0.99)
            );
        }
    }
    if args.keep {
        println!(
            "\nkept the synced database: rerun with --warehouse {}",
            stack.db.name()
        );
    }
    Ok(())
}

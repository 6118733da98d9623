//! The `adsync` binary against the whole stack (sandbox, auth, ingestion, reporting on
//! loopback, real PostgreSQL), the way an operator runs it.

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use adsync_e2e::{Stack, bearer};
use adsync_linkedin_sandbox::{Faults, SandboxConfig, Size};
use adsync_proto::ingestion::ingestion_service_client::IngestionServiceClient;
use adsync_proto::ingestion::{GetSyncRunRequest, SyncStatus};
use adsync_proto::reporting::reporting_service_client::ReportingServiceClient;
use adsync_proto::reporting::{
    GetAccountSummaryRequest, GetCampaignMetricsRequest, Granularity, ListCampaignsRequest,
};
use tokio::io::{AsyncBufReadExt, BufReader};

const ACCOUNT: i64 = 510_000_000;

/// `adsync args...` with the stack's addresses and `token` in its environment.
fn adsync(stack: &Stack, token: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_adsync"));
    command
        .env_clear()
        .env("ADSYNC_AUTH_ADDR", stack.auth.uri())
        .env("ADSYNC_INGESTION_ADDR", stack.ingestion.uri())
        .env("ADSYNC_REPORTING_ADDR", stack.reporting.uri())
        .env("ADSYNC_TOKEN", token)
        .args(args);
    command
}

async fn run(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output().expect("adsync runs"))
        .await
        .expect("joined")
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "adsync failed ({:?}): {}{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("UTF-8")
}

async fn stack() -> Stack {
    Stack::start(SandboxConfig {
        size: Size {
            accounts: 1,
            campaign_groups_per_account: 1,
            campaigns_per_account: 4,
            creatives_per_campaign: 2,
            days: 40,
        },
        // Every upstream call takes a while, so the sync lasts long enough to watch.
        faults: Faults {
            slow_ratio: 1.0,
            slow_delay_ms: 150,
            ..Faults::default()
        },
        ..SandboxConfig::default()
    })
    .await
}

#[tokio::test]
async fn connect_sync_with_live_progress_then_a_gated_skip_and_tables_that_match_the_rpcs() {
    let stack = stack().await;
    let admin = stack.admin.clone();

    let connected = stdout(&run(adsync(&stack, &admin, &["connect", "--name", "cli"])).await);
    assert!(connected.starts_with("connected: "), "{connected}");
    let accounts = stdout(&run(adsync(&stack, &admin, &["accounts"])).await);
    assert!(accounts.contains(&ACCOUNT.to_string()), "{accounts}");

    // The progress display shows each event as it arrives: while the run is still
    // running, its stages are already on screen.
    let mut child = tokio::process::Command::from(adsync(
        &stack,
        &admin,
        &["sync", "--account", &ACCOUNT.to_string(), "--scheduled"],
    ))
    .stdout(Stdio::piped())
    .spawn()
    .expect("spawn");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut ingestion = IngestionServiceClient::new(stack.ingestion.channel());
    let mut run_id = String::new();
    let mut seen_while_running = 0;
    let mut all = Vec::new();
    while let Some(line) = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
        .await
        .expect("progress keeps coming")
        .expect("readable")
    {
        if let Some(rest) = line.split("] run ").nth(1) {
            run_id = rest.split(' ').next().unwrap().to_owned();
        } else if line.contains(": started") || line.contains("records") {
            let run = ingestion
                .get_sync_run(bearer(
                    GetSyncRunRequest {
                        run_id: run_id.clone(),
                    },
                    &admin,
                ))
                .await
                .expect("the run the progress names")
                .into_inner()
                .run
                .unwrap();
            if run.status == SyncStatus::Running as i32 {
                seen_while_running += 1;
            }
        }
        all.push(line);
    }
    assert!(child.wait().await.unwrap().success());
    let shown = all.join("\n");
    assert!(
        seen_while_running >= 3,
        "progress appeared only at the end:\n{shown}"
    );
    for stage in [
        "campaigns: done",
        "campaign metrics: done",
        "write: started",
        "success: ",
    ] {
        assert!(shown.contains(stage), "no {stage:?} in:\n{shown}");
    }

    // Again, as the scheduler would: the freshness gate skips it and says why.
    let again = stdout(
        &run(adsync(
            &stack,
            &admin,
            &["sync", "--account", &ACCOUNT.to_string(), "--scheduled"],
        ))
        .await,
    );
    assert!(again.contains("skipped: "), "{again}");
    assert!(again.contains("fresh"), "the reason is given: {again}");

    // The tables show the reporting RPCs' numbers, digit for digit.
    let today = stack.sandbox.truth().today();
    let (from, to) = (
        (today - chrono::Days::new(30)).to_string(),
        (today - chrono::Days::new(1)).to_string(),
    );
    let mut reporting = ReportingServiceClient::new(stack.reporting.channel());
    let summary = reporting
        .get_account_summary(bearer(
            GetAccountSummaryRequest {
                account_id: ACCOUNT,
                start_date: from.clone(),
                end_date: to.clone(),
                top_campaigns: 5,
            },
            &admin,
        ))
        .await
        .unwrap()
        .into_inner();
    let totals = summary.totals.unwrap();
    let cost = totals.cost.unwrap();
    let printed = stdout(
        &run(adsync(
            &stack,
            &admin,
            &[
                "report",
                "summary",
                "--account",
                &ACCOUNT.to_string(),
                "--from",
                &from,
                "--to",
                &to,
            ],
        ))
        .await,
    );
    assert!(totals.impressions > 0);
    assert!(
        printed.contains(&format!(
            "impressions {}  clicks {}  cost {} {}",
            totals.impressions, totals.clicks, cost.amount, cost.currency_code
        )),
        "{printed}"
    );
    for top in &summary.top_campaigns {
        assert!(printed.contains(&top.campaign_id.to_string()), "{printed}");
    }

    let campaigns = reporting
        .list_campaigns(bearer(
            ListCampaignsRequest {
                account_id: ACCOUNT,
                ..Default::default()
            },
            &admin,
        ))
        .await
        .unwrap()
        .into_inner()
        .campaigns;
    let series = reporting
        .get_campaign_metrics(bearer(
            GetCampaignMetricsRequest {
                campaign_ids: campaigns.iter().map(|c| c.campaign_id).collect(),
                start_date: from.clone(),
                end_date: to.clone(),
                granularity: Granularity::Month as i32,
            },
            &admin,
        ))
        .await
        .unwrap()
        .into_inner()
        .series;
    let table = stdout(
        &run(adsync(
            &stack,
            &admin,
            &[
                "report",
                "campaigns",
                "--account",
                &ACCOUNT.to_string(),
                "--from",
                &from,
                "--to",
                &to,
            ],
        ))
        .await,
    );
    for s in &series {
        let total = s.total.as_ref().unwrap();
        let row = table
            .lines()
            .find(|l| l.starts_with(&s.id.to_string()))
            .unwrap_or_else(|| panic!("campaign {} in:\n{table}", s.id));
        let cells: Vec<&str> = row.split_whitespace().collect();
        assert!(
            cells.contains(&total.impressions.to_string().as_str()),
            "{row}"
        );
        assert!(
            cells.contains(&total.cost.as_ref().unwrap().amount.as_str()),
            "{row}"
        );
    }

    // JSON is the proto3 mapping, as grpcurl prints it.
    let json = stdout(&run(adsync(&stack, &admin, &["--json", "report", "status"])).await);
    let status: serde_json::Value = serde_json::from_str(json.trim()).expect("JSON");
    assert_eq!(status["accounts"][0]["lastRunStatus"], "skipped");
    assert_eq!(
        status["accounts"][0]["account"]["accountId"],
        ACCOUNT.to_string()
    );

    // The finished run replays in full.
    let watched = stdout(&run(adsync(&stack, &admin, &["watch", &run_id])).await);
    assert!(watched.contains("success: "), "{watched}");
    let runs = stdout(&run(adsync(&stack, &admin, &["runs"])).await);
    assert!(runs.contains(&run_id) && runs.contains("skipped"), "{runs}");
}

#[tokio::test]
async fn exit_codes_follow_the_grpc_status_and_tokens_are_managed() {
    let stack = stack().await;
    let admin = stack.admin.clone();
    let code = |o: Output| o.status.code().expect("exited");

    let issued = run(adsync(
        &stack,
        &admin,
        &[
            "token",
            "issue",
            "dashboards",
            "--scope",
            "reports:read",
            "--ttl-days",
            "7",
        ],
    ))
    .await;
    let reader = stdout(&issued).trim().to_owned();
    assert!(reader.starts_with("adsync_"), "{reader}");
    let listed = stdout(&run(adsync(&stack, &admin, &["token", "list"])).await);
    let id = listed
        .lines()
        .find(|l| l.contains("dashboards"))
        .and_then(|l| l.split_whitespace().next())
        .expect("the issued token is listed")
        .to_owned();
    assert!(listed.contains("reports:read"), "{listed}");

    // 7 PERMISSION_DENIED: a reports token cannot sync.
    assert_eq!(
        code(run(adsync(&stack, &reader, &["sync", "--account", "510000000"])).await),
        7
    );
    // 5 NOT_FOUND, 3 INVALID_ARGUMENT (from the service, and for bad usage).
    assert_eq!(
        code(
            run(adsync(
                &stack,
                &reader,
                &["report", "summary", "--account", "999"]
            ))
            .await
        ),
        5
    );
    let reversed = run(adsync(
        &stack,
        &reader,
        &[
            "report",
            "metrics",
            "--campaign",
            "1",
            "--from",
            "2026-02-01",
            "--to",
            "2026-01-01",
        ],
    ))
    .await;
    assert_eq!(reversed.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&reversed.stderr).contains("end_date"),
        "field details are shown"
    );
    assert_eq!(
        code(run(adsync(&stack, &reader, &["report", "nonsense"])).await),
        3
    );
    // 16 UNAUTHENTICATED without a token; 14 UNAVAILABLE when nothing listens.
    assert_eq!(
        code(run(adsync(&stack, "", &["report", "status"])).await),
        16
    );
    let mut unreachable = adsync(&stack, &reader, &["report", "status"]);
    unreachable.env("ADSYNC_REPORTING_ADDR", "http://127.0.0.1:1");
    assert_eq!(code(run(unreachable).await), 14);

    // Revoked: refused at once (the stack checks every call with auth).
    stdout(&run(adsync(&stack, &admin, &["token", "revoke", &id])).await);
    assert_eq!(
        code(run(adsync(&stack, &reader, &["report", "status"])).await),
        16
    );
}

#[tokio::test]
async fn a_workspace_admin_issues_tokens_and_connects_only_within_its_workspace() {
    let stack = stack().await;
    let admin = stack.admin.clone();
    let code = |o: Output| o.status.code().expect("exited");

    let created = stdout(&run(adsync(&stack, &admin, &["workspace", "create", "acme"])).await);
    let acme = created
        .split_whitespace()
        .nth(1)
        .expect("workspace N created: acme")
        .to_owned();
    assert!(created.contains("created: acme"), "{created}");
    assert_eq!(
        code(
            run(adsync(
                &stack,
                &admin,
                &["workspace", "create", "Not A Slug"]
            ))
            .await
        ),
        3
    );
    // By name or by id.
    let acme_admin = stdout(
        &run(adsync(
            &stack,
            &admin,
            &[
                "token",
                "issue",
                "acme-admin",
                "--workspace",
                "acme",
                "--scope",
                "workspace:admin",
            ],
        ))
        .await,
    )
    .trim()
    .to_owned();
    assert_eq!(
        code(
            run(adsync(
                &stack,
                &admin,
                &[
                    "token",
                    "issue",
                    "x",
                    "--workspace",
                    "nowhere",
                    "--scope",
                    "sync:read"
                ]
            ))
            .await
        ),
        5
    );

    // The workspace admin's connection and tokens are its workspace's.
    stdout(
        &run(adsync(
            &stack,
            &acme_admin,
            &["connect", "--name", "acme-li"],
        ))
        .await,
    );
    let connections = stdout(&run(adsync(&stack, &acme_admin, &["connections"])).await);
    // A header and its rule, then the rows.
    let rows: Vec<&str> = connections.lines().skip(2).collect();
    assert_eq!(rows.len(), 1, "{connections}");
    assert!(
        rows[0].contains("acme-li") && rows[0].contains(&format!(" {acme} ")),
        "{connections}"
    );
    let reader = stdout(
        &run(adsync(
            &stack,
            &acme_admin,
            &["token", "issue", "acme-dash", "--scope", "reports:read"],
        ))
        .await,
    )
    .trim()
    .to_owned();
    let tokens = stdout(&run(adsync(&stack, &acme_admin, &["token", "list"])).await);
    assert!(
        tokens.contains("acme-dash") && tokens.contains("acme-admin"),
        "{tokens}"
    );
    assert!(
        !tokens.contains("e2e-admin") && !tokens.contains("platform"),
        "{tokens}"
    );
    assert_eq!(
        code(
            run(adsync(
                &stack,
                &acme_admin,
                &["token", "issue", "root", "--scope", "admin"]
            ))
            .await
        ),
        3
    );
    assert_eq!(
        code(
            run(adsync(
                &stack,
                &acme_admin,
                &["workspace", "create", "other"]
            ))
            .await
        ),
        7
    );
    let seen = stdout(&run(adsync(&stack, &reader, &["workspace", "list"])).await);
    assert_eq!(seen.lines().skip(2).count(), 1, "acme alone: {seen}");
    assert!(seen.contains("acme") && !seen.contains("default"), "{seen}");

    // The platform admin sees every workspace, or one.
    let all = stdout(&run(adsync(&stack, &admin, &["workspace", "list"])).await);
    assert!(all.contains("default") && all.contains("acme"), "{all}");
    let only_acme = stdout(
        &run(adsync(
            &stack,
            &admin,
            &["connections", "--workspace", &acme],
        ))
        .await,
    );
    assert_eq!(only_acme.lines().skip(2).count(), 1, "{only_acme}");

    // Ingestion and reporting answer from the workspace: acme's accounts are those its
    // connection found; it has no runs and no synced data yet.
    let accounts = stdout(&run(adsync(&stack, &acme_admin, &["accounts"])).await);
    assert!(accounts.contains(&ACCOUNT.to_string()), "{accounts}");
    let runs = stdout(&run(adsync(&stack, &acme_admin, &["runs"])).await);
    assert_eq!(runs.lines().skip(2).count(), 0, "{runs}");
    stdout(&run(adsync(&stack, &reader, &["report", "status"])).await);
    assert_eq!(
        code(
            run(adsync(
                &stack,
                &reader,
                &["report", "summary", "--account", "510000001"]
            ))
            .await
        ),
        5
    );
}

/// A TCP relay to `target` whose connections can all be cut at once, as when the process
/// behind them dies.
struct Relay {
    addr: std::net::SocketAddr,
    tasks: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Relay {
    async fn start(target: std::net::SocketAddr) -> Relay {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let tasks = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let registry = tasks.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let relay = tokio::spawn(async move {
                    let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                });
                registry.lock().unwrap().push(relay);
            }
        });
        tasks.lock().unwrap().push(accept);
        Relay { addr, tasks }
    }

    /// Drops every connection (and stops accepting).
    fn cut(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }
}

#[tokio::test]
async fn a_stream_cut_mid_sync_says_the_service_became_unreachable_and_exits_14() {
    let stack = stack().await;
    let admin = stack.admin.clone();
    stdout(&run(adsync(&stack, &admin, &["connect", "--name", "cli"])).await);
    stdout(&run(adsync(&stack, &admin, &["accounts"])).await);
    let relay = Relay::start(stack.ingestion.addr()).await;
    let mut command = adsync(
        &stack,
        &admin,
        &["sync", "--account", &ACCOUNT.to_string(), "--force"],
    );
    command.env("ADSYNC_INGESTION_ADDR", format!("http://{}", relay.addr));
    let mut child = tokio::process::Command::from(command)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    // Once the sync shows progress, the connection dies under it.
    while let Some(line) = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
        .await
        .expect("progress keeps coming")
        .expect("readable")
    {
        if line.contains(": started") {
            relay.cut();
            break;
        }
    }
    let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("adsync ends")
        .expect("waited");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(14), "{stderr}");
    assert!(stderr.contains("became unreachable"), "{stderr}");
}

#[tokio::test]
async fn a_supplier_file_is_added_uploaded_synced_and_read_from_the_command_line() {
    let stack =
        Stack::start_with_sheets(adsync_sheets_sandbox::SandboxConfig::default(), &[]).await;
    let admin = stack.admin.clone();
    // The first generated supplier (en_US) as the CSV file its system writes.
    let id = stack.sheets.spreadsheet_ids()[0].clone();
    let truth = stack.sheets.truth(&id).unwrap();
    let csv = reqwest::get(format!(
        "{}/_sandbox/spreadsheets/{id}/file/csv",
        stack.sheets.base_url()
    ))
    .await
    .unwrap()
    .bytes()
    .await
    .unwrap();
    let dir = std::env::temp_dir().join(format!("adsync-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("acme-prices.csv");
    std::fs::write(&file, &csv).unwrap();

    let added = stdout(
        &run(adsync(
            &stack,
            &admin,
            &[
                "suppliers",
                "add",
                "--name",
                "Acme",
                "--files",
                "--decimal",
                ".",
                "--thousands",
                ",",
                "--currency",
                "USD",
                "--date-format",
                "MM/DD/YYYY",
            ],
        ))
        .await,
    );
    assert!(added.starts_with("supplier 1 created: Acme"), "{added}");
    // A sync before any upload fails with the reason, exit code 10.
    let early = run(adsync(
        &stack,
        &admin,
        &["suppliers", "sync", "--supplier", "1"],
    ))
    .await;
    assert_eq!(early.status.code(), Some(10));
    let uploaded = stdout(
        &run(adsync(
            &stack,
            &admin,
            &[
                "suppliers",
                "upload",
                "--supplier",
                "1",
                file.to_str().unwrap(),
            ],
        ))
        .await,
    );
    assert!(uploaded.contains("uploaded acme-prices.csv"), "{uploaded}");
    let uploads = stdout(
        &run(adsync(
            &stack,
            &admin,
            &["suppliers", "uploads", "--supplier", "1"],
        ))
        .await,
    );
    assert!(uploads.contains("acme-prices.csv"), "{uploads}");
    let preview = stdout(
        &run(adsync(
            &stack,
            &admin,
            &["suppliers", "preview", "--supplier", "1"],
        ))
        .await,
    );
    assert!(
        preview.contains(&format!("{} valid", truth.rows.len())),
        "{preview}"
    );
    stdout(
        &run(adsync(
            &stack,
            &admin,
            &["suppliers", "sync", "--supplier", "1"],
        ))
        .await,
    );

    let listed = stdout(&run(adsync(&stack, &admin, &["suppliers", "list"])).await);
    assert!(listed.contains("uploaded_files"), "{listed}");
    let items = stdout(
        &run(adsync(
            &stack,
            &admin,
            &["suppliers", "items", "--supplier", "1", "--limit", "500"],
        ))
        .await,
    );
    // A header and its rule, then one line per stored item.
    assert_eq!(items.lines().count(), truth.rows.len() + 2, "{items}");
    let first = &truth.rows[0];
    assert!(items.contains(&first.sku));
    let activated = stdout(
        &run(adsync(
            &stack,
            &admin,
            &[
                "suppliers",
                "set-status",
                "--supplier",
                "1",
                "--sku",
                &first.sku,
                "active",
            ],
        ))
        .await,
    );
    assert!(activated.contains("draft -> active"), "{activated}");
    let history = stdout(
        &run(adsync(
            &stack,
            &admin,
            &[
                "suppliers",
                "history",
                "--supplier",
                "1",
                "--sku",
                &first.sku,
            ],
        ))
        .await,
    );
    assert!(history.contains(&first.price), "{history}");
    let errors = stdout(
        &run(adsync(
            &stack,
            &admin,
            &["suppliers", "errors", "--supplier", "1"],
        ))
        .await,
    );
    // "run <id>", a header and its rule, then one line per refused row.
    assert_eq!(errors.lines().count(), truth.rejected.len() + 3, "{errors}");
    // JSON as grpcurl prints it.
    let json = stdout(
        &run(adsync(
            &stack,
            &admin,
            &[
                "--json",
                "suppliers",
                "history",
                "--supplier",
                "1",
                "--sku",
                &first.sku,
            ],
        ))
        .await,
    );
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed["item"]["status"], "SUPPLIER_ITEM_STATUS_ACTIVE");
    // Unknown supplier: exit code 5 (NOT_FOUND).
    let missing = run(adsync(
        &stack,
        &admin,
        &["suppliers", "history", "--supplier", "9", "--sku", "x"],
    ))
    .await;
    assert_eq!(missing.status.code(), Some(5));
    std::fs::remove_dir_all(&dir).ok();
}

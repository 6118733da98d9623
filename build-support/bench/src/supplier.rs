//! `adsync-bench supplier`: one supplier's Google Sheet of many rows (about one in ten
//! bad) imported through the real stack from the Sheets sandbox, then re-imported after
//! a share of its prices changed. Prints wall time, rows/s, price-history rows written
//! and peak memory.

use std::time::{Duration, Instant};

use adsync_e2e::{Stack, bearer};
use adsync_proto::auth::Scope;
use adsync_proto::ingestion::ingestion_service_client::IngestionServiceClient;
use adsync_proto::ingestion::{
    CreateSupplierFeedRequest, GoogleSheetLocation, Source, StartSyncRequest, SupplierFeed,
    SyncStatus, SyncTrigger, supplier_feed,
};
use adsync_sheets_sandbox::{Edit, Quota, SandboxConfig as SheetsConfig};
use diesel::{RunQueryDsl, sql_query};

use crate::measure::{N, peak_rss_mib};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Price rows in the sheet.
    #[arg(long, default_value_t = 200_000)]
    rows: u32,
    /// The share of valid rows whose price changes before the re-import, in percent.
    #[arg(long, default_value_t = 1.0)]
    changed_percent: f64,
}

pub(crate) async fn run(args: Args) -> anyhow::Result<()> {
    println!(
        "sandbox: one en_US supplier sheet of {} price rows (about one in ten bad)",
        args.rows
    );
    let stack = Stack::start_with_sheets(
        SheetsConfig {
            suppliers: 1,
            rows: args.rows,
            quota: Quota {
                per_account: 1_000,
                per_project: 1_000,
                window_ms: 60_000,
            },
            ..SheetsConfig::default()
        },
        &["--upstream-timeout-ms", "300000"],
    )
    .await;
    let connection = stack.connect_google(0).await;
    let (token, _) = stack
        .token("bench", &[Scope::SyncWrite, Scope::SyncRead])
        .await;
    let mut client = IngestionServiceClient::new(stack.ingestion.channel());
    let id = stack.sheets.spreadsheet_ids()[0].clone();
    let feed = client
        .create_supplier_feed(bearer(
            CreateSupplierFeedRequest {
                feed: Some(SupplierFeed {
                    supplier: "Acme Supplies".into(),
                    location: Some(supplier_feed::Location::GoogleSheet(GoogleSheetLocation {
                        connection_id: connection,
                        spreadsheet_id: id.clone(),
                    })),
                    decimal_separator: ".".into(),
                    thousands_separator: ",".into(),
                    default_currency: "USD".into(),
                    ..SupplierFeed::default()
                }),
                workspace_id: 0,
            },
            &token,
        ))
        .await?
        .into_inner()
        .feed
        .expect("feed");

    let first = import(&mut client, &token, feed.supplier_id).await?;
    let history = |stack: &Stack| -> anyhow::Result<i64> {
        Ok(sql_query("SELECT count(*) AS n FROM supplier_feed.prices")
            .get_result::<N>(&mut stack.db.connect())?
            .n)
    };
    let versions_first = history(&stack)?;
    print_round("first import", first, args.rows, versions_first);

    // Change a share of the valid rows' prices (spread over the sheet).
    let truth = stack.sheets.truth(&id).expect("truth");
    let changes = ((truth.rows.len() as f64) * args.changed_percent / 100.0).round() as usize;
    let step = (truth.rows.len() / changes.max(1)).max(1);
    for row in truth.rows.iter().step_by(step).take(changes) {
        stack
            .sheets
            .edit(
                &id,
                Edit::SetCell {
                    a1: format!("C{}", row.row),
                    value: serde_json::json!(1.23),
                },
            )
            .map_err(anyhow::Error::msg)?;
    }
    let again = import(&mut client, &token, feed.supplier_id).await?;
    let versions_again = history(&stack)? - versions_first;
    println!("              {changes} prices changed in the sheet");
    print_round("re-import", again, args.rows, versions_again);
    println!(
        "peak RSS:     {:.0} MiB (the Sheets sandbox, auth and ingestion in this one process)",
        peak_rss_mib()
    );
    Ok(())
}

fn print_round(what: &str, wall: Duration, rows: u32, history_rows: i64) {
    println!(
        "{what}: wall {:.2} s, {:.0} rows/s, {history_rows} price-history rows written",
        wall.as_secs_f64(),
        f64::from(rows) / wall.as_secs_f64(),
    );
}

/// One on-demand sync of the supplier, to its end.
async fn import(
    client: &mut IngestionServiceClient<tonic::transport::Channel>,
    token: &str,
    supplier: i64,
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let mut stream = client
        .start_sync(bearer(
            StartSyncRequest {
                account_id: supplier,
                source: Source::SupplierFeed as i32,
                trigger: SyncTrigger::OnDemand as i32,
                ..Default::default()
            },
            token,
        ))
        .await?
        .into_inner();
    let mut last = None;
    while let Some(message) = stream.message().await? {
        last = message.event;
    }
    let wall = started.elapsed();
    let finished = match last.and_then(|e| e.payload) {
        Some(adsync_proto::ingestion::sync_event::Payload::RunFinished(f)) => f,
        _ => anyhow::bail!("the run ended without its last event"),
    };
    anyhow::ensure!(
        matches!(finished.status(), SyncStatus::Success | SyncStatus::Partial),
        "the import failed: {}",
        finished.reason
    );
    Ok(wall)
}

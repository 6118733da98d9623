//! Supplier price feeds end to end: feeds configured over gRPC, synced from the Google
//! Sheets sandbox through a service-account connection, the stored items, price
//! histories and parsing logs compared with the sandbox's ground truth — after edits
//! too — and the failures an operator meets (unshared sheets, missing tabs, bad ranges,
//! spent quotas) told as run reasons with nothing half-written; the same lists uploaded
//! as CSV, XLSX and ODS files store the same items.

use std::collections::BTreeMap;

use adsync_e2e::{Stack, bearer, finished, start_sync};
use adsync_proto::ingestion::ingestion_service_client::IngestionServiceClient;
use adsync_proto::ingestion::{
    ColumnChoice, CreateSupplierFeedRequest, GetSupplierFeedRequest, GoogleSheetLocation,
    ItemStatus, ListSupplierUploadsRequest, PreviewSupplierFeedRequest, SetItemStatusRequest,
    Source, StartSyncRequest, SupplierFeed, SupplierField, SyncStatus, SyncTrigger,
    UpdateSupplierFeedRequest, UploadStart, UploadSupplierFileRequest, UploadSupplierFileResponse,
    UploadedFileLocation, preview_supplier_feed_request, supplier_feed,
    upload_supplier_file_request,
};
use adsync_sheets_sandbox::book::{Locale, Spreadsheet};
use adsync_sheets_sandbox::files::csv_dialect;
use adsync_sheets_sandbox::{Edit, SandboxConfig as SheetsConfig};
use chrono::TimeDelta;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::{QueryableByName, RunQueryDsl, sql_query};
use tonic::Code;
use tonic::transport::Channel;

/// A feed for a sandbox spreadsheet, read the way its locale writes numbers.
fn feed_for(book: &Spreadsheet, connection_id: &str) -> SupplierFeed {
    let (decimal, thousands) = match book.locale {
        Locale::EnUs | Locale::EnGb => (".", ","),
        Locale::DeDe => (",", "."),
        Locale::FrFr => (",", " "),
    };
    SupplierFeed {
        supplier: book.title.clone(),
        location: Some(supplier_feed::Location::GoogleSheet(GoogleSheetLocation {
            connection_id: connection_id.to_owned(),
            spreadsheet_id: book.id.clone(),
        })),
        sheet_title: book.sheets[book.price_sheet].title.clone(),
        decimal_separator: decimal.into(),
        thousands_separator: thousands.into(),
        default_currency: book.currency.into(),
        ..SupplierFeed::default()
    }
}

async fn create(
    client: &mut IngestionServiceClient<Channel>,
    token: &str,
    feed: SupplierFeed,
) -> i64 {
    client
        .create_supplier_feed(bearer(
            CreateSupplierFeedRequest {
                feed: Some(feed),
                workspace_id: 0,
            },
            token,
        ))
        .await
        .expect("create feed")
        .into_inner()
        .feed
        .expect("feed")
        .supplier_id
}

async fn sync(
    client: &mut IngestionServiceClient<Channel>,
    token: &str,
    supplier: i64,
    trigger: SyncTrigger,
) -> (SyncStatus, String) {
    let events = start_sync(
        client,
        token,
        StartSyncRequest {
            account_id: supplier,
            source: Source::SupplierFeed as i32,
            trigger: trigger as i32,
            ..Default::default()
        },
    )
    .await;
    let f = finished(&events);
    (f.status(), f.reason.clone())
}

#[derive(QueryableByName, Debug, PartialEq, Eq, Clone)]
struct Stored {
    #[diesel(sql_type = Text)]
    sku: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    price: String,
    #[diesel(sql_type = Text)]
    currency: String,
    #[diesel(sql_type = Nullable<Text>)]
    effective_from: Option<String>,
}

/// The supplier's listed items with their current prices, by SKU.
fn stored(stack: &Stack, supplier: i64) -> BTreeMap<String, Stored> {
    let rows: Vec<Stored> = sql_query(
        "SELECT i.sku, i.name, p.price::text AS price, p.currency, p.effective_from::text AS effective_from \
         FROM supplier_feed.items i JOIN supplier_feed.prices p \
           ON p.supplier_id = i.supplier_id AND p.sku = i.sku AND p.valid_to IS NULL \
         WHERE i.supplier_id = $1 AND i.discontinued_at IS NULL",
    )
    .bind::<BigInt, _>(supplier)
    .load(&mut stack.db.connect())
    .expect("items");
    rows.into_iter().map(|r| (r.sku.clone(), r)).collect()
}

/// What the sandbox says a correct import stores, by SKU.
fn truth(stack: &Stack, id: &str) -> BTreeMap<String, Stored> {
    stack
        .sheets
        .truth(id)
        .expect("truth")
        .rows
        .into_iter()
        .map(|r| {
            (
                r.sku.clone(),
                Stored {
                    sku: r.sku,
                    name: r.name,
                    price: r.price,
                    currency: r.currency,
                    effective_from: r.valid_from.map(|d| d.to_string()),
                },
            )
        })
        .collect()
}

/// The rows the supplier's last run refused, from its parsing log.
fn refused_rows(stack: &Stack, supplier: i64) -> Vec<i64> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        row: i64,
    }
    sql_query(
        "SELECT (e.raw->>'row')::bigint AS row FROM sync_errors e \
         WHERE e.run_id = (SELECT id FROM sync_runs WHERE source = 'supplier_feed' AND account_id = $1 \
                           AND status IN ('success', 'partial') ORDER BY id DESC LIMIT 1) \
         ORDER BY 1",
    )
    .bind::<BigInt, _>(supplier)
    .load::<Row>(&mut stack.db.connect())
    .expect("errors")
    .into_iter()
    .map(|r| r.row)
    .collect()
}

fn count(stack: &Stack, sql: &str, supplier: i64) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    sql_query(sql)
        .bind::<BigInt, _>(supplier)
        .get_result::<N>(&mut stack.db.connect())
        .expect("count")
        .n
}

/// Moves every clock of the stack (adsync's and the sandbox's, which checks the time
/// in service-account assertions).
fn later(stack: &Stack, by: TimeDelta) {
    stack.clock.advance(by);
    stack
        .sheets
        .advance_clock(by.to_std().expect("a forward move"));
}

#[tokio::test]
async fn every_generated_supplier_is_stored_exactly_as_the_sandbox_says() {
    let stack = Stack::start_with_sheets(SheetsConfig::default(), &[]).await;
    let connection = stack.connect_google(0).await;
    let mut client = IngestionServiceClient::new(stack.ingestion.channel());
    for id in stack.sheets.spreadsheet_ids() {
        let book = stack.sheets.spreadsheet(&id).expect("book");
        let supplier = create(&mut client, &stack.admin, feed_for(&book, &connection)).await;
        let (status, reason) =
            sync(&mut client, &stack.admin, supplier, SyncTrigger::OnDemand).await;
        let truth_rows = stack.sheets.truth(&id).expect("truth");
        assert_eq!(status, SyncStatus::Partial, "{}: {reason}", book.title);
        assert_eq!(
            stored(&stack, supplier),
            truth(&stack, &id),
            "{} ({})",
            book.title,
            book.locale.code()
        );
        let rejected: Vec<i64> = truth_rows.rejected.iter().map(|r| r.row as i64).collect();
        assert_eq!(refused_rows(&stack, supplier), rejected, "{}", book.title);
        // Every bad row is logged with its column, raw value and reason.
        assert_eq!(
            count(
                &stack,
                "SELECT count(*) AS n FROM sync_errors WHERE account_id = $1 AND source = 'supplier_feed' \
                 AND raw ? 'column' AND raw ? 'value' AND reason <> ''",
                supplier
            ),
            rejected.len() as i64
        );
        // New items arrive as drafts, with one price version each.
        assert_eq!(
            count(
                &stack,
                "SELECT count(*) AS n FROM supplier_feed.items WHERE supplier_id = $1 AND status = 'draft'",
                supplier
            ),
            truth_rows.rows.len() as i64
        );
        assert_eq!(
            count(
                &stack,
                "SELECT count(*) AS n FROM supplier_feed.prices WHERE supplier_id = $1",
                supplier
            ),
            truth_rows.rows.len() as i64
        );
    }
    // A comma decimal is read as one: no German price is a hundred times too large.
    let german = stack
        .sheets
        .spreadsheet_ids()
        .into_iter()
        .find(|id| stack.sheets.spreadsheet(id).unwrap().locale == Locale::DeDe)
        .unwrap();
    let max: Vec<String> = truth(&stack, &german)
        .values()
        .map(|r| r.price.clone())
        .collect();
    assert!(max.iter().all(|p| p.parse::<f64>().unwrap() <= 2_500.0));
}

#[tokio::test]
async fn edits_make_exactly_the_changes_they_should() {
    let stack = Stack::start_with_sheets(SheetsConfig::default(), &[]).await;
    let connection = stack.connect_google(0).await;
    let mut client = IngestionServiceClient::new(stack.ingestion.channel());
    // The first supplier: en_US, header on row 1 (SKU, Product name, Unit price, ...).
    let id = stack.sheets.spreadsheet_ids()[0].clone();
    let book = stack.sheets.spreadsheet(&id).unwrap();
    let supplier = create(&mut client, &stack.admin, feed_for(&book, &connection)).await;
    let (status, _) = sync(&mut client, &stack.admin, supplier, SyncTrigger::OnDemand).await;
    assert_eq!(status, SyncStatus::Partial);
    let versions = |stack: &Stack| {
        count(
            stack,
            "SELECT count(*) AS n FROM supplier_feed.prices WHERE supplier_id = $1",
            supplier,
        )
    };
    let before = versions(&stack);

    // Past the freshness TTL, an unchanged spreadsheet is skipped by its Drive version.
    later(&stack, TimeDelta::hours(5));
    let (status, reason) = sync(&mut client, &stack.admin, supplier, SyncTrigger::Scheduled).await;
    assert_eq!(status, SyncStatus::Skipped, "{reason}");
    assert!(reason.contains("unchanged upstream"), "{reason}");

    // A formatting-only edit moves the version, but the content hash is the same.
    stack
        .sheets
        .edit(&id, Edit::Format { a1: "C2".into() })
        .unwrap();
    let (status, reason) = sync(&mut client, &stack.admin, supplier, SyncTrigger::Scheduled).await;
    assert_eq!(status, SyncStatus::Success, "{reason}");
    assert_eq!(versions(&stack), before);
    later(&stack, TimeDelta::hours(5));
    let (status, _) = sync(&mut client, &stack.admin, supplier, SyncTrigger::Scheduled).await;
    assert_eq!(status, SyncStatus::Skipped);

    // A changed price: exactly one new version, the old one closed.
    let truth_rows = stack.sheets.truth(&id).unwrap().rows;
    let first = &truth_rows[0];
    stack
        .sheets
        .edit(
            &id,
            Edit::SetCell {
                a1: format!("C{}", first.row),
                value: serde_json::json!(4.2),
            },
        )
        .unwrap();
    let (status, reason) = sync(&mut client, &stack.admin, supplier, SyncTrigger::OnDemand).await;
    assert_eq!(status, SyncStatus::Partial, "{reason}");
    assert_eq!(versions(&stack), before + 1);
    assert_eq!(stored(&stack, supplier)[&first.sku].price, "4.20");
    assert_eq!(
        count(
            &stack,
            "SELECT count(*) AS n FROM supplier_feed.prices WHERE supplier_id = $1 AND valid_to IS NOT NULL",
            supplier
        ),
        1
    );
    assert_eq!(stored(&stack, supplier), truth(&stack, &id));

    // Columns found by header: a moved column and an inserted one change nothing.
    stack
        .sheets
        .edit(&id, Edit::MoveColumn { from: 2, to: 0 })
        .unwrap();
    stack
        .sheets
        .edit(
            &id,
            Edit::InsertColumn {
                at: 1,
                header: "Colour".into(),
            },
        )
        .unwrap();
    let (status, reason) = sync(&mut client, &stack.admin, supplier, SyncTrigger::OnDemand).await;
    assert_eq!(status, SyncStatus::Partial, "{reason}");
    assert_eq!(versions(&stack), before + 1);
    assert_eq!(stored(&stack, supplier), truth(&stack, &id));

    // A removed row: its item is discontinued, not deleted.
    let gone = stack.sheets.truth(&id).unwrap().rows[1].clone();
    stack
        .sheets
        .edit(&id, Edit::DeleteRow { row: gone.row })
        .unwrap();
    let (status, _) = sync(&mut client, &stack.admin, supplier, SyncTrigger::OnDemand).await;
    assert_eq!(status, SyncStatus::Partial);
    assert_eq!(stored(&stack, supplier), truth(&stack, &id));
    assert_eq!(
        count(
            &stack,
            "SELECT count(*) AS n FROM supplier_feed.items WHERE supplier_id = $1 AND discontinued_at IS NOT NULL",
            supplier
        ),
        1
    );

    // A product goes live, then is archived; a sync never touches its status.
    let status_of = |status: ItemStatus| SetItemStatusRequest {
        supplier_id: supplier,
        sku: first.sku.clone(),
        status: status as i32,
    };
    let set = client
        .set_item_status(bearer(status_of(ItemStatus::Active), &stack.admin))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(set.previous_status(), ItemStatus::Draft);
    assert_eq!(set.status(), ItemStatus::Active);
    // (The list is as the last sync read it: the run writes nothing.)
    let (status, _) = sync(&mut client, &stack.admin, supplier, SyncTrigger::OnDemand).await;
    assert_eq!(status, SyncStatus::Success);
    assert_eq!(
        count(
            &stack,
            "SELECT count(*) AS n FROM supplier_feed.items WHERE supplier_id = $1 AND status = 'active'",
            supplier
        ),
        1
    );
    let set = client
        .set_item_status(bearer(status_of(ItemStatus::Archived), &stack.admin))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(set.previous_status(), ItemStatus::Active);
    let refused = client
        .set_item_status(bearer(status_of(ItemStatus::Draft), &stack.admin))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::InvalidArgument);

    // A renamed price header no longer names a price: the run fails and says why;
    // nothing changes.
    stack
        .sheets
        .edit(
            &id,
            Edit::RenameHeader {
                column: 0,
                header: "Betrag".into(),
            },
        )
        .unwrap();
    let stored_before = stored(&stack, supplier);
    let (status, reason) = sync(&mut client, &stack.admin, supplier, SyncTrigger::OnDemand).await;
    assert_eq!(status, SyncStatus::Failed);
    assert!(reason.contains("no column for price"), "{reason}");
    assert_eq!(stored(&stack, supplier), stored_before);
    // An explicit column choice fixes it (a new configuration re-reads the list).
    let mut feed = client
        .get_supplier_feed(bearer(
            GetSupplierFeedRequest {
                supplier_id: supplier,
            },
            &stack.admin,
        ))
        .await
        .unwrap()
        .into_inner()
        .feed
        .unwrap();
    feed.columns = vec![ColumnChoice {
        field: SupplierField::Price as i32,
        header: "Betrag".into(),
    }];
    let updated = client
        .update_supplier_feed(bearer(
            UpdateSupplierFeedRequest { feed: Some(feed) },
            &stack.admin,
        ))
        .await
        .unwrap()
        .into_inner()
        .feed
        .unwrap();
    assert_eq!(updated.config_version, 2);
    let (status, reason) = sync(&mut client, &stack.admin, supplier, SyncTrigger::OnDemand).await;
    assert_eq!(status, SyncStatus::Partial, "{reason}");
    assert_eq!(stored(&stack, supplier), stored_before);
}

#[tokio::test]
async fn unreadable_lists_fail_with_a_reason_and_write_nothing() {
    let stack =
        Stack::start_with_sheets(SheetsConfig::default(), &["--upstream-max-attempts", "2"]).await;
    let connection = stack.connect_google(0).await;
    let mut client = IngestionServiceClient::new(stack.ingestion.channel());
    let ids = stack.sheets.spreadsheet_ids();
    let book = stack.sheets.spreadsheet(&ids[1]).unwrap();
    let items = |stack: &Stack, s| {
        count(
            stack,
            "SELECT count(*) AS n FROM supplier_feed.items WHERE supplier_id = $1",
            s,
        )
    };

    // Not shared with the service account.
    let email = stack.sheets.accounts()[0].email.clone();
    stack
        .sheets
        .edit(
            &book.id,
            Edit::Unshare {
                email: email.clone(),
            },
        )
        .unwrap();
    let supplier = create(&mut client, &stack.admin, feed_for(&book, &connection)).await;
    let (status, reason) = sync(&mut client, &stack.admin, supplier, SyncTrigger::OnDemand).await;
    assert_eq!(status, SyncStatus::Failed);
    assert!(reason.contains("not shared"), "{reason}");
    assert_eq!(items(&stack, supplier), 0);
    let preview = client
        .preview_supplier_feed(bearer(
            PreviewSupplierFeedRequest {
                feed: Some(preview_supplier_feed_request::Feed::SupplierId(supplier)),
                max_items: 0,
            },
            &stack.admin,
        ))
        .await
        .unwrap_err();
    assert_eq!(preview.code(), Code::FailedPrecondition);
    stack.sheets.edit(&book.id, Edit::Share { email }).unwrap();

    // A preview of the shared sheet: the mapping, the first items, every row error.
    let preview = client
        .preview_supplier_feed(bearer(
            PreviewSupplierFeedRequest {
                feed: Some(preview_supplier_feed_request::Feed::SupplierId(supplier)),
                max_items: 5,
            },
            &stack.admin,
        ))
        .await
        .unwrap()
        .into_inner();
    let truth_rows = stack.sheets.truth(&book.id).unwrap();
    assert_eq!(preview.header_row as usize, truth_rows.header_row);
    assert_eq!(preview.items.len(), 5);
    assert_eq!(preview.errors.len(), truth_rows.rejected.len());
    assert!(preview.unusable_reason.is_empty());
    assert_eq!(items(&stack, supplier), 0, "a preview writes nothing");

    // A tab that does not exist, and a range outside the grid.
    let mut feed = feed_for(&book, &connection);
    feed.supplier = "No such tab".into();
    feed.sheet_title = "Preisliste 1999".into();
    let no_tab = create(&mut client, &stack.admin, feed.clone()).await;
    let (status, reason) = sync(&mut client, &stack.admin, no_tab, SyncTrigger::OnDemand).await;
    assert_eq!(status, SyncStatus::Failed);
    assert!(reason.contains("no tab \"Preisliste 1999\""), "{reason}");
    feed.supplier = "Outside the grid".into();
    feed.sheet_title = book.sheets[book.price_sheet].title.clone();
    feed.range = "A5000:F".into();
    let outside = create(&mut client, &stack.admin, feed).await;
    let (status, reason) = sync(&mut client, &stack.admin, outside, SyncTrigger::OnDemand).await;
    assert_eq!(status, SyncStatus::Failed);
    assert!(reason.contains("range cannot be read"), "{reason}");

    // The quota spent: retried with backoff, then the run fails as rate limited.
    stack.sheets.set_faults(adsync_sheets_sandbox::Faults {
        exhausted: true,
        ..Default::default()
    });
    let (status, reason) = sync(&mut client, &stack.admin, supplier, SyncTrigger::OnDemand).await;
    assert_eq!(status, SyncStatus::Failed);
    assert!(reason.contains("rate limited"), "{reason}");
    assert_eq!(items(&stack, supplier), 0);
}

#[tokio::test]
async fn bad_feed_requests_are_refused_field_by_field() {
    let stack = Stack::start_with_sheets(SheetsConfig::default(), &[]).await;
    let connection = stack.connect_google(0).await;
    let linkedin = stack.connect().await;
    let mut client = IngestionServiceClient::new(stack.ingestion.channel());
    let book = stack
        .sheets
        .spreadsheet(&stack.sheets.spreadsheet_ids()[0])
        .unwrap();
    let fields_of = |status: &tonic::Status| -> Vec<String> {
        tonic_types::StatusExt::get_details_bad_request(status)
            .map(|b| b.field_violations.into_iter().map(|v| v.field).collect())
            .unwrap_or_default()
    };
    let refusing = client.clone();
    let refuse = |feed: SupplierFeed| {
        let mut client = refusing.clone();
        let admin = stack.admin.clone();
        async move {
            client
                .create_supplier_feed(bearer(
                    CreateSupplierFeedRequest {
                        feed: Some(feed),
                        workspace_id: 0,
                    },
                    &admin,
                ))
                .await
                .unwrap_err()
        }
    };

    let mut ambiguous = feed_for(&book, &connection);
    ambiguous.thousands_separator = ".".into();
    let status = refuse(ambiguous).await;
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(fields_of(&status), ["thousands_separator"]);

    let mut unknown_field = feed_for(&book, &connection);
    unknown_field.columns = vec![
        ColumnChoice {
            field: 99,
            header: "Cost".into(),
        },
        ColumnChoice {
            field: SupplierField::Price as i32,
            header: " ".into(),
        },
    ];
    let status = refuse(unknown_field).await;
    assert_eq!(
        fields_of(&status),
        ["columns[0].field", "columns[1].header"]
    );

    let mut no_separator = feed_for(&book, &connection);
    no_separator.decimal_separator = String::new();
    no_separator.default_currency = "XYZ".into();
    let status = refuse(no_separator).await;
    assert_eq!(
        fields_of(&status),
        ["decimal_separator", "default_currency"]
    );

    let status = refuse(feed_for(&book, "no-such-connection")).await;
    assert_eq!(status.code(), Code::NotFound);
    let status = refuse(feed_for(&book, &linkedin)).await;
    assert_eq!(status.code(), Code::FailedPrecondition);

    let supplier = create(&mut client, &stack.admin, feed_for(&book, &connection)).await;
    let status = refuse(feed_for(&book, &connection)).await;
    assert_eq!(status.code(), Code::AlreadyExists);
    let status = client
        .get_supplier_feed(bearer(
            GetSupplierFeedRequest {
                supplier_id: supplier + 100,
            },
            &stack.admin,
        ))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    // A supplier feed has no date range.
    let status = client
        .trigger_sync(bearer(
            adsync_proto::ingestion::TriggerSyncRequest {
                account_id: supplier,
                source: Source::SupplierFeed as i32,
                date_range: Some(adsync_proto::ingestion::DateRange {
                    start_date: "2026-01-01".into(),
                    end_date: "2026-01-02".into(),
                }),
                ..Default::default()
            },
            &stack.admin,
        ))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
}

/// A feed of uploaded files for a sandbox supplier, read the way its files are written.
fn file_feed_for(book: &Spreadsheet, format: &str) -> SupplierFeed {
    let (delimiter, encoding) = csv_dialect(book.locale);
    let date_format = match book.locale {
        Locale::EnUs => "MM/DD/YYYY",
        Locale::EnGb | Locale::FrFr => "DD/MM/YYYY",
        Locale::DeDe => "DD.MM.YYYY",
    };
    SupplierFeed {
        supplier: format!("{} ({format})", book.title),
        location: Some(supplier_feed::Location::UploadedFiles(
            UploadedFileLocation {
                csv_delimiter: (delimiter as char).to_string(),
                csv_encoding: encoding.into(),
            },
        )),
        date_format: date_format.into(),
        ..feed_for(book, "")
    }
}

/// The file the sandbox's supplier `id` would send, as `format`.
async fn supplier_file(stack: &Stack, id: &str, format: &str) -> Vec<u8> {
    let url = format!(
        "{}/_sandbox/spreadsheets/{id}/file/{format}",
        stack.sheets.base_url()
    );
    let response = reqwest::get(&url).await.expect("file");
    assert!(
        response.status().is_success(),
        "{url}: {}",
        response.status()
    );
    response.bytes().await.expect("bytes").to_vec()
}

/// Uploads `bytes` in chunks of `chunk` bytes.
async fn upload(
    client: &mut IngestionServiceClient<Channel>,
    token: &str,
    start: UploadStart,
    bytes: &[u8],
    chunk: usize,
) -> Result<UploadSupplierFileResponse, tonic::Status> {
    let mut messages = vec![UploadSupplierFileRequest {
        part: Some(upload_supplier_file_request::Part::Start(start)),
    }];
    messages.extend(bytes.chunks(chunk).map(|c| UploadSupplierFileRequest {
        part: Some(upload_supplier_file_request::Part::Chunk(c.to_vec())),
    }));
    client
        .upload_supplier_file(bearer(tokio_stream::iter(messages), token))
        .await
        .map(tonic::Response::into_inner)
}

fn start(supplier_id: i64, file_name: &str) -> UploadStart {
    UploadStart {
        supplier_id,
        file_name: file_name.into(),
        format: 0,
    }
}

#[tokio::test]
async fn csv_xlsx_and_ods_files_store_what_the_sheet_stores() {
    let stack = Stack::start_with_sheets(SheetsConfig::default(), &[]).await;
    let mut client = IngestionServiceClient::new(stack.ingestion.channel());
    for id in stack.sheets.spreadsheet_ids() {
        let book = stack.sheets.spreadsheet(&id).expect("book");
        let truth_rows = stack.sheets.truth(&id).expect("truth");
        let rejected: Vec<i64> = truth_rows.rejected.iter().map(|r| r.row as i64).collect();
        for format in ["csv", "xlsx", "ods"] {
            let what = format!("{} ({}) as {format}", book.title, book.locale.code());
            let supplier = create(&mut client, &stack.admin, file_feed_for(&book, format)).await;
            let bytes = supplier_file(&stack, &id, format).await;
            let uploaded = upload(
                &mut client,
                &stack.admin,
                start(supplier, &format!("prices.{format}")),
                &bytes,
                16 * 1024,
            )
            .await
            .unwrap_or_else(|e| panic!("{what}: {e:?}"));
            let stored_upload = uploaded.upload.expect("upload");
            assert_eq!(stored_upload.size_bytes, bytes.len() as i64);
            if format != "csv" {
                assert_eq!(uploaded.sheet_title, truth_rows.sheet_title, "{what}");
            }
            let (status, reason) =
                sync(&mut client, &stack.admin, supplier, SyncTrigger::OnDemand).await;
            assert_eq!(status, SyncStatus::Partial, "{what}: {reason}");
            assert_eq!(stored(&stack, supplier), truth(&stack, &id), "{what}");
            assert_eq!(refused_rows(&stack, supplier), rejected, "{what}");

            // The same bytes again: a new upload, and a sync of it writes nothing.
            let versions = count(
                &stack,
                "SELECT count(*) AS n FROM supplier_feed.prices WHERE supplier_id = $1",
                supplier,
            );
            upload(
                &mut client,
                &stack.admin,
                start(supplier, &format!("prices-again.{format}")),
                &bytes,
                1024 * 1024,
            )
            .await
            .expect("second upload");
            let (status, reason) =
                sync(&mut client, &stack.admin, supplier, SyncTrigger::OnDemand).await;
            assert_eq!(status, SyncStatus::Success, "{what}: {reason}");
            assert_eq!(
                count(
                    &stack,
                    "SELECT count(*) AS n FROM supplier_feed.prices WHERE supplier_id = $1",
                    supplier,
                ),
                versions,
                "{what}"
            );
            let listed = client
                .list_supplier_uploads(bearer(
                    ListSupplierUploadsRequest {
                        supplier_id: supplier,
                    },
                    &stack.admin,
                ))
                .await
                .expect("uploads")
                .into_inner()
                .uploads;
            assert_eq!(
                listed
                    .iter()
                    .map(|u| u.file_name.as_str())
                    .collect::<Vec<_>>(),
                [format!("prices-again.{format}"), format!("prices.{format}")]
            );
        }
    }
}

#[tokio::test]
async fn bad_uploads_are_refused_and_nothing_is_stored() {
    let stack =
        Stack::start_with_sheets(SheetsConfig::default(), &["--max-upload-bytes", "4096"]).await;
    let connection = stack.connect_google(0).await;
    let mut client = IngestionServiceClient::new(stack.ingestion.channel());
    let id = stack.sheets.spreadsheet_ids()[0].clone();
    let book = stack.sheets.spreadsheet(&id).unwrap();
    let supplier = create(&mut client, &stack.admin, file_feed_for(&book, "csv")).await;
    let sheet = create(&mut client, &stack.admin, feed_for(&book, &connection)).await;
    let fields_of = |status: &tonic::Status| -> Vec<String> {
        tonic_types::StatusExt::get_details_bad_request(status)
            .map(|b| b.field_violations.into_iter().map(|v| v.field).collect())
            .unwrap_or_default()
    };
    let small = b"SKU,Name,Price\nA-1,Lamp,4.20\n";

    // Larger than the deployment accepts.
    let status = upload(
        &mut client,
        &stack.admin,
        start(supplier, "big.csv"),
        &vec![b'x'; 5000],
        1000,
    )
    .await
    .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(fields_of(&status), ["chunk"]);
    assert!(status.message().contains("4096"), "{}", status.message());

    // No format to be found, no name, no supplier.
    let status = upload(&mut client, &stack.admin, start(0, " "), small, 100)
        .await
        .unwrap_err();
    assert_eq!(
        fields_of(&status),
        ["start.supplier_id", "start.file_name", "start.format"]
    );
    // Bytes before the start message.
    let status = client
        .upload_supplier_file(bearer(
            tokio_stream::iter([UploadSupplierFileRequest {
                part: Some(upload_supplier_file_request::Part::Chunk(small.to_vec())),
            }]),
            &stack.admin,
        ))
        .await
        .unwrap_err();
    assert_eq!(fields_of(&status), ["start"]);
    // An unknown supplier; a sheet feed.
    let status = upload(
        &mut client,
        &stack.admin,
        start(supplier + 100, "p.csv"),
        small,
        100,
    )
    .await
    .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    let status = upload(&mut client, &stack.admin, start(sheet, "p.csv"), small, 100)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    // A file that is not what its name says, or not in the feed's encoding.
    let status = upload(
        &mut client,
        &stack.admin,
        start(supplier, "p.xlsx"),
        small,
        100,
    )
    .await
    .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().contains("XLSX"), "{}", status.message());
    let status = upload(
        &mut client,
        &stack.admin,
        start(supplier, "p.csv"),
        b"SKU,Name,Price\nA-1,M\xfcller,4.20\n",
        100,
    )
    .await
    .unwrap_err();
    assert!(status.message().contains("UTF-8"), "{}", status.message());
    // An empty file.
    let status = upload(
        &mut client,
        &stack.admin,
        start(supplier, "p.csv"),
        b"",
        100,
    )
    .await
    .unwrap_err();
    assert_eq!(fields_of(&status), ["chunk"]);
    assert_eq!(
        count(
            &stack,
            "SELECT count(*) AS n FROM supplier_feed.uploads WHERE supplier_id = $1",
            supplier
        ),
        0
    );

    // Before any upload, a sync fails with the reason; a good upload then syncs.
    let (status, reason) = sync(&mut client, &stack.admin, supplier, SyncTrigger::OnDemand).await;
    assert_eq!(status, SyncStatus::Failed);
    assert!(reason.contains("no file has been uploaded"), "{reason}");
    upload(
        &mut client,
        &stack.admin,
        start(supplier, "p.csv"),
        small,
        7,
    )
    .await
    .expect("upload");
    let (status, reason) = sync(&mut client, &stack.admin, supplier, SyncTrigger::OnDemand).await;
    assert_eq!(status, SyncStatus::Success, "{reason}");
    assert_eq!(stored(&stack, supplier)["A-1"].price, "4.20");
}

#[tokio::test]
async fn reporting_reads_items_histories_price_changes_and_the_parsing_log() {
    use adsync_proto::reporting::reporting_service_client::ReportingServiceClient;
    use adsync_proto::reporting::{
        GetItemPriceHistoryRequest, ListParsingErrorsRequest, ListPriceChangesRequest,
        ListSupplierItemsRequest, ListSuppliersRequest, SupplierItemStatus,
    };

    let stack = Stack::start_with_sheets(SheetsConfig::default(), &[]).await;
    let connection = stack.connect_google(0).await;
    let mut client = IngestionServiceClient::new(stack.ingestion.channel());
    let mut reports = ReportingServiceClient::new(stack.reporting.channel());
    let ids = stack.sheets.spreadsheet_ids();
    // The French supplier: a numeric "Stock" column kept as a characteristic.
    let id = ids
        .iter()
        .find(|id| stack.sheets.spreadsheet(id).unwrap().locale == Locale::FrFr)
        .unwrap()
        .clone();
    let book = stack.sheets.spreadsheet(&id).unwrap();
    let supplier = create(&mut client, &stack.admin, feed_for(&book, &connection)).await;
    let (status, reason) = sync(&mut client, &stack.admin, supplier, SyncTrigger::OnDemand).await;
    assert_eq!(status, SyncStatus::Partial, "{reason}");
    let truth_rows = stack.sheets.truth(&id).unwrap();

    let suppliers = reports
        .list_suppliers(bearer(ListSuppliersRequest::default(), &stack.admin))
        .await
        .unwrap()
        .into_inner()
        .suppliers;
    assert_eq!(suppliers.len(), 1);
    assert_eq!(suppliers[0].draft_items, truth_rows.rows.len() as i64);
    assert_eq!(
        suppliers[0].last_sync_refused_rows,
        truth_rows.rejected.len() as i64
    );

    // Every item, a page of 7 at a time.
    let items = |req: ListSupplierItemsRequest| {
        let mut reports = reports.clone();
        let admin = stack.admin.clone();
        async move {
            let mut all = Vec::new();
            let mut req = req;
            loop {
                let page = reports
                    .list_supplier_items(bearer(req.clone(), &admin))
                    .await
                    .expect("items")
                    .into_inner();
                all.extend(page.items);
                if page.next_page_token.is_empty() {
                    return all;
                }
                req.page_token = page.next_page_token;
            }
        }
    };
    let listed = items(ListSupplierItemsRequest {
        supplier_id: supplier,
        page_size: 7,
        ..Default::default()
    })
    .await;
    let listed_prices: BTreeMap<String, String> = listed
        .iter()
        .map(|i| (i.sku.clone(), i.price.clone().unwrap().amount))
        .collect();
    let truth_prices: BTreeMap<String, String> = truth(&stack, &id)
        .into_values()
        .map(|r| (r.sku, r.price))
        .collect();
    assert_eq!(listed_prices, truth_prices);

    // Filters: an exact SKU, part of a name in other case, a characteristic.
    let first = listed[0].clone();
    let by_sku = items(ListSupplierItemsRequest {
        sku: first.sku.clone(),
        ..Default::default()
    })
    .await;
    assert_eq!(by_sku.len(), 1);
    let word = first.name.split_whitespace().last().unwrap().to_uppercase();
    let by_name = items(ListSupplierItemsRequest {
        name_contains: word.clone(),
        ..Default::default()
    })
    .await;
    assert!(by_name.iter().any(|i| i.sku == first.sku));
    assert!(
        by_name
            .iter()
            .all(|i| i.name.to_uppercase().contains(&word))
    );
    let stock = first.characteristics.get("Stock").expect("a stock").clone();
    let by_stock = items(ListSupplierItemsRequest {
        characteristics: [("Stock".to_owned(), stock.clone())].into(),
        ..Default::default()
    })
    .await;
    assert!(by_stock.iter().any(|i| i.sku == first.sku));
    assert!(by_stock.iter().all(|i| i.characteristics["Stock"] == stock));

    // A status filter after activating one product.
    client
        .set_item_status(bearer(
            SetItemStatusRequest {
                supplier_id: supplier,
                sku: first.sku.clone(),
                status: ItemStatus::Active as i32,
            },
            &stack.admin,
        ))
        .await
        .unwrap();
    let active = items(ListSupplierItemsRequest {
        status: SupplierItemStatus::Active as i32,
        ..Default::default()
    })
    .await;
    assert_eq!(
        active.iter().map(|i| i.sku.as_str()).collect::<Vec<_>>(),
        [first.sku.as_str()]
    );

    // A day later the price of one item goes from its price to 4.20.
    later(&stack, TimeDelta::days(1));
    let since = adsync_server::timestamp(stack.clock.now());
    let changed = truth_rows.rows[1].clone();
    let price_column = book.sheets[book.price_sheet]
        .roles
        .iter()
        .position(|r| *r == adsync_sheets_sandbox::book::Role::Price)
        .unwrap();
    let letter = (b'A' + price_column as u8) as char;
    stack
        .sheets
        .edit(
            &id,
            Edit::SetCell {
                a1: format!("{letter}{}", changed.row),
                value: serde_json::json!(4.2),
            },
        )
        .unwrap();
    let (status, reason) = sync(&mut client, &stack.admin, supplier, SyncTrigger::OnDemand).await;
    assert_eq!(status, SyncStatus::Partial, "{reason}");
    let recent = items(ListSupplierItemsRequest {
        supplier_id: supplier,
        changed_since: Some(since),
        ..Default::default()
    })
    .await;
    assert_eq!(
        recent.iter().map(|i| i.sku.as_str()).collect::<Vec<_>>(),
        [changed.sku.as_str()]
    );

    let history = reports
        .get_item_price_history(bearer(
            GetItemPriceHistoryRequest {
                supplier_id: supplier,
                sku: changed.sku.clone(),
            },
            &stack.admin,
        ))
        .await
        .unwrap()
        .into_inner();
    let prices: Vec<String> = history
        .versions
        .iter()
        .map(|v| v.price.clone().unwrap().amount)
        .collect();
    assert_eq!(prices, [changed.price.clone(), "4.20".to_owned()]);
    assert_eq!(history.versions[0].valid_to, history.versions[1].valid_from);
    assert_eq!(history.versions[1].valid_to, None);

    let today = stack.clock.now().date_naive().to_string();
    let changes = reports
        .list_price_changes(bearer(
            ListPriceChangesRequest {
                supplier_id: supplier,
                start_date: today.clone(),
                end_date: today,
                limit: 0,
            },
            &stack.admin,
        ))
        .await
        .unwrap()
        .into_inner()
        .changes;
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].sku, changed.sku);
    assert_eq!(changes[0].old_price.clone().unwrap().amount, changed.price);
    assert_eq!(changes[0].new_price.clone().unwrap().amount, "4.20");

    // The parsing log of the last sync that read the list: every refused row.
    let log = reports
        .list_parsing_errors(bearer(
            ListParsingErrorsRequest {
                supplier_id: supplier,
                page_size: 500,
                ..Default::default()
            },
            &stack.admin,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        log.errors
            .iter()
            .map(|e| e.row as usize)
            .collect::<Vec<_>>(),
        truth_rows
            .rejected
            .iter()
            .map(|r| r.row)
            .collect::<Vec<_>>()
    );
    assert!(log.errors.iter().all(|e| !e.reason.is_empty()));
    let missing = reports
        .list_parsing_errors(bearer(
            ListParsingErrorsRequest {
                supplier_id: supplier + 1,
                ..Default::default()
            },
            &stack.admin,
        ))
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
    let missing = reports
        .get_item_price_history(bearer(
            GetItemPriceHistoryRequest {
                supplier_id: supplier,
                sku: "no-such-sku".into(),
            },
            &stack.admin,
        ))
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
}

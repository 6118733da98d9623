//! `adsync suppliers ...`: supplier price feeds. Configure a feed (a Google Sheet or
//! uploaded files), preview it, upload a file, sync it with live progress, move a
//! product through its life, and read items, price histories, price changes and the
//! parsing log.

use std::path::PathBuf;

use adsync_proto::ingestion::{
    ColumnChoice, CreateSupplierFeedRequest, GoogleSheetLocation, ItemStatus,
    ListSupplierUploadsRequest, PreviewSupplierFeedRequest, SetItemStatusRequest, SupplierFeed,
    SupplierField, UploadStart, UploadSupplierFileRequest, UploadedFileLocation,
    preview_supplier_feed_request, supplier_feed, upload_supplier_file_request,
};
use adsync_proto::reporting::{
    GetItemPriceHistoryRequest, ListParsingErrorsRequest, ListPriceChangesRequest,
    ListSupplierItemsRequest, ListSuppliersRequest, SupplierItemStatus,
};

use super::report::Range;
use super::sync::{self, SyncArgs};
use crate::endpoints::Endpoints;
use crate::failure::{Failure, Outcome};
use crate::output::{Table, json, money, print_json, ratio, time};

/// Bytes per upload message (the service takes at most 1 MiB each).
const UPLOAD_CHUNK: usize = 1024 * 1024;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum Suppliers {
    /// Configure a supplier's feed: a Google Sheet (--sheet, --connection) or uploaded
    /// files (--files).
    Add(Box<AddArgs>),
    /// The suppliers with their item counts and last sync.
    List,
    /// Read and parse a feed as a sync would, writing nothing: the mapping, the first
    /// items and every row error.
    Preview(PreviewArgs),
    /// Upload a CSV, XLSX or ODS price list for a feed of uploaded files.
    Upload(UploadArgs),
    /// The files uploaded for a supplier, newest first (the newest is what a sync reads).
    Uploads(SupplierArg),
    /// Sync a supplier's feed, showing its progress.
    Sync(SupplierArg),
    /// Activate or archive a product.
    SetStatus(SetStatusArgs),
    /// Items with their current prices.
    Items(ItemsArgs),
    /// Every price an item has had.
    History(ItemArg),
    /// A supplier's largest price changes over a period.
    Changes(ChangesArgs),
    /// The rows a supplier's sync refused, with row, column, raw value and reason.
    Errors(ErrorsArgs),
}

#[derive(Debug, clap::Args)]
pub(crate) struct SupplierArg {
    #[arg(long)]
    supplier: i64,
}

#[derive(Debug, clap::Args)]
pub(crate) struct ItemArg {
    #[arg(long)]
    supplier: i64,
    #[arg(long)]
    sku: String,
}

#[derive(Debug, clap::Args)]
pub(crate) struct AddArgs {
    /// The supplier's name (unique in its workspace).
    #[arg(long)]
    name: String,
    /// The spreadsheet id (from its URL) of a Google Sheet feed.
    #[arg(long, requires = "connection", conflicts_with = "files")]
    sheet: Option<String>,
    /// The Google service-account connection the sheet is shared with.
    #[arg(long)]
    connection: Option<String>,
    /// A feed of uploaded files instead of a sheet.
    #[arg(long)]
    files: bool,
    /// The field delimiter of uploaded CSV files.
    #[arg(long, default_value = ",")]
    csv_delimiter: String,
    /// The text encoding of uploaded CSV files (utf-8, windows-1252, ...).
    #[arg(long, default_value = "utf-8")]
    csv_encoding: String,
    /// The tab holding the prices (default: the first).
    #[arg(long, default_value = "")]
    tab: String,
    /// An A1 range within the tab, like A3:F.
    #[arg(long, default_value = "")]
    range: String,
    /// The 1-based header row (default: found from the headers).
    #[arg(long, default_value_t = 0)]
    header_row: i32,
    /// The decimal separator of prices written as text: "." or ",".
    #[arg(long)]
    decimal: String,
    /// The thousands separator of prices written as text: "", ",", ".", " " or "'".
    #[arg(long, default_value = "")]
    thousands: String,
    /// The ISO 4217 currency of rows that name none.
    #[arg(long)]
    currency: String,
    /// The list's prices include tax.
    #[arg(long)]
    includes_tax: bool,
    /// The most decimal places a price may have.
    #[arg(long)]
    price_decimals: Option<i32>,
    /// How dates written as text are ordered: YYYY-MM-DD, DD.MM.YYYY, DD/MM/YYYY,
    /// MM/DD/YYYY or DD-MM-YYYY.
    #[arg(long, default_value = "")]
    date_format: String,
    /// An explicit column choice, FIELD=HEADER (sku, name, price, currency,
    /// effective_from); repeat the flag.
    #[arg(long = "column", value_parser = column_choice)]
    columns: Vec<ColumnChoice>,
    /// The workspace the supplier belongs to (id or name; a platform admin's files feed
    /// goes to the default workspace without it, a sheet's to its connection's).
    #[arg(long)]
    workspace: Option<String>,
}

fn column_choice(raw: &str) -> Result<ColumnChoice, String> {
    let (field, header) = raw
        .split_once('=')
        .ok_or_else(|| format!("{raw:?} is not FIELD=HEADER"))?;
    let field = match field.trim().to_ascii_lowercase().as_str() {
        "sku" => SupplierField::Sku,
        "name" => SupplierField::Name,
        "price" => SupplierField::Price,
        "currency" => SupplierField::Currency,
        "effective_from" | "effective-from" => SupplierField::EffectiveFrom,
        other => {
            return Err(format!(
                "{other:?} is not a field: sku, name, price, currency, effective_from"
            ));
        }
    };
    Ok(ColumnChoice {
        field: field as i32,
        header: header.to_owned(),
    })
}

#[derive(Debug, clap::Args)]
pub(crate) struct PreviewArgs {
    #[arg(long)]
    supplier: i64,
    /// Items to show.
    #[arg(long, default_value_t = 20)]
    items: i32,
}

#[derive(Debug, clap::Args)]
pub(crate) struct UploadArgs {
    #[arg(long)]
    supplier: i64,
    /// The file (its extension says its format: .csv, .xlsx or .ods).
    file: PathBuf,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum StatusArg {
    Draft,
    Active,
    Archived,
}

#[derive(Debug, clap::Args)]
pub(crate) struct SetStatusArgs {
    #[arg(long)]
    supplier: i64,
    #[arg(long)]
    sku: String,
    /// active or archived.
    #[arg(value_enum)]
    status: StatusArg,
}

#[derive(Debug, clap::Args)]
pub(crate) struct ItemsArgs {
    /// One supplier's items (default: every supplier's).
    #[arg(long, default_value_t = 0)]
    supplier: i64,
    #[arg(long, value_enum)]
    status: Option<StatusArg>,
    /// An exact SKU.
    #[arg(long, default_value = "")]
    sku: String,
    /// Part of the name, any case.
    #[arg(long, default_value = "")]
    name: String,
    /// A characteristic the item must have, HEADER=VALUE; repeat the flag.
    #[arg(long = "characteristic", value_parser = characteristic)]
    characteristics: Vec<(String, String)>,
    /// Only items changed at or after this time (RFC 3339).
    #[arg(long)]
    changed_since: Option<chrono::DateTime<chrono::Utc>>,
    /// Also items the list no longer has.
    #[arg(long)]
    include_discontinued: bool,
    /// At most this many items.
    #[arg(long, default_value_t = 100)]
    limit: i32,
}

fn characteristic(raw: &str) -> Result<(String, String), String> {
    raw.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("{raw:?} is not HEADER=VALUE"))
}

#[derive(Debug, clap::Args)]
pub(crate) struct ChangesArgs {
    #[arg(long)]
    supplier: i64,
    #[arg(long, default_value_t = 20)]
    limit: i32,
    #[command(flatten)]
    range: Range,
}

#[derive(Debug, clap::Args)]
pub(crate) struct ErrorsArgs {
    #[arg(long)]
    supplier: i64,
    /// A run of the supplier (default: its last sync that read the list).
    #[arg(long, default_value = "")]
    run: String,
    #[arg(long, default_value_t = 100)]
    limit: i32,
}

fn status_name(s: i32) -> String {
    SupplierItemStatus::try_from(s)
        .map(|s| {
            s.as_str_name()
                .trim_start_matches("SUPPLIER_ITEM_STATUS_")
                .to_lowercase()
        })
        .unwrap_or_default()
}

pub(crate) async fn suppliers(endpoints: &Endpoints, command: Suppliers, as_json: bool) -> Outcome {
    let token = endpoints.token()?;
    match command {
        Suppliers::Add(args) => {
            let workspace_id =
                super::workspace::resolve(endpoints, args.workspace.as_deref()).await?;
            let location = match (args.sheet, args.files) {
                (Some(spreadsheet_id), false) => {
                    supplier_feed::Location::GoogleSheet(GoogleSheetLocation {
                        connection_id: args.connection.unwrap_or_default(),
                        spreadsheet_id,
                    })
                }
                (None, true) => supplier_feed::Location::UploadedFiles(UploadedFileLocation {
                    csv_delimiter: args.csv_delimiter,
                    csv_encoding: args.csv_encoding,
                }),
                _ => {
                    return Err(Failure::Usage(
                        "say where the list is: --sheet ID --connection ID, or --files".into(),
                    ));
                }
            };
            let feed = endpoints
                .ingestion()
                .await?
                .create_supplier_feed(token.request(CreateSupplierFeedRequest {
                    feed: Some(SupplierFeed {
                        supplier: args.name,
                        location: Some(location),
                        sheet_title: args.tab,
                        range: args.range,
                        header_row: args.header_row,
                        columns: args.columns,
                        decimal_separator: args.decimal,
                        thousands_separator: args.thousands,
                        default_currency: args.currency,
                        prices_include_tax: args.includes_tax,
                        price_decimals: args.price_decimals,
                        date_format: args.date_format,
                        ..Default::default()
                    }),
                    workspace_id,
                }))
                .await?
                .into_inner();
            if as_json {
                print_json(&json(
                    &feed,
                    "adsync.ingestion.v1.CreateSupplierFeedResponse",
                ));
            } else if let Some(f) = feed.feed {
                println!("supplier {} created: {}", f.supplier_id, f.supplier);
            }
        }
        Suppliers::List => {
            let r = endpoints
                .reporting()
                .await?
                .list_suppliers(token.request(ListSuppliersRequest {
                    page_size: 500,
                    ..Default::default()
                }))
                .await?
                .into_inner();
            if as_json {
                print_json(&json(&r, "adsync.reporting.v1.ListSuppliersResponse"));
                return Ok(());
            }
            let mut table = Table::new(&[
                "supplier",
                "name",
                "location",
                "draft",
                "active",
                "archived",
                "discontinued",
                "last sync",
                "refused rows",
            ]);
            for s in r.suppliers {
                table.row(vec![
                    s.supplier_id.to_string(),
                    s.name,
                    s.location,
                    s.draft_items.to_string(),
                    s.active_items.to_string(),
                    s.archived_items.to_string(),
                    s.discontinued_items.to_string(),
                    time(s.last_sync_time.as_ref()),
                    s.last_sync_refused_rows.to_string(),
                ]);
            }
            table.print();
        }
        Suppliers::Preview(args) => {
            let r = endpoints
                .ingestion()
                .await?
                .preview_supplier_feed(token.request(PreviewSupplierFeedRequest {
                    feed: Some(preview_supplier_feed_request::Feed::SupplierId(
                        args.supplier,
                    )),
                    max_items: args.items,
                }))
                .await?
                .into_inner();
            if as_json {
                print_json(&json(&r, "adsync.ingestion.v1.PreviewSupplierFeedResponse"));
                return Ok(());
            }
            println!("tab {:?}, header on row {}", r.sheet_title, r.header_row);
            let mut mapping = Table::new(&["field", "header", "match", "confirm"]);
            for c in &r.columns {
                mapping.row(vec![
                    SupplierField::try_from(c.field)
                        .map(|f| {
                            f.as_str_name()
                                .trim_start_matches("SUPPLIER_FIELD_")
                                .to_lowercase()
                        })
                        .unwrap_or_default(),
                    c.header.clone(),
                    format!("{:.2}", c.score),
                    if c.needs_confirmation { "yes" } else { "" }.into(),
                ]);
            }
            mapping.print();
            if !r.unmapped_headers.is_empty() {
                println!("kept as characteristics: {}", r.unmapped_headers.join(", "));
            }
            if !r.unusable_reason.is_empty() {
                println!("a sync cannot use this mapping: {}", r.unusable_reason);
                return Ok(());
            }
            println!("{} rows, {} valid", r.rows, r.valid_rows);
            let mut items = Table::new(&["row", "sku", "name", "price", "currency", "from"]);
            for i in r.items {
                items.row(vec![
                    i.row.to_string(),
                    i.sku,
                    i.name,
                    i.price,
                    i.currency,
                    i.effective_from,
                ]);
            }
            items.print();
            print_row_errors(
                r.errors
                    .into_iter()
                    .map(|e| [e.row.to_string(), e.column, e.raw_value, e.reason]),
            );
        }
        Suppliers::Upload(args) => {
            let bytes = std::fs::read(&args.file)
                .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", args.file.display())))?;
            let file_name = args
                .file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let mut messages = vec![UploadSupplierFileRequest {
                part: Some(upload_supplier_file_request::Part::Start(UploadStart {
                    supplier_id: args.supplier,
                    file_name,
                    format: 0,
                })),
            }];
            messages.extend(
                bytes
                    .chunks(UPLOAD_CHUNK)
                    .map(|c| UploadSupplierFileRequest {
                        part: Some(upload_supplier_file_request::Part::Chunk(c.to_vec())),
                    }),
            );
            let r = endpoints
                .ingestion()
                .await?
                .upload_supplier_file(token.request(tokio_stream::iter(messages)))
                .await?
                .into_inner();
            if as_json {
                print_json(&json(&r, "adsync.ingestion.v1.UploadSupplierFileResponse"));
            } else if let Some(u) = r.upload {
                println!(
                    "uploaded {} ({} bytes) as {}: tab {:?}, {} rows; `adsync suppliers sync --supplier {}` imports it",
                    u.file_name, u.size_bytes, u.upload_id, r.sheet_title, r.rows, u.supplier_id
                );
            }
        }
        Suppliers::Uploads(args) => {
            let r = endpoints
                .ingestion()
                .await?
                .list_supplier_uploads(token.request(ListSupplierUploadsRequest {
                    supplier_id: args.supplier,
                }))
                .await?
                .into_inner();
            if as_json {
                print_json(&json(&r, "adsync.ingestion.v1.ListSupplierUploadsResponse"));
                return Ok(());
            }
            let mut table = Table::new(&["upload", "file", "bytes", "sha256", "uploaded"]);
            for u in r.uploads {
                table.row(vec![
                    u.upload_id,
                    u.file_name,
                    u.size_bytes.to_string(),
                    u.sha256.chars().take(12).collect(),
                    time(u.upload_time.as_ref()),
                ]);
            }
            table.print();
        }
        Suppliers::Sync(args) => {
            return sync::sync(endpoints, SyncArgs::supplier(args.supplier), as_json).await;
        }
        Suppliers::SetStatus(args) => {
            let status = match args.status {
                StatusArg::Draft => ItemStatus::Draft,
                StatusArg::Active => ItemStatus::Active,
                StatusArg::Archived => ItemStatus::Archived,
            };
            let r = endpoints
                .ingestion()
                .await?
                .set_item_status(token.request(SetItemStatusRequest {
                    supplier_id: args.supplier,
                    sku: args.sku,
                    status: status as i32,
                }))
                .await?
                .into_inner();
            if as_json {
                print_json(&json(&r, "adsync.ingestion.v1.SetItemStatusResponse"));
            } else {
                let name = |s: i32| {
                    ItemStatus::try_from(s)
                        .map(|s| {
                            s.as_str_name()
                                .trim_start_matches("ITEM_STATUS_")
                                .to_lowercase()
                        })
                        .unwrap_or_default()
                };
                println!(
                    "{} of supplier {}: {} -> {}",
                    r.sku,
                    r.supplier_id,
                    name(r.previous_status),
                    name(r.status)
                );
            }
        }
        Suppliers::Items(args) => {
            let status = match args.status {
                None => SupplierItemStatus::Unspecified,
                Some(StatusArg::Draft) => SupplierItemStatus::Draft,
                Some(StatusArg::Active) => SupplierItemStatus::Active,
                Some(StatusArg::Archived) => SupplierItemStatus::Archived,
            };
            let r = endpoints
                .reporting()
                .await?
                .list_supplier_items(token.request(ListSupplierItemsRequest {
                    supplier_id: args.supplier,
                    status: status as i32,
                    sku: args.sku,
                    name_contains: args.name,
                    characteristics: args.characteristics.into_iter().collect(),
                    changed_since: args.changed_since.map(adsync_server::timestamp),
                    include_discontinued: args.include_discontinued,
                    page_size: args.limit,
                    page_token: String::new(),
                }))
                .await?
                .into_inner();
            if as_json {
                print_json(&json(&r, "adsync.reporting.v1.ListSupplierItemsResponse"));
                return Ok(());
            }
            let mut table = Table::new(&[
                "supplier",
                "sku",
                "name",
                "status",
                "price",
                "since",
                "discontinued",
            ]);
            for i in r.items {
                table.row(vec![
                    i.supplier_id.to_string(),
                    i.sku,
                    i.name,
                    status_name(i.status),
                    money(i.price.as_ref()),
                    time(i.price_since.as_ref()),
                    time(i.discontinued_time.as_ref()),
                ]);
            }
            table.print();
        }
        Suppliers::History(args) => {
            let r = endpoints
                .reporting()
                .await?
                .get_item_price_history(token.request(GetItemPriceHistoryRequest {
                    supplier_id: args.supplier,
                    sku: args.sku,
                }))
                .await?
                .into_inner();
            if as_json {
                print_json(&json(&r, "adsync.reporting.v1.GetItemPriceHistoryResponse"));
                return Ok(());
            }
            if let Some(item) = &r.item {
                println!("{} {} ({})", item.sku, item.name, status_name(item.status));
            }
            let mut table = Table::new(&["price", "tax incl.", "list date", "from", "to"]);
            for v in r.versions {
                table.row(vec![
                    money(v.price.as_ref()),
                    if v.includes_tax { "yes" } else { "no" }.into(),
                    v.effective_from,
                    time(v.valid_from.as_ref()),
                    time(v.valid_to.as_ref()),
                ]);
            }
            table.print();
        }
        Suppliers::Changes(args) => {
            let (start_date, end_date) = args.range.dates();
            let r = endpoints
                .reporting()
                .await?
                .list_price_changes(token.request(ListPriceChangesRequest {
                    supplier_id: args.supplier,
                    start_date,
                    end_date,
                    limit: args.limit,
                }))
                .await?
                .into_inner();
            if as_json {
                print_json(&json(&r, "adsync.reporting.v1.ListPriceChangesResponse"));
                return Ok(());
            }
            let mut table = Table::new(&["sku", "name", "old", "new", "change", "%", "changed"]);
            for c in r.changes {
                table.row(vec![
                    c.sku,
                    c.name,
                    money(c.old_price.as_ref()),
                    money(c.new_price.as_ref()),
                    c.change,
                    ratio(c.change_percent.as_ref(), "%"),
                    time(c.change_time.as_ref()),
                ]);
            }
            table.print();
        }
        Suppliers::Errors(args) => {
            let r = endpoints
                .reporting()
                .await?
                .list_parsing_errors(token.request(ListParsingErrorsRequest {
                    supplier_id: args.supplier,
                    run_id: args.run,
                    page_size: args.limit,
                    page_token: String::new(),
                }))
                .await?
                .into_inner();
            if as_json {
                print_json(&json(&r, "adsync.reporting.v1.ListParsingErrorsResponse"));
                return Ok(());
            }
            if r.run_id.is_empty() {
                println!("supplier {} has no sync that read its list", args.supplier);
                return Ok(());
            }
            println!("run {}", r.run_id);
            print_row_errors(
                r.errors
                    .into_iter()
                    .map(|e| [e.row.to_string(), e.column, e.raw_value, e.reason]),
            );
        }
    }
    Ok(())
}

fn print_row_errors(errors: impl Iterator<Item = [String; 4]>) {
    let mut table = Table::new(&["row", "column", "value", "reason"]);
    for e in errors {
        table.row(e.into());
    }
    table.print();
}

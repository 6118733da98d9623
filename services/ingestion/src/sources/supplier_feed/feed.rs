//! A supplier's feed: where its price list is and how to read it — checked from the API
//! (every field's problem a violation of its own), stored in `supplier_feed.suppliers`,
//! and turned into the [`Reading`] a sync or a preview applies.

use adsync_proto::ingestion::{
    ColumnChoice, GoogleSheetLocation, SupplierFeed, SupplierField, UploadedFileLocation,
    supplier_feed,
};
use adsync_server::{FieldViolations, WorkspaceId, timestamp};
use adsync_warehouse::schema::supplier_feed::suppliers;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::client::range_start;
use super::dates::DateFormat;
use super::mapping::Field;
use super::numbers::NumberFormat;
use super::parse::Reading;

/// Where a price list is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Location {
    Sheet {
        connection_id: String,
        spreadsheet_id: String,
    },
    Files {
        csv_delimiter: u8,
        csv_encoding: &'static encoding_rs::Encoding,
    },
}

/// A feed's configuration, checked.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FeedConfig {
    pub(crate) supplier: String,
    pub(crate) location: Location,
    pub(crate) sheet_title: Option<String>,
    pub(crate) range: Option<String>,
    pub(crate) header_row: Option<u32>,
    pub(crate) columns: Vec<(Field, String)>,
    pub(crate) numbers: NumberFormat,
    pub(crate) dates: DateFormat,
    pub(crate) default_currency: String,
    pub(crate) prices_include_tax: bool,
    pub(crate) price_decimals: u32,
}

/// A stored feed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Feed {
    pub(crate) id: i64,
    /// The workspace that owns the supplier and everything synced from it.
    pub(crate) workspace_id: i64,
    pub(crate) config: FeedConfig,
    pub(crate) config_version: i32,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
}

fn field_of(f: SupplierField) -> Option<Field> {
    match f {
        SupplierField::Sku => Some(Field::Sku),
        SupplierField::Name => Some(Field::Name),
        SupplierField::Price => Some(Field::Price),
        SupplierField::Currency => Some(Field::Currency),
        SupplierField::EffectiveFrom => Some(Field::EffectiveFrom),
        SupplierField::Unspecified => None,
    }
}

pub(crate) fn field_proto(f: Field) -> SupplierField {
    match f {
        Field::Sku => SupplierField::Sku,
        Field::Name => SupplierField::Name,
        Field::Price => SupplierField::Price,
        Field::Currency => SupplierField::Currency,
        Field::EffectiveFrom => SupplierField::EffectiveFrom,
    }
}

/// `A`, `A3`, `A3:F`, `B:G`, `A3:F100`: a range within a tab (the tab is `sheet_title`).
fn is_a1_range(range: &str) -> bool {
    let cell = |s: &str| {
        let letters = s.chars().take_while(char::is_ascii_uppercase).count();
        let digits = &s[letters..];
        (1..=3).contains(&letters)
            && digits.chars().all(|c| c.is_ascii_digit())
            && !digits.starts_with('0')
            && digits.len() <= 7
    };
    match range.split_once(':') {
        Some((a, b)) => cell(a) && cell(b),
        None => cell(range),
    }
}

impl FeedConfig {
    /// Checks `p`; every problem is a violation of its field. `named`: the supplier name
    /// is required (a stored feed; a preview of an unsaved one may leave it empty).
    pub(crate) fn from_proto(
        p: &SupplierFeed,
        named: bool,
        violations: &mut FieldViolations,
    ) -> Option<FeedConfig> {
        let mut v = FieldViolations::new();
        let config = Self::check(p, named, &mut v);
        let ok = v.is_empty();
        violations.extend_prefixed("", v);
        config.filter(|_| ok)
    }

    fn check(p: &SupplierFeed, named: bool, v: &mut FieldViolations) -> Option<FeedConfig> {
        let supplier = p.supplier.trim().to_owned();
        if (named && supplier.is_empty()) || supplier.chars().count() > 200 {
            v.add("supplier", "required, 1 to 200 characters");
        }
        let location = match &p.location {
            None => {
                v.add("location", "required: google_sheet or uploaded_files");
                None
            }
            Some(supplier_feed::Location::GoogleSheet(s)) => {
                if s.connection_id.trim().is_empty() {
                    v.add("google_sheet.connection_id", "required");
                }
                let id = s.spreadsheet_id.trim();
                if id.is_empty()
                    || id.len() > 200
                    || !id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                {
                    v.add(
                        "google_sheet.spreadsheet_id",
                        "required: the id in the spreadsheet's URL (letters, digits, - and _)",
                    );
                }
                Some(Location::Sheet {
                    connection_id: s.connection_id.trim().to_owned(),
                    spreadsheet_id: id.to_owned(),
                })
            }
            Some(supplier_feed::Location::UploadedFiles(f)) => {
                let delimiter = match f.csv_delimiter.as_bytes() {
                    [] => Some(b','),
                    [d] if !matches!(*d, b'"' | b'\r' | b'\n') && d.is_ascii() => Some(*d),
                    _ => None,
                };
                if delimiter.is_none() {
                    v.add(
                        "uploaded_files.csv_delimiter",
                        "one ASCII character other than a quote or a line break",
                    );
                }
                let label = if f.csv_encoding.trim().is_empty() {
                    "utf-8"
                } else {
                    f.csv_encoding.trim()
                };
                let encoding = encoding_rs::Encoding::for_label(label.as_bytes());
                if encoding.is_none() {
                    v.add(
                        "uploaded_files.csv_encoding",
                        format!("{label:?} is not a known text encoding (utf-8, windows-1252, iso-8859-15, ...)"),
                    );
                }
                delimiter
                    .zip(encoding)
                    .map(|(csv_delimiter, csv_encoding)| Location::Files {
                        csv_delimiter,
                        csv_encoding,
                    })
            }
        };
        if p.sheet_title.chars().count() > 100 {
            v.add("sheet_title", "at most 100 characters");
        }
        let range = p.range.trim().to_ascii_uppercase();
        if !range.is_empty() && !is_a1_range(&range) {
            v.add(
                "range",
                "an A1 range within the tab, like A3:F or B:G (the tab goes in sheet_title)",
            );
        }
        if p.header_row < 0 {
            v.add("header_row", "0 (found from the headers) or a 1-based row");
        }
        let mut columns: Vec<(Field, String)> = Vec::new();
        for (i, c) in p.columns.iter().enumerate() {
            let field = SupplierField::try_from(c.field).ok().and_then(field_of);
            match field {
                None => {
                    v.add(
                        format!("columns[{i}].field"),
                        format!(
                            "{} is not a field (sku, name, price, currency, effective_from)",
                            c.field
                        ),
                    );
                }
                Some(f) if columns.iter().any(|(g, _)| *g == f) => {
                    v.add(
                        format!("columns[{i}].field"),
                        format!("{} is chosen twice", f.as_str()),
                    );
                }
                Some(f) => {
                    if c.header.trim().is_empty() {
                        v.add(format!("columns[{i}].header"), "required");
                    }
                    columns.push((f, c.header.trim().to_owned()));
                }
            }
        }
        let numbers = NumberFormat::new(&p.decimal_separator, &p.thousands_separator)
            .map_err(|why| {
                let field = if why.contains("both") || why.contains("thousands") {
                    "thousands_separator"
                } else {
                    "decimal_separator"
                };
                v.add(field, why);
            })
            .ok();
        let dates = DateFormat::parse(&p.date_format);
        if dates.is_none() {
            v.add(
                "date_format",
                format!(
                    "{:?} is not a date format: {}",
                    p.date_format,
                    DateFormat::ALL.map(DateFormat::as_str).join(", ")
                ),
            );
        }
        let currency = p.default_currency.trim().to_ascii_uppercase();
        if iso_currency::Currency::from_code(&currency).is_none() {
            v.add(
                "default_currency",
                "required: an ISO 4217 code (EUR, USD, GBP, ...)",
            );
        }
        let price_decimals = p.price_decimals.unwrap_or(2);
        if !(0..=6).contains(&price_decimals) {
            v.add("price_decimals", "0 to 6");
        }
        Some(FeedConfig {
            supplier,
            location: location?,
            sheet_title: Some(p.sheet_title.trim().to_owned()).filter(|s| !s.is_empty()),
            range: Some(range).filter(|s| !s.is_empty()),
            header_row: u32::try_from(p.header_row).ok().filter(|r| *r > 0),
            columns,
            numbers: numbers?,
            dates: dates?,
            default_currency: currency,
            prices_include_tax: p.prices_include_tax,
            price_decimals: price_decimals as u32,
        })
    }

    /// How its rows are read. With a range and no header row, the range's first row is
    /// the header.
    pub(crate) fn reading(&self) -> Reading {
        let range_start = self.range.as_deref().map(|r| range_start(r).1);
        Reading {
            header_row: self.header_row.map(|r| r as usize).or(range_start),
            columns: self.columns.clone(),
            numbers: self.numbers,
            dates: self.dates,
            default_currency: self.default_currency.clone(),
            prices_include_tax: self.prices_include_tax,
            price_decimals: self.price_decimals,
        }
    }

    pub(crate) fn to_proto(&self) -> SupplierFeed {
        let location = match &self.location {
            Location::Sheet {
                connection_id,
                spreadsheet_id,
            } => supplier_feed::Location::GoogleSheet(GoogleSheetLocation {
                connection_id: connection_id.clone(),
                spreadsheet_id: spreadsheet_id.clone(),
            }),
            Location::Files {
                csv_delimiter,
                csv_encoding,
            } => supplier_feed::Location::UploadedFiles(UploadedFileLocation {
                csv_delimiter: (*csv_delimiter as char).to_string(),
                csv_encoding: csv_encoding.name().to_ascii_lowercase(),
            }),
        };
        SupplierFeed {
            supplier: self.supplier.clone(),
            location: Some(location),
            sheet_title: self.sheet_title.clone().unwrap_or_default(),
            range: self.range.clone().unwrap_or_default(),
            header_row: self.header_row.map_or(0, |r| r as i32),
            columns: self
                .columns
                .iter()
                .map(|(f, h)| ColumnChoice {
                    field: field_proto(*f) as i32,
                    header: h.clone(),
                })
                .collect(),
            decimal_separator: self.numbers.decimal.to_string(),
            thousands_separator: self.numbers.thousands_str(),
            default_currency: self.default_currency.clone(),
            prices_include_tax: self.prices_include_tax,
            price_decimals: Some(self.price_decimals as i32),
            date_format: self.dates.as_str().to_owned(),
            ..SupplierFeed::default()
        }
    }
}

impl Feed {
    pub(crate) fn to_proto(&self) -> SupplierFeed {
        SupplierFeed {
            supplier_id: self.id,
            workspace_id: self.workspace_id,
            config_version: self.config_version,
            create_time: Some(timestamp(self.created_at)),
            update_time: Some(timestamp(self.updated_at)),
            ..self.config.to_proto()
        }
    }

    /// The connection whose tokens read the feed (none for uploaded files).
    pub(crate) fn connection_id(&self) -> &str {
        match &self.config.location {
            Location::Sheet { connection_id, .. } => connection_id,
            Location::Files { .. } => "",
        }
    }
}

/// A feed as stored.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = suppliers)]
struct Stored {
    id: i64,
    workspace_id: i64,
    name: String,
    kind: String,
    connection_id: Option<String>,
    spreadsheet_id: Option<String>,
    sheet_title: Option<String>,
    range_a1: Option<String>,
    header_row: Option<i32>,
    mapping: serde_json::Value,
    decimal_separator: String,
    thousands_separator: String,
    default_currency: String,
    prices_include_tax: bool,
    price_decimals: i16,
    csv_delimiter: String,
    csv_encoding: String,
    date_format: String,
    config_version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl Stored {
    fn feed(self) -> Feed {
        let location = match self.kind.as_str() {
            "sheet" => Location::Sheet {
                connection_id: self.connection_id.unwrap_or_default(),
                spreadsheet_id: self.spreadsheet_id.unwrap_or_default(),
            },
            _ => Location::Files {
                csv_delimiter: self.csv_delimiter.bytes().next().unwrap_or(b','),
                csv_encoding: encoding_rs::Encoding::for_label(self.csv_encoding.as_bytes())
                    .unwrap_or(encoding_rs::UTF_8),
            },
        };
        let columns = self
            .mapping
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((Field::parse(k)?, v.as_str()?.to_owned())))
            .collect();
        Feed {
            id: self.id,
            workspace_id: self.workspace_id,
            config: FeedConfig {
                supplier: self.name,
                location,
                sheet_title: self.sheet_title,
                range: self.range_a1,
                header_row: self.header_row.map(|r| r as u32),
                columns,
                numbers: NumberFormat::new(&self.decimal_separator, &self.thousands_separator)
                    .unwrap_or(NumberFormat {
                        decimal: '.',
                        thousands: None,
                    }),
                dates: DateFormat::parse(&self.date_format).unwrap_or_default(),
                default_currency: self.default_currency,
                prices_include_tax: self.prices_include_tax,
                price_decimals: self.price_decimals as u32,
            },
            config_version: self.config_version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// The columns a feed's configuration is stored in.
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = suppliers, treat_none_as_null = true)]
struct Row<'a> {
    name: &'a str,
    kind: &'a str,
    connection_id: Option<&'a str>,
    spreadsheet_id: Option<&'a str>,
    sheet_title: Option<&'a str>,
    range_a1: Option<&'a str>,
    header_row: Option<i32>,
    mapping: serde_json::Value,
    decimal_separator: String,
    thousands_separator: String,
    default_currency: &'a str,
    prices_include_tax: bool,
    price_decimals: i16,
    csv_delimiter: String,
    csv_encoding: String,
    date_format: &'static str,
}

fn row(c: &FeedConfig) -> Row<'_> {
    let (kind, connection_id, spreadsheet_id, delimiter, encoding) = match &c.location {
        Location::Sheet {
            connection_id,
            spreadsheet_id,
        } => (
            "sheet",
            Some(connection_id.as_str()),
            Some(spreadsheet_id.as_str()),
            ",".to_owned(),
            "utf-8".to_owned(),
        ),
        Location::Files {
            csv_delimiter,
            csv_encoding,
        } => (
            "file",
            None,
            None,
            (*csv_delimiter as char).to_string(),
            csv_encoding.name().to_ascii_lowercase(),
        ),
    };
    Row {
        name: &c.supplier,
        kind,
        connection_id,
        spreadsheet_id,
        sheet_title: c.sheet_title.as_deref(),
        range_a1: c.range.as_deref(),
        header_row: c.header_row.map(|r| r as i32),
        mapping: serde_json::Value::Object(
            c.columns
                .iter()
                .map(|(f, h)| (f.as_str().to_owned(), serde_json::Value::String(h.clone())))
                .collect(),
        ),
        decimal_separator: c.numbers.decimal.to_string(),
        thousands_separator: c.numbers.thousands_str(),
        default_currency: &c.default_currency,
        prices_include_tax: c.prices_include_tax,
        price_decimals: c.price_decimals as i16,
        csv_delimiter: delimiter,
        csv_encoding: encoding,
        date_format: c.dates.as_str(),
    }
}

/// Stores a new feed of `workspace`; `None` when its supplier name is taken there.
pub(crate) fn insert(
    conn: &mut PgConnection,
    config: &FeedConfig,
    workspace: WorkspaceId,
    now: DateTime<Utc>,
) -> QueryResult<Option<Feed>> {
    let stored = diesel::insert_into(suppliers::table)
        .values((
            row(config),
            suppliers::workspace_id.eq(workspace.get()),
            suppliers::created_at.eq(now),
            suppliers::updated_at.eq(now),
        ))
        .on_conflict((suppliers::workspace_id, suppliers::name))
        .do_nothing()
        .returning(Stored::as_returning())
        .get_result(conn)
        .optional()?;
    Ok(stored.map(Stored::feed))
}

/// Replaces feed `id`'s configuration (its version moves when it changed); `None` when
/// there is no such feed. `Err(UniqueViolation)` when the new name is taken.
pub(crate) fn update(
    conn: &mut PgConnection,
    id: i64,
    config: &FeedConfig,
    now: DateTime<Utc>,
) -> QueryResult<Option<Feed>> {
    let Some(current) = find(conn, id)? else {
        return Ok(None);
    };
    if current.config == *config {
        return Ok(Some(current));
    }
    let stored = diesel::update(suppliers::table.find(id))
        .set((
            row(config),
            suppliers::config_version.eq(suppliers::config_version + 1),
            suppliers::updated_at.eq(now),
        ))
        .returning(Stored::as_returning())
        .get_result(conn)?;
    Ok(Some(stored.feed()))
}

pub(crate) fn find(conn: &mut PgConnection, id: i64) -> QueryResult<Option<Feed>> {
    Ok(suppliers::table
        .find(id)
        .select(Stored::as_select())
        .first(conn)
        .optional()?
        .map(Stored::feed))
}

/// Every feed, or `workspace`'s, by name.
pub(crate) fn list(
    conn: &mut PgConnection,
    workspace: Option<WorkspaceId>,
) -> QueryResult<Vec<Feed>> {
    let mut query = suppliers::table
        .select(Stored::as_select())
        .order((suppliers::name, suppliers::id))
        .into_boxed();
    if let Some(w) = workspace {
        query = query.filter(suppliers::workspace_id.eq(w.get()));
    }
    Ok(query.load(conn)?.into_iter().map(Stored::feed).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet_feed() -> SupplierFeed {
        SupplierFeed {
            supplier: "Müller GmbH".into(),
            location: Some(supplier_feed::Location::GoogleSheet(GoogleSheetLocation {
                connection_id: "c1".into(),
                spreadsheet_id: "1AbC-d_e".into(),
            })),
            decimal_separator: ",".into(),
            thousands_separator: ".".into(),
            default_currency: "eur".into(),
            ..SupplierFeed::default()
        }
    }

    fn fields(p: &SupplierFeed) -> Vec<String> {
        let mut v = FieldViolations::new();
        FeedConfig::from_proto(p, true, &mut v);
        v.fields()
    }

    #[test]
    fn a_good_feed_is_read_and_written_back() {
        let mut v = FieldViolations::new();
        let c = FeedConfig::from_proto(&sheet_feed(), true, &mut v).unwrap();
        assert!(v.is_empty());
        assert_eq!(c.default_currency, "EUR");
        assert_eq!(c.price_decimals, 2);
        assert_eq!(c.to_proto().thousands_separator, ".");
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut p = sheet_feed();
        p.thousands_separator = ",".into();
        assert_eq!(fields(&p), ["thousands_separator"]);
        let mut p = sheet_feed();
        p.decimal_separator = String::new();
        p.default_currency = "EURO".into();
        p.range = "Prices!A1:B".into();
        p.columns = vec![
            ColumnChoice {
                field: 42,
                header: "x".into(),
            },
            ColumnChoice {
                field: SupplierField::Price as i32,
                header: "Preis".into(),
            },
            ColumnChoice {
                field: SupplierField::Price as i32,
                header: "Brutto".into(),
            },
        ];
        assert_eq!(
            fields(&p),
            [
                "range",
                "columns[0].field",
                "columns[2].field",
                "decimal_separator",
                "default_currency"
            ]
        );
        let mut p = sheet_feed();
        p.location = None;
        p.supplier = String::new();
        assert_eq!(fields(&p), ["supplier", "location"]);
    }

    #[test]
    fn a1_ranges_are_checked() {
        for ok in ["A", "A3", "A3:F", "B:G", "A3:F100", "AA1:ZZ9"] {
            assert!(is_a1_range(ok), "{ok}");
        }
        for bad in ["", "3", "A0", "a1", "A1:", "ABCD1", "A1:B2:C3"] {
            assert!(!is_a1_range(bad), "{bad}");
        }
    }
}

//! A price list's rows into items: the header row found (configured, or the first row
//! naming every required field), the columns mapped by header, then each row parsed on
//! its own — a bad row is a [`RowError`] with its row, column, raw value and reason and
//! never stops the others; a SKU seen before is an error (the first row keeps it), not
//! a silent overwrite.

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::cells::{Cell, Grid, Row};
use super::dates::{DateFormat, date_of, not_a_date};
use super::mapping::{Field, Mapping, map_headers};
use super::numbers::{NumberFormat, check_price, parse_number, parse_text};

/// How a feed's rows are read.
#[derive(Debug, Clone)]
pub(crate) struct Reading {
    /// 1-based row of the header, if configured.
    pub(crate) header_row: Option<usize>,
    pub(crate) columns: Vec<(Field, String)>,
    pub(crate) numbers: NumberFormat,
    pub(crate) dates: DateFormat,
    pub(crate) default_currency: String,
    pub(crate) prices_include_tax: bool,
    pub(crate) price_decimals: u32,
}

/// One valid row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Item {
    pub(crate) row: usize,
    pub(crate) sku: String,
    pub(crate) name: String,
    pub(crate) price: Decimal,
    pub(crate) currency: String,
    pub(crate) includes_tax: bool,
    pub(crate) effective_from: Option<NaiveDate>,
    /// The unmapped columns, by header: numbers as JSON numbers, the rest as text.
    pub(crate) characteristics: Map<String, Value>,
}

/// One refused row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RowError {
    pub(crate) row: usize,
    /// The column's header; empty when the row as a whole is at fault.
    pub(crate) column: String,
    pub(crate) raw: String,
    pub(crate) reason: String,
    pub(crate) sku: Option<String>,
}

/// A whole list, parsed.
#[derive(Debug, Clone)]
pub(crate) struct Parsed {
    pub(crate) sheet: String,
    /// Data rows read (empty lines not counted).
    pub(crate) rows: usize,
    pub(crate) items: Vec<Item>,
    pub(crate) errors: Vec<RowError>,
}

/// Rows searched for a header when none is configured.
const HEADER_SEARCH_ROWS: usize = 20;

/// Finds the header and maps it; `Err` when the list cannot be imported as configured
/// (the reason names what is missing). Fuzzy matches are left in the mapping as
/// proposals; [`Mapping::unusable`] says whether a sync can use it.
pub(crate) fn find_header(grid: &Grid, reading: &Reading) -> Result<(usize, Mapping), String> {
    let headers = |row: &Row| -> Vec<String> {
        row.cells
            .iter()
            .map(|c| c.text().trim().to_owned())
            .collect()
    };
    if let Some(wanted) = reading.header_row {
        let row = grid
            .rows
            .iter()
            .find(|r| r.number == wanted)
            .ok_or_else(|| format!("the header row {wanted} is empty or outside the range read"))?;
        return Ok((wanted, map_headers(&headers(row), &reading.columns)?));
    }
    let mut first_error = None;
    let mut best: Option<(usize, Mapping)> = None;
    for row in grid.rows.iter().take(HEADER_SEARCH_ROWS) {
        match map_headers(&headers(row), &reading.columns) {
            Ok(m) if m.unusable().is_none() => return Ok((row.number, m)),
            Ok(m) => {
                let found = m.fields.len();
                if best.as_ref().is_none_or(|(_, b)| found > b.fields.len()) {
                    best = Some((row.number, m));
                }
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match (best, first_error) {
        // A row that maps some required fields: the header, whose gaps the caller names.
        (Some((n, m)), _) if m.fields.iter().any(|f| f.field.required()) => Ok((n, m)),
        (_, Some(e)) => Err(e),
        _ => Err(format!(
            "no header row in the first {HEADER_SEARCH_ROWS} rows of {:?}: none names a SKU, a name and a price (choose the columns or the header row explicitly)",
            grid.sheet
        )),
    }
}

/// Parses every row under the header. `mapping` must be usable.
pub(crate) fn parse_rows(
    grid: &Grid,
    header_row: usize,
    mapping: &Mapping,
    reading: &Reading,
) -> (usize, Vec<Item>, Vec<RowError>) {
    let column_of = |f: Field| mapping.column(f);
    let header_of = |f: Field| {
        mapping
            .fields
            .iter()
            .find(|m| m.field == f)
            .map(|m| m.header.clone())
            .unwrap_or_default()
    };
    let mut items = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut rows = 0;
    for row in grid.rows.iter().filter(|r| r.number > header_row) {
        if row.is_empty() {
            continue;
        }
        rows += 1;
        let fail = |field: Field, cell: &Cell, reason: String, sku: Option<String>| RowError {
            row: row.number,
            column: header_of(field),
            raw: cell.text(),
            reason,
            sku,
        };
        let cell = |f: Field| column_of(f).map_or(&Cell::Empty, |c| row.cell(c));
        let sku = match text_of(cell(Field::Sku)) {
            Some(s) => s,
            None => {
                errors.push(fail(Field::Sku, cell(Field::Sku), "no SKU".into(), None));
                continue;
            }
        };
        let parsed = (|| -> Result<Item, RowError> {
            let name = text_of(cell(Field::Name))
                .ok_or_else(|| fail(Field::Name, cell(Field::Name), "no name".into(), None))?;
            let price = price_of(cell(Field::Price), reading)
                .map_err(|why| fail(Field::Price, cell(Field::Price), why, None))?;
            let currency = match cell(Field::Currency) {
                c if c.is_empty() => reading.default_currency.clone(),
                c => currency_of(c).ok_or_else(|| {
                    fail(
                        Field::Currency,
                        c,
                        "not a known ISO 4217 currency code".into(),
                        None,
                    )
                })?,
            };
            let effective_from = match cell(Field::EffectiveFrom) {
                c if c.is_empty() => None,
                c => Some(date_of(c, reading.dates).ok_or_else(|| {
                    fail(Field::EffectiveFrom, c, not_a_date(reading.dates), None)
                })?),
            };
            let characteristics = mapping
                .others
                .iter()
                .filter_map(|(c, header)| json_of(row.cell(*c)).map(|v| (header.clone(), v)))
                .collect();
            Ok(Item {
                row: row.number,
                sku: sku.clone(),
                name,
                price,
                currency,
                includes_tax: reading.prices_include_tax,
                effective_from,
                characteristics,
            })
        })();
        match parsed {
            Ok(item) => match seen.get(&item.sku) {
                Some(first) => errors.push(RowError {
                    row: row.number,
                    column: header_of(Field::Sku),
                    raw: item.sku.clone(),
                    reason: format!("duplicate SKU {} (first on row {first})", item.sku),
                    sku: Some(item.sku),
                }),
                None => {
                    seen.insert(item.sku.clone(), row.number);
                    items.push(item);
                }
            },
            Err(mut e) => {
                e.sku = Some(sku);
                errors.push(e);
            }
        }
    }
    (rows, items, errors)
}

/// Finds the header, maps it and parses the rows; `Err` when the list cannot be
/// imported as configured.
pub(crate) fn parse(grid: &Grid, reading: &Reading) -> Result<Parsed, String> {
    let (header_row, mapping) = find_header(grid, reading)?;
    if let Some(why) = mapping.unusable() {
        return Err(format!(
            "{why} in the header row {header_row} of {:?}",
            grid.sheet
        ));
    }
    let (rows, items, errors) = parse_rows(grid, header_row, &mapping, reading);
    Ok(Parsed {
        sheet: grid.sheet.clone(),
        rows,
        items,
        errors,
    })
}

/// Text of a SKU or name cell, trimmed; numbers as written (a SKU 12345).
fn text_of(cell: &Cell) -> Option<String> {
    match cell {
        Cell::Text(t) if !t.trim().is_empty() => Some(t.trim().to_owned()),
        Cell::Number(n) => Some(
            parse_number(n)
                .map(|d| d.normalize().to_string())
                .unwrap_or_else(|_| n.clone()),
        ),
        _ => None,
    }
}

fn price_of(cell: &Cell, reading: &Reading) -> Result<Decimal, String> {
    let value = match cell {
        Cell::Empty => return Err("no price".into()),
        Cell::Number(n) => parse_number(n)?,
        Cell::Text(t) if t.trim().is_empty() => return Err("no price".into()),
        Cell::Text(t) => {
            parse_text(t, reading.numbers).map_err(|why| format!("a price that is {why}"))?
        }
        Cell::Bool(_) | Cell::Date(_) => return Err("a price that is not a number".into()),
    };
    check_price(value, reading.price_decimals)
}

fn currency_of(cell: &Cell) -> Option<String> {
    let code = cell.text().trim().to_ascii_uppercase();
    iso_currency::Currency::from_code(&code).map(|_| code)
}

/// A characteristic's value: absent for an empty cell.
fn json_of(cell: &Cell) -> Option<Value> {
    match cell {
        c if c.is_empty() => None,
        Cell::Number(n) => Some(
            serde_json::from_str::<serde_json::Number>(n)
                .map(Value::Number)
                .unwrap_or_else(|_| Value::String(n.clone())),
        ),
        Cell::Bool(b) => Some(Value::Bool(*b)),
        other => Some(Value::String(other.text().trim().to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(rows: &[&[Cell]]) -> Grid {
        Grid {
            sheet: "Prices".into(),
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, cells)| Row {
                    number: i + 1,
                    cells: cells.to_vec(),
                })
                .collect(),
        }
    }

    fn t(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    fn n(s: &str) -> Cell {
        Cell::Number(s.into())
    }

    fn reading() -> Reading {
        Reading {
            header_row: None,
            columns: Vec::new(),
            numbers: NumberFormat::new(",", ".").unwrap(),
            dates: DateFormat::Iso,
            default_currency: "EUR".into(),
            prices_include_tax: false,
            price_decimals: 2,
        }
    }

    #[test]
    fn the_header_is_found_below_a_title_and_every_row_judged_alone() {
        let g = grid(&[
            &[t("Preisliste 2026")],
            &[],
            &[
                t("Art.-Nr."),
                t("Bezeichnung"),
                t("Preis"),
                t("Gültig ab"),
                t("Farbe"),
            ],
            &[t("A-1"), t("Lampe"), n("1234.5"), n("46000"), t("rot")],
            &[t("A-2"), t("Regal"), t("4,20")],
            &[],
            &[t(""), t("Haken"), n("3")],
            &[t("A-3"), t("Vase"), t("auf Anfrage")],
            &[t("A-4"), t("Korb"), n("-1")],
            &[t("A-5"), t("Schale"), n("1.005")],
            &[t("A-1"), t("Lampe 2"), n("3")],
            &[n("12345"), t("Hocker"), n("7"), t("2026-03-01")],
        ]);
        let p = parse(&g, &reading()).unwrap();
        assert_eq!(find_header(&g, &reading()).unwrap().0, 3);
        assert_eq!(p.rows, 8);
        let items: Vec<(usize, &str, String)> = p
            .items
            .iter()
            .map(|i| (i.row, i.sku.as_str(), i.price.to_string()))
            .collect();
        assert_eq!(
            items,
            [
                (4, "A-1", "1234.50".into()),
                (5, "A-2", "4.20".into()),
                (12, "12345", "7.00".into())
            ]
        );
        assert_eq!(
            p.items[0].effective_from,
            NaiveDate::from_ymd_opt(2025, 12, 9)
        );
        assert_eq!(p.items[0].characteristics["Farbe"], "rot");
        assert_eq!(
            p.items[2].effective_from,
            NaiveDate::from_ymd_opt(2026, 3, 1)
        );
        let errors: Vec<(usize, &str, &str, &str)> = p
            .errors
            .iter()
            .map(|e| (e.row, e.column.as_str(), e.raw.as_str(), e.reason.as_str()))
            .collect();
        assert_eq!(errors[0], (7, "Art.-Nr.", "", "no SKU"));
        assert_eq!(errors[1].0, 8);
        assert!(
            errors[1].3.starts_with("a price that is not a number"),
            "{:?}",
            errors[1]
        );
        assert_eq!(errors[2], (9, "Preis", "-1", "a negative price"));
        assert_eq!(
            errors[3],
            (
                10,
                "Preis",
                "1.005",
                "a price with more than 2 decimal places"
            )
        );
        assert_eq!(
            errors[4],
            (11, "Art.-Nr.", "A-1", "duplicate SKU A-1 (first on row 4)")
        );
        assert_eq!(p.errors[2].sku.as_deref(), Some("A-4"));
    }

    #[test]
    fn a_list_without_a_required_column_cannot_be_imported() {
        let g = grid(&[&[t("SKU"), t("Name")], &[t("A"), t("B")]]);
        let err = parse(&g, &reading()).unwrap_err();
        assert!(err.contains("no column for price"), "{err}");
        let nothing = grid(&[&[t("hello")], &[t("world")]]);
        assert!(
            parse(&nothing, &reading())
                .unwrap_err()
                .contains("no header row")
        );
    }

    #[test]
    fn an_unknown_currency_is_a_row_error() {
        let g = grid(&[
            &[t("SKU"), t("Name"), t("Price"), t("Currency")],
            &[t("A"), t("x"), n("1"), t("usd")],
            &[t("B"), t("y"), n("1"), t("XXZ")],
        ]);
        let p = parse(&g, &reading()).unwrap();
        assert_eq!(p.items[0].currency, "USD");
        assert_eq!(p.errors[0].reason, "not a known ISO 4217 currency code");
    }
}

//! A supplier's price list as the file the supplier sends instead of sharing the sheet:
//!
//! - CSV as the supplier's own system writes it: the price tab only, numbers at full
//!   precision with the locale's decimal separator and no grouping, dates in the locale's
//!   order, `;` between fields where the decimal separator is a comma, and Windows-1252
//!   for the German supplier (as Excel on a German desktop saves CSV);
//! - XLSX and ODS workbooks with every tab, numbers and dates typed (dates as serial
//!   days under a date format in XLSX, `office:date-value` in ODS), formulas with their
//!   results.
//!
//! Uploaded, each stores what the sheet stores: [`crate::Sandbox::truth`] holds for all.

use std::io::Write;

use chrono::NaiveDate;
use zip::write::SimpleFileOptions;

use crate::book::{Cell, Format, Locale, Sheet, Spreadsheet, Value};
use crate::render::{self, date_text, epoch};

/// A file format a supplier sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    Xlsx,
    Ods,
}

impl FileFormat {
    pub fn parse(s: &str) -> Option<FileFormat> {
        match s {
            "csv" => Some(FileFormat::Csv),
            "xlsx" => Some(FileFormat::Xlsx),
            "ods" => Some(FileFormat::Ods),
            _ => None,
        }
    }

    pub fn media_type(self, locale: Locale) -> String {
        match self {
            FileFormat::Csv => format!("text/csv; charset={}", csv_dialect(locale).1),
            FileFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".into()
            }
            FileFormat::Ods => "application/vnd.oasis.opendocument.spreadsheet".into(),
        }
    }
}

/// How a supplier in `locale` writes CSV: the field delimiter and the text encoding.
pub fn csv_dialect(locale: Locale) -> (u8, &'static str) {
    match locale {
        Locale::EnUs | Locale::EnGb => (b',', "utf-8"),
        Locale::DeDe => (b';', "windows-1252"),
        Locale::FrFr => (b';', "utf-8"),
    }
}

/// `book` as a file in `format`.
pub fn write(book: &Spreadsheet, format: FileFormat) -> Result<Vec<u8>, String> {
    match format {
        FileFormat::Csv => csv(book),
        FileFormat::Xlsx => xlsx(book).map_err(|e| e.to_string()),
        FileFormat::Ods => ods(book).map_err(|e| e.to_string()),
    }
}

/// `units` × 10^-`scale` as plain decimal text with `decimal` as the separator.
fn plain(units: i64, scale: u32, decimal: char) -> String {
    render::plain(units, scale).replace('.', &decimal.to_string())
}

fn csv_text(value: &Value, format: Format, locale: Locale) -> String {
    let decimal = match locale {
        Locale::EnUs | Locale::EnGb => '.',
        Locale::DeDe | Locale::FrFr => ',',
    };
    match value {
        Value::Empty => String::new(),
        Value::Text(t) => t.clone(),
        Value::Date(d) => date_text(*d, locale),
        Value::Number { units, scale } if format == Format::Date => {
            let days = units / 10_i64.pow(*scale);
            date_text(epoch() + chrono::TimeDelta::days(days), locale)
        }
        Value::Number { units, scale } => plain(*units, *scale, decimal),
        Value::Formula { result, .. } => csv_text(result, format, locale),
    }
}

fn csv(book: &Spreadsheet) -> Result<Vec<u8>, String> {
    let sheet = &book.sheets[book.price_sheet];
    let (delimiter, encoding) = csv_dialect(book.locale);
    let mut out = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_writer(Vec::new());
    for cells in &sheet.rows {
        let fields: Vec<String> = cells
            .iter()
            .map(|c| csv_text(&c.value, c.format, book.locale))
            .collect();
        out.write_record(if fields.is_empty() {
            vec![String::new()]
        } else {
            fields
        })
        .map_err(|e| e.to_string())?;
    }
    let text = String::from_utf8(out.into_inner().map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    if encoding == "utf-8" {
        return Ok(text.into_bytes());
    }
    let encoding = encoding_rs::Encoding::for_label(encoding.as_bytes()).expect("a known label");
    let (bytes, _, unmappable) = encoding.encode(&text);
    if unmappable {
        return Err(format!(
            "the list has characters {} cannot write",
            encoding.name()
        ));
    }
    Ok(bytes.into_owned())
}

/// A cell's number as a double (what XLSX and ODS store) and its exact text.
fn number(units: i64, scale: u32) -> (f64, String) {
    let text = plain(units, scale, '.');
    (text.parse().expect("decimal text parses"), text)
}

fn serial(d: NaiveDate) -> f64 {
    (d - epoch()).num_days() as f64
}

fn xlsx(book: &Spreadsheet) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format as XFormat, Formula, Workbook};
    let money = XFormat::new().set_num_format("#,##0.00");
    let date = XFormat::new().set_num_format("yyyy-mm-dd");
    let mut workbook = Workbook::new();
    for sheet in &book.sheets {
        let ws = workbook.add_worksheet();
        ws.set_name(&sheet.title)?;
        for (r, cells) in sheet.rows.iter().enumerate() {
            for (c, cell) in cells.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                let Cell { value, format, .. } = cell;
                match value {
                    Value::Empty => {}
                    Value::Text(t) if t.is_empty() => {}
                    Value::Text(t) => {
                        ws.write_string(r, c, t)?;
                    }
                    Value::Date(d) => {
                        ws.write_number_with_format(r, c, serial(*d), &date)?;
                    }
                    Value::Number { units, scale } => {
                        let (v, _) = number(*units, *scale);
                        match format {
                            Format::Date => ws.write_number_with_format(r, c, v, &date)?,
                            Format::Currency(_) | Format::Decimal2 => {
                                ws.write_number_with_format(r, c, v, &money)?
                            }
                            Format::General => ws.write_number(r, c, v)?,
                        };
                    }
                    Value::Formula { formula, result } => {
                        let result = match result.as_ref() {
                            Value::Number { units, scale } => number(*units, *scale).1,
                            Value::Text(t) => t.clone(),
                            _ => String::new(),
                        };
                        ws.write_formula(r, c, Formula::new(formula).set_result(result))?;
                    }
                }
            }
        }
    }
    workbook.save_to_buffer()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One ODS cell; formulas are written as the values they computed.
fn ods_cell(value: &Value, format: Format, out: &mut String) {
    match value {
        Value::Empty => out.push_str("<table:table-cell/>"),
        Value::Text(t) if t.is_empty() => out.push_str("<table:table-cell/>"),
        Value::Text(t) => out.push_str(&format!(
            r#"<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>"#,
            xml_escape(t)
        )),
        Value::Date(d) => out.push_str(&format!(
            r#"<table:table-cell office:value-type="date" office:date-value="{d}"><text:p>{d}</text:p></table:table-cell>"#
        )),
        Value::Number { units, scale } if format == Format::Date => {
            let d = epoch() + chrono::TimeDelta::days(units / 10_i64.pow(*scale));
            ods_cell(&Value::Date(d), format, out);
        }
        Value::Number { units, scale } => {
            let (_, text) = number(*units, *scale);
            out.push_str(&format!(
                r#"<table:table-cell office:value-type="float" office:value="{text}"><text:p>{text}</text:p></table:table-cell>"#
            ));
        }
        Value::Formula { result, .. } => ods_cell(result, format, out),
    }
}

fn ods_table(sheet: &Sheet, out: &mut String) {
    out.push_str(&format!(
        r#"<table:table table:name="{}">"#,
        xml_escape(&sheet.title)
    ));
    for cells in &sheet.rows {
        out.push_str("<table:table-row>");
        if cells.is_empty() {
            out.push_str("<table:table-cell/>");
        }
        for cell in cells {
            ods_cell(&cell.value, cell.format, out);
        }
        out.push_str("</table:table-row>");
    }
    out.push_str("</table:table>");
}

const ODS_MEDIA_TYPE: &str = "application/vnd.oasis.opendocument.spreadsheet";

fn ods(book: &Spreadsheet) -> zip::result::ZipResult<Vec<u8>> {
    let mut content = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3"><office:body><office:spreadsheet>"#,
    );
    for sheet in &book.sheets {
        ods_table(sheet, &mut content);
    }
    content.push_str("</office:spreadsheet></office:body></office:document-content>");
    let manifest = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" manifest:media-type="{ODS_MEDIA_TYPE}"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#
    );
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    // The `mimetype` entry comes first and uncompressed, as the format requires.
    zip.start_file(
        "mimetype",
        SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored),
    )?;
    zip.write_all(ODS_MEDIA_TYPE.as_bytes())?;
    let deflated = SimpleFileOptions::default();
    zip.start_file("META-INF/manifest.xml", deflated)?;
    zip.write_all(manifest.as_bytes())?;
    zip.start_file("content.xml", deflated)?;
    zip.write_all(content.as_bytes())?;
    Ok(zip.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_every_decimal_in_the_locale_way() {
        assert_eq!(plain(123_450, 2, ','), "1234,5");
        assert_eq!(plain(-7, 2, '.'), "-0.07");
        assert_eq!(plain(4205, 3, '.'), "4.205");
        assert_eq!(plain(12, 0, ','), "12");
        assert_eq!(number(4_998, 3), (4.998, "4.998".to_owned()));
    }
}

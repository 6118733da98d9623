//! Uploaded price list files into the same [`Grid`] a Google Sheet gives: CSV decoded
//! with the feed's encoding and split on its delimiter (every field text, as a
//! spreadsheet opening the file would hold it before guessing types), XLSX and ODS
//! through calamine with numbers as the shortest decimal text of the stored double and
//! dates as dates in the workbook's own date system (1900 or 1904). Row numbers are the
//! ones a spreadsheet application shows, so the parsing log points at the right line.

use std::io::Cursor;

use adsync_proto::ingestion::FileFormat as FileFormatProto;
use calamine::{Data, Ods, Reader, Xlsx};
use chrono::NaiveDate;

use super::cells::{Cell, Grid, Row};
use super::client::range_bounds;

/// A price list file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileFormat {
    Csv,
    Xlsx,
    Ods,
}

impl FileFormat {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            FileFormat::Csv => "csv",
            FileFormat::Xlsx => "xlsx",
            FileFormat::Ods => "ods",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<FileFormat> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Some(FileFormat::Csv),
            "xlsx" => Some(FileFormat::Xlsx),
            "ods" => Some(FileFormat::Ods),
            _ => None,
        }
    }

    /// The format a file name's extension says.
    pub(crate) fn of_file_name(name: &str) -> Option<FileFormat> {
        FileFormat::parse(name.rsplit_once('.')?.1)
    }

    pub(crate) fn from_proto(f: FileFormatProto) -> Option<FileFormat> {
        match f {
            FileFormatProto::Csv => Some(FileFormat::Csv),
            FileFormatProto::Xlsx => Some(FileFormat::Xlsx),
            FileFormatProto::Ods => Some(FileFormat::Ods),
            FileFormatProto::Unspecified => None,
        }
    }

    pub(crate) fn proto(self) -> FileFormatProto {
        match self {
            FileFormat::Csv => FileFormatProto::Csv,
            FileFormat::Xlsx => FileFormatProto::Xlsx,
            FileFormat::Ods => FileFormatProto::Ods,
        }
    }
}

/// How a file is read: the feed's CSV settings, the tab (XLSX, ODS; `None`: the first)
/// and the A1 range within it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FileReading<'a> {
    pub(crate) csv_delimiter: u8,
    pub(crate) csv_encoding: &'static encoding_rs::Encoding,
    pub(crate) sheet_title: Option<&'a str>,
    pub(crate) range: Option<&'a str>,
}

/// The cells of `bytes` as `format`; `Err` says why the file cannot be read (a reason
/// for the operator: it does not open, has no such tab, does not decode).
pub(crate) fn read_file(
    format: FileFormat,
    file_name: &str,
    bytes: &[u8],
    how: FileReading<'_>,
) -> Result<Grid, String> {
    let grid = match format {
        FileFormat::Csv => read_csv(file_name, bytes, how)?,
        FileFormat::Xlsx => {
            let book = Xlsx::new(Cursor::new(bytes))
                .map_err(|e| format!("the file does not open as XLSX: {e}"))?;
            read_workbook(book, how)?
        }
        FileFormat::Ods => {
            let book = Ods::new(Cursor::new(bytes))
                .map_err(|e| format!("the file does not open as ODS: {e}"))?;
            read_workbook(book, how)?
        }
    };
    Ok(match how.range {
        Some(range) => crop(grid, range),
        None => grid,
    })
}

fn read_csv(file_name: &str, bytes: &[u8], how: FileReading<'_>) -> Result<Grid, String> {
    let (text, _, malformed) = how.csv_encoding.decode(bytes);
    if malformed {
        return Err(format!(
            "the file is not {} text (set the feed's csv_encoding to the file's encoding)",
            how.csv_encoding.name()
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(how.csv_delimiter)
        .from_reader(text.as_bytes());
    // The csv crate skips blank lines, which a spreadsheet shows as empty rows: rows are
    // numbered from the lines each record starts and ends on (a quoted field may span
    // lines), so the parsing log names the rows users see.
    let bytes = text.as_bytes();
    let (mut scanned, mut newlines) = (0, 0);
    let mut line_at = |pos: usize| {
        newlines += bytes[scanned..pos].iter().filter(|b| **b == b'\n').count();
        scanned = pos;
        newlines + 1
    };
    let (mut rows, mut number, mut previous_end) = (Vec::new(), 0, 0);
    let (mut record, mut before) = (csv::StringRecord::new(), 0);
    while reader
        .read_record(&mut record)
        .map_err(|e| format!("the file is not CSV: {e}"))?
    {
        let after = reader.position().byte() as usize;
        let read = &bytes[before..after];
        let is_break = |b: &&u8| matches!(**b, b'\r' | b'\n');
        let lead = read.iter().take_while(is_break).count();
        let trail = read[lead..].iter().rev().take_while(is_break).count();
        let (start, end) = (line_at(before + lead), line_at(after - trail));
        number = if number == 0 {
            start
        } else {
            number + start - previous_end
        };
        (previous_end, before) = (end, after);
        let cells = record
            .iter()
            .map(|field| match field {
                "" => Cell::Empty,
                text => Cell::Text(text.to_owned()),
            })
            .collect();
        rows.push(Row { number, cells });
    }
    Ok(Grid {
        sheet: file_name.to_owned(),
        rows,
    })
}

fn read_workbook<R, B>(mut book: B, how: FileReading<'_>) -> Result<Grid, String>
where
    R: std::io::Read + std::io::Seek,
    B: Reader<R>,
    B::Error: std::fmt::Display,
{
    let names = book.sheet_names();
    let sheet = match how.sheet_title {
        Some(title) => names.iter().find(|n| *n == title).ok_or_else(|| {
            format!(
                "the file has no tab {title:?} (its tabs: {})",
                names
                    .iter()
                    .map(|n| format!("{n:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?,
        None => names
            .first()
            .ok_or_else(|| "the file has no tabs".to_owned())?,
    }
    .clone();
    let range = book
        .worksheet_range(&sheet)
        .map_err(|e| format!("tab {sheet:?} cannot be read: {e}"))?;
    // A range starts at its first used cell; positions in the grid are the tab's own.
    let (first_row, first_col) = range.start().unwrap_or((0, 0));
    let rows = range
        .rows()
        .enumerate()
        .map(|(i, cells)| Row {
            number: first_row as usize + i + 1,
            cells: std::iter::repeat_n(Cell::Empty, first_col as usize)
                .chain(cells.iter().map(cell_of))
                .collect(),
        })
        .collect();
    Ok(Grid { sheet, rows })
}

/// A workbook cell. Numbers are stored as doubles; their shortest decimal text is the
/// number as typed for the decimals a price list holds.
fn cell_of(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) if s.is_empty() => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Number(i.to_string()),
        Data::Float(f) => Cell::Number(f.to_string()),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(d) => match d.as_datetime() {
            Some(dt) if d.is_datetime() => Cell::Date(dt.date()),
            _ => Cell::Number(d.as_f64().to_string()),
        },
        Data::DateTimeIso(s) => iso_date(s).map_or_else(|| Cell::Text(s.clone()), Cell::Date),
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Text(format!("{e}")),
    }
}

fn iso_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

/// The part of `grid` inside the A1 `range` (`A3:F`, `B:G`, `A3:F100`), columns counted
/// from the range's first as the Sheets API answers a ranged read.
fn crop(grid: Grid, range: &str) -> Grid {
    let ((first_col, first_row), (last_col, last_row)) = range_bounds(range);
    let rows = grid
        .rows
        .into_iter()
        .filter(|r| r.number >= first_row && last_row.is_none_or(|last| r.number <= last))
        .map(|r| Row {
            number: r.number,
            cells: r
                .cells
                .into_iter()
                .skip(first_col)
                .take(last_col.map_or(usize::MAX, |l| (l + 1).saturating_sub(first_col)))
                .collect(),
        })
        .collect();
    Grid {
        sheet: grid.sheet,
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv_reading(
        delimiter: u8,
        encoding: &'static encoding_rs::Encoding,
    ) -> FileReading<'static> {
        FileReading {
            csv_delimiter: delimiter,
            csv_encoding: encoding,
            sheet_title: None,
            range: None,
        }
    }

    #[test]
    fn csv_is_decoded_with_the_feeds_encoding_and_split_on_its_delimiter() {
        // "Müller;4,20" in Windows-1252, then a quoted field holding the delimiter.
        let bytes = b"\r\nArt.-Nr.;Bezeichnung;Preis\r\nM\xfc-1;\"Regal;\r\nEiche\";4,20\r\n\r\nM-2;;\r\nM-3;x;1\n";
        let grid = read_file(
            FileFormat::Csv,
            "preise.csv",
            bytes,
            csv_reading(b';', encoding_rs::WINDOWS_1252),
        )
        .unwrap();
        assert_eq!(grid.sheet, "preise.csv");
        // A blank first line is row 1; a quoted line break stays in its row.
        assert_eq!(
            grid.rows.iter().map(|r| r.number).collect::<Vec<_>>(),
            [2, 3, 5, 6]
        );
        assert_eq!(
            grid.rows[1].cells,
            [
                Cell::Text("Mü-1".into()),
                Cell::Text("Regal;\r\nEiche".into()),
                Cell::Text("4,20".into())
            ]
        );
        assert_eq!(grid.rows[2].cells[1], Cell::Empty);
    }

    #[test]
    fn a_file_in_another_encoding_is_refused_not_garbled() {
        let why = read_file(
            FileFormat::Csv,
            "p.csv",
            b"SKU,Name\nA,M\xfcller\n",
            csv_reading(b',', encoding_rs::UTF_8),
        )
        .unwrap_err();
        assert!(why.contains("not UTF-8 text"), "{why}");
    }

    #[test]
    fn a_file_that_is_not_a_workbook_says_so() {
        let why = read_file(
            FileFormat::Xlsx,
            "p.xlsx",
            b"SKU,Name\n",
            csv_reading(b',', encoding_rs::UTF_8),
        )
        .unwrap_err();
        assert!(why.starts_with("the file does not open as XLSX"), "{why}");
    }

    #[test]
    fn workbook_numbers_read_as_their_shortest_decimal_text() {
        assert_eq!(cell_of(&Data::Float(4.2)), Cell::Number("4.2".into()));
        assert_eq!(cell_of(&Data::Float(1234.5)), Cell::Number("1234.5".into()));
        assert_eq!(cell_of(&Data::Float(12.0)), Cell::Number("12".into()));
        assert_eq!(cell_of(&Data::Int(7)), Cell::Number("7".into()));
        assert_eq!(
            cell_of(&Data::DateTimeIso("2026-11-30".into())),
            Cell::Date(NaiveDate::from_ymd_opt(2026, 11, 30).unwrap())
        );
    }

    #[test]
    fn a_range_keeps_its_rows_and_columns_only() {
        let text = |s: &str| Cell::Text(s.into());
        let grid = Grid {
            sheet: "t".into(),
            rows: (1..=4)
                .map(|n| Row {
                    number: n,
                    cells: vec![text("a"), text("b"), text("c"), text("d")],
                })
                .collect(),
        };
        let cropped = crop(grid, "B2:C3");
        assert_eq!(
            cropped.rows.iter().map(|r| r.number).collect::<Vec<_>>(),
            [2, 3]
        );
        assert_eq!(cropped.rows[0].cells, [text("b"), text("c")]);
    }
}

//! [`SheetsClient`]: Google Sheets v4 and Drive v3 on the shared [`UpstreamClient`] — a
//! spreadsheet's Drive `version` (it moves on every edit, formatting included), its
//! tabs, and one range's values read as UNFORMATTED_VALUE with SERIAL_NUMBER dates (so
//! numbers arrive exact and unformatted, whatever the spreadsheet's locale). Google's
//! refusals become reasons an operator can act on.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::cells::{Cell, Grid, Row};
use crate::error::Error;
use crate::upstream::{CallCounter, Request, TokenSource, UpstreamClient, UpstreamError};

/// What a path segment may hold unescaped (RFC 3986 unreserved).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The Sheets and Drive APIs. Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct SheetsClient {
    upstream: UpstreamClient,
    sheets: String,
    drive: String,
}

#[derive(Deserialize)]
struct Spreadsheet {
    #[serde(default)]
    sheets: Vec<SheetEntry>,
}

#[derive(Deserialize)]
struct SheetEntry {
    properties: SheetProperties,
}

#[derive(Deserialize)]
struct SheetProperties {
    title: String,
}

#[derive(Deserialize)]
struct ValueRange<'a> {
    range: String,
    #[serde(borrow, default)]
    values: Vec<Vec<&'a RawValue>>,
}

impl SheetsClient {
    pub(crate) fn new(upstream: UpstreamClient, sheets: &str, drive: &str) -> SheetsClient {
        SheetsClient {
            upstream,
            sheets: sheets.trim_end_matches('/').to_owned(),
            drive: drive.trim_end_matches('/').to_owned(),
        }
    }

    async fn get(
        &self,
        url: &str,
        what: &str,
        tokens: &dyn TokenSource,
        counter: &CallCounter,
    ) -> Result<Vec<u8>, Error> {
        let build = |http: &reqwest::Client, token: Option<&str>| {
            http.get(url).bearer_auth(token.unwrap_or_default())
        };
        let request = Request {
            what,
            build: &build,
            tokens: Some(tokens),
            counter,
        };
        self.upstream
            .send(&request, |answer| Ok(answer.body))
            .await
            .map_err(|e| refusal(e, what))
    }

    /// Drive's `version` of the spreadsheet.
    pub(crate) async fn version(
        &self,
        spreadsheet: &str,
        tokens: &dyn TokenSource,
        counter: &CallCounter,
    ) -> Result<String, Error> {
        #[derive(Deserialize)]
        struct File {
            version: String,
        }
        let url = format!(
            "{}/drive/v3/files/{}?fields=version&supportsAllDrives=true",
            self.drive,
            utf8_percent_encode(spreadsheet, SEGMENT)
        );
        let body = self.get(&url, "drive.files.get", tokens, counter).await?;
        let file: File = serde_json::from_slice(&body)
            .map_err(|e| UpstreamError::Malformed(format!("drive.files.get: no version: {e}")))?;
        Ok(file.version)
    }

    /// The titles of the spreadsheet's tabs, in order.
    pub(crate) async fn tabs(
        &self,
        spreadsheet: &str,
        tokens: &dyn TokenSource,
        counter: &CallCounter,
    ) -> Result<Vec<String>, Error> {
        let url = format!(
            "{}/v4/spreadsheets/{}?fields=sheets.properties",
            self.sheets,
            utf8_percent_encode(spreadsheet, SEGMENT)
        );
        let body = self.get(&url, "spreadsheets.get", tokens, counter).await?;
        let book: Spreadsheet = serde_json::from_slice(&body)
            .map_err(|e| UpstreamError::Malformed(format!("spreadsheets.get: unreadable: {e}")))?;
        Ok(book
            .sheets
            .into_iter()
            .map(|s| s.properties.title)
            .collect())
    }

    /// The cells of `range` (A1, with its tab) and the answer's bytes (what the content
    /// hash covers).
    pub(crate) async fn values(
        &self,
        spreadsheet: &str,
        range: &str,
        tokens: &dyn TokenSource,
        counter: &CallCounter,
    ) -> Result<(Grid, Vec<u8>), Error> {
        let url = format!(
            "{}/v4/spreadsheets/{}/values/{}?valueRenderOption=UNFORMATTED_VALUE&dateTimeRenderOption=SERIAL_NUMBER&majorDimension=ROWS",
            self.sheets,
            utf8_percent_encode(spreadsheet, SEGMENT),
            utf8_percent_encode(range, SEGMENT)
        );
        let body = self
            .get(&url, "spreadsheets.values.get", tokens, counter)
            .await?;
        let grid = grid_of(&body)?;
        Ok((grid, body))
    }
}

/// A `ValueRange` as a grid: rows numbered from the range's first row.
fn grid_of(body: &[u8]) -> Result<Grid, Error> {
    let text = String::from_utf8_lossy(body);
    let vr: ValueRange<'_> = serde_json::from_str(&text).map_err(|e| {
        UpstreamError::Malformed(format!("spreadsheets.values.get: unreadable: {e}"))
    })?;
    let (sheet, first_row) = range_start(&vr.range);
    let rows = vr
        .values
        .iter()
        .enumerate()
        .map(|(i, cells)| Row {
            number: first_row + i,
            cells: cells.iter().map(|c| Cell::from_json(c)).collect(),
        })
        .collect();
    Ok(Grid { sheet, rows })
}

/// The tab and first row (1-based) of an answer's range: `'Tab 1'!B3:F100` → ("Tab 1", 3).
pub(crate) fn range_start(range: &str) -> (String, usize) {
    let (sheet, cells) = match range.rsplit_once('!') {
        Some((s, c)) => (s, c),
        None => ("", range),
    };
    let sheet = match sheet.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        Some(quoted) => quoted.replace("''", "'"),
        None => sheet.to_owned(),
    };
    let first = cells.split(':').next().unwrap_or("");
    let row = first
        .trim_start_matches(|c: char| c.is_ascii_alphabetic())
        .parse()
        .unwrap_or(1);
    (sheet, row)
}

/// One end of an A1 range within a tab: its 0-based column and 1-based row, either
/// absent when the range leaves it open (`B:G` has no rows, `3:10` no columns).
fn a1_cell(cell: &str) -> (Option<usize>, Option<usize>) {
    let letters: String = cell.chars().take_while(char::is_ascii_alphabetic).collect();
    let column = (!letters.is_empty()).then(|| {
        letters.bytes().fold(0usize, |n, b| {
            n * 26 + usize::from(b.to_ascii_uppercase() - b'A' + 1)
        }) - 1
    });
    (column, cell[letters.len()..].parse().ok())
}

/// The bounds of an A1 range within a tab (`A3:F`, `B:G`, `A3:F100`): the first
/// (0-based column, 1-based row) and the last, open ends `None`.
pub(crate) fn range_bounds(range: &str) -> ((usize, usize), (Option<usize>, Option<usize>)) {
    let (first, last) = range.split_once(':').unwrap_or((range, range));
    let (first_col, first_row) = a1_cell(first);
    let (last_col, last_row) = a1_cell(last);
    // A single column ("A") is that whole column.
    let last_row = last_row.filter(|_| first_row.is_some());
    (
        (first_col.unwrap_or(0), first_row.unwrap_or(1)),
        (last_col, last_row),
    )
}

/// A tab title as an A1 range prefix: quoted, quotes doubled.
pub(crate) fn quote_tab(title: &str) -> String {
    format!("'{}'", title.replace('\'', "''"))
}

/// Google's refusals of a feed's reads, as reasons: the feed (its sharing, tab or range)
/// needs fixing. Other failures stay upstream errors (retried, then the run fails).
fn refusal(e: UpstreamError, what: &str) -> Error {
    match &e {
        UpstreamError::Rejected {
            status: 403,
            message,
            ..
        } => Error::FeedUnreadable(format!(
            "the spreadsheet is not shared with the service account, or the connection lacks the scope to read it ({what}: Google said {message:?})"
        )),
        UpstreamError::Rejected { status: 404, .. } => Error::FeedUnreadable(format!(
            "no such spreadsheet, or it is not shared with the service account ({what}: 404)"
        )),
        UpstreamError::Rejected {
            status: 400,
            message,
            ..
        } => Error::FeedUnreadable(format!(
            "the feed's tab or range cannot be read ({what}: Google said {message:?})"
        )),
        _ => Error::Upstream(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_bounds_leave_open_ends_open() {
        assert_eq!(range_bounds("A3:F"), ((0, 3), (Some(5), None)));
        assert_eq!(range_bounds("B:G"), ((1, 1), (Some(6), None)));
        assert_eq!(range_bounds("A3:F100"), ((0, 3), (Some(5), Some(100))));
        assert_eq!(range_bounds("AA2"), ((26, 2), (Some(26), Some(2))));
        assert_eq!(range_bounds("C"), ((2, 1), (Some(2), None)));
    }

    #[test]
    fn an_answer_is_a_grid_numbered_from_its_first_row() {
        let body = br#"{"range":"'Tarifs HT'!A3:F1000","majorDimension":"ROWS","values":[["R\u00e9f\u00e9rence","Prix HT"],[],["DUP-1",12.5]]}"#;
        let grid = grid_of(body).unwrap();
        assert_eq!(grid.sheet, "Tarifs HT");
        assert_eq!(grid.rows[0].number, 3);
        assert_eq!(grid.rows[0].cells[0], Cell::Text("Référence".into()));
        assert!(grid.rows[1].is_empty());
        assert_eq!(grid.rows[2].cells[1], Cell::Number("12.5".into()));
        // An empty range has no `values`.
        let empty = grid_of(br#"{"range":"Sheet1!A1:Z1000","majorDimension":"ROWS"}"#).unwrap();
        assert!(empty.rows.is_empty());
        assert_eq!(range_start("Prices!B12:C"), ("Prices".into(), 12));
        assert_eq!(range_start("'It''s'!A1"), ("It's".into(), 1));
        assert_eq!(quote_tab("It's"), "'It''s'");
    }
}

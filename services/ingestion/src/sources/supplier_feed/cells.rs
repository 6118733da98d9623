//! A price list as a grid of cells, whatever it came from (a Sheets `ValueRange` read
//! with UNFORMATTED_VALUE, a CSV, XLSX or ODS file): numbers keep the exact decimal
//! text they were written with, never a trip through a float.

use chrono::NaiveDate;
use serde_json::value::RawValue;

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Empty,
    Text(String),
    /// A number as exact decimal text (`1234.5`, `-3`, `1.5E-7`).
    Number(String),
    Bool(bool),
    /// A date cell of a file (an XLSX serial day in its workbook's date system, an ODS
    /// date value); a Sheets date arrives as a serial [`Cell::Number`].
    Date(NaiveDate),
}

impl Cell {
    /// The cell as the list shows it, for messages and characteristics.
    pub(crate) fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) | Cell::Number(t) => t.clone(),
            Cell::Bool(b) => b.to_string(),
            Cell::Date(d) => d.to_string(),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }

    /// A cell of a Sheets answer: a JSON string, number or boolean as written.
    pub(crate) fn from_json(raw: &RawValue) -> Cell {
        let text = raw.get();
        match text.as_bytes().first() {
            Some(b'"') => match serde_json::from_str::<String>(text) {
                Ok(s) if s.is_empty() => Cell::Empty,
                Ok(s) => Cell::Text(s),
                Err(_) => Cell::Text(text.to_owned()),
            },
            Some(b't') => Cell::Bool(true),
            Some(b'f') => Cell::Bool(false),
            Some(b'n') | None => Cell::Empty,
            Some(_) => Cell::Number(text.to_owned()),
        }
    }
}

/// One row of a list: its 1-based number as the list shows it, and its cells.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    pub(crate) number: usize,
    pub(crate) cells: Vec<Cell>,
}

impl Row {
    pub(crate) fn cell(&self, column: usize) -> &Cell {
        self.cells.get(column).unwrap_or(&Cell::Empty)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.cells.iter().all(Cell::is_empty)
    }
}

/// A list's cells from where they were read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Grid {
    /// The tab read.
    pub(crate) sheet: String,
    pub(crate) rows: Vec<Row>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheets_cells_keep_their_exact_text() {
        let row: Vec<&RawValue> =
            serde_json::from_str(r#"["SKU-1", 1234.5, "", 0.1, true, "4,20", 1e-7]"#).unwrap();
        let cells: Vec<Cell> = row.into_iter().map(Cell::from_json).collect();
        assert_eq!(
            cells,
            [
                Cell::Text("SKU-1".into()),
                Cell::Number("1234.5".into()),
                Cell::Empty,
                Cell::Number("0.1".into()),
                Cell::Bool(true),
                Cell::Text("4,20".into()),
                Cell::Number("1e-7".into()),
            ]
        );
    }
}

//! A1 notation, as the Sheets API reads it: `Sheet1!A1:D10`, `'Price list'!A:C`,
//! `Sheet1!2:5`, `Sheet1!B3`, `Sheet1` (the whole sheet) and `A1:B2` (the first sheet).
//! Sheet names with anything but letters, digits and `_` are quoted, `''` inside quotes
//! being one quote. A bare word that is also a cell (`Tab1`) means the sheet of that
//! title when there is one: the caller, who knows the titles, decides.

/// A parsed range: the sheet (by title, `None` for the first) and the bounds, 0-based and
/// inclusive, each open when absent (`A:C` has no rows, `2:5` no columns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Range {
    pub sheet: Option<String>,
    pub first_row: Option<usize>,
    pub last_row: Option<usize>,
    pub first_col: Option<usize>,
    pub last_col: Option<usize>,
}

/// One end of a range: a column, a row, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct End {
    col: Option<usize>,
    row: Option<usize>,
}

fn end(s: &str) -> Option<End> {
    let letters: String = s.chars().take_while(char::is_ascii_alphabetic).collect();
    let digits = &s[letters.len()..];
    if letters.is_empty() && digits.is_empty() {
        return None;
    }
    // Sheets has at most 18,278 columns (ZZZ): longer letters are no column.
    let col = if letters.is_empty() {
        None
    } else if letters.len() > 3 {
        return None;
    } else {
        let mut n = 0usize;
        for c in letters.to_ascii_uppercase().bytes() {
            n = n.checked_mul(26)?.checked_add(usize::from(c - b'A') + 1)?;
        }
        Some(n - 1)
    };
    let row = if digits.is_empty() {
        None
    } else {
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: usize = digits.parse().ok()?;
        if n == 0 {
            return None;
        }
        Some(n - 1)
    };
    Some(End { col, row })
}

/// Parses `raw`; `None` when Sheets would answer "Unable to parse range".
pub fn parse(raw: &str) -> Option<Range> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    let (sheet, cells) = if let Some(rest) = raw.strip_prefix('\'') {
        // A quoted name: up to the lone quote.
        let mut name = String::new();
        let mut chars = rest.char_indices().peekable();
        let mut after = None;
        while let Some((i, c)) = chars.next() {
            if c == '\'' {
                if chars.peek().map(|(_, n)| *n) == Some('\'') {
                    name.push('\'');
                    chars.next();
                } else {
                    after = Some(i + 1);
                    break;
                }
            } else {
                name.push(c);
            }
        }
        let rest = &rest[after?..];
        match rest.strip_prefix('!') {
            Some(cells) => (Some(name), Some(cells)),
            None if rest.is_empty() => (Some(name), None),
            None => return None,
        }
    } else if let Some((name, cells)) = raw.split_once('!') {
        (Some(name.to_owned()), Some(cells))
    } else if end(raw.split(':').next().unwrap_or("")).is_some()
        && raw.split(':').all(|p| end(p).is_some())
    {
        (None, Some(raw))
    } else {
        // A bare sheet name.
        (Some(raw.to_owned()), None)
    };
    let Some(cells) = cells else {
        return Some(Range {
            sheet,
            first_row: None,
            last_row: None,
            first_col: None,
            last_col: None,
        });
    };
    let (a, b) = match cells.split_once(':') {
        Some((a, b)) => (end(a)?, end(b)?),
        None => {
            let a = end(cells)?;
            // A single cell needs both a column and a row.
            if a.col.is_none() || a.row.is_none() {
                return None;
            }
            (a, a)
        }
    };
    // `A1:B` and `A:B2` are fine; a row-only end with a column-only end (`2:B`) is not.
    if (a.col.is_none() && b.row.is_none())
        || (a.row.is_none() && b.col.is_none() && a.col.is_none())
    {
        return None;
    }
    let order = |x: Option<usize>, y: Option<usize>| match (x, y) {
        (Some(x), Some(y)) => (Some(x.min(y)), Some(x.max(y))),
        other => other,
    };
    let (first_col, last_col) = order(a.col, b.col);
    let (first_row, last_row) = order(a.row, b.row);
    Some(Range {
        sheet,
        first_row,
        last_row,
        first_col,
        last_col,
    })
}

/// `n` (0-based) as a column name: 0 → A, 26 → AA.
pub fn column_name(mut n: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (n % 26) as u8);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII")
}

/// A sheet title as a range names it: quoted unless it is letters, digits and `_`.
pub fn quote_title(title: &str) -> String {
    if !title.is_empty() && title.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        title.to_owned()
    } else {
        format!("'{}'", title.replace('\'', "''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(
        sheet: Option<&str>,
        rows: (Option<usize>, Option<usize>),
        cols: (Option<usize>, Option<usize>),
    ) -> Range {
        Range {
            sheet: sheet.map(str::to_owned),
            first_row: rows.0,
            last_row: rows.1,
            first_col: cols.0,
            last_col: cols.1,
        }
    }

    #[test]
    fn parses_the_forms_sheets_accepts() {
        assert_eq!(
            parse("Sheet1!A1:D10"),
            Some(r(Some("Sheet1"), (Some(0), Some(9)), (Some(0), Some(3))))
        );
        assert_eq!(
            parse("'Price list'!A:C"),
            Some(r(Some("Price list"), (None, None), (Some(0), Some(2))))
        );
        assert_eq!(
            parse("'It''s'!B3"),
            Some(r(Some("It's"), (Some(2), Some(2)), (Some(1), Some(1))))
        );
        assert_eq!(
            parse("Sheet1!2:5"),
            Some(r(Some("Sheet1"), (Some(1), Some(4)), (None, None)))
        );
        assert_eq!(
            parse("Sheet1"),
            Some(r(Some("Sheet1"), (None, None), (None, None)))
        );
        assert_eq!(
            parse("A1:B2"),
            Some(r(None, (Some(0), Some(1)), (Some(0), Some(1))))
        );
        assert_eq!(
            parse("Sheet1!A2:C"),
            Some(r(Some("Sheet1"), (Some(1), None), (Some(0), Some(2))))
        );
        assert_eq!(parse("Sheet1!AA10:AB11").unwrap().first_col, Some(26));
        for bad in [
            "",
            "Sheet1!",
            "Sheet1!A0",
            "'unclosed!A1",
            "Sheet1!1A:B",
            "Sheet1!A1:B2:C3",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn names_columns_and_quotes_titles() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(701), "ZZ");
        assert_eq!(quote_title("Prices"), "Prices");
        assert_eq!(quote_title("Preisliste 2026"), "'Preisliste 2026'");
        assert_eq!(quote_title("It's"), "'It''s'");
    }
}

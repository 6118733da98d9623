//! Rows in PostgreSQL's COPY text format: tab-separated, `\N` for NULL, backslash escapes.

use std::io::Write;

use chrono::{DateTime, NaiveDate, Utc};

/// Appends one row at a time to a buffer that a COPY then sends in one go.
#[derive(Debug, Default)]
pub(crate) struct CopyBuffer {
    bytes: Vec<u8>,
    rows: usize,
    first_in_row: bool,
}

impl CopyBuffer {
    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Starts a row; fields follow, `end_row` closes it.
    pub(crate) fn row(&mut self) -> &mut Self {
        self.first_in_row = true;
        self
    }

    pub(crate) fn end_row(&mut self) {
        self.bytes.push(b'\n');
        self.rows += 1;
    }

    fn sep(&mut self) {
        if !self.first_in_row {
            self.bytes.push(b'\t');
        }
        self.first_in_row = false;
    }

    pub(crate) fn null(&mut self) -> &mut Self {
        self.sep();
        self.bytes.extend_from_slice(b"\\N");
        self
    }

    pub(crate) fn int(&mut self, v: i64) -> &mut Self {
        self.sep();
        let _ = write!(self.bytes, "{v}");
        self
    }

    pub(crate) fn bool(&mut self, v: bool) -> &mut Self {
        self.sep();
        self.bytes.push(if v { b't' } else { b'f' });
        self
    }

    pub(crate) fn text(&mut self, v: &str) -> &mut Self {
        self.sep();
        escape_into(&mut self.bytes, v);
        self
    }

    pub(crate) fn opt_text(&mut self, v: Option<&str>) -> &mut Self {
        match v {
            Some(v) => self.text(v),
            None => self.null(),
        }
    }

    pub(crate) fn date(&mut self, v: NaiveDate) -> &mut Self {
        self.sep();
        let _ = write!(self.bytes, "{}", v.format("%Y-%m-%d"));
        self
    }

    pub(crate) fn opt_date(&mut self, v: Option<NaiveDate>) -> &mut Self {
        match v {
            Some(v) => self.date(v),
            None => self.null(),
        }
    }

    pub(crate) fn opt_time(&mut self, v: Option<DateTime<Utc>>) -> &mut Self {
        match v {
            Some(t) => {
                self.sep();
                let _ = write!(self.bytes, "{}", t.to_rfc3339());
                self
            }
            None => self.null(),
        }
    }

    /// A `TEXT[]` value: `{"a","b"}` with array quoting, then COPY escaping.
    pub(crate) fn text_array(&mut self, values: &[String]) -> &mut Self {
        let mut literal = String::from("{");
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                literal.push(',');
            }
            literal.push('"');
            for c in v.chars() {
                if c == '"' || c == '\\' {
                    literal.push('\\');
                }
                literal.push(c);
            }
            literal.push('"');
        }
        literal.push('}');
        self.text(&literal)
    }
}

/// PostgreSQL text cannot hold NUL: it becomes U+FFFD, so the rest of the value is kept.
fn escape_into(out: &mut Vec<u8>, v: &str) {
    for b in v.bytes() {
        match b {
            0 => out.extend_from_slice("\u{FFFD}".as_bytes()),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_escaped_as_copy_text_expects() {
        let mut buf = CopyBuffer::default();
        buf.row()
            .int(-5)
            .text("a\tb\\c\nd")
            .null()
            .bool(true)
            .text_array(&["x\"y".into(), "z".into()])
            .end_row();
        buf.row()
            .date(NaiveDate::from_ymd_opt(2026, 1, 2).unwrap())
            .opt_text(None)
            .end_row();
        assert_eq!(buf.rows(), 2);
        assert_eq!(
            String::from_utf8(buf.bytes().to_vec()).unwrap(),
            "-5\ta\\tb\\\\c\\nd\t\\N\tt\t{\"x\\\\\"y\",\"z\"}\n2026-01-02\t\\N\n"
        );
    }
}

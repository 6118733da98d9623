//! Validation every report shares: date ranges, id lists, AIP-158 page sizes and
//! tokens, and name filters. Each check adds to the request's [`FieldViolations`] so a
//! caller learns every bad field at once.

use adsync_server::{FieldViolations, PageTokens, Reach};
use chrono::{Datelike, Days, Months, NaiveDate};

/// AIP-158 page sizes of the list RPCs: 0 means the default; above the maximum is refused.
pub(crate) const DEFAULT_PAGE_SIZE: i64 = 100;
pub(crate) const MAX_PAGE_SIZE: i64 = 500;

/// The most ids one metrics request may name.
pub(crate) const MAX_IDS: usize = 100;

/// An inclusive range of UTC calendar days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DateRange {
    pub(crate) start: NaiveDate,
    pub(crate) end: NaiveDate,
}

impl DateRange {
    pub(crate) fn days(&self) -> i64 {
        (self.end - self.start).num_days() + 1
    }

    /// The calendar months wholly inside the range, as first day .. first day after;
    /// when there is none, an empty span after the range (so its days cover all of it).
    /// Reports read whole months from `campaign_monthly_metrics`, the rest by day.
    pub(crate) fn whole_months(&self) -> (NaiveDate, NaiveDate) {
        let after = self.end + Days::new(1);
        let first = if self.start.day() == 1 {
            self.start
        } else {
            self.start.with_day(1).expect("day 1") + Months::new(1)
        };
        let end = after.with_day(1).expect("day 1");
        if first < end {
            (first, end)
        } else {
            (after, after)
        }
    }
}

/// Parses `start_date`/`end_date` ("YYYY-MM-DD", both required, inclusive, not reversed,
/// at most `max_days` long).
pub(crate) fn date_range(
    start: &str,
    end: &str,
    max_days: u32,
    v: &mut FieldViolations,
) -> Option<DateRange> {
    let start = date("start_date", start, v);
    let end = date("end_date", end, v);
    let range = DateRange {
        start: start?,
        end: end?,
    };
    if range.end < range.start {
        v.add(
            "end_date",
            format!("{} is before start_date {}", range.end, range.start),
        );
        return None;
    }
    if range.days() > i64::from(max_days) {
        v.add(
            "end_date",
            format!(
                "the range covers {} days; at most {max_days} are allowed",
                range.days()
            ),
        );
        return None;
    }
    Some(range)
}

fn date(field: &str, raw: &str, v: &mut FieldViolations) -> Option<NaiveDate> {
    if raw.is_empty() {
        v.add(field, "required, as YYYY-MM-DD");
        return None;
    }
    // Exactly ten characters: chrono alone would accept "2026-1-5".
    match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        Ok(d) if raw.len() == 10 => Some(d),
        _ => {
            v.add(field, format!("{raw:?} is not a date as YYYY-MM-DD"));
            None
        }
    }
}

/// The distinct ids of a metrics request, in the order given: 1 to [`MAX_IDS`], positive.
pub(crate) fn ids(field: &str, raw: &[i64], v: &mut FieldViolations) -> Vec<i64> {
    if raw.is_empty() {
        v.add(field, "name at least one id");
    }
    // Too many is refused before any per-id work (a huge list must cost nothing).
    if raw.len() > MAX_IDS {
        v.add(
            field,
            format!("{} ids named; at most {MAX_IDS} per request", raw.len()),
        );
        return Vec::new();
    }
    let mut ids = Vec::with_capacity(raw.len());
    for (i, id) in raw.iter().enumerate() {
        if *id <= 0 {
            v.add(format!("{field}[{i}]"), format!("{id} is not an id"));
        } else if !ids.contains(id) {
            ids.push(*id);
        }
    }
    ids
}

/// `condition` when the request sets its filter (`set`), else none. One fixed text per
/// combination of filters rather than `$n IS NULL OR …`: each is prepared once per
/// connection, and a plan kept for the optional form misjudges how many rows match (it
/// then reads the table in key order, filtering, instead of using the filter's index).
pub(crate) fn only_if(set: bool, condition: &'static str) -> &'static str {
    if set { condition } else { "true" }
}

/// Where a page of rows ordered by `id` starts (after bind `$after`) and its `ORDER BY`.
/// When the request fixes `lead` (a column and its bind) that an index `(lead, id)`
/// starts with, both follow that index: `(lead, id) > ($n, $after)`, `ORDER BY lead,
/// id`, the same rows in the same order. Compared by `id` alone, a plan kept for any
/// value (as a prepared statement's soon is) walks the primary key from `$after`,
/// filtering, and finds the last of ten accounts' campaigns after 4,500 rows of the
/// others': its estimate cannot see that one account's ids sit together.
pub(crate) fn id_keyset(lead: Option<(&str, usize)>, id: &str, after: usize) -> (String, String) {
    match lead {
        Some((lead, n)) => (
            format!("({lead}, {id}) > (${n}, ${after})"),
            format!("{lead}, {id}"),
        ),
        None => (format!("{id} > ${after}"), id.to_owned()),
    }
}

/// An optional id filter: 0 means any, negative is an error.
pub(crate) fn optional_id(field: &str, raw: i64, v: &mut FieldViolations) -> Option<i64> {
    if raw < 0 {
        v.add(field, format!("{raw} is not an id (0 means any)"));
    }
    (raw > 0).then_some(raw)
}

/// A required id.
pub(crate) fn required_id(field: &str, raw: i64, v: &mut FieldViolations) -> i64 {
    if raw <= 0 {
        v.add(field, "required: a positive id");
    }
    raw
}

/// The page size to fetch: 0 means [`DEFAULT_PAGE_SIZE`]; negative or above
/// [`MAX_PAGE_SIZE`] is refused.
pub(crate) fn page_size(raw: i32, v: &mut FieldViolations) -> i64 {
    let size = i64::from(raw);
    if size < 0 {
        v.add("page_size", "must not be negative");
    } else if size > MAX_PAGE_SIZE {
        v.add("page_size", format!("at most {MAX_PAGE_SIZE}"));
    }
    if size <= 0 {
        DEFAULT_PAGE_SIZE
    } else {
        size.min(MAX_PAGE_SIZE)
    }
}

/// Keyset pagination by id: a list RPC serves rows with ids above the token's cursor,
/// so rows inserted while a caller pages never shift what it has not seen yet.
#[derive(Debug)]
pub(crate) struct IdPage {
    rpc: &'static str,
    tokens: PageTokens,
    fingerprint: String,
    pub(crate) after: i64,
    pub(crate) size: i64,
}

impl IdPage {
    /// Reads `page_size` and `page_token` of a request to `rpc` whose filters are
    /// `fingerprint`, from a caller of `reach`: a token issued for another RPC, other
    /// filters or another workspace is refused.
    pub(crate) fn parse(
        rpc: &'static str,
        tokens: &PageTokens,
        reach: Reach,
        fingerprint: String,
        page_size: i32,
        page_token: &str,
        v: &mut FieldViolations,
    ) -> IdPage {
        let size = self::page_size(page_size, v);
        let fingerprint = format!("{fingerprint}|{}", reach.fingerprint());
        let after = if page_token.is_empty() {
            0
        } else {
            match tokens
                .decode(rpc, &fingerprint, page_token)
                .and_then(|c| c.parse().ok())
            {
                Some(after) => after,
                None => {
                    v.add(
                        "page_token",
                        "not a page token of this call with these filters",
                    );
                    0
                }
            }
        };
        IdPage {
            rpc,
            tokens: tokens.clone(),
            fingerprint,
            after,
            size,
        }
    }

    /// Trims `rows` (fetched with [`IdPage::limit`]) to the page and returns the token
    /// of the next page, empty after the last.
    pub(crate) fn finish<T>(&self, rows: &mut Vec<T>, id: impl Fn(&T) -> i64) -> String {
        if rows.len() as i64 <= self.size {
            return String::new();
        }
        rows.truncate(self.size as usize);
        let last = id(rows.last().expect("a full page"));
        self.tokens
            .encode(self.rpc, &self.fingerprint, &last.to_string())
    }

    /// How many rows to fetch: one more than the page, to learn whether another follows.
    pub(crate) fn limit(&self) -> i64 {
        self.size + 1
    }
}

/// The longest name filter accepted, in characters.
pub(crate) const MAX_NAME_FILTER: usize = 200;

/// Checks a name filter's length (adding to `v`).
pub(crate) fn name_filter(field: &str, raw: &str, v: &mut FieldViolations) {
    // Counting stops past the limit: a megabyte is refused without walking it.
    if raw.chars().take(MAX_NAME_FILTER + 1).count() > MAX_NAME_FILTER {
        v.add(field, format!("at most {MAX_NAME_FILTER} characters"));
    }
}

/// A case-insensitive substring pattern for ILIKE, with LIKE's wildcards escaped;
/// `None` for an empty filter.
pub(crate) fn contains_pattern(needle: &str) -> Option<String> {
    if needle.is_empty() {
        return None;
    }
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    Some(pattern)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: &str, end: &str) -> (String, String) {
        let (a, b) = DateRange {
            start: start.parse().unwrap(),
            end: end.parse().unwrap(),
        }
        .whole_months();
        (a.to_string(), b.to_string())
    }

    #[test]
    fn whole_months_are_the_ones_the_range_covers_entirely() {
        // A year ending on the 1st: eleven whole months, a cut month at each end.
        assert_eq!(
            span("2025-12-02", "2026-12-01"),
            ("2026-01-01".into(), "2026-12-01".into())
        );
        // Exactly calendar months.
        assert_eq!(
            span("2026-01-01", "2026-03-31"),
            ("2026-01-01".into(), "2026-04-01".into())
        );
        // February of a leap year, whole.
        assert_eq!(
            span("2028-02-01", "2028-02-29"),
            ("2028-02-01".into(), "2028-03-01".into())
        );
        // Within one month, or across two without a whole one: days only.
        assert_eq!(
            span("2026-11-02", "2026-12-01"),
            ("2026-12-02".into(), "2026-12-02".into())
        );
        assert_eq!(
            span("2026-11-05", "2026-11-05"),
            ("2026-11-06".into(), "2026-11-06".into())
        );
    }

    fn range(start: &str, end: &str, max: u32) -> Result<DateRange, String> {
        let mut v = FieldViolations::new();
        let r = date_range(start, end, max, &mut v);
        match v.into_result("test") {
            Ok(()) => Ok(r.expect("a range when nothing is wrong")),
            Err(status) => Err(status.message().to_owned()),
        }
    }

    #[test]
    fn date_ranges_are_inclusive_ordered_and_bounded() {
        assert_eq!(range("2026-01-01", "2026-01-01", 10).unwrap().days(), 1);
        assert_eq!(range("2026-01-01", "2026-01-10", 10).unwrap().days(), 10);
        assert!(
            range("2026-01-01", "2026-01-11", 10)
                .unwrap_err()
                .contains("11 days")
        );
        assert!(
            range("2026-01-02", "2026-01-01", 10)
                .unwrap_err()
                .contains("before")
        );
        let both = range("", "2026-1-5", 10).unwrap_err();
        assert!(both.contains("start_date: required"), "{both}");
        assert!(
            both.contains("end_date: \"2026-1-5\" is not a date"),
            "{both}"
        );
        assert!(range("2026-02-30", "2026-03-01", 10).is_err());
    }

    #[test]
    fn like_wildcards_are_matched_literally() {
        assert_eq!(contains_pattern(""), None);
        assert_eq!(contains_pattern("50%_a\\b").unwrap(), "%50\\%\\_a\\\\b%");
    }
}

//! Dates in a price list: a date cell (a Sheets serial day read as SERIAL_NUMBER, an
//! XLSX or ODS date), or text in the feed's configured order. ISO text (2026-03-04) is
//! always read; other orders are never guessed, since 03/04/2026 is the 3rd of April in
//! Europe and the 4th of March in the US.

use chrono::NaiveDate;

use super::cells::Cell;
use super::numbers::parse_number;

/// How a feed writes dates as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum DateFormat {
    #[default]
    Iso,
    DayMonthYearDots,
    DayMonthYearSlashes,
    MonthDayYearSlashes,
    DayMonthYearDashes,
}

impl DateFormat {
    pub(crate) const ALL: [DateFormat; 5] = [
        DateFormat::Iso,
        DateFormat::DayMonthYearDots,
        DateFormat::DayMonthYearSlashes,
        DateFormat::MonthDayYearSlashes,
        DateFormat::DayMonthYearDashes,
    ];

    /// The format as the API and the database write it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            DateFormat::Iso => "YYYY-MM-DD",
            DateFormat::DayMonthYearDots => "DD.MM.YYYY",
            DateFormat::DayMonthYearSlashes => "DD/MM/YYYY",
            DateFormat::MonthDayYearSlashes => "MM/DD/YYYY",
            DateFormat::DayMonthYearDashes => "DD-MM-YYYY",
        }
    }

    /// `s` as a format; empty is ISO.
    pub(crate) fn parse(s: &str) -> Option<DateFormat> {
        let s = s.trim().to_ascii_uppercase();
        if s.is_empty() {
            return Some(DateFormat::Iso);
        }
        DateFormat::ALL.into_iter().find(|f| f.as_str() == s)
    }

    fn chrono(self) -> &'static str {
        match self {
            DateFormat::Iso => "%Y-%m-%d",
            DateFormat::DayMonthYearDots => "%d.%m.%Y",
            DateFormat::DayMonthYearSlashes => "%d/%m/%Y",
            DateFormat::MonthDayYearSlashes => "%m/%d/%Y",
            DateFormat::DayMonthYearDashes => "%d-%m-%Y",
        }
    }
}

/// Day 0 of spreadsheet serial days (the 1900 date system as Sheets and Excel count it).
fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1899, 12, 30).expect("a date")
}

/// The date `cell` holds, read with `format` when it is text.
pub(crate) fn date_of(cell: &Cell, format: DateFormat) -> Option<NaiveDate> {
    match cell {
        Cell::Date(d) => Some(*d),
        Cell::Number(n) => {
            let days: i64 = parse_number(n).ok()?.floor().try_into().ok()?;
            (1..=2_958_465)
                .contains(&days)
                .then(|| epoch().checked_add_signed(chrono::TimeDelta::try_days(days)?))?
        }
        Cell::Text(t) => {
            let t = t.trim();
            NaiveDate::parse_from_str(t, DateFormat::Iso.chrono())
                .or_else(|_| NaiveDate::parse_from_str(t, format.chrono()))
                .ok()
        }
        Cell::Empty | Cell::Bool(_) => None,
    }
}

/// Why a cell is not a date, for the parsing log.
pub(crate) fn not_a_date(format: DateFormat) -> String {
    match format {
        DateFormat::Iso => "not a date (a date cell, or text as YYYY-MM-DD)".into(),
        other => format!(
            "not a date (a date cell, or text as {} or YYYY-MM-DD)",
            other.as_str()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn text_dates_follow_the_configured_order_and_iso_always_reads() {
        let text = |s: &str| Cell::Text(s.into());
        assert_eq!(
            date_of(&text("03/04/2026"), DateFormat::DayMonthYearSlashes),
            day(2026, 4, 3)
        );
        assert_eq!(
            date_of(&text("03/04/2026"), DateFormat::MonthDayYearSlashes),
            day(2026, 3, 4)
        );
        assert_eq!(date_of(&text("3/4/2026"), DateFormat::Iso), None);
        assert_eq!(
            date_of(&text("30.11.2026"), DateFormat::DayMonthYearDots),
            day(2026, 11, 30)
        );
        assert_eq!(
            date_of(&text("2026-11-30"), DateFormat::DayMonthYearDots),
            day(2026, 11, 30)
        );
        assert_eq!(
            date_of(&text("31/11/2026"), DateFormat::DayMonthYearSlashes),
            None
        );
        assert_eq!(
            date_of(&Cell::Number("46356".into()), DateFormat::Iso),
            day(2026, 11, 30)
        );
        assert_eq!(
            DateFormat::parse("dd.mm.yyyy"),
            Some(DateFormat::DayMonthYearDots)
        );
        assert_eq!(DateFormat::parse(""), Some(DateFormat::Iso));
        assert_eq!(DateFormat::parse("YYYY/MM/DD"), None);
    }
}

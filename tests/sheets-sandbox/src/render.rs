//! How the Sheets API writes a cell, by `valueRenderOption` and `dateTimeRenderOption`:
//! FORMATTED_VALUE as the spreadsheet's locale shows it (`$1,234.56` in en_US,
//! `1.234,56 €` in de_DE, `1 234,56` in fr_FR; dates `11/30/2026`, `30.11.2026`,
//! `30/11/2026`), UNFORMATTED_VALUE as JSON numbers (dates as serial numbers counted from
//! 1899-12-30, or formatted with FORMATTED_STRING), FORMULA as the formula for formula
//! cells and unformatted otherwise.

use chrono::NaiveDate;
use serde_json::{Number, Value as Json};

use crate::book::{Cell, Format, Locale, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueRender {
    Formatted,
    Unformatted,
    Formula,
}

impl ValueRender {
    pub fn parse(s: &str) -> Option<ValueRender> {
        match s {
            "FORMATTED_VALUE" => Some(ValueRender::Formatted),
            "UNFORMATTED_VALUE" => Some(ValueRender::Unformatted),
            "FORMULA" => Some(ValueRender::Formula),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateRender {
    SerialNumber,
    FormattedString,
}

impl DateRender {
    pub fn parse(s: &str) -> Option<DateRender> {
        match s {
            "SERIAL_NUMBER" => Some(DateRender::SerialNumber),
            "FORMATTED_STRING" => Some(DateRender::FormattedString),
            _ => None,
        }
    }
}

/// Day 0 of spreadsheet serial dates.
pub fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1899, 12, 30).expect("a date")
}

/// `units` × 10^-`scale` as plain decimal text (`1234.5`, `-0.07`), no grouping.
pub(crate) fn plain(units: i64, scale: u32) -> String {
    if scale == 0 {
        return units.to_string();
    }
    let p = 10_i64.pow(scale);
    let sign = if units < 0 { "-" } else { "" };
    let (int, frac) = (
        units.unsigned_abs() / p as u64,
        units.unsigned_abs() % p as u64,
    );
    let frac = format!("{frac:0width$}", width = scale as usize);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

/// `units` × 10^-`scale` rounded to 2 decimals, grouped, in `locale`'s separators.
fn grouped2(units: i64, scale: u32, locale: Locale) -> String {
    let cents = if scale <= 2 {
        units * 10_i64.pow(2 - scale)
    } else {
        let p = 10_i64.pow(scale - 2);
        // Half away from zero, as Sheets rounds for display.
        (units + units.signum() * p / 2) / p
    };
    let (group, decimal) = match locale {
        Locale::EnUs | Locale::EnGb => (",", "."),
        Locale::DeDe => (".", ","),
        Locale::FrFr => ("\u{202f}", ","),
    };
    let sign = if cents < 0 { "-" } else { "" };
    let int = (cents.unsigned_abs() / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push_str(group);
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}{decimal}{:02}", cents.unsigned_abs() % 100)
}

pub(crate) fn date_text(d: NaiveDate, locale: Locale) -> String {
    match locale {
        Locale::EnUs => d.format("%-m/%-d/%Y").to_string(),
        Locale::EnGb => d.format("%d/%m/%Y").to_string(),
        Locale::DeDe => d.format("%d.%m.%Y").to_string(),
        Locale::FrFr => d.format("%d/%m/%Y").to_string(),
    }
}

/// The formatted text of a value under `format` in `locale`.
fn formatted(value: &Value, format: Format, locale: Locale) -> String {
    match value {
        Value::Empty => String::new(),
        Value::Text(t) => t.clone(),
        Value::Date(d) => date_text(*d, locale),
        Value::Formula { result, .. } => formatted(result, format, locale),
        Value::Number { units, scale } => match format {
            Format::Currency(code) => {
                let amount = grouped2(*units, *scale, locale);
                match (code, locale) {
                    ("USD", Locale::EnUs) | ("GBP", Locale::EnGb) => {
                        let symbol = if code == "USD" { "$" } else { "£" };
                        match amount.strip_prefix('-') {
                            Some(a) => format!("-{symbol}{a}"),
                            None => format!("{symbol}{amount}"),
                        }
                    }
                    ("EUR", _) => format!("{amount}\u{a0}€"),
                    (other, _) => format!("{amount} {other}"),
                }
            }
            Format::Decimal2 => grouped2(*units, *scale, locale),
            Format::Date => {
                let serial = units / 10_i64.pow(*scale);
                date_text(epoch() + chrono::TimeDelta::days(serial), locale)
            }
            Format::General => {
                let text = plain(*units, *scale);
                if matches!(locale, Locale::EnUs | Locale::EnGb) {
                    text
                } else {
                    text.replace('.', ",")
                }
            }
        },
    }
}

fn json_number(units: i64, scale: u32) -> Json {
    if scale == 0 {
        return Json::Number(units.into());
    }
    // A double, as Google sends it; its shortest text is the decimal for these values.
    let v = units as f64 / 10_f64.powi(scale as i32);
    Number::from_f64(v).map_or(Json::Null, Json::Number)
}

fn unformatted(value: &Value, locale: Locale, dates: DateRender) -> Json {
    match value {
        Value::Empty => Json::String(String::new()),
        Value::Text(t) => Json::String(t.clone()),
        Value::Number { units, scale } => json_number(*units, *scale),
        Value::Date(d) => match dates {
            DateRender::SerialNumber => Json::Number((*d - epoch()).num_days().into()),
            DateRender::FormattedString => Json::String(date_text(*d, locale)),
        },
        Value::Formula { result, .. } => unformatted(result, locale, dates),
    }
}

/// A cell as the API writes it.
pub fn cell(cell: &Cell, locale: Locale, values: ValueRender, dates: DateRender) -> Json {
    match values {
        ValueRender::Formatted => Json::String(formatted(&cell.value, cell.format, locale)),
        ValueRender::Formula => match &cell.value {
            Value::Formula { formula, .. } => Json::String(formula.clone()),
            other => unformatted(other, locale, dates),
        },
        ValueRender::Unformatted => unformatted(&cell.value, locale, dates),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(units: i64, code: &'static str, locale: Locale) -> String {
        formatted(&Value::number(units, 2), Format::Currency(code), locale)
    }

    #[test]
    fn money_and_dates_in_each_locale() {
        assert_eq!(money(123_456, "USD", Locale::EnUs), "$1,234.56");
        assert_eq!(money(-5, "USD", Locale::EnUs), "-$0.05");
        assert_eq!(money(100_000, "GBP", Locale::EnGb), "£1,000.00");
        assert_eq!(money(123_456, "EUR", Locale::DeDe), "1.234,56\u{a0}€");
        assert_eq!(
            formatted(
                &Value::number(123_456_789, 2),
                Format::Decimal2,
                Locale::FrFr
            ),
            "1\u{202f}234\u{202f}567,89"
        );
        assert_eq!(
            formatted(&Value::number(12_345, 3), Format::Decimal2, Locale::EnUs),
            "12.35"
        );
        let d = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert_eq!(date_text(d, Locale::EnUs), "11/30/2026");
        assert_eq!(date_text(d, Locale::DeDe), "30.11.2026");
        assert_eq!(
            unformatted(&Value::Date(d), Locale::EnUs, DateRender::SerialNumber),
            Json::from(46_356)
        );
        assert_eq!(json_number(123_450, 2), Json::from(1234.5));
        assert_eq!(
            formatted(&Value::number(15, 1), Format::General, Locale::DeDe),
            "1,5"
        );
    }
}

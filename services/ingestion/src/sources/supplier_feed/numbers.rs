//! Prices as exact decimals. A number cell is read from its exact text; a price written
//! as text ("4,20", "1.234,56 €", "$1,234.50") is read with the feed's own decimal and
//! thousands separators, which are configured, never guessed: "4,20" under a comma
//! decimal is 4.20, and under a dot decimal it is refused, never 420.

use std::str::FromStr;

use rust_decimal::Decimal;

/// How a feed writes numbers as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NumberFormat {
    pub(crate) decimal: char,
    /// `None`: numbers are written without grouping.
    pub(crate) thousands: Option<char>,
}

impl NumberFormat {
    /// The separators as configured; `Err` says why they cannot be told apart.
    pub(crate) fn new(decimal: &str, thousands: &str) -> Result<NumberFormat, String> {
        let decimal = match decimal {
            "." => '.',
            "," => ',',
            "" => return Err("required: \".\" or \",\" (it is never guessed)".into()),
            other => {
                return Err(format!(
                    "{other:?} is not a decimal separator: \".\" or \",\""
                ));
            }
        };
        let thousands = match thousands {
            "" => None,
            "," => Some(','),
            "." => Some('.'),
            " " => Some(' '),
            "'" => Some('\''),
            other => {
                return Err(format!(
                    "{other:?} is not a thousands separator: \"\", \",\", \".\", \" \" or \"'\""
                ));
            }
        };
        if thousands == Some(decimal) {
            return Err(format!(
                "{decimal:?} cannot be both the decimal and the thousands separator"
            ));
        }
        Ok(NumberFormat { decimal, thousands })
    }

    pub(crate) fn thousands_str(&self) -> String {
        self.thousands.map(String::from).unwrap_or_default()
    }
}

/// Currency signs a price written as text may carry; ignored (the currency comes from
/// its column or the feed).
const SIGNS: [char; 5] = ['$', '€', '£', '¥', '₣'];

/// Spaces a thousands separator " " may be written as (plain, no-break, narrow no-break).
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\u{a0}' | '\u{202f}')
}

/// A number written as text in `format`; `Err` says why it is not one.
pub(crate) fn parse_text(text: &str, format: NumberFormat) -> Result<Decimal, String> {
    let trimmed =
        text.trim_matches(|c: char| c.is_whitespace() || is_space(c) || SIGNS.contains(&c));
    let (negative, body) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start_matches(|c: char| SIGNS.contains(&c))),
        None => (false, trimmed),
    };
    if body.is_empty() {
        return Err("not a number".into());
    }
    let (int, frac) = match body.split_once(format.decimal) {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    if let Some(f) = frac
        && (f.is_empty() || !f.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(format!(
            "not a number with {:?} as the decimal separator",
            format.decimal
        ));
    }
    let digits: String = match format.thousands {
        None => int.to_owned(),
        Some(sep) => {
            let groups: Vec<&str> = if sep == ' ' {
                int.split(is_space).collect()
            } else {
                int.split(sep).collect()
            };
            let well_grouped = groups.len() == 1
                || (!groups[0].is_empty()
                    && groups[0].len() <= 3
                    && groups[1..].iter().all(|g| g.len() == 3));
            if !well_grouped {
                return Err(format!(
                    "not a number with {:?} as the decimal separator and {sep:?} between thousands",
                    format.decimal
                ));
            }
            groups.concat()
        }
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(match format.thousands {
            Some(sep) => format!(
                "not a number with {:?} as the decimal separator and {sep:?} between thousands",
                format.decimal
            ),
            None => format!(
                "not a number with {:?} as the decimal separator and no thousands separator",
                format.decimal
            ),
        });
    }
    let plain = match frac {
        Some(f) => format!("{}{digits}.{f}", if negative { "-" } else { "" }),
        None => format!("{}{digits}", if negative { "-" } else { "" }),
    };
    Decimal::from_str_exact(&plain).map_err(|_| "a number too large".to_owned())
}

/// A number cell's exact text (`1234.5`, `1.5E-7`).
pub(crate) fn parse_number(text: &str) -> Result<Decimal, String> {
    Decimal::from_str_exact(text)
        .or_else(|_| Decimal::from_scientific(text))
        .or_else(|_| Decimal::from_str(text))
        .map_err(|_| format!("{text} is not a number this service can hold exactly"))
}

/// `price` checked as a price: not negative, at most `decimals` decimal places (trailing
/// zeros do not count: 4.200 is 4.2); written with exactly `decimals` places (4.20).
pub(crate) fn check_price(price: Decimal, decimals: u32) -> Result<Decimal, String> {
    let price = price.normalize();
    if price.is_sign_negative() && !price.is_zero() {
        return Err("a negative price".into());
    }
    if price.scale() > decimals {
        return Err(format!("a price with more than {decimals} decimal places"));
    }
    let mut price = price.abs();
    price.rescale(decimals);
    Ok(price)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(d: &str, t: &str) -> NumberFormat {
        NumberFormat::new(d, t).unwrap()
    }

    fn text(s: &str, f: NumberFormat) -> Result<String, String> {
        parse_text(s, f).map(|d| d.normalize().to_string())
    }

    #[test]
    fn a_comma_decimal_is_never_read_as_thousands() {
        let de = fmt(",", ".");
        assert_eq!(text("4,20", de).unwrap(), "4.2");
        assert_eq!(text("1.234,56 €", de).unwrap(), "1234.56");
        assert_eq!(text("1.234.567,5", de).unwrap(), "1234567.5");
        // Under a dot decimal with comma thousands, "4,20" is a badly grouped number.
        assert!(text("4,20", fmt(".", ",")).is_err());
        // With no thousands separator at all, a stray comma is refused.
        assert!(text("4,20", fmt(".", "")).is_err());
        assert_eq!(text("$1,234.50", fmt(".", ",")).unwrap(), "1234.5");
    }

    #[test]
    fn spaces_between_thousands_may_be_any_kind_of_space() {
        let fr = fmt(",", " ");
        assert_eq!(text("1 234,56", fr).unwrap(), "1234.56");
        assert_eq!(
            text("1\u{202f}234\u{202f}567,89", fr).unwrap(),
            "1234567.89"
        );
        assert_eq!(text("12\u{a0}345", fr).unwrap(), "12345");
        assert!(text("12 34", fr).is_err());
    }

    #[test]
    fn words_and_ambiguous_separators_are_refused() {
        assert!(text("auf Anfrage", fmt(",", ".")).is_err());
        assert!(text("", fmt(",", ".")).is_err());
        assert!(text("1,2,3", fmt(",", "")).is_err());
        assert!(NumberFormat::new(",", ",").is_err());
        assert!(NumberFormat::new("", ",").is_err());
        assert!(NumberFormat::new(";", "").is_err());
    }

    #[test]
    fn prices_are_checked_exactly() {
        let p = |s: &str| check_price(parse_number(s).unwrap(), 2).map(|d| d.to_string());
        assert_eq!(p("1234.5").unwrap(), "1234.50");
        assert_eq!(p("12.340").unwrap(), "12.34");
        assert_eq!(p("0").unwrap(), "0.00");
        assert!(p("12.345").unwrap_err().contains("more than 2"));
        assert_eq!(p("-1.5").unwrap_err(), "a negative price");
        assert_eq!(p("1.5E2").unwrap(), "150.00");
        assert!(check_price(parse_number("12.345").unwrap(), 3).is_ok());
    }
}

//! Metric sums and the ratios derived from them. PostgreSQL (or the code, for series
//! already grouped by day) sums the stored daily rows exactly — counts as integers, money
//! as NUMERIC — and the ratios are then computed here from those sums with exact integer
//! arithmetic: never averages of averages, never a float. A ratio whose denominator is
//! zero is absent.
//!
//! Percentages have 4 decimals (shares 2), money ratios 6 (micro units), rounded half
//! away from zero; money amounts are printed exactly, without trailing zeros.

use adsync_proto::reporting::{MetricValues, Money};
use bigdecimal::BigDecimal;
use bigdecimal::num_bigint::BigInt;
use diesel::sql_types::{BigInt as Int8, Numeric};
use diesel::{Queryable, QueryableByName};

/// The sums over metric rows `m` (zero when there are none), for [`Sums`].
pub(crate) const SUM_COLUMNS: &str = "\
    COALESCE(SUM(m.impressions), 0)::int8 AS impressions, \
    COALESCE(SUM(m.clicks), 0)::int8 AS clicks, \
    COALESCE(SUM(m.cost), 0) AS cost, \
    COALESCE(SUM(m.landing_page_clicks), 0)::int8 AS landing_page_clicks, \
    COALESCE(SUM(m.external_website_conversions), 0)::int8 AS conversions, \
    COALESCE(SUM(m.one_click_leads), 0)::int8 AS leads, \
    COALESCE(SUM(m.likes), 0)::int8 AS likes, \
    COALESCE(SUM(m.comments), 0)::int8 AS comments, \
    COALESCE(SUM(m.shares), 0)::int8 AS shares, \
    COALESCE(SUM(m.follows), 0)::int8 AS follows, \
    COALESCE(SUM(m.opens), 0)::int8 AS opens, \
    COALESCE(SUM(m.sends), 0)::int8 AS sends";

/// Summed metrics of some rows.
/// Reads from [`SUM_COLUMNS`] by name, or from a tuple of the same columns in order.
#[derive(Debug, Clone, Default, PartialEq, Queryable, QueryableByName)]
pub(crate) struct Sums {
    #[diesel(sql_type = Int8)]
    pub(crate) impressions: i64,
    #[diesel(sql_type = Int8)]
    pub(crate) clicks: i64,
    #[diesel(sql_type = Numeric)]
    pub(crate) cost: BigDecimal,
    #[diesel(sql_type = Int8)]
    pub(crate) landing_page_clicks: i64,
    #[diesel(sql_type = Int8)]
    pub(crate) conversions: i64,
    #[diesel(sql_type = Int8)]
    pub(crate) leads: i64,
    #[diesel(sql_type = Int8)]
    pub(crate) likes: i64,
    #[diesel(sql_type = Int8)]
    pub(crate) comments: i64,
    #[diesel(sql_type = Int8)]
    pub(crate) shares: i64,
    #[diesel(sql_type = Int8)]
    pub(crate) follows: i64,
    #[diesel(sql_type = Int8)]
    pub(crate) opens: i64,
    #[diesel(sql_type = Int8)]
    pub(crate) sends: i64,
}

impl Sums {
    pub(crate) fn add(&mut self, o: &Sums) {
        self.impressions += o.impressions;
        self.clicks += o.clicks;
        self.cost += &o.cost;
        self.landing_page_clicks += o.landing_page_clicks;
        self.conversions += o.conversions;
        self.leads += o.leads;
        self.likes += o.likes;
        self.comments += o.comments;
        self.shares += o.shares;
        self.follows += o.follows;
        self.opens += o.opens;
        self.sends += o.sends;
    }

    /// The reply's values, money in `currency`, ratios derived from the sums.
    pub(crate) fn to_proto(&self, currency: &str) -> MetricValues {
        let money = |amount: String| Money {
            currency_code: currency.to_owned(),
            amount,
        };
        let per = |count: i64| money_ratio(&self.cost, 1, count).map(money);
        MetricValues {
            impressions: self.impressions,
            clicks: self.clicks,
            cost: Some(money(plain(&self.cost))),
            landing_page_clicks: self.landing_page_clicks,
            conversions: self.conversions,
            leads: self.leads,
            likes: self.likes,
            comments: self.comments,
            shares: self.shares,
            follows: self.follows,
            opens: self.opens,
            sends: self.sends,
            engagements: self.likes + self.comments + self.shares + self.follows + self.clicks,
            ctr_percent: percent(self.clicks, self.impressions, 4),
            cpc: per(self.clicks),
            cpm: money_ratio(&self.cost, 1000, self.impressions).map(money),
            cpl: per(self.leads),
            conversion_rate_percent: percent(self.conversions, self.clicks, 4),
            cost_per_conversion: per(self.conversions),
        }
    }
}

/// `part` / `whole` × 100 to `places` decimals; `None` when `whole` is 0.
pub(crate) fn percent(part: i64, whole: i64, places: u32) -> Option<String> {
    (whole != 0).then(|| {
        let scaled = round_div(
            i128::from(part) * 100 * 10i128.pow(places),
            i128::from(whole),
        );
        fixed(scaled < 0, scaled.unsigned_abs().to_string(), places)
    })
}

/// `amount` × `multiplier` / `count` to 6 decimals; `None` when `count` is 0.
pub(crate) fn money_ratio(amount: &BigDecimal, multiplier: i64, count: i64) -> Option<String> {
    use bigdecimal::num_traits::{Signed, ToPrimitive};
    if count == 0 {
        return None;
    }
    // amount = digits × 10^-exponent; the quotient is scaled by 10^6 for 6 decimals.
    let (digits, exponent) = amount.as_bigint_and_exponent();
    let shift = 6 - exponent;
    // The common case in 128-bit integers; anything larger in big integers.
    let fast = || -> Option<i128> {
        let mut num = digits.to_i128()?.checked_mul(i128::from(multiplier))?;
        let mut den = i128::from(count);
        if shift >= 0 {
            num = num.checked_mul(10i128.checked_pow(u32::try_from(shift).ok()?)?)?;
        } else {
            den = den.checked_mul(10i128.checked_pow(u32::try_from(-shift).ok()?)?)?;
        }
        Some(round_div(num, den))
    };
    if let Some(scaled) = fast() {
        return Some(fixed(scaled < 0, scaled.unsigned_abs().to_string(), 6));
    }
    let ten = BigInt::from(10);
    let mut num = digits * multiplier;
    let mut den = BigInt::from(count);
    if shift >= 0 {
        num *= ten.pow(shift as u32);
    } else {
        den *= ten.pow(shift.unsigned_abs() as u32);
    }
    let negative = num.is_negative() != den.is_negative()
        && num.sign() != bigdecimal::num_bigint::Sign::NoSign;
    let (num, den) = (num.abs(), den.abs());
    let scaled: BigInt = (num * 2 + &den) / (den * 2);
    Some(fixed(negative, scaled.to_string(), 6))
}

/// `num` / `den` rounded half away from zero.
fn round_div(num: i128, den: i128) -> i128 {
    let (n, d) = (num.unsigned_abs(), den.unsigned_abs());
    let q = ((n * 2 + d) / (d * 2)) as i128;
    if (num < 0) != (den < 0) { -q } else { q }
}

/// The scaled magnitude `digits` (× 10^-places) as fixed-point text.
fn fixed(negative: bool, digits: String, places: u32) -> String {
    let places = places as usize;
    let padded = format!("{digits:0>width$}", width = places + 1);
    let (int, frac) = padded.split_at(padded.len() - places);
    let sign = if negative && padded.bytes().any(|b| b != b'0') {
        "-"
    } else {
        ""
    };
    if places == 0 {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

/// An exact decimal in plain notation without trailing zeros ("19.91833", "12", "0").
pub(crate) fn plain(d: &BigDecimal) -> String {
    let (digits, exponent) = d.normalized().as_bigint_and_exponent();
    let negative = digits.sign() == bigdecimal::num_bigint::Sign::Minus;
    let magnitude = digits.magnitude().to_string();
    if exponent <= 0 {
        let zeros = if magnitude == "0" {
            0
        } else {
            exponent.unsigned_abs() as usize
        };
        return fixed(negative, format!("{magnitude}{}", "0".repeat(zeros)), 0);
    }
    fixed(negative, magnitude, exponent as u32)
}

/// The values of a period without activity: zeros, no ratios.
pub(crate) fn zero(currency: &str) -> MetricValues {
    Sums::default().to_proto(currency)
}

/// Money from a NUMERIC column read as text (`None` stays unset).
pub(crate) fn money(amount: Option<String>, currency: Option<String>) -> Option<Money> {
    amount.map(|amount| Money {
        currency_code: currency.unwrap_or_default(),
        amount,
    })
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn dec(s: &str) -> BigDecimal {
        BigDecimal::from_str(s).unwrap()
    }

    #[test]
    fn amounts_print_exactly_without_trailing_zeros() {
        assert_eq!(plain(&dec("19.918330")), "19.91833");
        assert_eq!(plain(&dec("19938.0")), "19938");
        assert_eq!(plain(&dec("1200")), "1200");
        assert_eq!(plain(&dec("0.000")), "0");
        assert_eq!(plain(&dec("0.05")), "0.05");
        assert_eq!(plain(&dec("-3.10")), "-3.1");
    }

    #[test]
    fn ratios_round_half_away_from_zero_and_are_absent_over_zero() {
        assert_eq!(percent(1, 3, 4).as_deref(), Some("33.3333"));
        assert_eq!(percent(2, 3, 4).as_deref(), Some("66.6667"));
        assert_eq!(percent(1, 8, 2).as_deref(), Some("12.50"));
        assert_eq!(percent(5, 0, 4), None);
        assert_eq!(percent(0, 7, 4).as_deref(), Some("0.0000"));
        // 10.000001 / 2 = 5.0000005 -> 5.000001 (half away from zero)
        assert_eq!(
            money_ratio(&dec("10.000001"), 1, 2).as_deref(),
            Some("5.000001")
        );
        assert_eq!(
            money_ratio(&dec("-10.000001"), 1, 2).as_deref(),
            Some("-5.000001")
        );
        assert_eq!(
            money_ratio(&dec("1.5"), 1000, 7).as_deref(),
            Some("214.285714")
        );
        assert_eq!(
            money_ratio(&dec("12E+3"), 1, 5).as_deref(),
            Some("2400.000000")
        );
        assert_eq!(
            money_ratio(&dec("0.0000004"), 1, 1).as_deref(),
            Some("0.000000")
        );
        assert_eq!(money_ratio(&dec("3"), 1, 0), None);
    }

    #[test]
    fn values_derive_every_ratio_from_the_sums() {
        let sums = Sums {
            impressions: 2000,
            clicks: 30,
            cost: dec("45.5"),
            conversions: 3,
            leads: 0,
            likes: 1,
            ..Sums::default()
        };
        let v = sums.to_proto("EUR");
        assert_eq!(v.ctr_percent.as_deref(), Some("1.5000"));
        assert_eq!(v.cpc.unwrap().amount, "1.516667");
        assert_eq!(v.cpm.unwrap().amount, "22.750000");
        assert_eq!(v.cpl, None);
        assert_eq!(v.conversion_rate_percent.as_deref(), Some("10.0000"));
        assert_eq!(v.cost_per_conversion.unwrap().amount, "15.166667");
        assert_eq!(v.engagements, 31);
        assert_eq!(v.cost.unwrap().amount, "45.5");
    }
}

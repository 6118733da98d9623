//! [`Decimal`]: an exact NUMERIC as a 128-bit integer and a decimal scale, read straight
//! from PostgreSQL's binary form. Reports add thousands of money amounts per request and
//! print each sum; doing that in fixed-size integers, with no heap allocation per value,
//! is what keeps a 365-day series fast. Any amount of up to 38 significant digits is
//! exact; one beyond that is reported as an error, never rounded.

use std::cmp::Ordering;

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::data_types::PgNumeric;
use diesel::pg::{Pg, PgValue};
use diesel::sql_types::Numeric;

/// The most decimal places a value may have: 10^38 still fits in an `i128`.
const MAX_SCALE: u32 = 38;

/// `units` × 10^-`scale`, exactly.
#[derive(Debug, Clone, Copy, Default, AsExpression, FromSqlRow)]
#[diesel(sql_type = Numeric)]
pub(crate) struct Decimal {
    units: i128,
    scale: u32,
}

/// An amount or a sum beyond 38 significant digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a money amount exceeds 38 significant digits")]
pub(crate) struct OutOfRange;

fn pow10(n: u32) -> Option<i128> {
    10i128.checked_pow(n)
}

impl Decimal {
    /// `units` × 10^-`scale`.
    #[cfg(test)]
    pub(crate) fn from_units(units: i128, scale: u32) -> Decimal {
        assert!(scale <= MAX_SCALE);
        Decimal { units, scale }
    }

    /// `units` at `scale`, widened to the larger `scale` `to`.
    fn units_at(&self, to: u32) -> Option<i128> {
        self.units.checked_mul(pow10(to - self.scale)?)
    }

    /// The exact sum.
    pub(crate) fn checked_add(self, other: Decimal) -> Result<Decimal, OutOfRange> {
        let scale = self.scale.max(other.scale);
        let sum = self
            .units_at(scale)
            .zip(other.units_at(scale))
            .and_then(|(a, b)| a.checked_add(b))
            .ok_or(OutOfRange)?;
        Ok(Decimal { units: sum, scale })
    }

    /// `self` × `multiplier` / `count`, rounded half away from zero to 6 places (micro
    /// units): the price of one click, one thousand impressions, one lead.
    /// `None` when `count` is 0.
    pub(crate) fn per(&self, multiplier: i64, count: i64) -> Option<Result<String, OutOfRange>> {
        const PLACES: u32 = 6;
        if count == 0 {
            return None;
        }
        let mut num = self.units.checked_mul(i128::from(multiplier));
        let mut den = Some(i128::from(count));
        if self.scale <= PLACES {
            num = num.and_then(|n| n.checked_mul(pow10(PLACES - self.scale)?));
        } else {
            den = den.and_then(|d| d.checked_mul(pow10(self.scale - PLACES)?));
        }
        Some(match (num, den) {
            (Some(num), Some(den)) => Ok(fixed(round_div(num, den), PLACES)),
            _ => Err(OutOfRange),
        })
    }

    /// `self` × `multiplier` / `other` to `places` decimals, rounded half away from zero:
    /// a ratio of two amounts (ACoS, ROAS). `None` when `other` is 0.
    pub(crate) fn ratio(
        &self,
        other: &Decimal,
        multiplier: i64,
        places: u32,
    ) -> Option<Result<String, OutOfRange>> {
        if other.units == 0 {
            return None;
        }
        let num = pow10(other.scale + places).and_then(|p| {
            self.units
                .checked_mul(i128::from(multiplier))?
                .checked_mul(p)
        });
        let den = pow10(self.scale).and_then(|p| other.units.checked_mul(p));
        Some(match (num, den) {
            (Some(num), Some(den)) => Ok(fixed(round_div(num, den), places)),
            _ => Err(OutOfRange),
        })
    }

    /// Plain notation without trailing zeros: "19.91833", "12", "0", "-3.1".
    pub(crate) fn plain(&self) -> String {
        let (mut units, mut scale) = (self.units, self.scale);
        while scale > 0 && units % 10 == 0 {
            units /= 10;
            scale -= 1;
        }
        fixed(units, scale)
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Decimal) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Decimal {}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Decimal) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Decimal {
    /// By value ("2.50" = "2.5"), without widening either side past 128 bits.
    fn cmp(&self, other: &Decimal) -> Ordering {
        let split = |d: &Decimal| {
            let one = pow10(d.scale).expect("scale is at most 38");
            (d.units.div_euclid(one), d.units.rem_euclid(one))
        };
        let (a_int, a_frac) = split(self);
        let (b_int, b_frac) = split(other);
        // Fractions are below 10^scale, so at the common scale they are below 10^38.
        let scale = self.scale.max(other.scale);
        let widen = |frac: i128, from: u32| frac * pow10(scale - from).expect("at most 10^38");
        a_int
            .cmp(&b_int)
            .then_with(|| widen(a_frac, self.scale).cmp(&widen(b_frac, other.scale)))
    }
}

impl FromSql<Numeric, Pg> for Decimal {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Decimal> {
        let (negative, weight, scale, digits) = match PgNumeric::from_sql(value)? {
            PgNumeric::Positive {
                weight,
                scale,
                digits,
            } => (false, weight, scale, digits),
            PgNumeric::Negative {
                weight,
                scale,
                digits,
            } => (true, weight, scale, digits),
            PgNumeric::NaN => return Err("a money amount is NaN".into()),
        };
        Ok(from_base_10000(
            negative,
            weight,
            u32::from(scale),
            &digits,
        )?)
    }
}

/// PostgreSQL's form: base-10000 `digits`, the first worth 10000^`weight`, shown with
/// `scale` decimal places.
fn from_base_10000(
    negative: bool,
    weight: i16,
    scale: u32,
    digits: &[i16],
) -> Result<Decimal, OutOfRange> {
    if scale > MAX_SCALE {
        return Err(OutOfRange);
    }
    let mut acc: i128 = 0;
    for d in digits {
        acc = acc
            .checked_mul(10_000)
            .and_then(|a| a.checked_add(i128::from(*d)))
            .ok_or(OutOfRange)?;
    }
    // `acc` counts units of 10^-exponent.
    let exponent =
        4 * (i32::try_from(digits.len()).map_err(|_| OutOfRange)? - 1 - i32::from(weight));
    let scale_i = i32::try_from(scale).map_err(|_| OutOfRange)?;
    let units = if exponent <= scale_i {
        let widen = u32::try_from(scale_i - exponent).map_err(|_| OutOfRange)?;
        acc.checked_mul(pow10(widen).ok_or(OutOfRange)?)
            .ok_or(OutOfRange)?
    } else {
        // Digits past the scale are zeros PostgreSQL keeps to fill a base-10000 group.
        let drop = u32::try_from(exponent - scale_i).map_err(|_| OutOfRange)?;
        match pow10(drop) {
            Some(p) => acc / p,
            None => 0,
        }
    };
    Ok(Decimal {
        units: if negative { -units } else { units },
        scale,
    })
}

/// `num` / `den` rounded half away from zero.
pub(crate) fn round_div(num: i128, den: i128) -> i128 {
    let (n, d) = (num.unsigned_abs(), den.unsigned_abs());
    let q = (n / d + u128::from(n % d >= d - n % d)) as i128;
    if (num < 0) != (den < 0) { -q } else { q }
}

/// `scaled` × 10^-`places` as fixed-point text with exactly `places` decimals, written
/// into one right-sized string.
pub(crate) fn fixed(scaled: i128, places: u32) -> String {
    // Least significant first; an i128 has at most 39 digits, `places` at most 38.
    let mut digits = [0u8; 40];
    let mut n = 0;
    // 64-bit division is several times faster than 128-bit, and nearly every value fits.
    match u64::try_from(scaled.unsigned_abs()) {
        Ok(mut m) => {
            while m > 0 {
                digits[n] = (m % 10) as u8;
                m /= 10;
                n += 1;
            }
        }
        Err(_) => {
            let mut m = scaled.unsigned_abs();
            while m > 0 {
                digits[n] = (m % 10) as u8;
                m /= 10;
                n += 1;
            }
        }
    }
    let places = (places as usize).min(digits.len() - 1);
    // At least one digit before the point: the zeros of the array pad.
    let n = n.max(places + 1);
    let mut out = String::with_capacity(n + 2);
    if scaled < 0 {
        out.push('-');
    }
    for i in (0..n).rev() {
        out.push(char::from(b'0' + digits[i]));
        if i == places && places > 0 {
            out.push('.');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(units: i128, scale: u32) -> Decimal {
        Decimal { units, scale }
    }

    #[test]
    fn ratios_of_two_amounts_are_exact_and_rounded_half_away_from_zero() {
        // ACoS: 12.50 spent for 50.0 of sales = 25.0000 %.
        assert_eq!(
            dec(1250, 2).ratio(&dec(500, 1), 100, 4).unwrap().unwrap(),
            "25.0000"
        );
        // ROAS: 10 of sales for 3 spent = 3.3333.
        assert_eq!(
            dec(10, 0).ratio(&dec(3, 0), 1, 4).unwrap().unwrap(),
            "3.3333"
        );
        assert_eq!(
            dec(2, 0).ratio(&dec(3, 0), 1, 4).unwrap().unwrap(),
            "0.6667"
        );
        assert!(dec(1, 0).ratio(&dec(0, 2), 1, 4).is_none());
    }

    #[test]
    fn base_10000_digits_become_units_at_the_display_scale() {
        // 19.91833: digits [19, 9183, 3000], weight 0, scale 5.
        let d = from_base_10000(false, 0, 5, &[19, 9183, 3000]).unwrap();
        assert_eq!((d.units, d.scale), (1_991_833, 5));
        // 12000: digits [1, 2000], weight 1, scale 0.
        let d = from_base_10000(false, 1, 0, &[1, 2000]).unwrap();
        assert_eq!((d.units, d.scale), (12_000, 0));
        // 1e8 is stored as digits [1], weight 2.
        let d = from_base_10000(false, 2, 0, &[1]).unwrap();
        assert_eq!(d.units, 100_000_000);
        // -0.05: digits [500], weight -1, scale 2.
        let d = from_base_10000(true, -1, 2, &[500]).unwrap();
        assert_eq!((d.units, d.scale), (-5, 2));
        // 0.000: no digits.
        let d = from_base_10000(false, 0, 3, &[]).unwrap();
        assert_eq!((d.units, d.scale), (0, 3));
        // 40 significant digits do not fit.
        assert_eq!(from_base_10000(false, 9, 0, &[9999; 10]), Err(OutOfRange));
    }

    #[test]
    fn amounts_print_exactly_without_trailing_zeros() {
        assert_eq!(dec(19_918_330, 6).plain(), "19.91833");
        assert_eq!(dec(199_380, 1).plain(), "19938");
        assert_eq!(dec(1200, 0).plain(), "1200");
        assert_eq!(dec(0, 3).plain(), "0");
        assert_eq!(dec(5, 2).plain(), "0.05");
        assert_eq!(dec(-310, 2).plain(), "-3.1");
    }

    #[test]
    fn sums_and_comparisons_are_exact_across_scales() {
        let sum = dec(150, 2).checked_add(dec(2_250, 3)).unwrap();
        assert_eq!(sum.plain(), "3.75");
        assert_eq!(dec(250, 2), dec(25, 1));
        assert!(dec(-1, 0) < dec(1, 30));
        assert!(dec(10_000_001, 6) > dec(10, 0));
        assert!(dec(-15, 1) < dec(-14, 1));
        assert_eq!(dec(i128::MAX, 0).checked_add(dec(1, 0)), Err(OutOfRange));
    }

    #[test]
    fn ratios_round_half_away_from_zero_and_are_absent_over_zero() {
        let per = |d: Decimal, m, c| d.per(m, c).map(Result::unwrap);
        // 10.000001 / 2 = 5.0000005 -> 5.000001 (half away from zero)
        assert_eq!(per(dec(10_000_001, 6), 1, 2).as_deref(), Some("5.000001"));
        assert_eq!(per(dec(-10_000_001, 6), 1, 2).as_deref(), Some("-5.000001"));
        assert_eq!(per(dec(15, 1), 1000, 7).as_deref(), Some("214.285714"));
        assert_eq!(per(dec(12_000, 0), 1, 5).as_deref(), Some("2400.000000"));
        assert_eq!(per(dec(4, 7), 1, 1).as_deref(), Some("0.000000"));
        assert_eq!(per(dec(3, 0), 1, 0), None);
        assert_eq!(round_div(-7, 2), -4);
        assert_eq!(round_div(7, -2), -4);
        assert_eq!(round_div(5, 3), 2);
    }

    #[test]
    fn fixed_point_text_pads_and_signs() {
        assert_eq!(fixed(5, 4), "0.0005");
        assert_eq!(fixed(-123_456, 4), "-12.3456");
        assert_eq!(fixed(0, 2), "0.00");
        assert_eq!(fixed(42, 0), "42");
        assert_eq!(fixed(0, 0), "0");
        assert_eq!(fixed(i128::MIN, 38).len(), 41);
    }
}

//! Metric sums and the ratios derived from them. PostgreSQL (or the code, for series
//! already grouped by day) sums the stored daily rows exactly — counts as integers, money
//! as NUMERIC read into a [`Decimal`] — and the ratios are then computed here from those
//! sums with exact integer arithmetic: never averages of averages, never a float. A ratio
//! whose denominator is zero is absent.
//!
//! Percentages have 4 decimals (shares 2), money ratios 6 (micro units), rounded half
//! away from zero; money amounts are printed exactly, without trailing zeros.

use adsync_proto::reporting::{MetricValues, Money};
use diesel::sql_types::{BigInt as Int8, Numeric};
use diesel::{Queryable, QueryableByName};

use crate::decimal::{Decimal, OutOfRange, fixed, round_div};

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
    pub(crate) cost: Decimal,
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
    /// Adds `o`; fails only when a money sum outgrows 38 digits.
    pub(crate) fn add(&mut self, o: &Sums) -> Result<(), OutOfRange> {
        self.impressions += o.impressions;
        self.clicks += o.clicks;
        self.cost = self.cost.checked_add(o.cost)?;
        self.landing_page_clicks += o.landing_page_clicks;
        self.conversions += o.conversions;
        self.leads += o.leads;
        self.likes += o.likes;
        self.comments += o.comments;
        self.shares += o.shares;
        self.follows += o.follows;
        self.opens += o.opens;
        self.sends += o.sends;
        Ok(())
    }

    /// The reply's values, money in `currency`, ratios derived from the sums.
    pub(crate) fn to_proto(&self, currency: &str) -> Result<MetricValues, OutOfRange> {
        let money = |amount: String| Money {
            currency_code: currency.to_owned(),
            amount,
        };
        let per = |multiplier: i64, count: i64| {
            self.cost
                .per(multiplier, count)
                .transpose()
                .map(|amount| amount.map(money))
        };
        Ok(MetricValues {
            impressions: self.impressions,
            clicks: self.clicks,
            cost: Some(money(self.cost.plain())),
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
            cpc: per(1, self.clicks)?,
            cpm: per(1000, self.impressions)?,
            cpl: per(1, self.leads)?,
            conversion_rate_percent: percent(self.conversions, self.clicks, 4),
            cost_per_conversion: per(1, self.conversions)?,
        })
    }
}

/// `part` / `whole` × 100 to `places` decimals; `None` when `whole` is 0.
pub(crate) fn percent(part: i64, whole: i64, places: u32) -> Option<String> {
    (whole != 0).then(|| {
        let scaled = round_div(
            i128::from(part) * 100 * 10i128.pow(places),
            i128::from(whole),
        );
        fixed(scaled, places)
    })
}

/// The values of a period without activity: zeros, no ratios.
pub(crate) fn zero(currency: &str) -> MetricValues {
    MetricValues {
        cost: Some(Money {
            currency_code: currency.to_owned(),
            amount: "0".to_owned(),
        }),
        ..MetricValues::default()
    }
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
    use super::*;

    #[test]
    fn percentages_round_half_away_from_zero_and_are_absent_over_zero() {
        assert_eq!(percent(1, 3, 4).as_deref(), Some("33.3333"));
        assert_eq!(percent(2, 3, 4).as_deref(), Some("66.6667"));
        assert_eq!(percent(1, 8, 2).as_deref(), Some("12.50"));
        assert_eq!(percent(5, 0, 4), None);
        assert_eq!(percent(0, 7, 4).as_deref(), Some("0.0000"));
    }

    #[test]
    fn values_derive_every_ratio_from_the_sums() {
        let cost = |s: &str| -> Decimal {
            let (int, frac) = s.split_once('.').unwrap_or((s, ""));
            let units: i128 = format!("{int}{frac}").parse().unwrap();
            Decimal::from_units(units, frac.len() as u32)
        };
        let sums = Sums {
            impressions: 2000,
            clicks: 30,
            cost: cost("45.5"),
            conversions: 3,
            leads: 0,
            likes: 1,
            ..Sums::default()
        };
        let v = sums.to_proto("EUR").unwrap();
        assert_eq!(v.ctr_percent.as_deref(), Some("1.5000"));
        assert_eq!(v.cpc.unwrap().amount, "1.516667");
        assert_eq!(v.cpm.unwrap().amount, "22.750000");
        assert_eq!(v.cpl, None);
        assert_eq!(v.conversion_rate_percent.as_deref(), Some("10.0000"));
        assert_eq!(v.cost_per_conversion.unwrap().amount, "15.166667");
        assert_eq!(v.engagements, 31);
        assert_eq!(v.cost.unwrap().amount, "45.5");
        assert_eq!(Sums::default().to_proto("EUR").unwrap(), zero("EUR"));
    }
}

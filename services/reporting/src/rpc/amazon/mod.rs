//! The Amazon Ads reads (schema `amazon_ads`): what they share — the attribution window,
//! the sums every total and series is made of and the ratios derived from them, and the
//! profile-and-period a list reads.

mod audits;
mod entities;
mod profiles;
mod search_terms;
mod series;

use adsync_db::prepared_sql;
use adsync_proto::reporting::{AmazonMetricValues, AmazonPeriod, Money};
use adsync_server::{FieldViolations, WorkspaceId};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Numeric, Text};

use crate::decimal::{Decimal, OutOfRange};
use crate::error::Error;
use crate::request::{DateRange, date_range, required_id};
use crate::scope::in_workspace;
use crate::values::percent;

/// Days after the click within which an order counts: 7 or 14.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Attribution(u32);

impl Attribution {
    /// 0 means 14; anything but 7 or 14 is a violation.
    pub(crate) fn parse(raw: i32, v: &mut FieldViolations) -> Attribution {
        match raw {
            0 | 14 => Attribution(14),
            7 => Attribution(7),
            other => {
                v.add(
                    "attribution_days",
                    format!("{other} is not an attribution window: 7 or 14 (0 means 14)"),
                );
                Attribution(14)
            }
        }
    }

    pub(crate) fn days(self) -> u32 {
        self.0
    }

    /// The sums of metric rows `m` for [`Sums`], with this window's conversions.
    pub(crate) fn sum_columns(self) -> String {
        let w = self.0;
        format!(
            "COALESCE(SUM(m.impressions), 0)::int8 AS impressions, \
             COALESCE(SUM(m.clicks), 0)::int8 AS clicks, \
             COALESCE(SUM(m.cost), 0) AS cost, \
             COALESCE(SUM(m.purchases_{w}d), 0)::int8 AS purchases, \
             COALESCE(SUM(m.sales_{w}d), 0) AS sales, \
             COALESCE(SUM(m.units_sold_clicks_{w}d), 0)::int8 AS units"
        )
    }
}

/// Summed Amazon metrics of some rows, conversions of one attribution window.
#[derive(Debug, Clone, Default, QueryableByName)]
pub(crate) struct Sums {
    #[diesel(sql_type = BigInt)]
    pub(crate) impressions: i64,
    #[diesel(sql_type = BigInt)]
    pub(crate) clicks: i64,
    #[diesel(sql_type = Numeric)]
    pub(crate) cost: Decimal,
    #[diesel(sql_type = BigInt)]
    pub(crate) purchases: i64,
    #[diesel(sql_type = Numeric)]
    pub(crate) sales: Decimal,
    #[diesel(sql_type = BigInt)]
    pub(crate) units: i64,
}

impl Sums {
    pub(crate) fn add(&mut self, o: &Sums) -> Result<(), OutOfRange> {
        self.impressions += o.impressions;
        self.clicks += o.clicks;
        self.cost = self.cost.checked_add(o.cost)?;
        self.purchases += o.purchases;
        self.sales = self.sales.checked_add(o.sales)?;
        self.units += o.units;
        Ok(())
    }

    /// The reply's values, money in `currency`, ratios derived from the sums.
    pub(crate) fn to_proto(
        &self,
        currency: &str,
        window: Attribution,
    ) -> Result<AmazonMetricValues, OutOfRange> {
        let money = |amount: String| Money {
            currency_code: currency.to_owned(),
            amount,
        };
        Ok(AmazonMetricValues {
            impressions: self.impressions,
            clicks: self.clicks,
            cost: Some(money(self.cost.plain())),
            attribution_days: window.days() as i32,
            purchases: self.purchases,
            sales: Some(money(self.sales.plain())),
            units_sold: self.units,
            ctr_percent: percent(self.clicks, self.impressions, 4),
            cpc: self.cost.per(1, self.clicks).transpose()?.map(money),
            acos_percent: self.cost.ratio(&self.sales, 100, 4).transpose()?,
            roas: self.sales.ratio(&self.cost, 1, 4).transpose()?,
            conversion_rate_percent: percent(self.purchases, self.clicks, 4),
        })
    }
}

/// A profile and a period of its days, validated; the profile's currency found.
#[derive(Debug, Clone)]
pub(crate) struct Period {
    pub(crate) profile_id: i64,
    pub(crate) range: DateRange,
    pub(crate) window: Attribution,
    pub(crate) currency: String,
}

impl Period {
    /// Checks `period` (adding to `v`); the profile is looked up by [`Period::resolve`].
    pub(crate) fn parse(
        period: Option<&AmazonPeriod>,
        max_days: u32,
        v: &mut FieldViolations,
    ) -> Option<(i64, DateRange, Attribution)> {
        let Some(p) = period else {
            v.add("period", "required: the profile, start_date, end_date");
            return None;
        };
        let profile = required_id("period.profile_id", p.profile_id, v);
        let mut inner = FieldViolations::new();
        let range = date_range(&p.start_date, &p.end_date, max_days, &mut inner);
        let window = Attribution::parse(p.attribution_days, &mut inner);
        v.extend_prefixed("period.", inner);
        Some((profile, range?, window))
    }

    /// The period of a synced profile of `workspace` (any when `None`); NOT_FOUND
    /// otherwise, another workspace's profile included.
    pub(crate) fn resolve(
        conn: &mut PgConnection,
        (profile_id, range, window): (i64, DateRange, Attribution),
        workspace: Option<WorkspaceId>,
    ) -> Result<Period, Error> {
        let currency = profile_currency(conn, profile_id, workspace)?.ok_or(Error::NotFound {
            kind: "Amazon Ads profile",
            ids: vec![profile_id],
        })?;
        Ok(Period {
            profile_id,
            range,
            window,
            currency,
        })
    }
}

#[derive(QueryableByName)]
struct Currency {
    #[diesel(sql_type = Text)]
    currency_code: String,
}

/// A synced profile's currency, if `workspace` owns it (any when `None`).
fn profile_currency(
    conn: &mut PgConnection,
    id: i64,
    workspace: Option<WorkspaceId>,
) -> QueryResult<Option<String>> {
    prepared_sql(format!(
        "SELECT currency_code FROM amazon_ads.profiles WHERE id = $1 AND {}",
        in_workspace("id", "amazon_ads", 2)
    ))
    .bind::<BigInt, _>(id)
    .bind::<Nullable<BigInt>, _>(workspace.map(WorkspaceId::get))
    .get_result::<Currency>(conn)
    .optional()
    .map(|c| c.map(|c| c.currency_code))
}

/// Money from a NUMERIC read as text, in `currency`.
pub(crate) fn money_of(amount: Option<String>, currency: &str) -> Option<Money> {
    amount.map(|amount| Money {
        currency_code: currency.to_owned(),
        amount,
    })
}

/// A top-N limit: 0 means 100; negative or above 1000 is refused.
pub(crate) fn limit(raw: i32, v: &mut FieldViolations) -> i64 {
    if !(0..=1000).contains(&raw) {
        v.add("limit", "between 1 and 1000 (0 means 100)");
    }
    if raw <= 0 {
        100
    } else {
        i64::from(raw.min(1000))
    }
}

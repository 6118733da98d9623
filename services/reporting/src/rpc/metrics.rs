//! GetCampaignMetrics and GetCreativeMetrics: per-id time series by day, ISO week or
//! month, every period present (zeros where nothing ran), plus a total over the range.
//! Both read the stored days over the metric table's primary key (id, date) with a
//! prepared statement and sum them into periods here, exactly; campaign series by month
//! read whole months pre-summed from `campaign_monthly_metrics` instead of their days.

use adsync_db::prepared_sql;
use adsync_server::{Reach, WorkspaceId};
use std::collections::HashMap;

use adsync_proto::reporting::{
    GetCampaignMetricsRequest, GetCampaignMetricsResponse, GetCreativeMetricsRequest,
    GetCreativeMetricsResponse, Granularity, MetricPoint, MetricSeries,
};
use adsync_server::FieldViolations;
use chrono::{Datelike, Days, Months, NaiveDate};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Date};

use crate::error::{DOMAIN, Error};
use crate::explain::{explained, text};
use crate::request::{DateRange, date_range, ids};
use crate::service::ReportingApi;
use crate::values::{Sums, zero};

/// How a series groups days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grain {
    Day,
    Week,
    Month,
}

impl Grain {
    pub(crate) fn parse(raw: i32, v: &mut FieldViolations) -> Grain {
        match Granularity::try_from(raw) {
            Ok(Granularity::Unspecified | Granularity::Day) => Grain::Day,
            Ok(Granularity::Week) => Grain::Week,
            Ok(Granularity::Month) => Grain::Month,
            Err(_) => {
                v.add("granularity", format!("unknown granularity {raw}"));
                Grain::Day
            }
        }
    }

    /// The first day of the period holding `d`.
    pub(crate) fn start(self, d: NaiveDate) -> NaiveDate {
        match self {
            Grain::Day => d,
            Grain::Week => d - Days::new(u64::from(d.weekday().num_days_from_monday())),
            Grain::Month => d.with_day(1).expect("day 1 exists"),
        }
    }

    /// The first day of the period after the one starting `start`.
    fn next(self, start: NaiveDate) -> NaiveDate {
        match self {
            Grain::Day => start + Days::new(1),
            Grain::Week => start + Days::new(7),
            Grain::Month => start + Months::new(1),
        }
    }
}

/// One period of a series: the key the days are grouped by (the period's own start) and
/// its first and last day, both clipped to the range, as the reply prints them.
pub(crate) struct Period {
    pub(crate) key: NaiveDate,
    pub(crate) first: String,
    pub(crate) last: String,
}

/// The periods of `range`, in order.
pub(crate) fn periods(range: DateRange, grain: Grain) -> Vec<Period> {
    let mut out = Vec::new();
    let mut start = grain.start(range.start);
    while start <= range.end {
        let next = grain.next(start);
        let last = (next - Days::new(1)).min(range.end);
        out.push(Period {
            key: start,
            first: iso_date(start.max(range.start)),
            last: iso_date(last),
        });
        start = next;
    }
    out
}

/// `d` as YYYY-MM-DD, written directly (a year's series prints hundreds of dates).
fn iso_date(d: NaiveDate) -> String {
    let (y, m, day) = (d.year(), d.month(), d.day());
    if !(0..=9999).contains(&y) {
        return d.to_string();
    }
    let digit = |n: u32| char::from(b'0' + n as u8);
    let y = y as u32;
    let mut s = String::with_capacity(10);
    for c in [
        digit(y / 1000),
        digit(y / 100 % 10),
        digit(y / 10 % 10),
        digit(y % 10),
        '-',
        digit(m / 10),
        digit(m % 10),
        '-',
        digit(day / 10),
        digit(day % 10),
    ] {
        s.push(c);
    }
    s
}

/// The stored days of `ids` in `range` from metric table `$table` keyed by `$key`, as
/// [`DayRow`]s: a range scan of the primary key ($key, date) per id. Built by Diesel, so
/// each pooled connection prepares it once (one text for one id, one for several: see
/// [`one_or_any`]).
macro_rules! days_query {
    ($table:ident, $key:ident, $ids:expr, $range:expr) => {{
        use adsync_warehouse::schema::linkedin::$table as m;
        one_or_any!(m::table.into_boxed(), m::$key, $ids)
            .filter(m::date.between($range.start, $range.end))
            .select((
                m::$key,
                m::date,
                (
                    m::impressions,
                    m::clicks,
                    m::cost,
                    m::landing_page_clicks,
                    m::external_website_conversions,
                    m::one_click_leads,
                    m::likes,
                    m::comments,
                    m::shares,
                    m::follows,
                    m::opens,
                    m::sends,
                ),
            ))
    }};
}

/// `$query` (boxed) filtered to `$column` in `$ids`: `= $n` for one id, `= ANY($n)` for
/// several. A prepared statement is planned afresh at every call until a plan for any
/// value of its parameters is estimated no dearer than the plans for the values given,
/// and an array parameter of unknown length is estimated as several ids' worth of index
/// descents, so a one-id series under `= ANY` was planned on every call. For a workspace
/// caller that planning is the dearer part of the read: row-level security adds each
/// table's policy, with its read of the workspace's accounts, to every plan. The scalar
/// form is planned a handful of times per connection and then kept.
macro_rules! one_or_any {
    ($query:expr, $column:expr, $ids:expr) => {
        match $ids {
            [id] => $query.filter($column.eq(*id)),
            ids => $query.filter($column.eq_any(ids)),
        }
    };
}

/// The LinkedIn accounts `workspace` owns, as a subquery: the entity read filters by it
/// in the same statement, with no round trip of its own.
fn owned_accounts(
    workspace: WorkspaceId,
) -> adsync_warehouse::schema::sync_accounts::BoxedQuery<'static, diesel::pg::Pg, BigInt> {
    use adsync_warehouse::schema::sync_accounts::dsl as a;
    a::sync_accounts
        .filter(a::source.eq("linkedin"))
        .filter(a::workspace_id.eq(workspace.get()))
        .select(a::account_id)
        .into_boxed()
}

/// One stored day of one id.
type DayRow = (i64, NaiveDate, Sums);

/// A campaign's or creative's name, account and currency.
#[derive(Debug)]
struct Entity {
    id: i64,
    name: String,
    account_id: i64,
    currency: Option<String>,
}

/// Reads the stored rows of some ids over a range.
type ReadRows = fn(&mut PgConnection, &[i64], DateRange) -> QueryResult<Vec<DayRow>>;

/// Reads the entities of some ids (of one workspace's accounts only, when one is given).
type ReadEntities = fn(&mut PgConnection, &[i64], Option<WorkspaceId>) -> QueryResult<Vec<Entity>>;

/// Where one kind of series comes from.
struct Source {
    kind: &'static str,
    entities: ReadEntities,
    days: ReadRows,
    /// For MONTH series, where whole months are stored pre-summed: the range's days with
    /// each whole month as one row dated its first day.
    months: Option<ReadRows>,
}

/// Campaigns `$1`: their whole months `$4..$5` from `campaign_monthly_metrics` (one row,
/// not up to 31), their days `$2..$4` and `$5..=$3` around them.
const CAMPAIGN_MONTHS_SQL: &str = "\
    SELECT campaign_id AS id, month AS date, impressions, clicks, cost, landing_page_clicks, \
           external_website_conversions AS conversions, one_click_leads AS leads, likes, \
           comments, shares, follows, opens, sends \
    FROM linkedin.campaign_monthly_metrics WHERE campaign_id = ANY($1) AND month >= $4 AND month < $5 \
    UNION ALL \
    SELECT campaign_id, date, impressions, clicks, cost, landing_page_clicks, \
           external_website_conversions, one_click_leads, likes, comments, shares, follows, \
           opens, sends \
    FROM linkedin.campaign_daily_metrics WHERE campaign_id = ANY($1) AND date >= $2 AND date < $4 \
    UNION ALL \
    SELECT campaign_id, date, impressions, clicks, cost, landing_page_clicks, \
           external_website_conversions, one_click_leads, likes, comments, shares, follows, \
           opens, sends \
    FROM linkedin.campaign_daily_metrics WHERE campaign_id = ANY($1) AND date >= $5 AND date <= $3";

/// One row of [`CAMPAIGN_MONTHS_SQL`].
#[derive(QueryableByName)]
struct PeriodRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Date)]
    date: NaiveDate,
    #[diesel(embed)]
    sums: Sums,
}

fn campaign_months(
    conn: &mut PgConnection,
    ids: &[i64],
    range: DateRange,
) -> QueryResult<Vec<DayRow>> {
    let (months_from, months_to) = range.whole_months();
    let rows: Vec<PeriodRow> = prepared_sql(CAMPAIGN_MONTHS_SQL)
        .bind::<Array<BigInt>, _>(ids)
        .bind::<Date, _>(range.start)
        .bind::<Date, _>(range.end)
        .bind::<Date, _>(months_from)
        .bind::<Date, _>(months_to)
        .load(conn)?;
    Ok(rows.into_iter().map(|r| (r.id, r.date, r.sums)).collect())
}

const CAMPAIGNS: Source = Source {
    kind: "campaign",
    entities: |conn, ids, workspace| {
        use adsync_warehouse::schema::linkedin::{ad_accounts, campaigns};
        let query = campaigns::table.inner_join(ad_accounts::table).into_boxed();
        let mut query = one_or_any!(query, campaigns::id, ids).select((
            campaigns::id,
            campaigns::name,
            campaigns::account_id,
            ad_accounts::currency,
        ));
        if let Some(workspace) = workspace {
            query = query.filter(campaigns::account_id.eq_any(owned_accounts(workspace)));
        }
        Ok(query
            .load::<(i64, String, i64, Option<String>)>(conn)?
            .into_iter()
            .map(|(id, name, account_id, currency)| Entity {
                id,
                name,
                account_id,
                currency,
            })
            .collect())
    },
    days: |conn, ids, range| {
        days_query!(campaign_daily_metrics, campaign_id, ids, range).load(conn)
    },
    months: Some(campaign_months),
};

const CREATIVES: Source = Source {
    kind: "creative",
    entities: |conn, ids, workspace| {
        use adsync_warehouse::schema::linkedin::{ad_accounts, creatives};
        let query = creatives::table.inner_join(ad_accounts::table).into_boxed();
        let mut query = one_or_any!(query, creatives::id, ids).select((
            creatives::id,
            creatives::content_name,
            creatives::content_reference,
            creatives::account_id,
            ad_accounts::currency,
        ));
        if let Some(workspace) = workspace {
            query = query.filter(creatives::account_id.eq_any(owned_accounts(workspace)));
        }
        Ok(query
            .load::<(i64, Option<String>, Option<String>, i64, Option<String>)>(conn)?
            .into_iter()
            .map(|(id, name, reference, account_id, currency)| Entity {
                id,
                // Named by their content, as the creatives list shows them.
                name: name.or(reference).unwrap_or_default(),
                account_id,
                currency,
            })
            .collect())
    },
    days: |conn, ids, range| {
        days_query!(creative_daily_metrics, creative_id, ids, range).load(conn)
    },
    months: None,
};

/// The plan of a one-campaign series over `start..=end`, for `adsync-bench report --explain`.
pub(crate) fn explain_series(
    conn: &mut PgConnection,
    campaign_id: i64,
    start: NaiveDate,
    end: NaiveDate,
) -> QueryResult<String> {
    let ids = [campaign_id];
    let range = DateRange { start, end };
    let query = days_query!(campaign_daily_metrics, campaign_id, &ids[..], range);
    let sql = diesel::debug_query::<diesel::pg::Pg, _>(&query).to_string();
    let sql = sql.split(" -- binds:").next().unwrap_or_default();
    let lines = diesel::sql_query(explained(sql))
        .bind::<BigInt, _>(campaign_id)
        .bind::<Date, _>(start)
        .bind::<Date, _>(end)
        .load(conn)?;
    Ok(text(lines))
}

impl ReportingApi {
    pub(crate) async fn get_campaign_metrics(
        &self,
        req: GetCampaignMetricsRequest,
        reach: Reach,
    ) -> Result<GetCampaignMetricsResponse, Error> {
        let series = self
            .series(
                reach,
                &CAMPAIGNS,
                "campaign_ids",
                &req.campaign_ids,
                (&req.start_date, &req.end_date),
                req.granularity,
            )
            .await?;
        Ok(GetCampaignMetricsResponse { series })
    }

    pub(crate) async fn get_creative_metrics(
        &self,
        req: GetCreativeMetricsRequest,
        reach: Reach,
    ) -> Result<GetCreativeMetricsResponse, Error> {
        let series = self
            .series(
                reach,
                &CREATIVES,
                "creative_ids",
                &req.creative_ids,
                (&req.start_date, &req.end_date),
                req.granularity,
            )
            .await?;
        Ok(GetCreativeMetricsResponse { series })
    }

    /// Two statements: the entities (are the ids known, and the caller's?) and their
    /// days (a workspace caller's narrowed to its workspace). Sums per period and over
    /// the range are exact (integers and decimals).
    async fn series(
        &self,
        reach: Reach,
        source: &'static Source,
        ids_field: &str,
        raw_ids: &[i64],
        (start, end): (&str, &str),
        granularity: i32,
    ) -> Result<Vec<MetricSeries>, Error> {
        let mut v = FieldViolations::new();
        let ids = ids(ids_field, raw_ids, &mut v);
        let range = date_range(start, end, self.max_range_days, &mut v);
        let grain = Grain::parse(granularity, &mut v);
        v.into_result(DOMAIN)?;
        let range = range.expect("validated");

        let query_ids = ids.clone();
        let workspace = self.filter(reach);
        let (entities, days) = self
            .read(reach, move |conn| {
                // Another workspace's ids are as unknown as ids that do not exist.
                let entities = (source.entities)(conn, &query_ids, workspace)?;
                let days = if entities.len() == query_ids.len() {
                    match (grain, source.months) {
                        (Grain::Month, Some(months)) => months(conn, &query_ids, range)?,
                        _ => (source.days)(conn, &query_ids, range)?,
                    }
                } else {
                    Vec::new()
                };
                Ok::<_, Error>((entities, days))
            })
            .await?;

        let mut entities: HashMap<i64, Entity> = entities.into_iter().map(|e| (e.id, e)).collect();
        let unknown: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|id| !entities.contains_key(id))
            .collect();
        if !unknown.is_empty() {
            return Err(Error::NotFound {
                kind: source.kind,
                ids: unknown,
            });
        }
        // Each id's periods, in one table: a day lands in its period by binary search.
        let periods = periods(range, grain);
        let position: HashMap<i64, usize> =
            ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        let mut cells: Vec<Option<Sums>> = vec![None; ids.len() * periods.len()];
        for (id, day, sums) in days {
            let key = grain.start(day);
            let (Some(row), Ok(column)) = (
                position.get(&id),
                periods.binary_search_by_key(&key, |p| p.key),
            ) else {
                continue;
            };
            match &mut cells[row * periods.len() + column] {
                Some(cell) => cell.add(&sums)?,
                empty => *empty = Some(sums),
            }
        }
        ids.iter()
            .zip(cells.chunks(periods.len().max(1)))
            .map(|(id, cells)| {
                let entity = entities.remove(id).expect("checked above");
                let currency = entity.currency.as_deref().unwrap_or_default();
                let mut total = Sums::default();
                let points = periods
                    .iter()
                    .zip(cells)
                    .map(|(period, cell)| {
                        let values = match cell {
                            Some(sums) => {
                                total.add(sums)?;
                                sums.to_proto(currency)?
                            }
                            None => zero(currency),
                        };
                        Ok(MetricPoint {
                            period_start: period.first.clone(),
                            period_end: period.last.clone(),
                            values: Some(values),
                        })
                    })
                    .collect::<Result<_, Error>>()?;
                Ok(MetricSeries {
                    id: *id,
                    name: entity.name,
                    account_id: entity.account_id,
                    points,
                    total: Some(total.to_proto(currency)?),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn periods_are_clipped_to_the_range_at_both_ends() {
        let range = DateRange {
            start: d("2026-01-28"),
            end: d("2026-03-03"),
        };
        let months: Vec<_> = periods(range, Grain::Month)
            .into_iter()
            .map(|p| (p.key.to_string(), p.first, p.last))
            .collect();
        assert_eq!(
            months,
            [
                ("2026-01-01", "2026-01-28", "2026-01-31"),
                ("2026-02-01", "2026-02-01", "2026-02-28"),
                ("2026-03-01", "2026-03-01", "2026-03-03"),
            ]
            .map(|(k, a, b)| (k.to_owned(), a.to_owned(), b.to_owned()))
        );
        // 2026-01-28 is a Wednesday: its ISO week began Monday 2026-01-26.
        let weeks: Vec<_> = periods(range, Grain::Week)
            .into_iter()
            .map(|p| (p.key, p.first, p.last))
            .collect();
        assert_eq!(
            weeks[0],
            (
                d("2026-01-26"),
                "2026-01-28".to_owned(),
                "2026-02-01".to_owned()
            )
        );
        assert_eq!(
            weeks.last().unwrap(),
            &(
                d("2026-03-02"),
                "2026-03-02".to_owned(),
                "2026-03-03".to_owned()
            )
        );
        assert_eq!(periods(range, Grain::Day).len(), 35);
        assert_eq!(iso_date(d("0987-06-05")), "0987-06-05");
    }
}

//! GetAccountSummary: an account's totals over a range, its top campaigns by cost, and
//! how many campaigns are active and how many delivered. Three reads in one read-only
//! snapshot, each of the least it needs:
//!
//! - the totals, from the account's days in `account_daily_metrics` (one row a day,
//!   already summed over its campaigns), with the count of its active campaigns;
//! - the ranking: cost and impressions per campaign over the range, from the whole
//!   months of `campaign_monthly_metrics` and the remaining days of the (account, date)
//!   index (which carries both); only the top campaigns' ids and how many campaigns
//!   delivered come back;
//! - the top campaigns' every sum and their names.
//!
//! Every sum is exact (PostgreSQL's, of the stored rows); the three agree because the
//! snapshot is one.

use adsync_db::{PreparedSql, prepared_sql};
use adsync_proto::reporting::{CampaignTotal, GetAccountSummaryRequest, GetAccountSummaryResponse};
use adsync_server::{FieldViolations, Reach};
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Date, Nullable, Text};

use crate::error::{DOMAIN, Error};
use crate::explain::{explained, text};
use crate::request::{DateRange, date_range, required_id};
use crate::rpc::entities;
use crate::service::ReportingApi;
use crate::values::{SUM_COLUMNS, Sums};

const DEFAULT_TOP: i64 = 5;
const MAX_TOP: i64 = 50;

/// Which rows of the range's parts a statement reads.
#[derive(Debug, Clone, Copy)]
enum Rows {
    /// Account `$1`'s: the months' primary key and the days' (account, date) index, each
    /// one range scan.
    OfAccount,
    /// Campaigns `$6`'s: the months' (campaign, month) index and the days' primary key,
    /// which carries every metric (a few index pages a campaign).
    OfCampaigns,
}

/// The range `$2..=$3` as a UNION ALL of `columns` from the tables that hold its parts:
/// its whole months `$4..$5` from `campaign_monthly_metrics` (twelve rows a campaign for
/// a year, not 365), the days before and after them from `campaign_daily_metrics`. Only
/// the parts the range has are read: an empty part still costs an index descent (one a
/// campaign, for [`Rows::OfCampaigns`]).
fn parts(range: DateRange, columns: &str, rows: Rows) -> String {
    let which = match rows {
        Rows::OfAccount => "account_id = $1",
        Rows::OfCampaigns => "campaign_id = ANY($6)",
    };
    let (months_from, months_to) = range.whole_months();
    let mut parts = Vec::new();
    if months_from < months_to {
        parts.push(format!(
            "SELECT {columns} FROM linkedin.campaign_monthly_metrics \
             WHERE {which} AND month >= $4 AND month < $5"
        ));
    }
    if range.start < months_from {
        parts.push(format!(
            "SELECT {columns} FROM linkedin.campaign_daily_metrics \
             WHERE {which} AND date >= $2 AND date < $4"
        ));
    }
    if months_to <= range.end {
        parts.push(format!(
            "SELECT {columns} FROM linkedin.campaign_daily_metrics \
             WHERE {which} AND date >= $5 AND date <= $3"
        ));
    }
    parts.join(" UNION ALL ")
}

/// `sql` with account `$1` and the range's `$2..$5` bound (see [`parts`]).
fn with_range(sql: String, account_id: i64, range: DateRange) -> PreparedSql<'static> {
    let (months_from, months_to) = range.whole_months();
    prepared_sql(sql)
        .bind::<BigInt, _>(account_id)
        .bind::<Date, _>(range.start)
        .bind::<Date, _>(range.end)
        .bind::<Date, _>(months_from)
        .bind::<Date, _>(months_to)
}

/// The account's totals over the range (its days, one row each) and how many of its
/// campaigns are active.
fn totals_sql() -> String {
    format!(
        "SELECT (SELECT count(*) FROM linkedin.campaigns c \
                 WHERE c.account_id = $1 AND c.status = 'ACTIVE') AS active_campaigns, \
                {SUM_COLUMNS} \
         FROM linkedin.account_daily_metrics m \
         WHERE m.account_id = $1 AND m.date >= $2 AND m.date <= $3"
    )
}

#[derive(Debug, QueryableByName)]
struct Totals {
    #[diesel(sql_type = BigInt)]
    active_campaigns: i64,
    #[diesel(embed)]
    sums: Sums,
}

fn totals(conn: &mut PgConnection, account_id: i64, range: DateRange) -> QueryResult<Totals> {
    with_range(totals_sql(), account_id, range).get_result(conn)
}

/// The `$6` campaigns of most cost over the range (ties by id), most first, each with
/// how many of the account's campaigns had impressions in it.
fn ranking_sql(range: DateRange) -> String {
    format!(
        "SELECT r.campaign_id, count(*) FILTER (WHERE r.impressions > 0) OVER () AS delivered \
         FROM (SELECT m.campaign_id, sum(m.cost) AS cost, sum(m.impressions) AS impressions \
               FROM ({}) m GROUP BY m.campaign_id) r \
         ORDER BY r.cost DESC, r.campaign_id LIMIT $6",
        parts(range, "campaign_id, impressions, cost", Rows::OfAccount)
    )
}

#[derive(Debug, QueryableByName)]
struct Ranked {
    #[diesel(sql_type = BigInt)]
    campaign_id: i64,
    #[diesel(sql_type = BigInt)]
    delivered: i64,
}

fn ranking(
    conn: &mut PgConnection,
    account_id: i64,
    range: DateRange,
    top: i64,
) -> QueryResult<Vec<Ranked>> {
    with_range(ranking_sql(range), account_id, range)
        .bind::<BigInt, _>(top)
        .load(conn)
}

/// The metric columns, as both the daily and the monthly table name them.
const METRICS: &str = "campaign_id, impressions, clicks, cost, landing_page_clicks, \
    external_website_conversions, one_click_leads, likes, comments, shares, follows, opens, sends";

/// Campaigns `$6`'s every sum over the range, with their names.
fn top_sql(range: DateRange) -> String {
    format!(
        "SELECT s.*, c.name, c.status \
         FROM (SELECT m.campaign_id, {SUM_COLUMNS} FROM ({}) m GROUP BY m.campaign_id) s \
         LEFT JOIN linkedin.campaigns c ON c.id = s.campaign_id",
        parts(range, METRICS, Rows::OfCampaigns)
    )
}

#[derive(Debug, QueryableByName)]
struct TopCampaign {
    #[diesel(sql_type = BigInt)]
    campaign_id: i64,
    #[diesel(sql_type = Nullable<Text>)]
    name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    status: Option<String>,
    #[diesel(embed)]
    sums: Sums,
}

fn top_campaigns(
    conn: &mut PgConnection,
    account_id: i64,
    range: DateRange,
    ids: Vec<i64>,
) -> QueryResult<Vec<TopCampaign>> {
    with_range(top_sql(range), account_id, range)
        .bind::<Array<BigInt>, _>(ids)
        .load(conn)
}

/// The plan of the summary's ranking over `start..=end`, for `adsync-bench report --explain`.
pub(crate) fn explain(
    conn: &mut PgConnection,
    account_id: i64,
    start: NaiveDate,
    end: NaiveDate,
) -> QueryResult<String> {
    let range = DateRange { start, end };
    let lines = with_range(explained(&ranking_sql(range)), account_id, range)
        .bind::<BigInt, _>(DEFAULT_TOP)
        .load(conn)?;
    Ok(text(lines))
}

impl ReportingApi {
    pub(crate) async fn get_account_summary(
        &self,
        req: GetAccountSummaryRequest,
        reach: Reach,
    ) -> Result<GetAccountSummaryResponse, Error> {
        let mut v = FieldViolations::new();
        let account_id = required_id("account_id", req.account_id, &mut v);
        let range = date_range(&req.start_date, &req.end_date, self.max_range_days, &mut v);
        let top = i64::from(req.top_campaigns);
        if !(0..=MAX_TOP).contains(&top) {
            v.add(
                "top_campaigns",
                format!("from 0 (meaning {DEFAULT_TOP}) to {MAX_TOP}"),
            );
        }
        v.into_result(DOMAIN)?;
        let range = range.expect("validated");
        let top = if top == 0 { DEFAULT_TOP } else { top };

        let workspace = self.filter(reach);
        let found = self
            .read_snapshot(reach, move |conn| {
                let Some(account) = entities::account(conn, account_id, workspace)? else {
                    return Ok(None);
                };
                let totals = totals(conn, account_id, range)?;
                let ranked = ranking(conn, account_id, range, top)?;
                let ids = ranked.iter().map(|r| r.campaign_id).collect();
                let mut campaigns = top_campaigns(conn, account_id, range, ids)?;
                // In the ranking's order.
                campaigns
                    .sort_by_key(|c| ranked.iter().position(|r| r.campaign_id == c.campaign_id));
                let delivered = ranked.first().map_or(0, |r| r.delivered);
                Ok::<_, Error>(Some((account, totals, campaigns, delivered)))
            })
            .await?;
        let Some((account, totals, campaigns, delivered)) = found else {
            return Err(Error::NotFound {
                kind: "account",
                ids: vec![account_id],
            });
        };
        let currency = account.currency().to_owned();
        Ok(GetAccountSummaryResponse {
            account: Some(account.to_proto()),
            totals: Some(totals.sums.to_proto(&currency)?),
            top_campaigns: campaigns
                .into_iter()
                .map(|c| {
                    Ok(CampaignTotal {
                        campaign_id: c.campaign_id,
                        name: c.name.unwrap_or_default(),
                        status: c.status.unwrap_or_default(),
                        values: Some(c.sums.to_proto(&currency)?),
                    })
                })
                .collect::<Result<_, Error>>()?,
            active_campaigns: totals.active_campaigns,
            campaigns_with_delivery: delivered,
        })
    }
}

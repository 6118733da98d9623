//! GetAccountSummary: an account's totals over a range, its top campaigns by cost, and
//! how many campaigns are active and how many delivered. One aggregate per campaign, over
//! the range's whole months (pre-summed) and its remaining days; totals and the ranking
//! are derived from those sums here (exactly), in one read-only snapshot.

use adsync_server::Reach;
use std::collections::HashMap;

use adsync_proto::reporting::{CampaignTotal, GetAccountSummaryRequest, GetAccountSummaryResponse};
use adsync_server::FieldViolations;
use chrono::NaiveDate;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{Array, BigInt, Date};

use crate::error::{DOMAIN, Error};
use crate::explain::{explained, text};
use crate::request::{DateRange, date_range, required_id};
use crate::rpc::entities;
use crate::service::ReportingApi;
use crate::values::{SUM_COLUMNS, Sums};

const DEFAULT_TOP: i64 = 5;
const MAX_TOP: i64 = 50;

/// The metric columns, as both the daily and the monthly table name them.
const METRICS: &str = "campaign_id, impressions, clicks, cost, landing_page_clicks, \
    external_website_conversions, one_click_leads, likes, comments, shares, follows, opens, sends";

/// Account `$1`'s sums per campaign (its campaigns `$6`) over days `$2..=$3`: the whole
/// months `$4..$5` from `campaign_monthly_metrics` (twelve rows a campaign for a year, not
/// 365), the days before and after them from `campaign_daily_metrics` by campaign and date,
/// so they are read from the primary key's index alone (it carries the metrics): a few
/// index pages a campaign, where the (account, date) index visits a heap page per row.
/// Only the parts `range` has are read: each daily part costs an index descent per
/// campaign even when its days are empty, so a range without a whole month is one part.
fn per_campaign_sql(range: DateRange) -> String {
    let (months_from, months_to) = range.whole_months();
    let mut parts = Vec::new();
    if months_from < months_to {
        parts.push(format!(
            "SELECT {METRICS} FROM linkedin.campaign_monthly_metrics \
             WHERE account_id = $1 AND month >= $4 AND month < $5"
        ));
    }
    if range.start < months_from {
        parts.push(format!(
            "SELECT {METRICS} FROM linkedin.campaign_daily_metrics \
             WHERE campaign_id = ANY($6) AND date >= $2 AND date < $4"
        ));
    }
    if months_to <= range.end {
        parts.push(format!(
            "SELECT {METRICS} FROM linkedin.campaign_daily_metrics \
             WHERE campaign_id = ANY($6) AND date >= $5 AND date <= $3"
        ));
    }
    format!(
        "SELECT m.campaign_id, {SUM_COLUMNS} FROM ({}) m GROUP BY m.campaign_id",
        parts.join(" UNION ALL ")
    )
}

/// `sql` (the aggregate, or its EXPLAIN) bound to account `account_id`, its `campaigns`
/// and `range`. Planned for each call's values, not prepared: a plan kept for any
/// account and range (which cannot know how many campaigns or days it reads) read a
/// year's summary markedly slower.
fn bound(
    sql: String,
    account_id: i64,
    campaigns: Vec<i64>,
    range: DateRange,
) -> BoxedSqlQuery<'static, Pg, SqlQuery> {
    let (months_from, months_to) = range.whole_months();
    diesel::sql_query(sql)
        .into_boxed()
        .bind::<BigInt, _>(account_id)
        .bind::<Date, _>(range.start)
        .bind::<Date, _>(range.end)
        .bind::<Date, _>(months_from)
        .bind::<Date, _>(months_to)
        .bind::<Array<BigInt>, _>(campaigns)
}

/// Account `account_id`'s sums per campaign (of `campaigns`, the account's) over `range`.
fn per_campaign(
    conn: &mut PgConnection,
    account_id: i64,
    campaigns: Vec<i64>,
    range: DateRange,
) -> QueryResult<Vec<CampaignSums>> {
    bound(per_campaign_sql(range), account_id, campaigns, range).load(conn)
}

/// The plan of the summary's aggregate over `start..=end`, for `adsync-bench report --explain`.
pub(crate) fn explain(
    conn: &mut PgConnection,
    account_id: i64,
    start: NaiveDate,
    end: NaiveDate,
) -> QueryResult<String> {
    use adsync_warehouse::schema::linkedin::campaigns;
    let ids: Vec<i64> = campaigns::table
        .filter(campaigns::account_id.eq(account_id))
        .select(campaigns::id)
        .load(conn)?;
    let range = DateRange { start, end };
    let sql = explained(&per_campaign_sql(range));
    let lines = bound(sql, account_id, ids, range).load(conn)?;
    Ok(text(lines))
}

#[derive(Debug, QueryableByName)]
struct CampaignSums {
    #[diesel(sql_type = BigInt)]
    campaign_id: i64,
    #[diesel(embed)]
    sums: Sums,
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
                use adsync_warehouse::schema::linkedin::campaigns;
                // Ids and whether each is active; names only for the top campaigns.
                let listed: Vec<(i64, String)> = campaigns::table
                    .filter(campaigns::account_id.eq(account_id))
                    .select((campaigns::id, campaigns::status))
                    .load(conn)?;
                let active = listed.iter().filter(|(_, s)| s == "ACTIVE").count() as i64;
                let ids = listed.into_iter().map(|(id, _)| id).collect();
                let mut sums = per_campaign(conn, account_id, ids, range)?;
                sums.sort_by(|a, b| {
                    b.sums
                        .cost
                        .cmp(&a.sums.cost)
                        .then(a.campaign_id.cmp(&b.campaign_id))
                });
                let top_ids: Vec<i64> = sums
                    .iter()
                    .take(top as usize)
                    .map(|c| c.campaign_id)
                    .collect();
                let names: Vec<(i64, String, String)> = campaigns::table
                    .filter(campaigns::id.eq_any(&top_ids))
                    .select((campaigns::id, campaigns::name, campaigns::status))
                    .load(conn)?;
                Ok::<_, Error>(Some((account, active, names, sums)))
            })
            .await?;
        let Some((account, active_campaigns, names, sums)) = found else {
            return Err(Error::NotFound {
                kind: "account",
                ids: vec![account_id],
            });
        };
        let currency = account.currency().to_owned();
        let mut totals = Sums::default();
        for c in &sums {
            totals.add(&c.sums)?;
        }
        let names: HashMap<i64, (String, String)> =
            names.into_iter().map(|(id, n, s)| (id, (n, s))).collect();
        Ok(GetAccountSummaryResponse {
            account: Some(account.to_proto()),
            totals: Some(totals.to_proto(&currency)?),
            top_campaigns: sums
                .iter()
                .take(top as usize)
                .map(|c| {
                    let (name, status) = names.get(&c.campaign_id).cloned().unwrap_or_default();
                    Ok(CampaignTotal {
                        campaign_id: c.campaign_id,
                        name,
                        status,
                        values: Some(c.sums.to_proto(&currency)?),
                    })
                })
                .collect::<Result<_, Error>>()?,
            active_campaigns,
            campaigns_with_delivery: sums.iter().filter(|c| c.sums.impressions > 0).count() as i64,
        })
    }
}

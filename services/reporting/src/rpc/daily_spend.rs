//! GetDailySpend: spend, impressions, clicks and conversions per day across accounts of
//! every source, one row per day and currency. Amounts in different currencies are
//! never added together (adsync holds no exchange rates). Each account's days are its
//! own: UTC for LinkedIn, the profile's time zone for Amazon Ads.

use adsync_db::prepared_sql;
use adsync_proto::reporting::{
    AdSource, DailySpend, GetDailySpendRequest, GetDailySpendResponse, Money,
};
use adsync_server::{FieldViolations, Reach, WorkspaceId};
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Date, Integer, Nullable, Numeric, Text};

use super::amazon::Attribution;
use crate::decimal::Decimal;
use crate::error::{DOMAIN, Error};
use crate::request::{MAX_IDS, date_range};
use crate::scope::in_workspace;
use crate::service::ReportingApi;

#[derive(QueryableByName)]
struct DayRow {
    #[diesel(sql_type = Date)]
    date: NaiveDate,
    #[diesel(sql_type = Text)]
    currency: String,
    #[diesel(sql_type = Numeric)]
    cost: Decimal,
    #[diesel(sql_type = BigInt)]
    impressions: i64,
    #[diesel(sql_type = BigInt)]
    clicks: i64,
    #[diesel(sql_type = BigInt)]
    conversions: i64,
    #[diesel(sql_type = Integer)]
    accounts: i32,
}

#[derive(QueryableByName)]
struct Known {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

impl ReportingApi {
    pub(crate) async fn get_daily_spend(
        &self,
        req: GetDailySpendRequest,
        reach: Reach,
    ) -> Result<GetDailySpendResponse, Error> {
        let mut v = FieldViolations::new();
        let (mut linkedin, mut amazon) = (Vec::new(), Vec::new());
        if req.accounts.is_empty() {
            v.add("accounts", "name at least one account");
        }
        if req.accounts.len() > MAX_IDS {
            v.add(
                "accounts",
                format!("at most {MAX_IDS} accounts per request"),
            );
        }
        for (i, a) in req.accounts.iter().enumerate() {
            if a.account_id <= 0 {
                v.add(
                    format!("accounts[{i}].account_id"),
                    "required: a positive id",
                );
            }
            match AdSource::try_from(a.source) {
                Ok(AdSource::Linkedin) => linkedin.push(a.account_id),
                Ok(AdSource::AmazonAds) => amazon.push(a.account_id),
                _ => {
                    v.add(format!("accounts[{i}].source"), "LINKEDIN or AMAZON_ADS");
                }
            }
        }
        let range = date_range(&req.start_date, &req.end_date, self.max_range_days, &mut v);
        let window = Attribution::parse(req.attribution_days, &mut v);
        v.into_result(DOMAIN)?;
        let range = range.expect("checked");
        linkedin.sort_unstable();
        linkedin.dedup();
        amazon.sort_unstable();
        amazon.dedup();

        let workspace = self.filter(reach).map(WorkspaceId::get);
        let rows = self.read(reach, move |conn| {
                // Another workspace's accounts are as unknown as ones never synced.
                let mut known = |sql: String, ids: &[i64]| -> QueryResult<Vec<i64>> {
                    let found: Vec<Known> = prepared_sql(sql)
                        .bind::<Array<BigInt>, _>(ids)
                        .bind::<Nullable<BigInt>, _>(workspace)
                        .load(conn)?;
                    Ok(ids
                        .iter()
                        .copied()
                        .filter(|id| !found.iter().any(|k| k.id == *id))
                        .collect())
                };
                let missing = known(
                    format!(
                        "SELECT id FROM linkedin.ad_accounts WHERE id = ANY($1) AND {}",
                        in_workspace("id", "linkedin", 2)
                    ),
                    &linkedin,
                )?;
                if !missing.is_empty() {
                    return Err(Error::NotFound {
                        kind: "LinkedIn ad account",
                        ids: missing,
                    });
                }
                let missing = known(
                    format!(
                        "SELECT id FROM amazon_ads.profiles WHERE id = ANY($1) AND {}",
                        in_workspace("id", "amazon_ads", 2)
                    ),
                    &amazon,
                )?;
                if !missing.is_empty() {
                    return Err(Error::NotFound {
                        kind: "Amazon Ads profile",
                        ids: missing,
                    });
                }
                let w = window.days();
                prepared_sql(format!(
                    "SELECT date, currency, COALESCE(sum(cost), 0) AS cost, \
                            COALESCE(sum(impressions), 0)::int8 AS impressions, \
                            COALESCE(sum(clicks), 0)::int8 AS clicks, \
                            COALESCE(sum(conversions), 0)::int8 AS conversions, \
                            count(DISTINCT account)::int4 AS accounts \
                     FROM ( \
                         SELECT m.date, COALESCE(a.currency, '') AS currency, 'linkedin:' || m.account_id AS account, \
                                m.cost, m.impressions, m.clicks, m.external_website_conversions AS conversions \
                         FROM linkedin.campaign_daily_metrics m JOIN linkedin.ad_accounts a ON a.id = m.account_id \
                         WHERE m.account_id = ANY($1) AND m.date BETWEEN $3 AND $4 \
                         UNION ALL \
                         SELECT m.date, p.currency_code, 'amazon_ads:' || m.profile_id, \
                                m.cost, m.impressions, m.clicks, m.purchases_{w}d \
                         FROM amazon_ads.campaign_daily_metrics m JOIN amazon_ads.profiles p ON p.id = m.profile_id \
                         WHERE m.profile_id = ANY($2) AND m.date BETWEEN $3 AND $4 \
                     ) d GROUP BY date, currency ORDER BY date, currency"
                ))
                .bind::<Array<BigInt>, _>(&linkedin)
                .bind::<Array<BigInt>, _>(&amazon)
                .bind::<Date, _>(range.start)
                .bind::<Date, _>(range.end)
                .load::<DayRow>(conn)
                .map_err(Error::from)
            })
            .await?;
        Ok(GetDailySpendResponse {
            days: rows
                .into_iter()
                .map(|r| DailySpend {
                    date: r.date.to_string(),
                    spend: Some(Money {
                        currency_code: r.currency,
                        amount: r.cost.plain(),
                    }),
                    impressions: r.impressions,
                    clicks: r.clicks,
                    conversions: r.conversions,
                    accounts: r.accounts,
                })
                .collect(),
        })
    }
}

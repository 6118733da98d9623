//! ListAmazonCampaigns, ListAmazonAdGroups and ListAmazonTargetings: a profile's
//! entities with their settings and their totals over a period (keyset pages by id).
//! Each row's totals sum its own days from the matching daily table over the primary
//! key; an ad group's are its advertised products' (they carry all of its spend).

use adsync_db::prepared_sql;
use adsync_proto::reporting::{
    AmazonAdGroup, AmazonCampaign, AmazonTargeting, AmazonTargetingKind, ListAmazonAdGroupsRequest,
    ListAmazonAdGroupsResponse, ListAmazonCampaignsRequest, ListAmazonCampaignsResponse,
    ListAmazonTargetingsRequest, ListAmazonTargetingsResponse,
};
use adsync_server::FieldViolations;
use adsync_server::Reach;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Integer, Nullable, Text};

use super::{Period, Sums, money_of};
use crate::error::{DOMAIN, Error};
use crate::request::{IdPage, id_keyset, only_if, optional_id};
use crate::service::ReportingApi;

#[derive(QueryableByName)]
struct CampaignRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = Nullable<Text>)]
    targeting_type: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    budget: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    budget_type: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    bidding_strategy: Option<String>,
    #[diesel(sql_type = Nullable<Integer>)]
    top_of_search_percentage: Option<i32>,
    #[diesel(sql_type = Nullable<BigInt>)]
    portfolio_id: Option<i64>,
    #[diesel(sql_type = Nullable<Date>)]
    start_date: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Date>)]
    end_date: Option<NaiveDate>,
    #[diesel(embed)]
    sums: Sums,
}

#[derive(QueryableByName)]
struct AdGroupRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    campaign_id: i64,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = Nullable<Text>)]
    default_bid: Option<String>,
    #[diesel(embed)]
    sums: Sums,
}

/// A keyword or target with its totals (also what the waste audit lists).
#[derive(QueryableByName)]
pub(crate) struct TargetingRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    campaign_id: i64,
    #[diesel(sql_type = BigInt)]
    ad_group_id: i64,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    text: String,
    #[diesel(sql_type = Text)]
    match_type: String,
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = Nullable<Text>)]
    bid: Option<String>,
    #[diesel(embed)]
    sums: Sums,
}

impl TargetingRow {
    pub(crate) fn into_proto(self, period: &Period) -> Result<AmazonTargeting, Error> {
        Ok(AmazonTargeting {
            targeting_id: self.id,
            campaign_id: self.campaign_id,
            ad_group_id: self.ad_group_id,
            kind: if self.kind == "keyword" {
                AmazonTargetingKind::Keyword
            } else {
                AmazonTargetingKind::Target
            } as i32,
            text: self.text,
            match_type: self.match_type,
            state: self.state,
            bid: money_of(self.bid, &period.currency),
            totals: Some(self.sums.to_proto(&period.currency, period.window)?),
        })
    }
}

/// The keywords and targets of profile `$1` with their bids (their own, else their ad
/// group's default) and their totals over `$2..=$3`, as `t`; the caller adds the WHERE,
/// ORDER and LIMIT that follow. `rows` narrows each of the two (as `e`) before anything
/// is joined or summed: a page's condition, order and limit there read a page's rows
/// through the (profile, id) index and sum only theirs, not the profile's every
/// keyword's ("" for every one).
pub(crate) fn targetings_sql(period: &Period, rows: &str) -> String {
    format!(
        "SELECT t.id, t.campaign_id, t.ad_group_id, t.kind, t.text, t.match_type, t.state, \
                trim_scale(COALESCE(t.bid, g.default_bid))::text AS bid, s.* \
         FROM ( \
             (SELECT e.id, e.campaign_id, e.ad_group_id, 'keyword' AS kind, e.keyword_text AS text, \
                     e.match_type, e.state, e.bid \
              FROM amazon_ads.keywords e WHERE e.profile_id = $1 {rows}) \
             UNION ALL \
             (SELECT e.id, e.campaign_id, e.ad_group_id, 'target', e.expression::text, \
                     e.expression_type, e.state, e.bid \
              FROM amazon_ads.targets e WHERE e.profile_id = $1 {rows}) \
         ) t JOIN amazon_ads.ad_groups g ON g.id = t.ad_group_id \
         CROSS JOIN LATERAL ( \
             SELECT {sums} FROM amazon_ads.targeting_daily_metrics m \
             WHERE m.profile_id = $1 AND m.campaign_id = t.campaign_id \
               AND m.ad_group_id = t.ad_group_id AND m.targeting_id = t.id \
               AND m.date BETWEEN $2 AND $3 \
         ) s",
        sums = period.window.sum_columns()
    )
}

impl ReportingApi {
    /// Checks a period and finds its profile.
    pub(crate) async fn amazon_period(
        &self,
        reach: Reach,
        parsed: Option<(i64, crate::request::DateRange, super::Attribution)>,
    ) -> Result<Period, Error> {
        let parsed = parsed.expect("checked");
        let workspace = self.filter(reach);
        self.read(reach, move |conn| Period::resolve(conn, parsed, workspace))
            .await
    }

    pub(crate) async fn list_amazon_campaigns(
        &self,
        req: ListAmazonCampaignsRequest,
        reach: Reach,
    ) -> Result<ListAmazonCampaignsResponse, Error> {
        let mut v = FieldViolations::new();
        let parsed = Period::parse(req.period.as_ref(), self.max_range_days, &mut v);
        let page = IdPage::parse(
            "ListAmazonCampaigns",
            &self.page_tokens,
            reach,
            fingerprint(req.period.as_ref(), &[]),
            req.page_size,
            &req.page_token,
            &mut v,
        );
        v.into_result(DOMAIN)?;
        let period = self.amazon_period(reach, parsed).await?;
        let (p, after, limit) = (period.clone(), page.after, page.limit());
        let mut rows: Vec<CampaignRow> = self.read(reach, move |conn| {
                let (from, order) = id_keyset(Some(("c.profile_id", 1)), "c.id", 4);
                prepared_sql(format!(
                    "SELECT c.id, c.name, c.state, c.targeting_type, trim_scale(c.budget)::text AS budget, \
                            c.budget_type, c.bidding_strategy, c.top_of_search_percentage, c.portfolio_id, \
                            c.start_date, c.end_date, s.* \
                     FROM amazon_ads.campaigns c CROSS JOIN LATERAL ( \
                         SELECT {sums} FROM amazon_ads.campaign_daily_metrics m \
                         WHERE m.profile_id = $1 AND m.campaign_id = c.id AND m.date BETWEEN $2 AND $3 \
                     ) s WHERE c.profile_id = $1 AND {from} ORDER BY {order} LIMIT $5",
                    sums = p.window.sum_columns()
                ))
                .bind::<BigInt, _>(p.profile_id)
                .bind::<Date, _>(p.range.start)
                .bind::<Date, _>(p.range.end)
                .bind::<BigInt, _>(after)
                .bind::<BigInt, _>(limit)
                .load(conn)
                .map_err(Error::from)
            })
            .await?;
        let next_page_token = page.finish(&mut rows, |r| r.id);
        let campaigns = rows
            .into_iter()
            .map(|r| {
                Ok(AmazonCampaign {
                    campaign_id: r.id,
                    profile_id: period.profile_id,
                    name: r.name,
                    state: r.state,
                    targeting_type: r.targeting_type.unwrap_or_default(),
                    budget: money_of(r.budget, &period.currency),
                    budget_type: r.budget_type.unwrap_or_default(),
                    bidding_strategy: r.bidding_strategy.unwrap_or_default(),
                    top_of_search_percentage: r.top_of_search_percentage.unwrap_or(0),
                    portfolio_id: r.portfolio_id.unwrap_or(0),
                    start_date: r.start_date.map(|d| d.to_string()).unwrap_or_default(),
                    end_date: r.end_date.map(|d| d.to_string()).unwrap_or_default(),
                    totals: Some(r.sums.to_proto(&period.currency, period.window)?),
                })
            })
            .collect::<Result<_, Error>>()?;
        Ok(ListAmazonCampaignsResponse {
            campaigns,
            next_page_token,
        })
    }

    pub(crate) async fn list_amazon_ad_groups(
        &self,
        req: ListAmazonAdGroupsRequest,
        reach: Reach,
    ) -> Result<ListAmazonAdGroupsResponse, Error> {
        let mut v = FieldViolations::new();
        let parsed = Period::parse(req.period.as_ref(), self.max_range_days, &mut v);
        let campaign = optional_id("campaign_id", req.campaign_id, &mut v).unwrap_or(0);
        let page = IdPage::parse(
            "ListAmazonAdGroups",
            &self.page_tokens,
            reach,
            fingerprint(req.period.as_ref(), &[campaign]),
            req.page_size,
            &req.page_token,
            &mut v,
        );
        v.into_result(DOMAIN)?;
        let period = self.amazon_period(reach, parsed).await?;
        let (p, after, limit) = (period.clone(), page.after, page.limit());
        let mut rows: Vec<AdGroupRow> = self.read(reach, move |conn| {
                let (from, order) = id_keyset(Some(("g.profile_id", 1)), "g.id", 4);
                prepared_sql(format!(
                    "SELECT g.id, g.campaign_id, g.name, g.state, trim_scale(g.default_bid)::text AS default_bid, s.* \
                     FROM amazon_ads.ad_groups g CROSS JOIN LATERAL ( \
                         SELECT {sums} FROM amazon_ads.product_ad_daily_metrics m \
                         WHERE m.profile_id = $1 AND m.campaign_id = g.campaign_id AND m.ad_group_id = g.id \
                           AND m.date BETWEEN $2 AND $3 \
                     ) s WHERE g.profile_id = $1 AND {campaign} AND {from} \
                     ORDER BY {order} LIMIT $5",
                    campaign = only_if(campaign != 0, "g.campaign_id = $6"),
                    sums = p.window.sum_columns()
                ))
                .bind::<BigInt, _>(p.profile_id)
                .bind::<Date, _>(p.range.start)
                .bind::<Date, _>(p.range.end)
                .bind::<BigInt, _>(after)
                .bind::<BigInt, _>(limit)
                .bind::<BigInt, _>(campaign)
                .load(conn)
                .map_err(Error::from)
            })
            .await?;
        let next_page_token = page.finish(&mut rows, |r| r.id);
        let ad_groups = rows
            .into_iter()
            .map(|r| {
                Ok(AmazonAdGroup {
                    ad_group_id: r.id,
                    campaign_id: r.campaign_id,
                    name: r.name,
                    state: r.state,
                    default_bid: money_of(r.default_bid, &period.currency),
                    totals: Some(r.sums.to_proto(&period.currency, period.window)?),
                })
            })
            .collect::<Result<_, Error>>()?;
        Ok(ListAmazonAdGroupsResponse {
            ad_groups,
            next_page_token,
        })
    }

    pub(crate) async fn list_amazon_targetings(
        &self,
        req: ListAmazonTargetingsRequest,
        reach: Reach,
    ) -> Result<ListAmazonTargetingsResponse, Error> {
        let mut v = FieldViolations::new();
        let parsed = Period::parse(req.period.as_ref(), self.max_range_days, &mut v);
        let campaign = optional_id("campaign_id", req.campaign_id, &mut v).unwrap_or(0);
        let ad_group = optional_id("ad_group_id", req.ad_group_id, &mut v).unwrap_or(0);
        let page = IdPage::parse(
            "ListAmazonTargetings",
            &self.page_tokens,
            reach,
            fingerprint(req.period.as_ref(), &[campaign, ad_group]),
            req.page_size,
            &req.page_token,
            &mut v,
        );
        v.into_result(DOMAIN)?;
        let period = self.amazon_period(reach, parsed).await?;
        let (p, after, limit) = (period.clone(), page.after, page.limit());
        let mut rows: Vec<TargetingRow> = self
            .read(reach, move |conn| {
                // Each of keywords and targets gives at most a page, read through its
                // (profile, id) index from the cursor on; the page is the first of both.
                let (from, order) = id_keyset(Some(("e.profile_id", 1)), "e.id", 4);
                let rows = format!(
                    "AND {from} AND {} AND {} ORDER BY {order} LIMIT $5",
                    only_if(campaign != 0, "e.campaign_id = $6"),
                    only_if(ad_group != 0, "e.ad_group_id = $7"),
                );
                prepared_sql(format!(
                    "{} ORDER BY t.id LIMIT $5",
                    targetings_sql(&p, &rows)
                ))
                .bind::<BigInt, _>(p.profile_id)
                .bind::<Date, _>(p.range.start)
                .bind::<Date, _>(p.range.end)
                .bind::<BigInt, _>(after)
                .bind::<BigInt, _>(limit)
                .bind::<BigInt, _>(campaign)
                .bind::<BigInt, _>(ad_group)
                .load(conn)
                .map_err(Error::from)
            })
            .await?;
        let next_page_token = page.finish(&mut rows, |r| r.id);
        let targetings = rows
            .into_iter()
            .map(|r| r.into_proto(&period))
            .collect::<Result<_, Error>>()?;
        Ok(ListAmazonTargetingsResponse {
            targetings,
            next_page_token,
        })
    }
}

/// What a page token of a list is bound to: its profile, period and filters.
fn fingerprint(period: Option<&adsync_proto::reporting::AmazonPeriod>, filters: &[i64]) -> String {
    let p = period.cloned().unwrap_or_default();
    format!(
        "{}|{}|{}|{}|{filters:?}",
        p.profile_id, p.start_date, p.end_date, p.attribution_days
    )
}

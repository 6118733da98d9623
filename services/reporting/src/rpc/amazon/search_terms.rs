//! ListAmazonSearchTerms: what customers searched, per keyword or target, summed over a
//! period, costliest first.

use adsync_db::prepared_sql;
use adsync_proto::reporting::{
    AmazonSearchTerm, ListAmazonSearchTermsRequest, ListAmazonSearchTermsResponse,
};
use adsync_server::FieldViolations;
use adsync_server::Reach;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Text};

use super::{Period, Sums, limit};
use crate::error::{DOMAIN, Error};
use crate::request::{only_if, optional_id};
use crate::service::ReportingApi;

/// One search term of one keyword or target, summed over a period.
#[derive(QueryableByName)]
pub(crate) struct SearchTermRow {
    #[diesel(sql_type = Text)]
    search_term: String,
    #[diesel(sql_type = BigInt)]
    campaign_id: i64,
    #[diesel(sql_type = BigInt)]
    ad_group_id: i64,
    #[diesel(sql_type = BigInt)]
    targeting_id: i64,
    #[diesel(sql_type = Nullable<Text>)]
    keyword_type: Option<String>,
    #[diesel(embed)]
    sums: Sums,
}

impl SearchTermRow {
    pub(crate) fn into_proto(self, period: &Period) -> Result<AmazonSearchTerm, Error> {
        Ok(AmazonSearchTerm {
            search_term: self.search_term,
            campaign_id: self.campaign_id,
            ad_group_id: self.ad_group_id,
            targeting_id: self.targeting_id,
            keyword_type: self.keyword_type.unwrap_or_default(),
            totals: Some(self.sums.to_proto(&period.currency, period.window)?),
        })
    }
}

/// Profile `$1`'s search terms over `$2..=$3` summed per keyword or target, as `s`; the
/// caller adds what follows (HAVING, ORDER, LIMIT).
pub(crate) fn search_terms_sql(period: &Period, campaign_filter: &str) -> String {
    format!(
        "SELECT * FROM ( \
             SELECT m.search_term, m.campaign_id, m.ad_group_id, m.targeting_id, \
                    max(m.keyword_type) AS keyword_type, {sums} \
             FROM amazon_ads.search_term_daily_metrics m \
             WHERE m.profile_id = $1 AND m.date BETWEEN $2 AND $3 {campaign_filter} \
             GROUP BY 1, 2, 3, 4 \
         ) s",
        sums = period.window.sum_columns()
    )
}

impl ReportingApi {
    pub(crate) async fn list_amazon_search_terms(
        &self,
        req: ListAmazonSearchTermsRequest,
        reach: Reach,
    ) -> Result<ListAmazonSearchTermsResponse, Error> {
        let mut v = FieldViolations::new();
        let parsed = Period::parse(req.period.as_ref(), self.max_range_days, &mut v);
        let campaign = optional_id("campaign_id", req.campaign_id, &mut v).unwrap_or(0);
        let limit = limit(req.limit, &mut v);
        v.into_result(DOMAIN)?;
        let period = self.amazon_period(reach, parsed).await?;
        let p = period.clone();
        let rows: Vec<SearchTermRow> = self.read(reach, move |conn| {
                prepared_sql(format!(
                    "{} ORDER BY s.cost DESC, s.search_term, s.campaign_id, s.ad_group_id, s.targeting_id \
                     LIMIT $4",
                    // A campaign named narrows the key's range (profile, campaign, …).
                    search_terms_sql(&p, &format!("AND {}", only_if(campaign != 0, "m.campaign_id = $5")))
                ))
                .bind::<BigInt, _>(p.profile_id)
                .bind::<Date, _>(p.range.start)
                .bind::<Date, _>(p.range.end)
                .bind::<BigInt, _>(limit)
                .bind::<BigInt, _>(campaign)
                .load(conn)
                .map_err(Error::from)
            })
            .await?;
        Ok(ListAmazonSearchTermsResponse {
            search_terms: rows
                .into_iter()
                .map(|r| r.into_proto(&period))
                .collect::<Result<_, _>>()?,
        })
    }
}

//! The two audits PPC managers otherwise run by hand in spreadsheets: keywords and
//! targets that spend without selling (waste), and search terms that sell but are not
//! yet keywords (harvest).

use adsync_db::prepared_sql;
use adsync_proto::reporting::{
    AuditAmazonHarvestRequest, AuditAmazonHarvestResponse, AuditAmazonWasteRequest,
    AuditAmazonWasteResponse,
};
use adsync_server::FieldViolations;
use adsync_server::Reach;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Text};

use super::entities::{TargetingRow, targetings_sql};
use super::search_terms::{SearchTermRow, search_terms_sql};
use super::{Period, limit};
use crate::error::{DOMAIN, Error};
use crate::service::ReportingApi;

/// A non-negative decimal as text ("0", "12.5"); empty means 0.
fn min_cost(raw: &str, v: &mut FieldViolations) -> String {
    let text = raw.trim();
    if text.is_empty() {
        return "0".into();
    }
    let (int, frac) = text.split_once('.').unwrap_or((text, "0"));
    let ok = !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && !frac.is_empty()
        && frac.bytes().all(|b| b.is_ascii_digit());
    if !ok {
        v.add("min_cost", format!("{raw:?} is not a non-negative decimal"));
        return "0".into();
    }
    text.to_owned()
}

impl ReportingApi {
    pub(crate) async fn audit_amazon_waste(
        &self,
        req: AuditAmazonWasteRequest,
        reach: Reach,
    ) -> Result<AuditAmazonWasteResponse, Error> {
        let mut v = FieldViolations::new();
        let parsed = Period::parse(req.period.as_ref(), self.max_range_days, &mut v);
        let min_cost = min_cost(&req.min_cost, &mut v);
        let limit = limit(req.limit, &mut v);
        v.into_result(DOMAIN)?;
        let period = self.amazon_period(reach, parsed).await?;
        let p = period.clone();
        let rows: Vec<TargetingRow> = self.read(reach, move |conn| {
                prepared_sql(format!(
                    "{} WHERE s.cost > $4::numeric AND s.sales = 0 ORDER BY s.cost DESC, t.id LIMIT $5",
                    targetings_sql(&p, "")
                ))
                .bind::<BigInt, _>(p.profile_id)
                .bind::<Date, _>(p.range.start)
                .bind::<Date, _>(p.range.end)
                .bind::<Text, _>(min_cost)
                .bind::<BigInt, _>(limit)
                .load(conn)
                .map_err(Error::from)
            })
            .await?;
        Ok(AuditAmazonWasteResponse {
            targetings: rows
                .into_iter()
                .map(|r| r.into_proto(&period))
                .collect::<Result<_, _>>()?,
        })
    }

    pub(crate) async fn audit_amazon_harvest(
        &self,
        req: AuditAmazonHarvestRequest,
        reach: Reach,
    ) -> Result<AuditAmazonHarvestResponse, Error> {
        let mut v = FieldViolations::new();
        let parsed = Period::parse(req.period.as_ref(), self.max_range_days, &mut v);
        if req.min_purchases < 0 {
            v.add("min_purchases", "must not be negative (0 means 1)");
        }
        let min_purchases = req.min_purchases.max(1);
        let limit = limit(req.limit, &mut v);
        v.into_result(DOMAIN)?;
        let period = self.amazon_period(reach, parsed).await?;
        let p = period.clone();
        let rows: Vec<SearchTermRow> = self.read(reach, move |conn| {
                // "Not yet a keyword": no keyword of the profile, in any match type and any
                // state but archived, has the same text.
                prepared_sql(format!(
                    "{} WHERE s.purchases >= $4 AND NOT EXISTS ( \
                         SELECT 1 FROM amazon_ads.keywords k WHERE k.profile_id = $1 \
                           AND k.state <> 'ARCHIVED' AND lower(k.keyword_text) = lower(s.search_term)) \
                     ORDER BY s.purchases DESC, s.sales DESC, s.search_term, s.campaign_id, s.ad_group_id, s.targeting_id \
                     LIMIT $5",
                    search_terms_sql(&p, "")
                ))
                .bind::<BigInt, _>(p.profile_id)
                .bind::<Date, _>(p.range.start)
                .bind::<Date, _>(p.range.end)
                .bind::<BigInt, _>(min_purchases)
                .bind::<BigInt, _>(limit)
                .load(conn)
                .map_err(Error::from)
            })
            .await?;
        Ok(AuditAmazonHarvestResponse {
            search_terms: rows
                .into_iter()
                .map(|r| r.into_proto(&period))
                .collect::<Result<_, _>>()?,
        })
    }
}

//! GetDemographics: one account's segments of one pivot over whole calendar months
//! (ingestion keeps demographics per month), each with its share of all impressions.

use adsync_db::prepared_sql;
use adsync_proto::reporting::{
    DemographicPivot, DemographicSegment, GetDemographicsRequest, GetDemographicsResponse, Money,
};
use adsync_server::FieldViolations;
use adsync_server::Reach;
use chrono::{Datelike, Days, Months, NaiveDate};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Numeric, Text};

use crate::decimal::Decimal;
use crate::error::{DOMAIN, Error};
use crate::request::{date_range, required_id};
use crate::rpc::entities;
use crate::service::ReportingApi;
use crate::values::percent;

/// The `pivot` value ingestion stores for each pivot.
fn stored_pivot(pivot: DemographicPivot) -> Option<&'static str> {
    Some(match pivot {
        DemographicPivot::JobTitle => "job_title",
        DemographicPivot::JobFunction => "job_function",
        DemographicPivot::Industry => "industry",
        DemographicPivot::Seniority => "seniority",
        DemographicPivot::CompanySize => "company_size",
        DemographicPivot::Country => "country",
        DemographicPivot::Unspecified => return None,
    })
}

/// LinkedIn's standardized names for the segments whose URNs are a fixed, documented set.
fn segment_name(segment: &str) -> &'static str {
    const SENIORITY: [&str; 10] = [
        "Unpaid", "Training", "Entry", "Senior", "Manager", "Director", "VP", "CXO", "Partner",
        "Owner",
    ];
    const COMPANY_SIZE: [&str; 9] = [
        "Self-employed",
        "2-10 employees",
        "11-50 employees",
        "51-200 employees",
        "201-500 employees",
        "501-1,000 employees",
        "1,001-5,000 employees",
        "5,001-10,000 employees",
        "10,001+ employees",
    ];
    if let Some(id) = segment.strip_prefix("urn:li:seniority:")
        && let Ok(i @ 1..=10) = id.parse::<usize>()
    {
        return SENIORITY[i - 1];
    }
    if let Some(range) = segment.strip_prefix("urn:li:companySizeRange:")
        && let [b @ b'A'..=b'I'] = range.as_bytes()
    {
        return COMPANY_SIZE[usize::from(b - b'A')];
    }
    ""
}

#[derive(Debug, QueryableByName)]
struct SegmentRow {
    #[diesel(sql_type = Text)]
    segment: String,
    #[diesel(sql_type = BigInt)]
    impressions: i64,
    #[diesel(sql_type = BigInt)]
    clicks: i64,
    #[diesel(sql_type = Numeric)]
    cost: Decimal,
    #[diesel(sql_type = BigInt)]
    total_impressions: i64,
}

impl ReportingApi {
    pub(crate) async fn get_demographics(
        &self,
        req: GetDemographicsRequest,
        reach: Reach,
    ) -> Result<GetDemographicsResponse, Error> {
        let mut v = FieldViolations::new();
        let account_id = required_id("account_id", req.account_id, &mut v);
        let pivot = match DemographicPivot::try_from(req.pivot).ok() {
            Some(p) => stored_pivot(p).map(|name| (p, name)),
            None => None,
        };
        if pivot.is_none() {
            v.add(
                "pivot",
                "required: one of JOB_TITLE, JOB_FUNCTION, INDUSTRY, SENIORITY, COMPANY_SIZE, COUNTRY",
            );
        }
        let range = date_range(&req.start_date, &req.end_date, self.max_range_days, &mut v);
        if req.limit < 0 {
            v.add("limit", "must not be negative (0 means every segment)");
        }
        v.into_result(DOMAIN)?;
        let ((pivot, stored), range) = (pivot.expect("validated"), range.expect("validated"));
        let first_month = range.start.with_day(1).expect("day 1");
        let last_month = range.end.with_day(1).expect("day 1");
        let period_end: NaiveDate = last_month + Months::new(1) - Days::new(1);
        let limit = (req.limit > 0).then_some(i64::from(req.limit));

        let workspace = self.filter(reach);
        let found = self
            .read_snapshot(reach, move |conn| {
                let Some(account) = entities::account(conn, account_id, workspace)? else {
                    return Ok(None);
                };
                // The window sums run before LIMIT: shares are of every segment.
                let rows: Vec<SegmentRow> = prepared_sql(
                    "SELECT segment, \
                                    sum(impressions)::int8 AS impressions, \
                                    sum(clicks)::int8 AS clicks, \
                                    sum(cost) AS cost, \
                                    (sum(sum(impressions)) OVER ())::int8 AS total_impressions \
                             FROM linkedin.audience_demographics \
                             WHERE account_id = $1 AND pivot = $2 AND date_start BETWEEN $3 AND $4 \
                             GROUP BY segment \
                             ORDER BY sum(impressions) DESC, segment \
                             LIMIT $5",
                )
                .bind::<BigInt, _>(account_id)
                .bind::<Text, _>(stored)
                .bind::<Date, _>(first_month)
                .bind::<Date, _>(last_month)
                .bind::<Nullable<BigInt>, _>(limit)
                .load(conn)?;
                Ok::<_, Error>(Some((account, rows)))
            })
            .await?;
        let Some((account, rows)) = found else {
            return Err(Error::NotFound {
                kind: "account",
                ids: vec![account_id],
            });
        };
        let currency = account.currency().to_owned();
        Ok(GetDemographicsResponse {
            account_id,
            pivot: pivot as i32,
            period_start: first_month.to_string(),
            period_end: period_end.to_string(),
            total_impressions: rows.first().map_or(0, |r| r.total_impressions),
            segments: rows
                .into_iter()
                .map(|r| DemographicSegment {
                    segment_name: segment_name(&r.segment).to_owned(),
                    segment: r.segment,
                    impressions: r.impressions,
                    clicks: r.clicks,
                    cost: Some(Money {
                        currency_code: currency.clone(),
                        amount: r.cost.plain(),
                    }),
                    share_of_impressions_percent: percent(r.impressions, r.total_impressions, 2),
                    ctr_percent: percent(r.clicks, r.impressions, 4),
                })
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::segment_name;

    #[test]
    fn standardized_segments_have_names_and_others_none() {
        assert_eq!(segment_name("urn:li:seniority:5"), "Manager");
        assert_eq!(segment_name("urn:li:seniority:11"), "");
        assert_eq!(
            segment_name("urn:li:companySizeRange:I"),
            "10,001+ employees"
        );
        assert_eq!(segment_name("urn:li:companySizeRange:J"), "");
        assert_eq!(segment_name("urn:li:geo:100000000"), "");
    }
}

//! adAnalytics requests of one sync: planning them under LinkedIn's caps, and fetching
//! them (several in flight), splitting any whose response reached the element cap.

use std::sync::Arc;

use chrono::{Datelike, Days, NaiveDate};
use serde_json::Value;

use super::LinkedInClient;
use crate::error::Error;
use crate::upstream::{CallCounter, TokenSource, UpstreamError};

/// LinkedIn's cap on one adAnalytics response; a response this long may be cut short.
pub(crate) const MAX_ELEMENTS: usize = 15_000;
/// 12 metrics + dateRange + pivotValues: under LinkedIn's 20-field limit.
const FIELDS: &str = "impressions,clicks,costInLocalCurrency,landingPageClicks,externalWebsiteConversions,\
oneClickLeads,likes,comments,shares,follows,opens,sends,dateRange,pivotValues";
/// Most URNs in one facet list (keeps URLs well under LinkedIn's limits).
const MAX_FACET: usize = 50;

/// Groups `campaigns` (in order) into requests whose expected rows stay under the element
/// cap (`rows_of` a campaign: its days, or its creatives × days) and whose facet lists stay
/// short: as few requests as the caps allow. A campaign over the cap on its own gets a
/// request of its own, which [`Analytics::campaigns`] splits by date.
pub(crate) fn plan(campaigns: &[i64], rows_of: impl Fn(i64) -> usize) -> Vec<Vec<i64>> {
    let mut batches = Vec::new();
    let mut current: Vec<i64> = Vec::new();
    let mut rows_in_current = 0;
    for &id in campaigns {
        let rows = rows_of(id);
        if !current.is_empty()
            && (rows_in_current + rows > MAX_ELEMENTS || current.len() >= MAX_FACET)
        {
            batches.push(std::mem::take(&mut current));
            rows_in_current = 0;
        }
        current.push(id);
        rows_in_current += rows;
    }
    if !current.is_empty() {
        batches.push(current);
    }
    batches
}

/// What an adAnalytics request needs; cheap to clone into each request in flight.
#[derive(Clone)]
pub(crate) struct Analytics {
    pub(crate) client: LinkedInClient,
    pub(crate) tokens: Arc<dyn TokenSource>,
    pub(crate) calls: Arc<CallCounter>,
}

impl Analytics {
    /// The rows of `campaigns` over `start..=end`, splitting the request (by campaigns,
    /// then by days) when a response reaches LinkedIn's cap, which silently truncates.
    pub(crate) async fn campaigns(
        &self,
        pivot: &str,
        campaigns: Vec<i64>,
        start: NaiveDate,
        end: NaiveDate,
        granularity: &str,
    ) -> Result<Vec<Value>, Error> {
        let mut pending = vec![(campaigns, start, end)];
        let mut all = Vec::new();
        while let Some((ids, from, to)) = pending.pop() {
            let list = ids
                .iter()
                .map(|id| format!("urn%3Ali%3AsponsoredCampaign%3A{id}"))
                .collect::<Vec<_>>()
                .join(",");
            let facet = format!("campaigns=List({list})");
            let rows = self.query(pivot, &facet, from, to, granularity).await?;
            if rows.len() < MAX_ELEMENTS {
                all.extend(rows);
            } else if ids.len() > 1 {
                let (a, b) = ids.split_at(ids.len() / 2);
                pending.push((a.to_vec(), from, to));
                pending.push((b.to_vec(), from, to));
            } else if from < to {
                let mid = from + Days::new(((to - from).num_days() / 2) as u64);
                pending.push((ids.clone(), from, mid));
                pending.push((ids, mid + Days::new(1), to));
            } else {
                return Err(Error::Upstream(UpstreamError::Malformed(format!(
                    "adAnalytics: one campaign-day returned {MAX_ELEMENTS} rows; cannot split further"
                ))));
            }
        }
        Ok(all)
    }

    /// One adAnalytics request: the `elements` of the response.
    pub(crate) async fn query(
        &self,
        pivot: &str,
        facet: &str,
        from: NaiveDate,
        to: NaiveDate,
        granularity: &str,
    ) -> Result<Vec<Value>, Error> {
        let query = format!(
            "q=analytics&pivot={pivot}&timeGranularity={granularity}&dateRange=(start:(year:{},month:{},day:{}),end:(year:{},month:{},day:{}))&{facet}&fields={FIELDS}",
            from.year(),
            from.month(),
            from.day(),
            to.year(),
            to.month(),
            to.day()
        );
        let mut body = self
            .client
            .get("/adAnalytics", &query, &*self.tokens, &self.calls)
            .await?;
        match body.get_mut("elements").map(Value::take) {
            Some(Value::Array(rows)) => Ok(rows),
            _ => Err(Error::Upstream(UpstreamError::Malformed(
                "adAnalytics: no elements".into(),
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_stay_under_both_caps_and_keep_every_campaign_once_in_order() {
        let campaigns: Vec<i64> = (1..=500).collect();
        // Campaign metrics over 365 days: 41 campaigns fit in 15,000 rows.
        let daily = plan(&campaigns, |_| 365);
        assert!(daily.iter().all(|b| b.len() * 365 <= MAX_ELEMENTS));
        assert_eq!(daily.len(), 500usize.div_ceil(41));
        assert_eq!(daily.concat(), campaigns);
        // Few rows each: the facet list is the limit.
        let small = plan(&campaigns, |_| 1);
        assert!(small.iter().all(|b| b.len() <= MAX_FACET));
        assert_eq!(small.len(), 10);
        // Over the cap alone: a request of its own (split by date when fetched).
        let huge = plan(&[1, 2, 3], |id| if id == 2 { 20_000 } else { 10 });
        assert_eq!(huge, vec![vec![1], vec![2], vec![3]]);
    }
}

//! One LinkedIn sync's fetch: the account, its campaign groups, campaigns and creatives
//! (every status, page by page), daily campaign and creative analytics over the window
//! (requests in flight a few at a time, sized under LinkedIn's element cap), and member
//! demographics per calendar month. Each record is validated on its own; valid ones are
//! staged as they arrive.

use std::collections::BTreeMap;

use adsync_proto::ingestion::{SyncEntity, SyncStage};
use chrono::{Datelike, Days, NaiveDate};
use futures::StreamExt;
use serde_json::Value;

use super::LinkedInClient;
use super::analytics::{self, Analytics};
use super::records::{Account, AnalyticsRow, Campaign, CampaignGroup, Creative, Invalid};
use super::tables::{self, DemographicRow};
use crate::error::Error;
use crate::runs::RunContext;
use crate::store::{CopyBuffer, TableSpec};

const DEMOGRAPHIC_PIVOTS: [(&str, &str); 6] = [
    ("MEMBER_JOB_TITLE", "job_title"),
    ("MEMBER_JOB_FUNCTION", "job_function"),
    ("MEMBER_INDUSTRY", "industry"),
    ("MEMBER_SENIORITY", "seniority"),
    ("MEMBER_COMPANY_SIZE", "company_size"),
    ("MEMBER_COUNTRY_V2", "country"),
];

/// What differs between the two daily-metrics stages.
struct MetricStage {
    stage: SyncStage,
    entity: SyncEntity,
    /// The adAnalytics pivot, and the URN type of its `pivotValues`.
    pivot: &'static str,
    pivot_urn: &'static str,
}

const CAMPAIGN_METRICS: MetricStage = MetricStage {
    stage: SyncStage::CampaignMetrics,
    entity: SyncEntity::CampaignDailyMetric,
    pivot: "CAMPAIGN",
    pivot_urn: "sponsoredCampaign",
};

const CREATIVE_METRICS: MetricStage = MetricStage {
    stage: SyncStage::CreativeMetrics,
    entity: SyncEntity::CreativeDailyMetric,
    pivot: "CREATIVE",
    pivot_urn: "sponsoredCreative",
};

/// Fetches everything of the run's account over its window into its staging.
pub(crate) async fn fetch(client: &LinkedInClient, run: &mut RunContext) -> Result<(), Error> {
    let account_id = run.account_id();
    let (start, end) = run.window();
    let tokens = run.tokens();
    let calls = run.calls();

    // The account itself.
    run.stage_started(SyncStage::Account).await?;
    let mut raw = Vec::new();
    client
        .for_each_page("/adAccounts", "q=search", 1000, &*tokens, &calls, |p| {
            raw.extend(p)
        })
        .await?;
    let mine: Vec<Value> = raw
        .into_iter()
        .filter(|a| a.get("id").and_then(Value::as_i64) == Some(account_id))
        .collect();
    if mine.is_empty() {
        return Err(Error::NotFound {
            kind: "account (upstream)",
            id: account_id.to_string(),
        });
    }
    let accounts = validate(run, SyncEntity::Account, mine, Account::parse).await?;
    stage(run, &tables::ACCOUNTS, tables::accounts(&accounts)).await?;
    run.stage_completed(SyncStage::Account, SyncEntity::Account)
        .await?;

    // Campaign groups, campaigns and creatives, page by page.
    let groups = fetch_pages(
        client,
        run,
        (SyncStage::CampaignGroups, SyncEntity::CampaignGroup),
        &format!("/adAccounts/{account_id}/adCampaignGroups"),
        ("q=search", 1000),
        CampaignGroup::parse,
    )
    .await?;
    stage(
        run,
        &tables::CAMPAIGN_GROUPS,
        tables::campaign_groups(&groups),
    )
    .await?;
    run.stage_completed(SyncStage::CampaignGroups, SyncEntity::CampaignGroup)
        .await?;

    // Every status: finished campaigns still have recent spend.
    let campaigns = fetch_pages(
        client,
        run,
        (SyncStage::Campaigns, SyncEntity::Campaign),
        &format!("/adAccounts/{account_id}/adCampaigns"),
        ("q=search", 1000),
        Campaign::parse,
    )
    .await?;
    // A campaign of another account would be attributed to this one: refuse it.
    let (campaigns, foreign): (Vec<_>, Vec<_>) = campaigns
        .into_iter()
        .partition(|c| c.account_id == account_id);
    for c in &foreign {
        run.invalid(
            SyncEntity::Campaign,
            Some(c.id.to_string()),
            format!("belongs to account {}", c.account_id),
            &Value::Null,
        )
        .await?;
    }
    let campaign_ids: Vec<i64> = campaigns.iter().map(|c| c.id).collect();
    stage(run, &tables::CAMPAIGNS, tables::campaigns(&campaigns)).await?;
    drop(campaigns);
    run.stage_completed(SyncStage::Campaigns, SyncEntity::Campaign)
        .await?;

    let creatives = fetch_pages(
        client,
        run,
        (SyncStage::Creatives, SyncEntity::Creative),
        &format!("/adAccounts/{account_id}/creatives"),
        ("q=criteria&sortOrder=ASCENDING", 100),
        Creative::parse,
    )
    .await?;
    let mut creatives_per_campaign: BTreeMap<i64, usize> = BTreeMap::new();
    let mut campaign_of_creative: BTreeMap<i64, i64> = BTreeMap::new();
    for c in &creatives {
        *creatives_per_campaign.entry(c.campaign_id).or_default() += 1;
        campaign_of_creative.insert(c.id, c.campaign_id);
    }
    stage(
        run,
        &tables::CREATIVES,
        tables::creatives(account_id, &creatives),
    )
    .await?;
    drop(creatives);
    run.stage_completed(SyncStage::Creatives, SyncEntity::Creative)
        .await?;

    let analytics = Analytics {
        client: client.clone(),
        tokens,
        calls,
    };
    // Daily metrics: requests of campaigns sized to stay under the element cap.
    let days = (end - start).num_days() as usize + 1;
    let requests = analytics::plan(&campaign_ids, |_| days);
    daily_metrics(run, &analytics, CAMPAIGN_METRICS, requests, |rows| {
        tables::campaign_metrics(account_id, rows)
    })
    .await?;
    let requests = analytics::plan(&campaign_ids, |id| {
        creatives_per_campaign.get(&id).copied().unwrap_or(0) * days
    });
    // A creative the creatives stage did not return gets campaign 0: the merge finds no
    // such parent and records it as an orphan.
    daily_metrics(run, &analytics, CREATIVE_METRICS, requests, |rows| {
        tables::creative_metrics(account_id, rows, |creative| {
            campaign_of_creative.get(&creative).copied().unwrap_or(0)
        })
    })
    .await?;

    // Demographics: per pivot, for the whole account, by calendar month.
    run.stage_started(SyncStage::Demographics).await?;
    let month_start = start.with_day0(0).expect("day 1");
    for (i, (pivot, name)) in DEMOGRAPHIC_PIVOTS.iter().enumerate() {
        let facet = format!("accounts=List(urn%3Ali%3AsponsoredAccount%3A{account_id})");
        let rows = analytics
            .query(pivot, &facet, month_start, end, "MONTHLY")
            .await?;
        let mut valid = Vec::new();
        for raw in rows {
            run.count(SyncEntity::Demographic).fetched += 1;
            match AnalyticsRow::parse(&raw) {
                Ok(r) => valid.push(DemographicRow {
                    pivot: name,
                    segment: r.pivot.clone(),
                    date_start: r.date.with_day0(0).expect("day 1"),
                    date_end: month_end(r.date),
                    impressions: r.metrics.impressions,
                    clicks: r.metrics.clicks,
                    cost: r.metrics.cost.clone(),
                }),
                Err(invalid) => {
                    run.invalid(
                        SyncEntity::Demographic,
                        invalid.upstream_id,
                        invalid.reason,
                        &raw,
                    )
                    .await?
                }
            }
        }
        stage(
            run,
            &tables::DEMOGRAPHICS,
            tables::demographics(account_id, &valid),
        )
        .await?;
        run.progress(
            SyncStage::Demographics,
            i + 1,
            DEMOGRAPHIC_PIVOTS.len(),
            SyncEntity::Demographic,
        )
        .await?;
    }
    run.stage_completed(SyncStage::Demographics, SyncEntity::Demographic)
        .await
}

/// One daily analytics record with the id of its pivot entity (`pivot_urn`: e.g.
/// `sponsoredCampaign`), or why it is invalid with the record as received.
fn parse_daily(raw: Value, pivot_urn: &str) -> Result<(i64, AnalyticsRow), (Invalid, Value)> {
    let parsed = AnalyticsRow::parse(&raw).and_then(|row| {
        let id = row.pivot_id(pivot_urn).map_err(|reason| Invalid {
            upstream_id: None,
            reason,
        })?;
        Ok((id, row))
    });
    parsed.map_err(|invalid| (invalid, raw))
}

/// One daily-metrics stage: its `requests` (campaign batches, in order) are in flight a
/// few at a time while the responses are validated and staged in order; `encode` turns
/// one response's valid rows (with the id of their pivot entity) into staging rows.
async fn daily_metrics(
    run: &mut RunContext,
    analytics: &Analytics,
    kind: MetricStage,
    requests: Vec<Vec<i64>>,
    encode: impl Fn(&[(i64, AnalyticsRow)]) -> CopyBuffer,
) -> Result<(), Error> {
    run.stage_started(kind.stage).await?;
    let (start, end) = run.window();
    let total = requests.len();
    let in_flight = analytics.client.max_concurrency();
    let spec: &'static TableSpec = match kind.entity {
        SyncEntity::CampaignDailyMetric => &tables::CAMPAIGN_METRICS,
        _ => &tables::CREATIVE_METRICS,
    };
    // Each response is parsed as soon as it arrives: a response waiting its turn holds
    // typed rows, not JSON trees (only invalid records keep theirs, for sync_errors).
    let pivot_urn = kind.pivot_urn;
    let mut responses = futures::stream::iter(requests)
        .map(|campaigns| {
            let analytics = analytics.clone();
            async move {
                let rows = analytics
                    .campaigns(kind.pivot, campaigns, start, end, "DAILY")
                    .await?;
                let parsed: Vec<_> = rows
                    .into_iter()
                    .map(|raw| parse_daily(raw, pivot_urn))
                    .collect();
                Ok::<_, Error>(parsed)
            }
        })
        .buffered(in_flight);
    let mut done = 0;
    while let Some(rows) = responses.next().await {
        let mut valid = Vec::new();
        for parsed in rows? {
            run.count(kind.entity).fetched += 1;
            match parsed {
                Ok(row) => valid.push(row),
                Err((invalid, raw)) => {
                    run.invalid(kind.entity, invalid.upstream_id, invalid.reason, &raw)
                        .await?
                }
            }
        }
        stage(run, spec, encode(&valid)).await?;
        done += 1;
        run.progress(kind.stage, done, total, kind.entity).await?;
    }
    run.stage_completed(kind.stage, kind.entity).await
}

async fn fetch_pages<T>(
    client: &LinkedInClient,
    run: &mut RunContext,
    (stage, entity): (SyncStage, SyncEntity),
    path: &str,
    (query, page_size): (&str, u32),
    parse: fn(&Value) -> Result<T, Invalid>,
) -> Result<Vec<T>, Error> {
    run.stage_started(stage).await?;
    let mut raw = Vec::new();
    let (tokens, calls) = (run.tokens(), run.calls());
    client
        .for_each_page(path, query, page_size, &*tokens, &calls, |p| raw.extend(p))
        .await?;
    validate(run, entity, raw, parse).await
}

/// Each record parsed on its own: the valid ones, in order; the others kept as errors.
async fn validate<T>(
    run: &mut RunContext,
    entity: SyncEntity,
    raw: Vec<Value>,
    parse: fn(&Value) -> Result<T, Invalid>,
) -> Result<Vec<T>, Error> {
    let mut valid = Vec::with_capacity(raw.len());
    for element in raw {
        run.count(entity).fetched += 1;
        match parse(&element) {
            Ok(record) => valid.push(record),
            Err(invalid) => {
                run.invalid(entity, invalid.upstream_id, invalid.reason, &element)
                    .await?
            }
        }
    }
    Ok(valid)
}

async fn stage(
    run: &mut RunContext,
    spec: &'static TableSpec,
    rows: CopyBuffer,
) -> Result<(), Error> {
    run.stage(spec, rows).await.map(|_| ())
}

fn month_end(date: NaiveDate) -> NaiveDate {
    let first = date.with_day(1).expect("day 1");
    first
        .checked_add_months(chrono::Months::new(1))
        .expect("in range")
        - Days::new(1)
}

//! One sync run of one account: fetch everything, validate each record, stream the valid
//! ones into the write transaction, then merge and commit together with the run's outcome.

use std::collections::BTreeMap;
use std::sync::Arc;

use adsync_proto::ingestion::{
    EntityCount, RunFinished, RunStarted, StageCompleted, StageProgress, StageStarted, SyncEntity,
    SyncStage, SyncWarning, sync_event,
};
use chrono::{Datelike, Days, NaiveDate, Utc};
use diesel::Connection;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::mpsc;

use super::analytics::{self, Analytics};
use super::runs::{self, Outcome, RunRow};
use super::{Emitter, Settings, SyncRequest, entity_name, run_proto};
use crate::accounts::SyncAccountRow;
use crate::error::Error;
use crate::linkedin::records::{Account, AnalyticsRow, Campaign, CampaignGroup, Creative, Invalid};
use crate::linkedin::{AuthTokenSource, CallCounter};
use crate::service::IngestionApi;
use crate::store::{Batch, DemographicRow, TableReport, Writer};

const DEMOGRAPHIC_PIVOTS: [(&str, &str); 6] = [
    ("MEMBER_JOB_TITLE", "job_title"),
    ("MEMBER_JOB_FUNCTION", "job_function"),
    ("MEMBER_INDUSTRY", "industry"),
    ("MEMBER_SENIORITY", "seniority"),
    ("MEMBER_COMPANY_SIZE", "company_size"),
    ("MEMBER_COUNTRY_V2", "country"),
];

/// What differs between the two daily-metrics stages.
struct MetricStage<T> {
    stage: SyncStage,
    entity: SyncEntity,
    /// The adAnalytics pivot, and the URN type of its `pivotValues`.
    pivot: &'static str,
    pivot_urn: &'static str,
    batch: fn(Vec<T>) -> Batch,
}

const CAMPAIGN_METRICS: MetricStage<(i64, AnalyticsRow)> = MetricStage {
    stage: SyncStage::CampaignMetrics,
    entity: SyncEntity::CampaignDailyMetric,
    pivot: "CAMPAIGN",
    pivot_urn: "sponsoredCampaign",
    batch: Batch::CampaignMetrics,
};

const CREATIVE_METRICS: MetricStage<(i64, i64, AnalyticsRow)> = MetricStage {
    stage: SyncStage::CreativeMetrics,
    entity: SyncEntity::CreativeDailyMetric,
    pivot: "CREATIVE",
    pivot_urn: "sponsoredCreative",
    batch: Batch::CreativeMetrics,
};

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

/// The metrics window of a sync without an explicit range: a backfill the first time,
/// then from the last synced day minus the restatement window. Days are UTC; the window
/// ends yesterday, the last whole day.
pub(crate) fn incremental_window(
    today: NaiveDate,
    synced_through: Option<NaiveDate>,
    s: &Settings,
) -> (NaiveDate, NaiveDate) {
    let end = today - Days::new(1);
    let start = match synced_through {
        None => end - Days::new(u64::from(s.backfill_days.max(1) - 1)),
        Some(through) => (through.min(end) - Days::new(u64::from(s.restatement_days)))
            .max(end - Days::new(u64::from(s.max_range_days))),
    };
    (start, end)
}

/// Per entity, as stored in `sync_runs.entity_counts`.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub(crate) struct Counts {
    pub(crate) fetched: i64,
    pub(crate) written: i64,
    pub(crate) unchanged: i64,
    pub(crate) invalid: i64,
}

/// What the writer thread is told.
enum ToWriter {
    Stage(Batch),
    Finish(Box<Outcome>),
}

struct Pipeline {
    api: IngestionApi,
    run: RunRow,
    emitter: Emitter,
    tokens: Arc<AuthTokenSource>,
    calls: Arc<CallCounter>,
    writer: mpsc::Sender<ToWriter>,
    counts: BTreeMap<&'static str, Counts>,
    invalid_total: i64,
}

/// Runs a sync to its end and records how it ended. Never panics the task: every failure
/// ends the run as FAILED with the reason, and the write transaction rolls back.
pub(crate) async fn run_sync(
    api: IngestionApi,
    run: RunRow,
    account: SyncAccountRow,
    req: SyncRequest,
    gate_reason: String,
) {
    let run_id = run.id;
    let account_id = run.account_id;
    let (tx, rx) = mpsc::channel::<ToWriter>(4);
    let writer = tokio::spawn(write_transaction(api.clone(), run_id, account_id, rx));
    let mut pipeline = Pipeline {
        tokens: Arc::new(AuthTokenSource::new(
            api.auth_channel.clone(),
            api.service_token.clone(),
            account.connection_id.clone(),
        )),
        emitter: Emitter::new(api.clone(), run_id, account_id),
        calls: Arc::new(CallCounter::default()),
        writer: tx,
        counts: BTreeMap::new(),
        invalid_total: 0,
        api: api.clone(),
        run,
    };
    let result = pipeline.fetch_all(&req, gate_reason).await;
    let calls = pipeline.calls.calls() as i64;
    let finished = match result {
        Ok(()) => {
            let status = if pipeline.invalid_total > 0 {
                "partial"
            } else {
                "success"
            };
            let outcome = Outcome {
                status,
                reason: if status == "partial" {
                    format!(
                        "{} invalid record(s) skipped; see sync errors",
                        pipeline.invalid_total
                    )
                } else {
                    "all records stored".into()
                },
                entity_counts: serde_json::to_value(&pipeline.counts).unwrap_or(Value::Null),
                upstream_calls: calls,
                error_count: pipeline.invalid_total,
                finished_at: Utc::now(),
            };
            let sent = pipeline
                .writer
                .send(ToWriter::Finish(Box::new(outcome)))
                .await
                .is_ok();
            drop(pipeline.writer);
            match writer.await {
                Ok(Ok(row)) if sent => Ok(row),
                Ok(Ok(_)) => Err("the write transaction stopped early".to_owned()),
                Ok(Err(e)) => Err(format!("writing failed: {e}")),
                Err(e) => Err(format!("the writer stopped: {e}")),
            }
        }
        Err(e) => {
            // Dropping the sender makes the writer roll back: the previous data stays.
            drop(pipeline.writer);
            let _ = writer.await;
            Err(e.to_string())
        }
    };
    let row = match finished {
        Ok(row) => row,
        Err(reason) => {
            tracing::warn!(%run_id, account_id, %reason, "sync failed");
            let outcome = Outcome {
                status: "failed",
                reason,
                entity_counts: serde_json::to_value(&pipeline.counts).unwrap_or(Value::Null),
                upstream_calls: calls,
                error_count: pipeline.invalid_total,
                finished_at: Utc::now(),
            };
            match api
                .db
                .run(move |conn| runs::finish(conn, run_id, &outcome).map_err(Error::from))
                .await
            {
                Ok(Some(row)) => row,
                Ok(None) | Err(_) => match api
                    .db
                    .run(move |conn| runs::get(conn, run_id).map_err(Error::from))
                    .await
                {
                    Ok(Some(row)) => row,
                    _ => return,
                },
            }
        }
    };
    let status = super::status_of(&row.status);
    let finished = RunFinished {
        status: status as i32,
        reason: row.reason.clone(),
        run: Some(run_proto(&row)),
    };
    if let Err(e) = pipeline
        .emitter
        .emit(SyncStage::Done, sync_event::Payload::RunFinished(finished))
        .await
    {
        tracing::error!(%run_id, error = %e, "cannot record the end of a sync");
    }
    tracing::info!(%run_id, account_id, status = %row.status, upstream_calls = calls, "sync finished");
}

/// The write transaction: holds the account's advisory lock for the whole sync, stages
/// every batch as it arrives, then merges and records the outcome in the same commit.
async fn write_transaction(
    api: IngestionApi,
    run_id: uuid::Uuid,
    account_id: i64,
    mut rx: mpsc::Receiver<ToWriter>,
) -> Result<RunRow, Error> {
    api.db
        .run(move |conn| {
            conn.transaction::<RunRow, Error, _>(|conn| {
                use diesel::RunQueryDsl;
                #[derive(diesel::QueryableByName)]
                struct Locked {
                    #[diesel(sql_type = diesel::sql_types::Bool)]
                    locked: bool,
                }
                let locked: Locked =
                    diesel::sql_query("SELECT pg_try_advisory_xact_lock($1) AS locked")
                        .bind::<diesel::sql_types::BigInt, _>(lock_key(account_id))
                        .get_result(conn)?;
                if !locked.locked {
                    return Err(Error::Config(
                        "another process holds this account's sync lock".into(),
                    ));
                }
                let mut writer = Writer::begin(conn, account_id)?;
                while let Some(message) = rx.blocking_recv() {
                    match message {
                        ToWriter::Stage(batch) => {
                            writer.stage(conn, &batch)?;
                        }
                        ToWriter::Finish(mut outcome) => {
                            let reports = writer.merge(conn, run_id, outcome.finished_at)?;
                            merge_reports(&mut outcome.entity_counts, &reports);
                            let orphans: i64 = reports.iter().map(|(_, r)| r.orphans).sum();
                            if orphans > 0 {
                                outcome.error_count += orphans;
                                outcome.status = "partial";
                                outcome.reason = format!(
                                    "{} invalid record(s) skipped; see sync errors",
                                    outcome.error_count
                                );
                            }
                            let run = runs::get(conn, run_id)?.ok_or_else(|| Error::NotFound {
                                kind: "run",
                                id: run_id.to_string(),
                            })?;
                            if let Some(end) = run.window_end {
                                runs::set_synced_through(
                                    conn,
                                    account_id,
                                    end,
                                    outcome.finished_at,
                                )?;
                            }
                            return runs::finish(conn, run_id, &outcome)?.ok_or_else(|| {
                                Error::Config("the run was no longer running".into())
                            });
                        }
                    }
                }
                // The fetch side gave up: roll back.
                Err(Error::Config("the sync stopped before finishing".into()))
            })
        })
        .await
}

/// The advisory-lock key of an account's sync (a namespace keeps it apart from others).
pub(crate) fn lock_key(account_id: i64) -> i64 {
    account_id ^ 0x5359_4e43_0000_0000 // "SYNC"
}

fn merge_reports(
    counts: &mut Value,
    reports: &[(&'static crate::store::tables::TableSpec, TableReport)],
) {
    let mut map: BTreeMap<String, Counts> =
        serde_json::from_value(counts.clone()).unwrap_or_default();
    for (spec, report) in reports {
        let entity = match spec.table {
            "ad_accounts" => SyncEntity::Account,
            "campaign_groups" => SyncEntity::CampaignGroup,
            "campaigns" => SyncEntity::Campaign,
            "creatives" => SyncEntity::Creative,
            "campaign_daily_metrics" => SyncEntity::CampaignDailyMetric,
            "creative_daily_metrics" => SyncEntity::CreativeDailyMetric,
            _ => SyncEntity::Demographic,
        };
        let c = map.entry(entity_name(entity).to_owned()).or_default();
        c.written = report.written;
        c.unchanged = report.unchanged;
        c.invalid += report.orphans;
    }
    *counts = serde_json::to_value(map).unwrap_or(Value::Null);
}

/// Counts as the proto lists them.
pub(crate) fn entity_counts(value: &Value) -> Vec<EntityCount> {
    let map: BTreeMap<String, Counts> = serde_json::from_value(value.clone()).unwrap_or_default();
    let entity = |name: &str| {
        [
            SyncEntity::Account,
            SyncEntity::CampaignGroup,
            SyncEntity::Campaign,
            SyncEntity::Creative,
            SyncEntity::CampaignDailyMetric,
            SyncEntity::CreativeDailyMetric,
            SyncEntity::Demographic,
        ]
        .into_iter()
        .find(|e| entity_name(*e) == name)
        .unwrap_or(SyncEntity::Unspecified)
    };
    map.iter()
        .map(|(name, c)| EntityCount {
            entity: entity(name) as i32,
            fetched: c.fetched,
            written: c.written,
            unchanged: c.unchanged,
            invalid: c.invalid,
        })
        .collect()
}

impl Pipeline {
    async fn fetch_all(&mut self, req: &SyncRequest, gate_reason: String) -> Result<(), Error> {
        let account_id = self.run.account_id;
        let (start, end) = (
            self.run.window_start.expect("running runs have a window"),
            self.run.window_end.expect("window"),
        );
        let started = RunStarted {
            trigger: req.trigger as i32,
            force: req.force,
            date_range: Some(adsync_proto::ingestion::DateRange {
                start_date: start.to_string(),
                end_date: end.to_string(),
            }),
            gate_reason,
            worker: self.api.worker.clone(),
        };
        self.emitter
            .emit(SyncStage::Plan, sync_event::Payload::RunStarted(started))
            .await?;

        // The account itself.
        self.stage_started(SyncStage::Account).await?;
        let mut raw = Vec::new();
        let client = self.api.client.clone();
        client
            .for_each_page(
                "/adAccounts",
                "q=search",
                1000,
                &*self.tokens,
                &self.calls,
                |p| raw.extend(p),
            )
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
        let accounts = self
            .validate(SyncEntity::Account, mine, Account::parse)
            .await?;
        self.stage(Batch::Accounts(accounts)).await?;
        self.stage_completed(SyncEntity::Account, SyncStage::Account)
            .await?;

        // Campaign groups, campaigns and creatives, page by page.
        let groups_path = format!("/adAccounts/{account_id}/adCampaignGroups");
        let groups = self
            .fetch_pages(
                SyncStage::CampaignGroups,
                SyncEntity::CampaignGroup,
                &groups_path,
                "q=search",
                1000,
                CampaignGroup::parse,
            )
            .await?;
        self.stage(Batch::CampaignGroups(groups)).await?;
        self.stage_completed(SyncEntity::CampaignGroup, SyncStage::CampaignGroups)
            .await?;

        // Every status: finished campaigns still have recent spend (seed bug 12).
        let campaigns_path = format!("/adAccounts/{account_id}/adCampaigns");
        let campaigns = self
            .fetch_pages(
                SyncStage::Campaigns,
                SyncEntity::Campaign,
                &campaigns_path,
                "q=search",
                1000,
                Campaign::parse,
            )
            .await?;
        // A campaign of another account would be attributed wrongly (seed bugs 4-5): refuse it.
        let (campaigns, foreign): (Vec<_>, Vec<_>) = campaigns
            .into_iter()
            .partition(|c| c.account_id == account_id);
        for c in &foreign {
            self.invalid(
                SyncEntity::Campaign,
                Some(c.id.to_string()),
                format!("belongs to account {}", c.account_id),
                &Value::Null,
            )
            .await?;
        }
        let campaign_ids: Vec<i64> = campaigns.iter().map(|c| c.id).collect();
        self.stage(Batch::Campaigns(campaigns)).await?;
        self.stage_completed(SyncEntity::Campaign, SyncStage::Campaigns)
            .await?;

        let creatives_path = format!("/adAccounts/{account_id}/creatives");
        let creatives = self
            .fetch_pages(
                SyncStage::Creatives,
                SyncEntity::Creative,
                &creatives_path,
                "q=criteria&sortOrder=ASCENDING",
                100,
                Creative::parse,
            )
            .await?;
        let mut creatives_per_campaign: BTreeMap<i64, usize> = BTreeMap::new();
        let mut campaign_of_creative: BTreeMap<i64, i64> = BTreeMap::new();
        for c in &creatives {
            *creatives_per_campaign.entry(c.campaign_id).or_default() += 1;
            campaign_of_creative.insert(c.id, c.campaign_id);
        }
        self.stage(Batch::Creatives(creatives)).await?;
        self.stage_completed(SyncEntity::Creative, SyncStage::Creatives)
            .await?;

        // Daily metrics: requests of campaigns sized to stay under the element cap.
        let days = (end - start).num_days() as usize + 1;
        let requests = analytics::plan(&campaign_ids, |_| days);
        self.daily_metrics(CAMPAIGN_METRICS, requests, (start, end), |id, row| {
            (id, row)
        })
        .await?;
        let requests = analytics::plan(&campaign_ids, |id| {
            creatives_per_campaign.get(&id).copied().unwrap_or(0) * days
        });
        // A creative the creatives stage did not return gets campaign 0: the merge finds
        // no such parent and records it as an orphan.
        self.daily_metrics(CREATIVE_METRICS, requests, (start, end), |id, row| {
            (id, campaign_of_creative.get(&id).copied().unwrap_or(0), row)
        })
        .await?;

        // Demographics: per pivot, for the whole account, by calendar month.
        self.stage_started(SyncStage::Demographics).await?;
        let month_start = start.with_day0(0).expect("day 1");
        for (i, (pivot, name)) in DEMOGRAPHIC_PIVOTS.iter().enumerate() {
            let facet = format!("accounts=List(urn%3Ali%3AsponsoredAccount%3A{account_id})");
            let rows = self
                .analytics()
                .query(pivot, &facet, month_start, end, "MONTHLY")
                .await?;
            let mut valid = Vec::new();
            for raw in rows {
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
                        self.invalid(
                            SyncEntity::Demographic,
                            invalid.upstream_id,
                            invalid.reason,
                            &raw,
                        )
                        .await?
                    }
                }
                self.count(SyncEntity::Demographic).fetched += 1;
            }
            self.stage(Batch::Demographics(valid)).await?;
            self.progress(
                SyncStage::Demographics,
                i + 1,
                DEMOGRAPHIC_PIVOTS.len(),
                SyncEntity::Demographic,
            )
            .await?;
        }
        self.stage_completed(SyncEntity::Demographic, SyncStage::Demographics)
            .await?;
        self.stage_started(SyncStage::Write).await?;
        Ok(())
    }

    /// The sync's adAnalytics requests share its client, tokens and call count.
    fn analytics(&self) -> Analytics {
        Analytics {
            client: self.api.client.clone(),
            tokens: self.tokens.clone(),
            calls: self.calls.clone(),
        }
    }

    /// One daily-metrics stage: its `requests` (campaign batches, in order) are in flight
    /// a few at a time while the responses are validated and staged in order; `keep`
    /// turns a valid row (with the id of the pivot entity) into a staged record.
    async fn daily_metrics<T>(
        &mut self,
        kind: MetricStage<T>,
        requests: Vec<Vec<i64>>,
        (start, end): (NaiveDate, NaiveDate),
        mut keep: impl FnMut(i64, AnalyticsRow) -> T,
    ) -> Result<(), Error> {
        self.stage_started(kind.stage).await?;
        let total = requests.len();
        let analytics = self.analytics();
        let in_flight = self.api.client.max_concurrency();
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
                match parsed {
                    Ok((id, row)) => valid.push(keep(id, row)),
                    Err((invalid, raw)) => {
                        self.invalid(kind.entity, invalid.upstream_id, invalid.reason, &raw)
                            .await?
                    }
                }
                self.count(kind.entity).fetched += 1;
            }
            self.stage((kind.batch)(valid)).await?;
            done += 1;
            self.progress(kind.stage, done, total, kind.entity).await?;
        }
        self.stage_completed(kind.entity, kind.stage).await
    }

    async fn fetch_pages<T>(
        &mut self,
        stage: SyncStage,
        entity: SyncEntity,
        path: &str,
        query: &str,
        page_size: u32,
        parse: fn(&Value) -> Result<T, Invalid>,
    ) -> Result<Vec<T>, Error> {
        self.stage_started(stage).await?;
        let mut raw = Vec::new();
        let client = self.api.client.clone();
        client
            .for_each_page(path, query, page_size, &*self.tokens, &self.calls, |p| {
                raw.extend(p)
            })
            .await?;
        self.validate(entity, raw, parse).await
    }

    async fn validate<T>(
        &mut self,
        entity: SyncEntity,
        raw: Vec<Value>,
        parse: fn(&Value) -> Result<T, Invalid>,
    ) -> Result<Vec<T>, Error> {
        let mut valid = Vec::with_capacity(raw.len());
        for element in raw {
            self.count(entity).fetched += 1;
            match parse(&element) {
                Ok(record) => valid.push(record),
                Err(invalid) => {
                    self.invalid(entity, invalid.upstream_id, invalid.reason, &element)
                        .await?
                }
            }
        }
        Ok(valid)
    }

    /// Skips one record: stored in sync_errors with its raw JSON, told as a warning.
    async fn invalid(
        &mut self,
        entity: SyncEntity,
        upstream_id: Option<String>,
        reason: String,
        raw: &Value,
    ) -> Result<(), Error> {
        self.count(entity).invalid += 1;
        self.invalid_total += 1;
        let (run_id, account_id, name) = (self.run.id, self.run.account_id, entity_name(entity));
        let (id, why, json) = (upstream_id.clone(), reason.clone(), raw.clone());
        self.api
            .db
            .run(move |conn| {
                use diesel::RunQueryDsl;
                use diesel::sql_types::{BigInt, Jsonb, Nullable, Text, Uuid as SqlUuid};
                diesel::sql_query("INSERT INTO sync_errors (run_id, account_id, entity, upstream_id, reason, raw) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind::<SqlUuid, _>(run_id)
                    .bind::<BigInt, _>(account_id)
                    .bind::<Text, _>(name)
                    .bind::<Nullable<Text>, _>(id)
                    .bind::<Text, _>(why)
                    .bind::<Jsonb, _>(json)
                    .execute(conn)
                    .map_err(Error::from)
            })
            .await?;
        let warning = SyncWarning {
            code: "INVALID_RECORD".into(),
            message: reason,
            entity: entity as i32,
            upstream_id: upstream_id.unwrap_or_default(),
        };
        self.emitter
            .emit(
                SyncStage::Unspecified,
                sync_event::Payload::Warning(warning),
            )
            .await
    }

    fn count(&mut self, entity: SyncEntity) -> &mut Counts {
        self.counts.entry(entity_name(entity)).or_default()
    }

    async fn stage(&mut self, batch: Batch) -> Result<(), Error> {
        self.writer
            .send(ToWriter::Stage(batch))
            .await
            .map_err(|_| Error::Config("the write transaction ended early".into()))
    }

    async fn stage_started(&mut self, stage: SyncStage) -> Result<(), Error> {
        self.emitter
            .emit(
                stage,
                sync_event::Payload::StageStarted(StageStarted { planned: 0 }),
            )
            .await
    }

    async fn progress(
        &mut self,
        stage: SyncStage,
        done: usize,
        total: usize,
        entity: SyncEntity,
    ) -> Result<(), Error> {
        let records = self.count(entity).fetched;
        let progress = StageProgress {
            done: done as i64,
            total: total as i64,
            records,
            upstream_calls: self.calls.calls() as i64,
        };
        self.emitter
            .emit(stage, sync_event::Payload::StageProgress(progress))
            .await
    }

    async fn stage_completed(&mut self, entity: SyncEntity, stage: SyncStage) -> Result<(), Error> {
        let c = *self.count(entity);
        let count = EntityCount {
            entity: entity as i32,
            fetched: c.fetched,
            written: 0,
            unchanged: 0,
            invalid: c.invalid,
        };
        self.emitter
            .emit(
                stage,
                sync_event::Payload::StageCompleted(StageCompleted { count: Some(count) }),
            )
            .await
    }
}

fn month_end(date: NaiveDate) -> NaiveDate {
    let first = date.with_day(1).expect("day 1");
    first
        .checked_add_months(chrono::Months::new(1))
        .expect("in range")
        - Days::new(1)
}

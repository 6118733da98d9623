//! The daily reports of one Amazon Ads sync: campaigns, targeting (keywords and
//! targets), search terms and advertised products, each over the run's window in slices
//! of at most 31 days. Every request is recorded as a durable upstream job before it is
//! waited on: a run that finds an open job for the same report (asked for by an earlier
//! run, a dead process or another replica) waits on it instead of asking again, and a 425
//! (an identical report still generating) adopts the report it names. Status checks back
//! off from the first poll interval up to the longest; a report that takes longer than
//! the limit fails the run but stays recorded, for the next run to wait on. A download URL
//! that expired is replaced by asking for the report's status again. A FAILED report
//! fails the run with the upstream's reason, once the others have been followed to their
//! end (the ones generated are loaded by the next run without asking again). Reports are
//! loaded as they become ready.

use std::collections::VecDeque;
use std::time::Duration;

use adsync_proto::ingestion::{
    DateRange, SyncEntity, SyncStage, UpstreamReport, UpstreamReportState,
};
use chrono::{Days, NaiveDate, TimeDelta};
use serde_json::value::RawValue;
use serde_json::{Value, json};

use super::client::Created;
use super::records::ReportRow;
use super::tables::MetricTable;
use super::{AmazonAdsSource, Region};
use crate::error::Error;
use crate::runs::{Job, JobState, JobUpdate, RunContext};
use crate::upstream::UpstreamError;

/// The longest range one report may cover.
const MAX_DAYS: u64 = 31;
/// Rows staged per COPY while a report file is loaded.
const STAGE_BATCH: usize = 20_000;
/// Times an expired download URL is replaced before the run gives up.
const URL_RENEWALS: u32 = 5;
/// Bumped when what is asked for changes, so a job recorded by an older build is not
/// loaded as if it held today's columns.
const CONFIGURATION_VERSION: u32 = 1;

const METRIC_COLUMNS: [&str; 15] = [
    "impressions",
    "clicks",
    "cost",
    "purchases1d",
    "purchases7d",
    "purchases14d",
    "purchases30d",
    "sales1d",
    "sales7d",
    "sales14d",
    "sales30d",
    "unitsSoldClicks1d",
    "unitsSoldClicks7d",
    "unitsSoldClicks14d",
    "unitsSoldClicks30d",
];

/// One kind of report adsync asks for.
#[derive(Debug, Clone, Copy)]
struct Kind {
    report_type: &'static str,
    group_by: &'static str,
    /// The grain's columns (besides `date` and the metrics).
    columns: &'static [&'static str],
    stage: SyncStage,
    entity: SyncEntity,
    table: MetricTable,
}

const KINDS: [Kind; 4] = [
    Kind {
        report_type: "spCampaigns",
        group_by: "campaign",
        columns: &["campaignId"],
        stage: SyncStage::CampaignMetrics,
        entity: SyncEntity::CampaignDailyMetric,
        table: MetricTable::Campaign,
    },
    Kind {
        report_type: "spTargeting",
        group_by: "targeting",
        columns: &[
            "campaignId",
            "adGroupId",
            "keywordId",
            "targeting",
            "keywordType",
        ],
        stage: SyncStage::TargetingMetrics,
        entity: SyncEntity::TargetingDailyMetric,
        table: MetricTable::Targeting,
    },
    Kind {
        report_type: "spSearchTerm",
        group_by: "searchTerm",
        columns: &[
            "campaignId",
            "adGroupId",
            "keywordId",
            "searchTerm",
            "keywordType",
        ],
        stage: SyncStage::SearchTermMetrics,
        entity: SyncEntity::SearchTermDailyMetric,
        table: MetricTable::SearchTerm,
    },
    Kind {
        report_type: "spAdvertisedProduct",
        group_by: "advertiser",
        columns: &[
            "campaignId",
            "adGroupId",
            "adId",
            "advertisedAsin",
            "advertisedSku",
        ],
        stage: SyncStage::ProductAdMetrics,
        entity: SyncEntity::ProductAdDailyMetric,
        table: MetricTable::ProductAd,
    },
];

impl Kind {
    /// The request body of this report over `range`.
    fn body(self, (start, end): (NaiveDate, NaiveDate)) -> Value {
        let columns: Vec<&str> = ["date"]
            .into_iter()
            .chain(self.columns.iter().copied())
            .chain(METRIC_COLUMNS)
            .collect();
        json!({
            "name": format!("adsync {} {start}..{end}", self.report_type),
            "startDate": start.to_string(),
            "endDate": end.to_string(),
            "configuration": {
                "adProduct": "SPONSORED_PRODUCTS",
                "groupBy": [self.group_by],
                "columns": columns,
                "reportTypeId": self.report_type,
                "timeUnit": "DAILY",
                "format": "GZIP_JSON",
            },
        })
    }
}

/// One report to load: a kind over a slice of the window.
#[derive(Debug, Clone, Copy)]
struct Task {
    kind: Kind,
    range: (NaiveDate, NaiveDate),
}

impl Task {
    /// Identifies the request among the profile's jobs of this kind.
    fn fingerprint(&self) -> String {
        format!(
            "{}..{}|v{CONFIGURATION_VERSION}",
            self.range.0, self.range.1
        )
    }

    fn event(&self, job: &Job, state: UpstreamReportState, detail: String) -> UpstreamReport {
        UpstreamReport {
            report_type: self.kind.report_type.to_owned(),
            date_range: Some(DateRange {
                start_date: self.range.0.to_string(),
                end_date: self.range.1.to_string(),
            }),
            upstream_id: job.upstream_id.clone(),
            state: state as i32,
            polls: job.polls,
            detail,
        }
    }
}

/// `(start, end)` in consecutive slices of at most `MAX_DAYS` days.
fn slices((start, end): (NaiveDate, NaiveDate)) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    let mut from = start;
    while from <= end {
        let to = (from + Days::new(MAX_DAYS - 1)).min(end);
        out.push((from, to));
        from = to + Days::new(1);
    }
    out
}

/// What one status check came to.
enum Polled {
    /// Still generating (or asked for again): wait on it.
    Again(Waiting),
    /// Downloaded and staged.
    Loaded,
    /// The upstream could not generate it: why.
    Failed(String),
}

/// A report being waited on.
struct Waiting {
    task: Task,
    job: Job,
}

/// Loads every report of the run's window, a few generating upstream at once.
pub(crate) async fn load(
    source: &AmazonAdsSource,
    run: &mut RunContext,
    at: (Region, i64),
) -> Result<(), Error> {
    let window = run.window();
    let mut queue: VecDeque<Task> = KINDS
        .iter()
        .flat_map(|kind| {
            slices(window)
                .into_iter()
                .map(|range| Task { kind: *kind, range })
        })
        .collect();
    let per_kind = slices(window).len();
    let mut loaded = [0usize; KINDS.len()];
    let loader = Loader { source, at };
    for kind in KINDS {
        run.stage_started(kind.stage).await?;
    }
    let mut waiting: Vec<Waiting> = Vec::new();
    // A failed report fails the run, but only once the others are followed to their end:
    // none is left waiting, and the ones generated are loaded by the next run.
    let mut failures: Vec<String> = Vec::new();
    loop {
        while waiting.len() < source.reports.in_flight {
            let Some(task) = queue.pop_front() else { break };
            waiting.push(loader.begin(run, task).await?);
        }
        let Some(next) = waiting.iter().map(|w| w.job.next_poll_at).min() else {
            break;
        };
        // Real time, not the run's clock: a test clock that stands still must not stall.
        let wait = (next - run.now()).to_std().unwrap_or(Duration::ZERO);
        tokio::time::sleep(wait.min(source.reports.max_poll)).await;
        let now = run.now();
        let (due, later): (Vec<Waiting>, Vec<Waiting>) =
            waiting.into_iter().partition(|w| w.job.next_poll_at <= now);
        waiting = later;
        for w in due {
            let k = KINDS
                .iter()
                .position(|kind| kind.report_type == w.task.kind.report_type)
                .expect("a known kind");
            match loader.poll(run, w).await? {
                Polled::Again(still) => waiting.push(still),
                Polled::Failed(why) => failures.push(why),
                Polled::Loaded => {
                    loaded[k] += 1;
                    let kind = KINDS[k];
                    run.progress(kind.stage, loaded[k], per_kind, kind.entity)
                        .await?;
                }
            }
        }
    }
    if !failures.is_empty() {
        return Err(Error::UpstreamJob(failures.join("; ")));
    }
    for kind in KINDS {
        run.stage_completed(kind.stage, kind.entity).await?;
    }
    Ok(())
}

/// Asks for, waits on, downloads and stages reports of one profile.
struct Loader<'a> {
    source: &'a AmazonAdsSource,
    at: (Region, i64),
}

impl Loader<'_> {
    /// Starts waiting on `task`'s report: the open job of an earlier request, else a new
    /// request, recorded before anything waits on it.
    async fn begin(&self, run: &mut RunContext, task: Task) -> Result<Waiting, Error> {
        let kind = task.kind;
        if let Some(job) = run.find_job(kind.report_type, &task.fingerprint()).await? {
            tracing::info!(report_id = %job.upstream_id, recorded = %job.detail, polls = job.polls, "waiting again on a report asked for earlier");
            let event = task.event(
                &job,
                UpstreamReportState::Resumed,
                "asked for earlier; waiting on it again".into(),
            );
            run.report(kind.stage, event).await?;
            // A completed one is checked at once, for a fresh download URL.
            let job = match job.state {
                JobState::Completed => Job {
                    next_poll_at: run.now(),
                    ..job
                },
                _ => job,
            };
            return Ok(Waiting { task, job });
        }
        let (tokens, calls) = (run.tokens(), run.calls());
        let created = self
            .source
            .client
            .create_report(self.at, &kind.body(task.range), &*tokens, &calls)
            .await?;
        let (upstream_id, state, detail) = match created {
            Created::New(id) => (id, UpstreamReportState::Requested, "requested"),
            Created::Duplicate(id) => (
                id,
                UpstreamReportState::Resumed,
                "an identical report was already generating upstream (425); waiting on it",
            ),
        };
        let first_poll =
            TimeDelta::from_std(self.source.reports.first_poll).unwrap_or(TimeDelta::seconds(5));
        let job = run
            .record_job(
                kind.report_type,
                &task.fingerprint(),
                &upstream_id,
                json!({
                    "reportType": kind.report_type,
                    "startDate": task.range.0.to_string(),
                    "endDate": task.range.1.to_string(),
                    "region": self.at.0.as_str(),
                }),
                run.now() + first_poll,
            )
            .await?;
        run.report(kind.stage, task.event(&job, state, detail.into()))
            .await?;
        Ok(Waiting { task, job })
    }

    /// Checks the report once: still generating (waited on again, with its next check),
    /// ready (loaded), or failed upstream (its reason).
    async fn poll(&self, run: &mut RunContext, w: Waiting) -> Result<Polled, Error> {
        let Waiting { task, job } = w;
        let (tokens, calls) = (run.tokens(), run.calls());
        let status = match self
            .source
            .client
            .report_status(self.at, &job.upstream_id, &*tokens, &calls)
            .await
        {
            Ok(status) => status,
            // The upstream no longer knows it: given up on, and asked for again.
            Err(UpstreamError::Rejected { status: 404, .. }) => {
                let update = JobUpdate::Ended {
                    state: JobState::Abandoned,
                    reason: "the upstream no longer knows this report".into(),
                };
                run.update_job(&job, update).await?;
                return self.begin(run, task).await.map(Polled::Again);
            }
            Err(e) => return Err(e.into()),
        };
        let kind = task.kind;
        match status.get("status").and_then(Value::as_str) {
            Some("COMPLETED") => {
                let detail = json!({
                    "reportType": kind.report_type,
                    "startDate": task.range.0.to_string(),
                    "endDate": task.range.1.to_string(),
                    "region": self.at.0.as_str(),
                    "generatedAt": status.get("generatedAt"),
                    "fileSize": status.get("fileSize"),
                });
                let job = run
                    .update_job(&job, JobUpdate::Completed { detail })
                    .await?;
                run.report(
                    kind.stage,
                    task.event(
                        &job,
                        UpstreamReportState::Ready,
                        "generated; downloading".into(),
                    ),
                )
                .await?;
                let url = url_of(&status)?;
                let file = self.download(run, &job, url).await?;
                let rows = self.stage(run, task, &file).await?;
                run.loads_job(&job);
                run.report(
                    kind.stage,
                    task.event(
                        &job,
                        UpstreamReportState::Loaded,
                        format!("{rows} rows staged"),
                    ),
                )
                .await?;
                Ok(Polled::Loaded)
            }
            Some("FAILED") => {
                let reason = status
                    .get("failureReason")
                    .and_then(Value::as_str)
                    .unwrap_or("no reason given")
                    .to_owned();
                let update = JobUpdate::Ended {
                    state: JobState::Failed,
                    reason: reason.clone(),
                };
                let job = run.update_job(&job, update).await?;
                run.report(
                    kind.stage,
                    task.event(&job, UpstreamReportState::Failed, reason.clone()),
                )
                .await?;
                Ok(Polled::Failed(format!(
                    "report {} {} of {}..{} failed upstream: {reason}",
                    kind.report_type, job.upstream_id, task.range.0, task.range.1
                )))
            }
            Some("PENDING" | "PROCESSING") => {
                let now = run.now();
                let waited = now - job.created_at;
                let limit =
                    TimeDelta::from_std(self.source.reports.max_wait).unwrap_or(TimeDelta::MAX);
                if waited > limit {
                    return Err(Error::UpstreamJob(format!(
                        "report {} {} of {}..{} is not ready after {} minutes; it stays recorded and the next sync waits on it again",
                        kind.report_type,
                        job.upstream_id,
                        task.range.0,
                        task.range.1,
                        waited.num_minutes()
                    )));
                }
                let delay = backoff(
                    self.source.reports.first_poll,
                    self.source.reports.max_poll,
                    job.polls,
                );
                let next_poll_at = now + TimeDelta::from_std(delay).unwrap_or(TimeDelta::MAX);
                let first_check = job.polls == 0;
                let job = run
                    .update_job(&job, JobUpdate::Polled { next_poll_at })
                    .await?;
                if first_check {
                    let said = status.get("status").and_then(Value::as_str).unwrap_or("");
                    run.report(
                        kind.stage,
                        task.event(
                            &job,
                            UpstreamReportState::Pending,
                            format!("{said} upstream"),
                        ),
                    )
                    .await?;
                }
                Ok(Polled::Again(Waiting { task, job }))
            }
            other => Err(UpstreamError::Malformed(format!(
                "/reporting/reports/{{id}}: unknown status {other:?}"
            ))
            .into()),
        }
    }

    /// The report's file; an expired URL is replaced by a fresh one from a status check.
    async fn download(
        &self,
        run: &mut RunContext,
        job: &Job,
        first_url: String,
    ) -> Result<Vec<u8>, Error> {
        let (tokens, calls) = (run.tokens(), run.calls());
        let mut url = first_url;
        let mut renewals = 0;
        loop {
            match self.source.client.download(&url, &calls).await {
                Ok(file) => return Ok(file),
                // S3 refuses an expired presigned URL with 403 (or 400).
                Err(UpstreamError::Rejected { status, .. })
                    if (status == 403 || status == 400) && renewals < URL_RENEWALS =>
                {
                    renewals += 1;
                    tracing::info!(report_id = %job.upstream_id, "the download URL expired; asking for a fresh one");
                    let status = self
                        .source
                        .client
                        .report_status(self.at, &job.upstream_id, &*tokens, &calls)
                        .await?;
                    url = url_of(&status)?;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Parses the file row by row (a bad row becomes a sync error) and stages the rows;
    /// returns how many were staged.
    async fn stage(&self, run: &mut RunContext, task: Task, file: &[u8]) -> Result<usize, Error> {
        let kind = task.kind;
        let rows: Vec<&RawValue> = serde_json::from_slice(file).map_err(|e| {
            UpstreamError::Malformed(format!(
                "report {}: not a JSON array: {e}",
                kind.report_type
            ))
        })?;
        let profile_id = self.at.1;
        let mut batch = Vec::with_capacity(rows.len().min(STAGE_BATCH));
        let mut staged = 0;
        for raw in rows {
            run.count(kind.entity).fetched += 1;
            let parsed = ReportRow::parse(raw).and_then(|row| match kind.table.missing(&row) {
                Some(why) => Err(super::records::Invalid {
                    upstream_id: Some(row.campaign_id.to_string()),
                    reason: why.to_owned(),
                }),
                None if row.date < task.range.0 || row.date > task.range.1 => {
                    Err(super::records::Invalid {
                        upstream_id: Some(row.campaign_id.to_string()),
                        reason: format!(
                            "date {} is outside the report's range {}..{}",
                            row.date, task.range.0, task.range.1
                        ),
                    })
                }
                None => Ok(row),
            });
            match parsed {
                Ok(row) => batch.push(row),
                Err(invalid) => {
                    let value: Value = serde_json::from_str(raw.get()).unwrap_or(Value::Null);
                    run.invalid(kind.entity, invalid.upstream_id, invalid.reason, &value)
                        .await?;
                }
            }
            if batch.len() >= STAGE_BATCH {
                staged += run
                    .stage(kind.table.spec(), kind.table.encode(profile_id, &batch))
                    .await?;
                batch.clear();
            }
        }
        staged += run
            .stage(kind.table.spec(), kind.table.encode(profile_id, &batch))
            .await?;
        Ok(staged)
    }
}

/// The download URL of a completed report.
fn url_of(status: &Value) -> Result<String, Error> {
    status
        .get("url")
        .and_then(Value::as_str)
        .filter(|u| !u.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| UpstreamError::Malformed("a COMPLETED report without a url".into()).into())
}

/// The wait after the `polls`-th status check: doubling from `first`, at most `max`.
fn backoff(first: Duration, max: Duration, polls: i32) -> Duration {
    let factor = 1u32 << polls.clamp(0, 20);
    first.saturating_mul(factor).min(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_cut_into_slices_of_at_most_31_days_without_gaps() {
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        let cut = slices((day(8, 29), day(12, 1)));
        assert_eq!(cut.len(), 4);
        assert_eq!(cut[0], (day(8, 29), day(9, 28)));
        assert_eq!(cut[3].1, day(12, 1));
        for pair in cut.windows(2) {
            assert_eq!(pair[0].1 + Days::new(1), pair[1].0);
        }
        assert!(cut.iter().all(|(s, e)| (*e - *s).num_days() < 31));
        assert_eq!(slices((day(1, 1), day(1, 1))), vec![(day(1, 1), day(1, 1))]);
    }

    #[test]
    fn polling_backs_off_up_to_the_longest_wait() {
        let (first, max) = (Duration::from_secs(5), Duration::from_secs(300));
        assert_eq!(backoff(first, max, 0), Duration::from_secs(5));
        assert_eq!(backoff(first, max, 3), Duration::from_secs(40));
        assert_eq!(backoff(first, max, 10), max);
        assert_eq!(backoff(first, max, 1000), max);
    }

    #[test]
    fn every_report_asks_for_its_grain_ids_the_date_and_the_metrics_daily() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        for kind in KINDS {
            let body = kind.body((day, day));
            let c = &body["configuration"];
            assert_eq!(c["timeUnit"], "DAILY");
            assert_eq!(c["format"], "GZIP_JSON");
            let columns: Vec<&str> = c["columns"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            assert!(columns.contains(&"date"));
            assert!(columns.contains(&"campaignId"));
            assert!(columns.contains(&"sales14d"));
        }
    }
}

//! [`RunContext`]: what a source's fetch sees of its run — the account and window, the
//! upstream tokens and call counter, and the platform's services: events, counts, sync
//! errors, staging and durable upstream jobs. Every database call here borrows a pooled
//! connection for one short statement or transaction and gives it back.

use std::sync::Arc;

use adsync_proto::ingestion::{
    EntityCount, StageCompleted, StageProgress, StageStarted, SyncEntity, SyncStage, SyncWarning,
    sync_event,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use super::Platform;
use super::accounts::UpstreamState;
use super::emitter::Emitter;
use super::jobs::{self, Job, JobUpdate, NewJob};
use super::model::{Counts, RunCounts, RunRow};
use crate::error::Error;
use crate::runs::entity_name;
use crate::store::{CopyBuffer, Staging, TableSpec, sync_errors};
use crate::upstream::{CallCounter, TokenSource};

/// One run, as its source's fetch sees it.
pub(crate) struct RunContext {
    pub(super) platform: Arc<Platform>,
    pub(super) run: RunRow,
    pub(super) emitter: Emitter,
    pub(super) staging: Staging,
    pub(super) tokens: Arc<dyn TokenSource>,
    pub(super) calls: Arc<CallCounter>,
    pub(super) counts: RunCounts,
    /// Invalid records skipped so far.
    pub(super) invalid: i64,
    /// Jobs whose results this run loads: consumed when it commits.
    pub(super) loaded_jobs: Vec<uuid::Uuid>,
    /// What the upstream said at the account's last committed sync.
    pub(super) stored_state: Option<UpstreamState>,
    /// What it says now, stored when this run commits.
    pub(super) upstream_state: Option<UpstreamState>,
    /// Tables whose staging holds every row the upstream lists now.
    pub(super) whole: Vec<&'static str>,
}

impl RunContext {
    /// The account's id at its source.
    pub(crate) fn account_id(&self) -> i64 {
        self.run.account_id
    }

    /// The days this run fetches, inclusive.
    pub(crate) fn window(&self) -> (NaiveDate, NaiveDate) {
        self.run.window().expect("a running run has a window")
    }

    /// What the upstream said about the account's data at its last committed sync.
    pub(crate) fn stored_upstream_state(&self) -> Option<&UpstreamState> {
        self.stored_state.as_ref()
    }

    /// What the upstream says now (its version, the hash of what was read): stored
    /// with the run's commit, for the freshness gate and the next run to compare.
    pub(crate) fn set_upstream_state(&mut self, state: UpstreamState) {
        self.upstream_state = Some(state);
    }

    /// Says the staging of `spec` holds every row the upstream lists now: the merge
    /// marks the account's stored rows that are not staged (see
    /// [`crate::store::MarkMissing`]).
    pub(crate) fn staged_whole(&mut self, spec: &'static TableSpec) {
        if !self.whole.contains(&spec.table) {
            self.whole.push(spec.table);
        }
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.platform.clock.now()
    }

    /// The account's connection's upstream tokens.
    pub(crate) fn tokens(&self) -> Arc<dyn TokenSource> {
        self.tokens.clone()
    }

    /// The run's upstream calls.
    pub(crate) fn calls(&self) -> Arc<CallCounter> {
        self.calls.clone()
    }

    /// The counts of `entity` (fetched is the source's to keep; the merge fills the rest).
    pub(crate) fn count(&mut self, entity: SyncEntity) -> &mut Counts {
        self.counts.entry(entity)
    }

    pub(crate) async fn stage_started(&mut self, stage: SyncStage) -> Result<(), Error> {
        self.emitter
            .emit(
                stage,
                sync_event::Payload::StageStarted(StageStarted { planned: 0 }),
            )
            .await
    }

    /// `done` of `total` work units (pages, requests) of `stage`, with `entity`'s records so far.
    pub(crate) async fn progress(
        &mut self,
        stage: SyncStage,
        done: usize,
        total: usize,
        entity: SyncEntity,
    ) -> Result<(), Error> {
        let progress = StageProgress {
            done: done as i64,
            total: total as i64,
            records: self.count(entity).fetched,
            upstream_calls: self.calls.calls() as i64,
        };
        self.emitter
            .emit(stage, sync_event::Payload::StageProgress(progress))
            .await
    }

    pub(crate) async fn stage_completed(
        &mut self,
        stage: SyncStage,
        entity: SyncEntity,
    ) -> Result<(), Error> {
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

    /// Something worth telling that does not fail the run (`code` is machine-readable).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) async fn warn(
        &mut self,
        code: &str,
        message: String,
        entity: SyncEntity,
    ) -> Result<(), Error> {
        let warning = SyncWarning {
            code: code.to_owned(),
            message,
            entity: entity as i32,
            upstream_id: String::new(),
        };
        self.emitter
            .emit(
                SyncStage::Unspecified,
                sync_event::Payload::Warning(warning),
            )
            .await
    }

    /// Skips one record: kept in sync_errors with its raw form and the reason, told as a
    /// warning. The run goes on (and ends PARTIAL).
    pub(crate) async fn invalid(
        &mut self,
        entity: SyncEntity,
        upstream_id: Option<String>,
        reason: String,
        raw: &Value,
    ) -> Result<(), Error> {
        self.count(entity).invalid += 1;
        self.invalid += 1;
        let (run_id, source, account_id) =
            (self.run.id, self.run.source.clone(), self.run.account_id);
        let (id, why, raw) = (upstream_id.clone(), reason.clone(), raw.clone());
        self.platform
            .db
            .run(move |conn| {
                sync_errors::record(
                    conn,
                    &sync_errors::SyncError {
                        run_id,
                        source: source.as_str(),
                        account_id,
                        entity: &entity_name(entity),
                        upstream_id: id.as_deref(),
                        reason: &why,
                        raw: &raw,
                    },
                )
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

    /// Skips many records at once, like [`RunContext::invalid`] but in one database
    /// trip and with one warning that counts them (a list with thousands of bad rows
    /// does not make thousands of events).
    pub(crate) async fn invalid_many(
        &mut self,
        entity: SyncEntity,
        records: Vec<sync_errors::Refused>,
    ) -> Result<(), Error> {
        if records.is_empty() {
            return Ok(());
        }
        let n = records.len() as i64;
        self.count(entity).invalid += n;
        self.invalid += n;
        let first = records[0].reason.clone();
        let (run_id, source, account_id) =
            (self.run.id, self.run.source.clone(), self.run.account_id);
        let name = entity_name(entity);
        self.platform
            .db
            .run(move |conn| {
                sync_errors::record_many(conn, run_id, source.as_str(), account_id, &name, &records)
                    .map_err(Error::from)
            })
            .await?;
        let warning = SyncWarning {
            code: "INVALID_RECORDS".into(),
            message: format!("{n} invalid record(s) skipped; the first: {first}"),
            entity: entity as i32,
            upstream_id: String::new(),
        };
        self.emitter
            .emit(
                SyncStage::Unspecified,
                sync_event::Payload::Warning(warning),
            )
            .await
    }

    /// COPYs `rows` (encoded in `spec`'s column order) into the run's staging table of
    /// `spec`; returns the rows staged.
    pub(crate) async fn stage(
        &mut self,
        spec: &'static TableSpec,
        rows: CopyBuffer,
    ) -> Result<usize, Error> {
        if rows.rows() == 0 {
            return Ok(0);
        }
        let staging = self.staging.clone();
        self.platform
            .db
            .run(move |conn| staging.copy(conn, spec, rows.bytes()).map_err(Error::from))
            .await
    }
}

/// Durable upstream jobs (see [`jobs`]): Amazon Ads reports, and the platform's own tests
/// through a test-only source.
impl RunContext {
    /// Where one of the run's upstream reports is, told as an event of `stage`.
    pub(crate) async fn report(
        &mut self,
        stage: SyncStage,
        report: adsync_proto::ingestion::UpstreamReport,
    ) -> Result<(), Error> {
        self.emitter
            .emit(stage, sync_event::Payload::Report(report))
            .await
    }

    /// The open job of this request (`kind` + `fingerprint`), if one was recorded: by an
    /// earlier run, another replica or a process that has since died.
    pub(crate) async fn find_job(
        &self,
        kind: &str,
        fingerprint: &str,
    ) -> Result<Option<Job>, Error> {
        let (source, account) = (self.run.source.clone(), self.run.account_id);
        let (kind, fingerprint) = (kind.to_owned(), fingerprint.to_owned());
        self.platform
            .db
            .run(move |conn| {
                jobs::find_open(conn, &source, account, &kind, &fingerprint).map_err(Error::from)
            })
            .await
    }

    /// Records that the upstream accepted the request (`upstream_id`), before waiting on
    /// it. Should another run have recorded the same request meanwhile, its job is
    /// returned instead.
    pub(crate) async fn record_job(
        &self,
        kind: &str,
        fingerprint: &str,
        upstream_id: &str,
        detail: Value,
        next_poll_at: DateTime<Utc>,
    ) -> Result<Job, Error> {
        let (source, account, run_id, now) = (
            self.run.source.clone(),
            self.run.account_id,
            self.run.id,
            self.now(),
        );
        let (kind, fingerprint, upstream_id) = (
            kind.to_owned(),
            fingerprint.to_owned(),
            upstream_id.to_owned(),
        );
        self.platform
            .db
            .run(move |conn| {
                jobs::record(
                    conn,
                    &NewJob {
                        source: &source,
                        account_id: account,
                        kind: &kind,
                        fingerprint: &fingerprint,
                        upstream_id: &upstream_id,
                        detail,
                        next_poll_at,
                        run_id,
                        now,
                    },
                )
                .map_err(Error::from)
            })
            .await
    }

    /// Applies `update` to `job`; the job as it is now.
    pub(crate) async fn update_job(&self, job: &Job, update: JobUpdate) -> Result<Job, Error> {
        let (id, run_id, now) = (job.id, self.run.id, self.now());
        self.platform
            .db
            .run(move |conn| jobs::update(conn, id, run_id, &update, now).map_err(Error::from))
            .await
    }

    /// This run loads `job`'s result: the job is consumed when the run commits (and stays
    /// open for the next run if it does not).
    pub(crate) fn loads_job(&mut self, job: &Job) {
        self.loaded_jobs.push(job.id);
    }
}

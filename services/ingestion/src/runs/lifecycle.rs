//! A run's life. Claimed (single flight per source and account, replacing a run whose
//! process is gone), started, queued for one of this replica's sync slots, fetched by
//! its source into its staging (no connection or transaction held while fetching), then
//! ended in one short transaction: the merge, the run's outcome and its last event
//! commit together — or, when anything fails, the run ends FAILED with the reason and
//! the warehouse is untouched.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use adsync_proto::ingestion::{
    DateRange, RunFinished, RunQueued, RunStarted, StageStarted, SyncStage, sync_event,
};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use futures::FutureExt;

use super::accounts::{self, AccountRow};
use super::context::RunContext;
use super::emitter::{Emitter, EventRun, event};
use super::events;
use super::jobs;
use super::model::{Outcome, RunCounts, RunRow, RunStatus};
use super::presence;
use super::store::{self, NewRun};
use super::{Platform, run_proto};
use crate::error::Error;
use crate::sources::Source;
use crate::store::{MergeTarget, Staging, merge};
use crate::upstream::CallCounter;

/// What claiming an account for a run found.
#[derive(Debug)]
pub(crate) enum Claim {
    /// The run is stored and running; `replaced` is the run of a dead process that was
    /// failed to make way for it.
    Started {
        row: RunRow,
        replaced: Option<RunRow>,
    },
    /// The account was syncing already, in a live process: join that run.
    Joined(RunRow),
}

/// Why a run whose process died ended.
pub(crate) const OWNER_GONE: &str = "the ingestion process running it stopped (crash or restart) before it \
     finished; nothing of it was stored";

/// Claims the account for `run`: stores it as running unless the account already has a
/// running run. That run is joined if its process lives; if its process is gone, it is
/// failed (with its last event, so its watchers end) and `run` takes its place, in one
/// transaction.
pub(crate) fn claim(
    conn: &mut PgConnection,
    platform: &Platform,
    run: &NewRun,
) -> Result<Claim, Error> {
    // A concurrent claimer may change what is there between the steps: a few tries.
    for _ in 0..5 {
        if let Some(row) = store::insert_running(conn, run)? {
            return Ok(Claim::Started {
                row,
                replaced: None,
            });
        }
        let claimed = conn.transaction::<_, Error, _>(|conn| {
            let Some(current) = store::running(conn, &run.source, run.account_id, true)? else {
                return Ok(None);
            };
            if !presence::is_gone(conn, current.owner)? {
                return Ok(Some(Claim::Joined(current)));
            }
            let Some(failed) =
                record_failure(conn, platform, current.id, &Failure::reason(OWNER_GONE))?
            else {
                return Ok(None);
            };
            let row = store::insert_running(conn, run)?
                .ok_or_else(|| Error::Internal("the account was claimed twice".into()))?;
            Ok(Some(Claim::Started {
                row,
                replaced: Some(failed),
            }))
        })?;
        if let Some(claim) = claimed {
            return Ok(claim);
        }
    }
    Err(Error::Internal(
        "the account's running run kept changing; try again".into(),
    ))
}

/// How a failed run ended, and what it had done.
pub(crate) struct Failure {
    pub(crate) reason: String,
    pub(crate) counts: RunCounts,
    pub(crate) upstream_calls: i64,
    pub(crate) error_count: i64,
}

impl Failure {
    pub(crate) fn reason(reason: &str) -> Failure {
        Failure {
            reason: reason.to_owned(),
            counts: RunCounts::default(),
            upstream_calls: 0,
            error_count: 0,
        }
    }
}

/// Ends run `run_id` as FAILED with its last event, if it is still running (inside the
/// caller's transaction); the run as it ended.
pub(crate) fn record_failure(
    conn: &mut PgConnection,
    platform: &Platform,
    run_id: uuid::Uuid,
    failure: &Failure,
) -> Result<Option<RunRow>, Error> {
    let now = platform.clock.now();
    let outcome = Outcome {
        status: RunStatus::Failed,
        reason: failure.reason.clone(),
        counts: failure.counts.clone(),
        upstream_calls: failure.upstream_calls,
        error_count: failure.error_count,
        finished_at: now,
    };
    let Some(row) = store::finish(conn, run_id, &outcome)? else {
        return Ok(None);
    };
    let finished = RunFinished {
        status: RunStatus::Failed.to_proto() as i32,
        reason: row.reason.clone(),
        run: Some(run_proto(platform, &row)),
    };
    let last = event(
        platform,
        &EventRun::from(&row),
        row.last_sequence + 1,
        now,
        SyncStage::Done,
        sync_event::Payload::RunFinished(finished),
    );
    events::append(conn, &[last])?;
    Ok(Some(row))
}

/// Runs the claimed `run` to its end in a task of its own. A panic in it still ends the
/// run as FAILED, with the reason.
pub(crate) fn spawn(
    platform: Arc<Platform>,
    source: Arc<dyn Source>,
    run: RunRow,
    account: AccountRow,
    gate_reason: String,
) {
    let mut tasks = platform.tasks.lock().expect("lock");
    // Forget the tasks that ended.
    while tasks.try_join_next().is_some() {}
    let platform = platform.clone();
    tasks.spawn(async move {
        let run_id = run.id;
        let lived = AssertUnwindSafe(execute(platform.clone(), source, run, account, gate_reason))
            .catch_unwind()
            .await;
        if let Err(panic) = lived {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".to_owned());
            tracing::error!(%run_id, panic = %what, "a sync stopped on an internal error");
            let failure =
                Failure::reason(&format!("the sync stopped on an internal error: {what}"));
            end_failed(&platform, run_id, &Staging::of(run_id), failure).await;
        }
    });
}

async fn execute(
    platform: Arc<Platform>,
    source: Arc<dyn Source>,
    run: RunRow,
    account: AccountRow,
    gate_reason: String,
) {
    let run_id = run.id;
    let staging = Staging::of(run_id);
    let mut emitter = Emitter::new(platform.clone(), &run);
    let started = RunStarted {
        trigger: run.trigger.to_proto() as i32,
        force: run.force,
        date_range: run.window().map(|(s, e)| DateRange {
            start_date: s.to_string(),
            end_date: e.to_string(),
        }),
        gate_reason,
        worker: run.worker.clone(),
    };
    if let Err(e) = emitter
        .emit(SyncStage::Plan, sync_event::Payload::RunStarted(started))
        .await
    {
        end_failed(&platform, run_id, &staging, Failure::reason(&e.to_string())).await;
        return;
    }

    // One of this replica's slots; the wait is told as an event.
    let slot = match platform.slots.clone().try_acquire_owned() {
        Ok(slot) => slot,
        Err(_) => {
            let limit = platform.settings.max_concurrent_syncs;
            let queued = RunQueued {
                running: (limit - platform.slots.available_permits()) as i32,
                limit: limit as i32,
            };
            tracing::info!(%run_id, "sync queued: every slot of this replica is busy");
            let _ = emitter
                .emit(SyncStage::Plan, sync_event::Payload::RunQueued(queued))
                .await;
            platform
                .slots
                .clone()
                .acquire_owned()
                .await
                .expect("the slots are never closed")
        }
    };

    let tables = source.tables();
    let created = {
        let staging = staging.clone();
        platform
            .db
            .run(move |conn| staging.create(conn, tables).map_err(Error::from))
            .await
    };
    if let Err(e) = created {
        end_failed(
            &platform,
            run_id,
            &staging,
            Failure::reason(&format!("cannot stage: {e}")),
        )
        .await;
        return;
    }
    let tokens = platform.auth.tokens(&account.connection_id);
    let mut ctx = RunContext {
        platform: platform.clone(),
        run,
        emitter,
        staging: staging.clone(),
        tokens,
        calls: Arc::new(CallCounter::default()),
        counts: RunCounts::default(),
        invalid: 0,
        loaded_jobs: Vec::new(),
        stored_state: account
            .upstream_version
            .clone()
            .zip(account.content_hash.clone())
            .map(|(version, content_hash)| accounts::UpstreamState {
                version,
                content_hash,
            }),
        upstream_state: None,
        whole: Vec::new(),
    };
    let fetched = source.fetch(&mut ctx).await;
    let ended = match fetched {
        Ok(()) => commit(&mut ctx, source.as_ref()).await,
        Err(e) => Err(e),
    };
    match ended {
        Ok(row) => {
            platform.bell.ring();
            tracing::info!(%run_id, source = %row.source, account_id = row.account_id, status = row.status.as_str(), upstream_calls = row.upstream_calls, "sync finished");
        }
        Err(e) => {
            tracing::warn!(%run_id, error = %e, "sync failed");
            let failure = Failure {
                reason: e.to_string(),
                counts: ctx.counts.clone(),
                upstream_calls: ctx.calls.calls() as i64,
                error_count: ctx.invalid,
            };
            end_failed(&platform, run_id, &staging, failure).await;
        }
    }
    drop(slot);
}

/// The commit: merge the staging into the warehouse, record the outcome and the last
/// event, drop the staging — one transaction, under the account's write lock.
async fn commit(ctx: &mut RunContext, source: &dyn Source) -> Result<RunRow, Error> {
    ctx.emitter
        .emit(
            SyncStage::Write,
            sync_event::Payload::StageStarted(StageStarted { planned: 0 }),
        )
        .await?;
    let platform = ctx.platform.clone();
    let tables = source.tables();
    let staging = ctx.staging.clone();
    let run = ctx.run.clone();
    let mut counts = ctx.counts.clone();
    let invalid = ctx.invalid;
    let calls = ctx.calls.calls() as i64;
    let jobs_loaded = ctx.loaded_jobs.clone();
    let upstream_state = ctx.upstream_state.clone();
    let whole = ctx.whole.clone();
    let now = platform.clock.now();
    let writer = platform.clone();
    platform
        .db
        .run(move |conn| {
            conn.transaction::<RunRow, Error, _>(|conn| {
                diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
                    .bind::<BigInt, _>(write_lock_key(run.source.as_str(), run.account_id))
                    .execute(conn)?;
                let target = MergeTarget {
                    run_id: run.id,
                    source: run.source.as_str(),
                    account_id: run.account_id,
                    now,
                    window: run.window(),
                    whole: &whole,
                };
                let reports = merge(conn, &staging, tables, target)?;
                let mut errors = invalid;
                for (spec, report) in &reports {
                    let c = counts.entry(spec.entity);
                    c.written = report.written;
                    c.unchanged = report.unchanged;
                    c.invalid += report.orphans;
                    errors += report.orphans;
                }
                if let Some((_, end)) = run.window() {
                    accounts::set_synced_through(conn, &run.source, run.account_id, end, now)?;
                }
                jobs::consume(conn, &jobs_loaded, run.id, now)?;
                if let Some(state) = &upstream_state {
                    accounts::set_upstream_state(conn, &run.source, run.account_id, state, now)?;
                }
                let (status, reason) = if errors > 0 {
                    (
                        RunStatus::Partial,
                        format!("{errors} invalid record(s) skipped; see sync errors"),
                    )
                } else {
                    (RunStatus::Success, "all records stored".to_owned())
                };
                let outcome = Outcome {
                    status,
                    reason,
                    counts,
                    upstream_calls: calls,
                    error_count: errors,
                    finished_at: now,
                };
                // Still running? If another replica failed it meanwhile (its process was
                // thought gone), this rolls back and the warehouse stays as it was.
                let row = store::finish(conn, run.id, &outcome)?.ok_or_else(|| {
                    Error::Internal(
                        "the run was ended by another replica before it committed".into(),
                    )
                })?;
                staging.drop_all(conn)?;
                let finished = RunFinished {
                    status: row.status.to_proto() as i32,
                    reason: row.reason.clone(),
                    run: Some(run_proto(&writer, &row)),
                };
                // Last: the events lock is held only from here to the commit.
                let last = event(
                    &writer,
                    &EventRun::from(&row),
                    row.last_sequence + 1,
                    now,
                    SyncStage::Done,
                    sync_event::Payload::RunFinished(finished),
                );
                events::append(conn, &[last])?;
                Ok(row)
            })
        })
        .await
}

/// Ends the run as FAILED (if it is still running) and drops its staging. Best effort:
/// if the database cannot be reached, the run stays running under this live process
/// until housekeeping or a restart ends it.
async fn end_failed(
    platform: &Arc<Platform>,
    run_id: uuid::Uuid,
    staging: &Staging,
    failure: Failure,
) {
    let writer = platform.clone();
    let staging = staging.clone();
    let ended = platform
        .db
        .run(move |conn| {
            conn.transaction::<_, Error, _>(|conn| {
                let row = record_failure(conn, &writer, run_id, &failure)?;
                staging.drop_all(conn)?;
                Ok(row)
            })
        })
        .await;
    match ended {
        Ok(_) => platform.bell.ring(),
        Err(e) => tracing::error!(%run_id, error = %e, "cannot record the failure of a sync"),
    }
}

/// The advisory-lock key under which a run of (source, account) merges: one writer of an
/// account's rows at a time, whatever happens to the runs.
pub(crate) fn write_lock_key(source: &str, account_id: i64) -> i64 {
    let hash = format!("sync:{source}:{account_id}")
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    hash as i64
}

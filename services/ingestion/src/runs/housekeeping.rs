//! Work every replica does in the background, safe with many replicas at once:
//! - failing the runs whose process is gone (at start-up, whatever their age, and then
//!   regularly), each with its last event so its watchers end;
//! - dropping the staging of every run that is no longer running;
//! - triggering SCHEDULED syncs of due accounts (claimed with `FOR UPDATE SKIP LOCKED`);
//!   the freshness gate decides whether each runs.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use diesel::Connection;
use diesel::connection::SimpleConnection;

use super::lifecycle::{Failure, OWNER_GONE, record_failure};
use super::model::{RunStatus, Trigger};
use super::{Platform, SyncRequest, accounts, presence, start, store};
use crate::error::Error;
use crate::store::Staging;

/// How often housekeeping runs, whether or not this replica schedules syncs.
pub(crate) const HOUSEKEEPING_INTERVAL: Duration = Duration::from_secs(30);

/// Fails every running run whose process is gone. Returns how many.
pub(crate) async fn reap_orphaned_runs(platform: &Arc<Platform>) -> Result<usize, Error> {
    let writer = platform.clone();
    let reaped = platform
        .db
        .run(move |conn| {
            let running = store::all_running(conn)?;
            let mut by_owner: BTreeMap<Option<i32>, Vec<uuid::Uuid>> = BTreeMap::new();
            for run in running {
                by_owner.entry(run.owner).or_default().push(run.id);
            }
            let mut reaped = Vec::new();
            for (owner, runs) in by_owner {
                if owner == Some(writer.worker.owner) {
                    continue;
                }
                // The owner's lock, when free, is held until this transaction ends: the
                // process cannot come back under it meanwhile.
                let failed = conn.transaction::<_, Error, _>(|conn| {
                    if !presence::is_gone(conn, owner)? {
                        return Ok(Vec::new());
                    }
                    let mut failed = Vec::new();
                    for id in runs {
                        if let Some(row) =
                            record_failure(conn, &writer, id, &Failure::reason(OWNER_GONE))?
                        {
                            failed.push(row);
                        }
                    }
                    Ok(failed)
                })?;
                reaped.extend(failed);
            }
            Ok::<_, Error>(reaped)
        })
        .await?;
    for row in &reaped {
        tracing::warn!(run_id = %row.id, source = %row.source, account_id = row.account_id, "failed a run whose process is gone");
    }
    if !reaped.is_empty() {
        platform.bell.ring();
    }
    Ok(reaped.len())
}

/// Drops the staging of every run that is not running (ended, or never stored). A
/// staging table still read by a dying session's statement is left for the next sweep.
pub(crate) async fn sweep_staging(platform: &Platform) -> Result<usize, Error> {
    platform
        .db
        .run(|conn| {
            let mut dropped = 0;
            for (staging, run_id) in Staging::all(conn)? {
                let running = store::get(conn, run_id)?
                    .is_some_and(|r| r.status == RunStatus::Running);
                if running {
                    continue;
                }
                let gone = conn.transaction::<_, diesel::result::Error, _>(|conn| {
                    conn.batch_execute("SET LOCAL lock_timeout = '1s'")?;
                    staging.drop_all(conn)
                });
                match gone {
                    Ok(()) => dropped += 1,
                    Err(e) => tracing::info!(schema = staging.schema(), error = %e, "staging left for the next sweep"),
                }
            }
            Ok::<_, Error>(dropped)
        })
        .await
}

/// Claims the accounts due for a scheduled sync (moving their next time on) and starts
/// a SCHEDULED sync for each.
pub(crate) async fn schedule_due(
    platform: &Arc<Platform>,
    interval: Duration,
) -> Result<usize, Error> {
    let now = platform.clock.now();
    let next = now + TimeDelta::from_std(interval).unwrap_or(TimeDelta::minutes(15));
    let due = platform
        .db
        .run(move |conn| accounts::claim_due(conn, now, next, 100).map_err(Error::from))
        .await?;
    for (source, account_id) in &due {
        let Some(found) = platform.sources.get(source) else {
            tracing::warn!(%source, account_id, "an account of a source this replica does not serve is due; skipped");
            continue;
        };
        let request = SyncRequest {
            reach: adsync_server::Reach::Platform,
            source: found.clone(),
            account_id: *account_id,
            trigger: Trigger::Scheduled,
            force: false,
            range: None,
        };
        if let Err(e) = start(platform, request).await {
            tracing::warn!(%source, account_id, error = %e, "cannot start a scheduled sync");
        }
    }
    Ok(due.len())
}

/// Reaps and sweeps now, then every [`HOUSEKEEPING_INTERVAL`]; schedules due accounts
/// every `schedule` when given. Runs until the process ends.
pub(crate) async fn run(platform: Arc<Platform>, schedule: Option<Duration>) {
    let mut housekeeping = tokio::time::interval(HOUSEKEEPING_INTERVAL);
    housekeeping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut scheduling = tokio::time::interval(schedule.unwrap_or(Duration::from_secs(3600)));
    scheduling.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = housekeeping.tick() => {
                if let Err(e) = reap_orphaned_runs(&platform).await {
                    tracing::warn!(error = %e, "cannot reap orphaned runs");
                }
                if let Err(e) = sweep_staging(&platform).await {
                    tracing::warn!(error = %e, "cannot sweep staging");
                }
            }
            _ = scheduling.tick(), if schedule.is_some() => {
                let interval = schedule.expect("scheduling");
                match schedule_due(&platform, interval).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(accounts = n, "scheduled syncs triggered"),
                    Err(e) => tracing::warn!(error = %e, "cannot schedule syncs"),
                }
            }
        }
    }
}

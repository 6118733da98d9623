//! Work every replica does in the background: failing runs whose worker died, and
//! triggering SCHEDULED syncs of due accounts. Both are safe with many replicas: the
//! reaper only takes runs whose account lock is free, the scheduler claims accounts with
//! `FOR UPDATE SKIP LOCKED`.

use std::time::Duration;

use adsync_proto::ingestion::{RunFinished, SyncStage, SyncStatus, SyncTrigger, sync_event};
use chrono::TimeDelta;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text, Timestamptz, Uuid as SqlUuid};

use super::{Emitter, SyncRequest, runs};
use crate::error::Error;
use crate::service::IngestionApi;

/// A running run silent for longer than this may be orphaned (its lock decides).
const SILENCE: TimeDelta = TimeDelta::seconds(30);

/// Fails the runs whose worker is gone: still `running`, silent for a while, and nobody
/// holds their account's sync lock. Returns how many were failed.
pub(crate) async fn reap_orphaned_runs(api: &IngestionApi) -> Result<usize, Error> {
    let cutoff = api.clock.now() - SILENCE;
    let reaped = api
        .db
        .run(move |conn| {
            #[derive(QueryableByName)]
            struct Candidate {
                #[diesel(sql_type = SqlUuid)]
                id: uuid::Uuid,
                #[diesel(sql_type = BigInt)]
                account_id: i64,
            }
            let candidates: Vec<Candidate> =
                diesel::sql_query("SELECT id, account_id FROM sync_runs WHERE status = 'running' AND heartbeat_at < $1")
                    .bind::<Timestamptz, _>(cutoff)
                    .load(conn)?;
            let mut reaped = Vec::new();
            for c in candidates {
                let failed = conn.transaction::<_, diesel::result::Error, _>(|conn| {
                    #[derive(QueryableByName)]
                    struct Free {
                        #[diesel(sql_type = Bool)]
                        free: bool,
                    }
                    let free: Free = diesel::sql_query("SELECT pg_try_advisory_xact_lock($1) AS free")
                        .bind::<BigInt, _>(super::engine::lock_key(c.account_id))
                        .get_result(conn)?;
                    if !free.free {
                        return Ok(None);
                    }
                    let outcome = runs::Outcome {
                        status: "failed",
                        reason: "the worker stopped before the run finished (crash or restart); nothing of it was stored".into(),
                        entity_counts: serde_json::json!({}),
                        upstream_calls: 0,
                        error_count: 0,
                        finished_at: chrono::Utc::now(),
                    };
                    runs::finish(conn, c.id, &outcome)
                })?;
                if let Some(row) = failed {
                    reaped.push(row);
                }
            }
            Ok::<_, Error>(reaped)
        })
        .await?;
    for row in &reaped {
        tracing::warn!(run_id = %row.id, account_id = row.account_id, "failed an orphaned run");
        // Its watchers are waiting for a last event: give them one.
        let mut emitter = Emitter::new(api.clone(), row.id, row.account_id);
        emitter.resume_after(row.last_sequence);
        let finished = RunFinished {
            status: SyncStatus::Failed as i32,
            reason: row.reason.clone(),
            run: Some(super::run_proto(row)),
        };
        emitter
            .emit(SyncStage::Done, sync_event::Payload::RunFinished(finished))
            .await?;
    }
    Ok(reaped.len())
}

/// Claims the accounts due for a scheduled sync (moving their next time on) and starts
/// a SCHEDULED sync for each; the freshness gate decides whether it runs.
pub(crate) async fn schedule_due(api: &IngestionApi, interval: Duration) -> Result<usize, Error> {
    let now = api.clock.now();
    let next = now + TimeDelta::from_std(interval).unwrap_or(TimeDelta::minutes(15));
    let due: Vec<i64> = api
        .db
        .run(move |conn| {
            #[derive(QueryableByName)]
            struct Due {
                #[diesel(sql_type = BigInt)]
                account_id: i64,
            }
            let rows: Vec<Due> = diesel::sql_query(
                "UPDATE sync_accounts SET next_scheduled_at = $2 WHERE account_id IN (\
                   SELECT account_id FROM sync_accounts WHERE schedule_enabled AND next_scheduled_at <= $1 \
                   AND status <> $3 ORDER BY next_scheduled_at LIMIT 100 FOR UPDATE SKIP LOCKED) RETURNING account_id",
            )
            .bind::<Timestamptz, _>(now)
            .bind::<Timestamptz, _>(next)
            .bind::<Text, _>("REMOVED")
            .load(conn)?;
            Ok::<_, Error>(rows.into_iter().map(|r| r.account_id).collect())
        })
        .await?;
    for account_id in &due {
        let request = SyncRequest {
            account_id: *account_id,
            trigger: SyncTrigger::Scheduled,
            force: false,
            range: None,
        };
        if let Err(e) = super::start(api, request).await {
            tracing::warn!(account_id, error = %e, "cannot start a scheduled sync");
        }
    }
    Ok(due.len())
}

/// Reaps orphans and schedules due accounts every `interval`, until the process ends.
pub(crate) async fn run(api: IngestionApi, interval: Duration) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        if let Err(e) = reap_orphaned_runs(&api).await {
            tracing::warn!(error = %e, "cannot reap orphaned runs");
        }
        match schedule_due(&api, interval).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(accounts = n, "scheduled syncs triggered"),
            Err(e) => tracing::warn!(error = %e, "cannot schedule syncs"),
        }
    }
}

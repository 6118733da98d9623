//! The freshness gate: a SCHEDULED request (not forced) for an account whose last
//! successful sync is younger than the TTL is recorded as a skipped run, with its two
//! events, and makes no upstream call. The decision reads the account's row (it carries
//! the last success) and a skipped run is stored in the same trip: the gate answers fast.
//! Past the TTL, a source whose upstream versions its data (a spreadsheet's Drive
//! version) is asked once: an unchanged version skips the run too.

use std::sync::Arc;

use adsync_proto::ingestion::{
    RunFinished, RunStarted, SyncStage, SyncStatus, SyncTrigger, sync_event,
};

use super::accounts::{self, AccountRow};
use super::emitter::{EventRun, event};
use super::model::{RunRow, Trigger};
use super::store::{self, NewRun};
use super::{Platform, SyncRequest, run_proto};
use crate::error::Error;

pub(crate) enum Decision {
    /// Skipped and recorded: the run as stored.
    Skipped(RunRow),
    /// Go ahead: the account to sync.
    Run(AccountRow),
}

/// Decides whether `req` runs; NOT_FOUND when the source does not know the account, or
/// it is another workspace's.
pub(crate) async fn check(platform: &Arc<Platform>, req: &SyncRequest) -> Result<Decision, Error> {
    let gated = req.trigger == Trigger::Scheduled && !req.force;
    let source = req.source.name();
    let account_id = req.account_id;
    let now = platform.clock.now();
    let ttl = platform.settings.freshness_ttl;
    let skip = NewRun {
        id: uuid::Uuid::now_v7(),
        source: source.clone(),
        account_id,
        trigger: req.trigger,
        force: req.force,
        window: None,
        worker: platform.worker.name.clone(),
        owner: platform.worker.owner,
        now,
    };
    let writer = platform.clone();
    let lookup = source.clone();
    let ttl_skip = skip.clone();
    let reach = req.reach;
    let decision = platform
        .db
        .run(move |conn| {
            let Some(account) = accounts::find_in_reach(conn, &lookup, account_id, reach)? else {
                return Ok(None);
            };
            let fresh = account.last_success_at.filter(|f| gated && now - *f < ttl);
            let Some(finished) = fresh else {
                return Ok(Some(Decision::Run(account)));
            };
            let reason = format!(
                "fresh: last successful sync {}m ago, ttl {}m",
                (now - finished).num_minutes(),
                ttl.num_minutes()
            );
            let row = record_skipped(conn, &writer, &ttl_skip, reason)?;
            Ok::<_, Error>(Some(Decision::Skipped(row)))
        })
        .await?;
    let mut decision = decision.ok_or_else(|| Error::NotFound {
        kind: "account",
        id: account_id.to_string(),
    })?;
    if let Decision::Run(account) = &decision
        && gated
        && let Some(stored) = account.upstream_version.clone()
    {
        let tokens = platform.auth.tokens(&account.connection_id);
        match req
            .source
            .upstream_version(account_id, tokens.as_ref())
            .await
        {
            Some(Ok(now_version)) if now_version == stored => {
                let reason = format!("unchanged upstream: version {stored} was synced already");
                let writer = platform.clone();
                let row = platform
                    .db
                    .run(move |conn| {
                        record_skipped(conn, &writer, &skip, reason).map_err(Error::from)
                    })
                    .await?;
                decision = Decision::Skipped(row);
            }
            Some(Err(e)) => {
                // The run itself meets the same upstream and says what is wrong.
                tracing::info!(%source, account_id, error = %e, "cannot read the upstream's version; syncing");
            }
            _ => {}
        }
    }
    if let Decision::Skipped(row) = &decision {
        platform.bell.ring();
        tracing::info!(%source, account_id, run_id = %row.id, "sync skipped by the freshness gate");
    }
    Ok(decision)
}

/// Stores a run skipped by the freshness gate with its two events (started, finished).
fn record_skipped(
    conn: &mut diesel::PgConnection,
    platform: &Platform,
    run: &NewRun,
    reason: String,
) -> diesel::QueryResult<RunRow> {
    let row = run.skipped(reason.clone(), 2);
    let started = RunStarted {
        // Only SCHEDULED triggers are gated.
        trigger: SyncTrigger::Scheduled as i32,
        force: false,
        date_range: None,
        gate_reason: reason.clone(),
        worker: run.worker.clone(),
    };
    let finished = RunFinished {
        status: SyncStatus::Skipped as i32,
        reason,
        run: Some(run_proto(platform, &row)),
    };
    let who = EventRun::from(&row);
    let batch = [
        event(
            platform,
            &who,
            1,
            run.now,
            SyncStage::Plan,
            sync_event::Payload::RunStarted(started),
        ),
        event(
            platform,
            &who,
            2,
            run.now,
            SyncStage::Done,
            sync_event::Payload::RunFinished(finished),
        ),
    ];
    store::insert_skipped(conn, &row, &batch)?;
    Ok(row)
}

//! The run platform: everything about a sync that is the same for every source — the
//! freshness gate, single flight per (source, account) across replicas, replacing runs
//! whose process died, at most N syncs per replica, the run's life from staging to the
//! one short transaction that commits it, events and their fan-out, durable upstream
//! jobs, the scheduler and housekeeping. Sources plug in through
//! [`crate::sources::Source`]; nothing here names one.

pub(crate) mod accounts;
mod context;
mod emitter;
pub(crate) mod events;
mod gate;
pub(crate) mod housekeeping;
pub(crate) mod jobs;
mod lifecycle;
mod model;
pub(crate) mod presence;
pub(crate) mod store;
mod watch;

use std::sync::Arc;

use adsync_db::Db;
use adsync_proto::ingestion::{DateRange, SyncRun};
use adsync_server::Clock;
use chrono::{NaiveDate, TimeDelta};
use diesel::Connection;
use tokio::sync::Semaphore;

pub(crate) use accounts::{Discovered, UpstreamState};
pub(crate) use context::RunContext;
pub(crate) use jobs::{Job, JobState, JobUpdate};
pub(crate) use model::{RunRow, RunStatus, SourceName, Trigger, entity_name};
pub(crate) use watch::{EventBell, decode as decode_event, wait as wait_for_events, watch};

use crate::error::Error;
use crate::sources::{Registry, Source};
use crate::upstream::Auth;

/// Settings the platform reads, resolved once at start-up.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// A SCHEDULED sync is skipped while the last success is younger.
    pub(crate) freshness_ttl: TimeDelta,
    /// The longest explicit date range a request may ask for.
    pub(crate) max_range_days: u32,
    /// Syncs this replica runs at once; the rest wait their turn.
    pub(crate) max_concurrent_syncs: usize,
}

/// This process as runs know it.
#[derive(Debug, Clone)]
pub(crate) struct Worker {
    /// Its name in runs and events (`ingestion-<pid>`).
    pub(crate) name: String,
    /// The owner number its presence holds (see [`presence`]).
    pub(crate) owner: i32,
}

/// Everything the platform works with. Shared (`Arc`) by the RPCs, the runs and the
/// background work of one process.
#[derive(Debug)]
pub(crate) struct Platform {
    pub(crate) db: Db,
    pub(crate) sources: Registry,
    pub(crate) auth: Auth,
    pub(crate) clock: Clock,
    pub(crate) bell: Arc<EventBell>,
    pub(crate) worker: Worker,
    pub(crate) settings: Settings,
    /// One permit per sync this replica may run at once.
    pub(crate) slots: Arc<Semaphore>,
    /// The tasks of the runs this process started.
    pub(crate) tasks: std::sync::Mutex<tokio::task::JoinSet<()>>,
    /// Becomes true when the server starts shutting down: event streams end then, so
    /// the graceful drain does not wait for subscribers that never leave.
    pub(crate) closing: tokio::sync::watch::Sender<bool>,
}

impl Platform {
    /// Stops this process's runs (at shutdown): their tasks end, and each run still
    /// running ends FAILED with its last event, so nobody waits for it.
    pub(crate) async fn stop_runs(self: &Arc<Platform>) {
        self.tasks.lock().expect("lock").abort_all();
        let owner = self.worker.owner;
        let platform = self.clone();
        let stopped = self
            .db
            .run(move |conn| {
                let mine: Vec<uuid::Uuid> = store::all_running(conn)?
                    .into_iter()
                    .filter(|r| r.owner == Some(owner))
                    .map(|r| r.id)
                    .collect();
                let mut stopped = 0;
                for id in mine {
                    let failure = lifecycle::Failure::reason(
                        "the ingestion process shut down before the run finished; nothing of it was stored",
                    );
                    let ended = conn.transaction(|conn| lifecycle::record_failure(conn, &platform, id, &failure))?;
                    if let Some(row) = ended {
                        stopped += 1;
                        let staging = crate::store::Staging::of(row.id);
                        let _ = staging.drop_all(conn);
                    }
                }
                Ok::<_, Error>(stopped)
            })
            .await;
        match stopped {
            Ok(0) => {}
            Ok(n) => {
                self.bell.ring();
                tracing::info!(runs = n, "runs stopped at shutdown");
            }
            Err(e) => tracing::warn!(error = %e, "cannot record the runs stopped at shutdown"),
        }
    }
}

/// What a sync request asks for, validated.
#[derive(Clone)]
pub(crate) struct SyncRequest {
    pub(crate) source: Arc<dyn Source>,
    pub(crate) account_id: i64,
    /// Who asks: an account the caller cannot see is NOT_FOUND.
    pub(crate) reach: adsync_server::Reach,
    pub(crate) trigger: Trigger,
    pub(crate) force: bool,
    pub(crate) range: Option<(NaiveDate, NaiveDate)>,
}

/// What [`start`] did.
#[derive(Debug)]
pub(crate) struct Started {
    pub(crate) run_id: uuid::Uuid,
    /// The request joined the account's running run instead of starting one.
    pub(crate) joined: bool,
    /// The run as this call found or stored it.
    pub(crate) row: RunRow,
}

/// Starts a sync or joins the account's running one; a gated SCHEDULED request is
/// recorded as skipped. A running run whose process is gone is failed and replaced.
pub(crate) async fn start(platform: &Arc<Platform>, req: SyncRequest) -> Result<Started, Error> {
    let source = req.source.name();
    let account = match gate::check(platform, &req).await? {
        gate::Decision::Skipped(row) => {
            return Ok(Started {
                run_id: row.id,
                joined: false,
                row,
            });
        }
        gate::Decision::Run(account) => account,
    };
    let now = platform.clock.now();
    if let Some(range) = req.range
        && let Err(why) = req.source.check_range(account.today(now), range)
    {
        return Err(adsync_server::invalid_field(crate::error::DOMAIN, "date_range", why).into());
    }
    let window = req.range.unwrap_or_else(|| {
        req.source
            .window(account.today(now), account.synced_through)
    });
    let run = store::NewRun {
        id: uuid::Uuid::now_v7(),
        source: source.clone(),
        account_id: req.account_id,
        trigger: req.trigger,
        force: req.force,
        window: Some(window),
        worker: platform.worker.name.clone(),
        owner: platform.worker.owner,
        now,
    };
    let claimed = {
        let platform = platform.clone();
        platform
            .db
            .clone()
            .run(move |conn| lifecycle::claim(conn, &platform, &run))
            .await?
    };
    match claimed {
        lifecycle::Claim::Joined(row) => {
            tracing::info!(%source, account_id = req.account_id, run_id = %row.id, "joining the account's running sync");
            Ok(Started {
                run_id: row.id,
                joined: true,
                row,
            })
        }
        lifecycle::Claim::Started { row, replaced } => {
            if let Some(dead) = replaced {
                platform.bell.ring();
                tracing::warn!(%source, account_id = req.account_id, run_id = %dead.id, "failed a run whose process is gone; starting a new one");
                // Its staging goes now rather than at the next housekeeping.
                let sweeper = platform.clone();
                tokio::spawn(async move {
                    if let Err(e) = housekeeping::sweep_staging(&sweeper).await {
                        tracing::warn!(error = %e, "cannot sweep staging");
                    }
                });
            }
            let gate_reason = if req.trigger == Trigger::Scheduled && !req.force {
                "stale or never synced".to_owned()
            } else {
                "on demand: the freshness gate does not apply".to_owned()
            };
            lifecycle::spawn(
                platform.clone(),
                req.source.clone(),
                row.clone(),
                account,
                gate_reason,
            );
            Ok(Started {
                run_id: row.id,
                joined: false,
                row,
            })
        }
    }
}

/// The proto view of a stored run.
pub(crate) fn run_proto(platform: &Platform, row: &RunRow) -> SyncRun {
    SyncRun {
        run_id: row.id.to_string(),
        account_id: row.account_id,
        source: platform.sources.proto_of(&row.source) as i32,
        trigger: row.trigger.to_proto() as i32,
        status: row.status.to_proto() as i32,
        reason: row.reason.clone(),
        force: row.force,
        date_range: row.window().map(|(s, e)| DateRange {
            start_date: s.to_string(),
            end_date: e.to_string(),
        }),
        create_time: Some(adsync_server::timestamp(row.created_at)),
        finish_time: row.finished_at.map(adsync_server::timestamp),
        entity_counts: row.counts.to_proto(),
        upstream_calls: row.upstream_calls,
        error_count: row.error_count,
        last_sequence: row.last_sequence,
        worker: row.worker.clone(),
    }
}

//! The sync: freshness gate, single flight per account, the fetch pipeline, the write
//! transaction, and the events that tell about it.

mod analytics;
pub(crate) mod background;
mod engine;
pub(crate) mod events;
pub(crate) mod listener;
pub(crate) mod runs;

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use adsync_proto::ingestion::{
    DateRange, RunFinished, RunStarted, SyncEntity, SyncEvent, SyncRun, SyncStage, SyncStatus,
    SyncTrigger, sync_event,
};
use chrono::{NaiveDate, TimeDelta};
use prost::Message;
use tokio::sync::Notify;
use tokio_stream::Stream;

use crate::error::Error;
use crate::rpc::timestamp;
use crate::service::IngestionApi;

pub(crate) use engine::run_sync;

/// Wakes this process's watchers when an event was written here. Watchers also poll, so
/// events written by other replicas arrive too, a moment later.
#[derive(Debug, Default)]
pub(crate) struct EventBell(Notify);

impl EventBell {
    pub(crate) fn ring(&self) {
        self.0.notify_waiters();
    }

    /// A future that completes at the next ring.
    pub(crate) fn notified(&self) -> tokio::sync::futures::Notified<'_> {
        self.0.notified()
    }
}

/// What a sync request asks for, validated.
#[derive(Debug, Clone)]
pub(crate) struct SyncRequest {
    pub(crate) account_id: i64,
    pub(crate) trigger: SyncTrigger,
    pub(crate) force: bool,
    pub(crate) range: Option<(NaiveDate, NaiveDate)>,
}

pub(crate) fn trigger_name(t: SyncTrigger) -> &'static str {
    match t {
        SyncTrigger::Scheduled => "scheduled",
        _ => "on_demand",
    }
}

pub(crate) fn status_of(name: &str) -> SyncStatus {
    match name {
        "running" => SyncStatus::Running,
        "success" => SyncStatus::Success,
        "partial" => SyncStatus::Partial,
        "failed" => SyncStatus::Failed,
        "skipped" => SyncStatus::Skipped,
        _ => SyncStatus::Unspecified,
    }
}

/// Entity names as stored in `entity_counts` and `sync_errors`.
pub(crate) fn entity_name(e: SyncEntity) -> &'static str {
    match e {
        SyncEntity::Account => "account",
        SyncEntity::CampaignGroup => "campaign_group",
        SyncEntity::Campaign => "campaign",
        SyncEntity::Creative => "creative",
        SyncEntity::CampaignDailyMetric => "campaign_daily_metric",
        SyncEntity::CreativeDailyMetric => "creative_daily_metric",
        SyncEntity::Demographic => "demographic",
        SyncEntity::Unspecified => "unspecified",
    }
}

/// The proto view of a stored run.
pub(crate) fn run_proto(row: &runs::RunRow) -> SyncRun {
    SyncRun {
        run_id: row.id.to_string(),
        account_id: row.account_id,
        trigger: if row.trigger == "scheduled" {
            SyncTrigger::Scheduled
        } else {
            SyncTrigger::OnDemand
        } as i32,
        status: status_of(&row.status) as i32,
        reason: row.reason.clone(),
        force: row.force,
        date_range: match (row.window_start, row.window_end) {
            (Some(s), Some(e)) => Some(DateRange {
                start_date: s.to_string(),
                end_date: e.to_string(),
            }),
            _ => None,
        },
        create_time: Some(timestamp(row.created_at)),
        finish_time: row.finished_at.map(timestamp),
        entity_counts: engine::entity_counts(&row.entity_counts),
        upstream_calls: row.upstream_calls,
        error_count: row.error_count,
        last_sequence: row.last_sequence,
        worker: row.worker.clone(),
    }
}

/// Writes a run's events in order, one sequence number each.
pub(crate) struct Emitter {
    api: IngestionApi,
    run_id: uuid::Uuid,
    account_id: i64,
    sequence: i64,
}

impl Emitter {
    pub(crate) fn new(api: IngestionApi, run_id: uuid::Uuid, account_id: i64) -> Emitter {
        Emitter {
            api,
            run_id,
            account_id,
            sequence: 0,
        }
    }

    /// Continues a run's sequence after `sequence` (another process wrote the events so far).
    pub(crate) fn resume_after(&mut self, sequence: i64) {
        self.sequence = sequence;
    }

    /// The run's next event, encoded for storage (not yet written).
    fn next(&mut self, stage: SyncStage, payload: sync_event::Payload) -> events::NewEvent {
        self.sequence += 1;
        let kind = match &payload {
            sync_event::Payload::RunStarted(_) => "run_started",
            sync_event::Payload::StageStarted(_) => "stage_started",
            sync_event::Payload::StageProgress(_) => "stage_progress",
            sync_event::Payload::StageCompleted(_) => "stage_completed",
            sync_event::Payload::Warning(_) => "warning",
            sync_event::Payload::RunFinished(_) => "run_finished",
        };
        let event = SyncEvent {
            run_id: self.run_id.to_string(),
            sequence: self.sequence,
            account_id: self.account_id,
            time: Some(timestamp(self.api.clock.now())),
            stage: stage as i32,
            payload: Some(payload),
        };
        events::NewEvent {
            run_id: self.run_id,
            account_id: self.account_id,
            sequence: self.sequence,
            kind,
            payload: event.encode_to_vec(),
        }
    }

    pub(crate) async fn emit(
        &mut self,
        stage: SyncStage,
        payload: sync_event::Payload,
    ) -> Result<(), Error> {
        let event = self.next(stage, payload);
        self.write(vec![event]).await
    }

    /// Writes `batch` in one transaction, then wakes the watchers.
    async fn write(&self, batch: Vec<events::NewEvent>) -> Result<(), Error> {
        self.api
            .db
            .run(move |conn| events::append(conn, &batch).map_err(Error::from))
            .await?;
        self.api.bell.ring();
        Ok(())
    }
}

/// The events of a run after `after_sequence`, replayed from the database and then
/// followed live, until the run's last event. Gapless and without duplicates: every
/// event comes from the database, in sequence order.
pub(crate) fn watch(
    api: IngestionApi,
    run_id: uuid::Uuid,
    after_sequence: i64,
) -> Pin<Box<dyn Stream<Item = Result<SyncEvent, tonic::Status>> + Send>> {
    Box::pin(async_stream::try_stream! {
        let mut last = after_sequence;
        loop {
            // Register for the bell before reading, so an event written in between wakes us.
            let bell = api.bell.clone();
            let notified = bell.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let batch = api
                .db
                .run(move |conn| events::after(conn, run_id, last).map_err(Error::from))
                .await
                .map_err(tonic::Status::from)?;
            let mut finished = false;
            for stored in batch {
                let event = SyncEvent::decode(stored.payload.as_slice())
                    .map_err(|e| tonic::Status::internal(format!("stored event does not decode: {e}")))?;
                last = stored.sequence;
                finished |= matches!(event.payload, Some(sync_event::Payload::RunFinished(_)));
                yield event;
            }
            if finished {
                break;
            }
            let _ = tokio::time::timeout(Duration::from_millis(250), notified).await;
        }
    })
}

/// What [`start`] did.
#[derive(Debug)]
pub(crate) struct Started {
    pub(crate) run_id: uuid::Uuid,
    /// The request joined the account's running run instead of starting one.
    pub(crate) joined: bool,
    /// The run as this call stored it (skipped or new); `None` when it joined one.
    pub(crate) row: Option<runs::RunRow>,
}

/// Starts a sync or joins the account's running one; a gated SCHEDULED request is
/// recorded as skipped.
pub(crate) async fn start(api: &IngestionApi, req: SyncRequest) -> Result<Started, Error> {
    let account_id = req.account_id;
    let now = api.clock.now();
    let new_run = |window| runs::NewRun {
        id: uuid::Uuid::now_v7(),
        account_id,
        trigger: trigger_name(req.trigger),
        force: req.force,
        window,
        worker: api.worker.clone(),
        now,
    };

    // The freshness gate (SCHEDULED triggers only, never forced ones) decides on the
    // account's row (it carries the last success), and a skipped run is stored with its
    // two events in the same trip to the database: the gate answers fast.
    let gated = req.trigger == SyncTrigger::Scheduled && !req.force;
    let (ttl, skip, writer) = (api.settings.freshness_ttl, new_run(None), api.clone());
    let (account, skipped) = api
        .db
        .run(move |conn| {
            let Some(account) = crate::accounts::find(conn, account_id)? else {
                return Ok((None, None));
            };
            let fresh = account.last_success_at.filter(|f| gated && now - *f < ttl);
            let Some(finished) = fresh else {
                return Ok((Some(account), None));
            };
            let reason = format!(
                "fresh: last successful sync {}m ago, ttl {}m",
                (now - finished).num_minutes(),
                ttl.num_minutes()
            );
            let row = record_skipped(conn, writer, &skip, reason)?;
            Ok::<_, Error>((Some(account), Some(row)))
        })
        .await?;
    let account = account.ok_or_else(|| Error::NotFound {
        kind: "account",
        id: account_id.to_string(),
    })?;
    if let Some(row) = skipped {
        api.bell.ring();
        tracing::info!(account_id, run_id = %row.id, "sync skipped by the freshness gate");
        return Ok(Started {
            run_id: row.id,
            joined: false,
            row: Some(row),
        });
    }

    let window = match req.range {
        Some(range) => range,
        None => {
            let through = api
                .db
                .run(move |conn| runs::synced_through(conn, account_id).map_err(Error::from))
                .await?;
            engine::incremental_window(now.date_naive(), through, &api.settings)
        }
    };
    let run = new_run(Some(window));
    let stored = run.clone();
    match api
        .db
        .run(move |conn| runs::start(conn, &stored).map_err(Error::from))
        .await?
    {
        Ok(row) => {
            let api = api.clone();
            let gate_reason = if req.force || req.trigger != SyncTrigger::Scheduled {
                "on demand: the freshness gate does not apply".to_owned()
            } else {
                "stale or never synced".to_owned()
            };
            let stored = row.clone();
            tokio::spawn(async move { run_sync(api, row, account, req, gate_reason).await });
            Ok(Started {
                run_id: run.id,
                joined: false,
                row: Some(stored),
            })
        }
        Err(running) => {
            tracing::info!(account_id, run_id = %running, "joining the account's running sync");
            Ok(Started {
                run_id: running,
                joined: true,
                row: None,
            })
        }
    }
}

/// Stores a run skipped by the freshness gate with its two events (started, finished).
fn record_skipped(
    conn: &mut diesel::PgConnection,
    api: IngestionApi,
    run: &runs::NewRun,
    reason: String,
) -> diesel::QueryResult<runs::RunRow> {
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
        run: Some(run_proto(&row)),
    };
    let mut emitter = Emitter::new(api, row.id, run.account_id);
    let batch = [
        emitter.next(SyncStage::Plan, sync_event::Payload::RunStarted(started)),
        emitter.next(SyncStage::Done, sync_event::Payload::RunFinished(finished)),
    ];
    debug_assert_eq!(emitter.sequence, row.last_sequence);
    runs::insert_skipped(conn, &row, &batch)?;
    Ok(row)
}

/// Settings the sync reads, resolved once at start-up.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) freshness_ttl: TimeDelta,
    pub(crate) backfill_days: u32,
    pub(crate) restatement_days: u32,
    pub(crate) max_range_days: u32,
}

/// The shared bell, for building an API.
pub(crate) fn new_bell() -> Arc<EventBell> {
    Arc::new(EventBell::default())
}

//! [`Emitter`]: writes a run's events in order, one sequence number each, and wakes the
//! watchers. Also builds single events ([`event`]) for statements that write them in a
//! transaction of their own (a skipped run, a run's last event).

use std::sync::Arc;

use adsync_proto::ingestion::{SyncEvent, SyncStage, sync_event};
use chrono::{DateTime, Utc};
use prost::Message;

use super::Platform;
use super::events::{self, NewEvent};
use super::model::{RunRow, SourceName};
use crate::error::Error;

/// Who an event is about.
#[derive(Debug, Clone)]
pub(crate) struct EventRun {
    pub(crate) run_id: uuid::Uuid,
    pub(crate) source: SourceName,
    pub(crate) account_id: i64,
}

impl From<&RunRow> for EventRun {
    fn from(run: &RunRow) -> EventRun {
        EventRun {
            run_id: run.id,
            source: run.source.clone(),
            account_id: run.account_id,
        }
    }
}

/// One event of `run`, with `sequence`, encoded for storage (not yet written).
pub(crate) fn event(
    platform: &Platform,
    run: &EventRun,
    sequence: i64,
    time: DateTime<Utc>,
    stage: SyncStage,
    payload: sync_event::Payload,
) -> NewEvent {
    let kind = match &payload {
        sync_event::Payload::RunStarted(_) => "run_started",
        sync_event::Payload::StageStarted(_) => "stage_started",
        sync_event::Payload::StageProgress(_) => "stage_progress",
        sync_event::Payload::StageCompleted(_) => "stage_completed",
        sync_event::Payload::Warning(_) => "warning",
        sync_event::Payload::RunFinished(_) => "run_finished",
        sync_event::Payload::RunQueued(_) => "run_queued",
        sync_event::Payload::Report(_) => "report",
    };
    let encoded = SyncEvent {
        run_id: run.run_id.to_string(),
        sequence,
        account_id: run.account_id,
        source: platform.sources.proto_of(&run.source) as i32,
        time: Some(adsync_server::timestamp(time)),
        stage: stage as i32,
        payload: Some(payload),
    };
    NewEvent {
        run_id: run.run_id,
        source: run.source.clone(),
        account_id: run.account_id,
        sequence,
        kind,
        payload: encoded.encode_to_vec(),
    }
}

/// Writes one run's events, continuing its sequence.
pub(crate) struct Emitter {
    platform: Arc<Platform>,
    run: EventRun,
    sequence: i64,
}

impl Emitter {
    /// Continues `run`'s sequence after its last stored event.
    pub(crate) fn new(platform: Arc<Platform>, run: &RunRow) -> Emitter {
        Emitter {
            platform,
            run: run.into(),
            sequence: run.last_sequence,
        }
    }

    /// The run's next event (not yet written).
    pub(crate) fn next(&mut self, stage: SyncStage, payload: sync_event::Payload) -> NewEvent {
        self.sequence += 1;
        event(
            &self.platform,
            &self.run,
            self.sequence,
            self.platform.clock.now(),
            stage,
            payload,
        )
    }

    /// Writes the run's next event, then wakes this process's watchers.
    pub(crate) async fn emit(
        &mut self,
        stage: SyncStage,
        payload: sync_event::Payload,
    ) -> Result<(), Error> {
        let batch = vec![self.next(stage, payload)];
        self.platform
            .db
            .run(move |conn| events::append(conn, &batch).map_err(Error::from))
            .await?;
        self.platform.bell.ring();
        Ok(())
    }
}

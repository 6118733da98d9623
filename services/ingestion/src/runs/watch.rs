//! Following events as they are written: [`EventBell`] wakes this process's watchers
//! (rung by its own writes and by the LISTEN connection for every replica's), and
//! [`watch`] streams one run's events until its last.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use adsync_proto::ingestion::{SyncEvent, sync_event};
use prost::Message;
use tokio::sync::Notify;
use tokio_stream::Stream;

use super::Platform;
use super::events;
use crate::error::Error;

/// How long a watcher waits for the bell before reading anyway: the bell is the fast
/// path, this bounds the delay if a notification is lost (e.g. the LISTEN connection
/// was reconnecting).
pub(crate) const POLL: Duration = Duration::from_millis(250);

/// Wakes this process's watchers when an event may have been written.
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

/// The events of a run after `after_sequence`, replayed from the database and then
/// followed live, until the run's last event. Gapless and without duplicates: every
/// event comes from the database, in sequence order.
pub(crate) fn watch(
    platform: Arc<Platform>,
    run_id: uuid::Uuid,
    after_sequence: i64,
) -> Pin<Box<dyn Stream<Item = Result<SyncEvent, Error>> + Send>> {
    Box::pin(async_stream::try_stream! {
        let mut last = after_sequence;
        let mut closing = platform.closing.subscribe();
        loop {
            // Register for the bell before reading, so an event written in between wakes us.
            let notified = platform.bell.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let batch = platform
                .db
                .run(move |conn| events::after(conn, run_id, last).map_err(Error::from))
                .await?;
            let mut finished = false;
            for stored in batch {
                let event = decode(&stored.payload)?;
                last = stored.sequence;
                finished |= matches!(event.payload, Some(sync_event::Payload::RunFinished(_)));
                yield event;
            }
            if finished {
                break;
            }
            wait(&mut closing, notified).await?;
        }
    })
}

/// Waits for the bell (at most [`POLL`]); [`Error::ShuttingDown`] once the server is
/// shutting down.
pub(crate) async fn wait(
    closing: &mut tokio::sync::watch::Receiver<bool>,
    bell: std::pin::Pin<&mut tokio::sync::futures::Notified<'_>>,
) -> Result<(), Error> {
    tokio::select! {
        _ = tokio::time::timeout(POLL, bell) => Ok(()),
        _ = closing.wait_for(|closing| *closing) => Err(Error::ShuttingDown),
    }
}

/// A stored event's payload.
pub(crate) fn decode(payload: &[u8]) -> Result<SyncEvent, Error> {
    SyncEvent::decode(payload)
        .map_err(|e| Error::Internal(format!("a stored event does not decode: {e}")))
}

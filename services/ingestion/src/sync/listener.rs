//! Wakes this process's watchers when any replica writes a sync event: one LISTEN
//! connection per process (tokio-postgres, since Diesel cannot wait for notifications).
//! Watchers also poll, so a lost connection delays events, never loses them.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use secrecy::{ExposeSecret, SecretString};

use super::EventBell;

/// The channel event inserts notify (see `events::append`).
const CHANNEL: &str = "adsync_sync_events";

/// Listens until the process ends, reconnecting after failures.
pub(crate) async fn run(url: SecretString, bell: Arc<EventBell>) {
    loop {
        if let Err(e) = listen(url.expose_secret(), &bell).await {
            tracing::warn!(error = %e, "event listener lost its connection; retrying");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn listen(url: &str, bell: &EventBell) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    // The connection must be driven for LISTEN itself to complete, so it runs apart.
    let driver = tokio::spawn(async move {
        let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(tokio_postgres::AsyncMessage::Notification(_)) => {
                    if tx.send(()).is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "event listener connection failed");
                    break;
                }
            }
        }
    });
    client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
    tracing::debug!("listening for sync events");
    while rx.recv().await.is_some() {
        bell.ring();
    }
    driver.abort();
    Ok(())
}

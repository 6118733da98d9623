//! This process's presence. One dedicated connection (not from the pool) lives as long
//! as the process: it holds a session advisory lock on the process's owner number, which
//! every run the process starts records (`sync_runs.owner`), and it LISTENs for the
//! events every replica writes, ringing the bell for this process's watchers.
//!
//! When a process dies, PostgreSQL ends its session and frees the lock, so any replica
//! can tell at once that a run's process is gone ([`is_gone`]) — no heartbeat to age —
//! and fail the run. A lost connection is reopened with the same owner number.

use std::sync::Arc;
use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::{Bool, Integer};
use futures::StreamExt;
use secrecy::{ExposeSecret, SecretString};
use tokio::task::JoinHandle;

use super::events::CHANNEL;
use super::watch::EventBell;
use crate::error::Error;

/// The advisory-lock class of owner numbers ("sync"): owners are locked as
/// `(CLASS, owner)`, apart from every lock taken with one 64-bit key.
pub(crate) const CLASS: i32 = 0x7379_6e63;

/// Whether the process `owner` is gone: no session holds its lock (no owner at all
/// counts as gone). When it is gone, the lock is taken until the caller's transaction
/// ends, so the answer holds while the caller acts on it.
pub(crate) fn is_gone(conn: &mut PgConnection, owner: Option<i32>) -> QueryResult<bool> {
    let Some(owner) = owner else {
        return Ok(true);
    };
    #[derive(QueryableByName)]
    struct Free {
        #[diesel(sql_type = Bool)]
        free: bool,
    }
    diesel::sql_query("SELECT pg_try_advisory_xact_lock($1, $2) AS free")
        .bind::<Integer, _>(CLASS)
        .bind::<Integer, _>(owner)
        .get_result::<Free>(conn)
        .map(|f| f.free)
}

/// The process's presence; dropping it ends the session (and frees the owner number).
#[derive(Debug)]
pub(crate) struct Presence {
    /// This process's owner number.
    pub(crate) owner: i32,
    keeper: JoinHandle<()>,
}

impl Drop for Presence {
    fn drop(&mut self) {
        self.keeper.abort();
    }
}

/// One open presence session: the client (dropping it closes the connection) and the
/// task driving the connection, which ends when the connection does.
struct Session {
    _client: tokio_postgres::Client,
    driver: JoinHandle<()>,
}

/// Opens the presence session with a fresh owner number, then keeps it open (reopening
/// it with the same number after a failure) until the [`Presence`] is dropped.
pub(crate) async fn establish(url: SecretString, bell: Arc<EventBell>) -> Result<Presence, Error> {
    let (session, owner) = open(url.expose_secret(), None, bell.clone())
        .await
        .map_err(|e| Error::Presence(e.to_string()))?;
    tracing::info!(owner, "this process's presence is held");
    let keeper = tokio::spawn(keep(url, owner, bell, session));
    Ok(Presence { owner, keeper })
}

async fn keep(url: SecretString, owner: i32, bell: Arc<EventBell>, first: Session) {
    let mut session = Some(first);
    loop {
        match session.take() {
            Some(open) => {
                let _ = open.driver.await;
                tracing::warn!(owner, "the presence connection was lost; reopening it");
                // Watchers read again at once: notifications may have been missed.
                bell.ring();
            }
            None => match open(url.expose_secret(), Some(owner), bell.clone()).await {
                Ok((reopened, _)) => {
                    tracing::info!(owner, "the presence connection is back");
                    session = Some(reopened);
                    continue;
                }
                Err(e) => {
                    tracing::warn!(owner, error = %e, "cannot reopen the presence connection")
                }
            },
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Connects, takes the owner lock (`owner`, or a free random number) and LISTENs.
async fn open(
    url: &str,
    owner: Option<i32>,
    bell: Arc<EventBell>,
) -> Result<(Session, i32), String> {
    let mut config: tokio_postgres::Config = url.parse().map_err(|e| format!("{e}"))?;
    config.application_name("adsync-ingestion-presence");
    let (client, mut connection) = config
        .connect(tokio_postgres::NoTls)
        .await
        .map_err(|e| format!("cannot connect: {e}"))?;
    // The connection must be driven for any query (and LISTEN) to complete.
    let driver = tokio::spawn(async move {
        let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(tokio_postgres::AsyncMessage::Notification(_)) => bell.ring(),
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "the presence connection failed");
                    break;
                }
            }
        }
    });
    let lock = |candidate: i32| {
        let client = &client;
        async move {
            client
                .query_one("SELECT pg_try_advisory_lock($1, $2)", &[&CLASS, &candidate])
                .await
                .map(|row| row.get::<_, bool>(0))
                .map_err(|e| format!("cannot take the owner lock: {e}"))
        }
    };
    let owner = match owner {
        Some(owner) if lock(owner).await? => owner,
        Some(owner) => return Err(format!("owner number {owner} is held by another session")),
        None => loop {
            let candidate = rand::random_range(1..i32::MAX);
            if lock(candidate).await? {
                break candidate;
            }
        },
    };
    client
        .batch_execute(&format!("LISTEN {CHANNEL}"))
        .await
        .map_err(|e| format!("cannot LISTEN: {e}"))?;
    Ok((
        Session {
            _client: client,
            driver,
        },
        owner,
    ))
}

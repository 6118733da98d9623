//! [`Db`]: the pool and the blocking bridge every Diesel call goes through.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{
    ConnectionManager, CustomizeConnection, ManageConnection, Pool, PooledConnection,
};
use diesel::{Connection, RunQueryDsl};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;

use crate::session::{Held, hold};
use crate::{DbConfig, DbError, SessionState};

type PgPool = Pool<BackendManager>;

/// A pooled connection and its server process id, read once when it is opened (what a
/// cancel request names).
pub(crate) struct Backend {
    conn: PgConnection,
    pid: i32,
    /// What its session holds beyond the login's own settings.
    held: Held,
}

/// Diesel's connection manager, remembering each connection's backend process id.
struct BackendManager(ConnectionManager<PgConnection>);

impl ManageConnection for BackendManager {
    type Connection = Backend;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<Backend, Self::Error> {
        let mut conn = self.0.connect()?;
        let pid = diesel::sql_query("SELECT pg_backend_pid() AS pid")
            .get_result::<BackendPid>(&mut conn)
            .map_err(diesel::r2d2::Error::QueryError)?
            .pid;
        Ok(Backend {
            conn,
            pid,
            held: Held::Own,
        })
    }

    fn is_valid(&self, backend: &mut Backend) -> Result<(), Self::Error> {
        self.0.is_valid(&mut backend.conn)
    }

    fn has_broken(&self, backend: &mut Backend) -> bool {
        self.0.has_broken(&mut backend.conn)
    }
}

/// A pooled PostgreSQL connection handle for async code. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: PgPool,
    /// One permit per pooled connection: callers wait here (async, bounded) instead of
    /// parking a blocking thread inside r2d2.
    permits: Arc<Semaphore>,
    acquire_timeout: Duration,
    /// Where to send cancel requests from, when abandoned queries are cancelled.
    canceller: Option<Arc<SecretString>>,
}

/// Where a cancellable [`Db::run`] is, shared by its blocking thread and its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flight {
    /// Waiting for a connection.
    Waiting,
    /// Running on the backend with this process id.
    Running(i32),
    /// Finished: its connection is going back to the pool.
    Done,
    /// Its caller stopped waiting: do not start, or cancelled.
    Abandoned,
}

/// Held by a cancellable run's caller: dropped before the run finished (the caller's
/// future was dropped), it cancels the backend's query. The cancel is sent while the
/// flight's lock is held, and the run marks itself done under that lock before its
/// connection goes back to the pool, so a cancel never reaches another caller's query.
struct CancelOnDrop {
    flight: Arc<Mutex<Flight>>,
    url: Arc<SecretString>,
    armed: bool,
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let (flight, url) = (self.flight.clone(), self.url.clone());
        // A thread of its own: this may run on an async worker, and connecting blocks.
        std::thread::spawn(move || {
            let mut state = flight.lock().unwrap_or_else(|p| p.into_inner());
            let previous = std::mem::replace(&mut *state, Flight::Abandoned);
            if let Flight::Running(pid) = previous {
                let cancelled = PgConnection::establish(url.expose_secret())
                    .map_err(|e| e.to_string())
                    .and_then(|mut c| {
                        diesel::sql_query(format!("SELECT pg_cancel_backend({pid})"))
                            .execute(&mut c)
                            .map_err(|e| e.to_string())
                    });
                match cancelled {
                    Ok(_) => tracing::info!(pid, "cancelled the query of an abandoned call"),
                    Err(e) => {
                        tracing::warn!(pid, error = %e, "could not cancel an abandoned query")
                    }
                }
            }
        });
    }
}

#[derive(diesel::QueryableByName)]
struct BackendPid {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pid: i32,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("state", &self.pool.state())
            .finish()
    }
}

/// Per-connection session settings, applied whenever r2d2 opens a connection.
#[derive(Debug)]
struct SessionSettings(String);

impl CustomizeConnection<Backend, diesel::r2d2::Error> for SessionSettings {
    fn on_acquire(&self, backend: &mut Backend) -> Result<(), diesel::r2d2::Error> {
        backend
            .conn
            .batch_execute(&self.0)
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

impl Db {
    /// Connects, failing fast with the server's own words if the database cannot be reached.
    pub async fn connect(config: DbConfig) -> Result<Db, DbError> {
        tokio::task::spawn_blocking(move || Db::connect_blocking(&config))
            .await
            .map_err(|_| DbError::Cancelled)?
    }

    fn connect_blocking(config: &DbConfig) -> Result<Db, DbError> {
        let url = config.url.expose_secret();
        // One direct attempt first: r2d2 only reports "timed out", libpq says why.
        PgConnection::establish(url).map_err(|e| {
            DbError::Connect(format!(
                "cannot connect to {}: {}",
                config.redacted_url(),
                e.to_string().trim()
            ))
        })?;

        let mut settings = format!(
            "SET application_name = '{}'; SET TIME ZONE 'UTC';",
            config.application_name.replace('\'', "")
        );
        if let Some(timeout) = config.statement_timeout {
            settings.push_str(&format!(
                " SET statement_timeout = {};",
                timeout.as_millis()
            ));
        }
        if config.read_only {
            settings.push_str(" SET default_transaction_read_only = on;");
        }
        if !config.parallel_queries {
            settings.push_str(" SET max_parallel_workers_per_gather = 0;");
        }
        let pool = Pool::builder()
            .max_size(config.max_connections)
            .min_idle(Some(1))
            .connection_timeout(config.acquire_timeout)
            .test_on_check_out(false)
            .connection_customizer(Box::new(SessionSettings(settings)))
            .build(BackendManager(ConnectionManager::<PgConnection>::new(url)))
            .map_err(|e| DbError::Connect(format!("{}: {e}", config.redacted_url())))?;
        Ok(Db {
            pool,
            permits: Arc::new(Semaphore::new(config.max_connections as usize)),
            acquire_timeout: config.acquire_timeout,
            canceller: config
                .cancel_abandoned_queries
                .then(|| Arc::new(config.url.clone())),
        })
    }

    /// Runs `f` with a pooled connection on the blocking pool. Callers own the
    /// transaction: wrap the body in `conn.transaction(|conn| ...)` when it needs one.
    ///
    /// A panic inside `f` is re-raised here, in the calling task. When the pool cancels
    /// abandoned queries, dropping this future before it finishes cancels `f`'s query.
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut PgConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        self.run_in(None, f).await
    }

    /// As [`Db::run`], with the connection's session holding `session` (the login's own
    /// settings when `None`) while `f` runs: applied first unless the connection already
    /// holds it, and never left for a run that asks for something else.
    pub async fn run_in<T, E, F>(&self, session: Option<SessionState>, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut PgConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let permit =
            tokio::time::timeout(self.acquire_timeout, self.permits.clone().acquire_owned())
                .await
                .map_err(|_| DbError::PoolTimeout(self.acquire_timeout))?
                .map_err(|_| DbError::Cancelled)?;
        let pool = self.pool.clone();
        let timeout = self.acquire_timeout;
        let span = tracing::Span::current();
        let mut guard = self.canceller.as_ref().map(|url| CancelOnDrop {
            flight: Arc::new(Mutex::new(Flight::Waiting)),
            url: url.clone(),
            armed: true,
        });
        let flight = guard.as_ref().map(|g| g.flight.clone());
        let joined = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            span.in_scope(|| {
                let mut backend = checkout(&pool, timeout)?;
                let Backend { conn, held, .. } = &mut *backend;
                hold(conn, held, session.as_ref())?;
                let Some(flight) = flight else {
                    return f(&mut backend.conn);
                };
                let pid = backend.pid;
                {
                    let mut state = flight.lock().unwrap_or_else(|p| p.into_inner());
                    if *state == Flight::Abandoned {
                        return Err(DbError::Cancelled.into());
                    }
                    *state = Flight::Running(pid);
                }
                let result = f(&mut backend.conn);
                *flight.lock().unwrap_or_else(|p| p.into_inner()) = Flight::Done;
                result
            })
        })
        .await;
        if let Some(guard) = &mut guard {
            guard.armed = false;
        }
        match joined {
            Ok(result) => result,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => Err(DbError::Cancelled.into()),
        }
    }

    /// Answers whether the database responds, for readiness checks.
    pub async fn ping(&self) -> Result<(), DbError> {
        self.run(|conn| {
            diesel::sql_query("SELECT 1").execute(conn)?;
            Ok(())
        })
        .await
    }
}

fn checkout(pool: &PgPool, timeout: Duration) -> Result<PooledConnection<BackendManager>, DbError> {
    pool.get_timeout(timeout).map_err(|e| {
        let message = e.to_string();
        if message.contains("timed out") {
            DbError::PoolTimeout(timeout)
        } else {
            DbError::Connect(message)
        }
    })
}

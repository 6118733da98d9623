//! `upstream_jobs`: long-running upstream work a source records before waiting on it
//! (a report the upstream takes minutes or hours to generate). The record carries the
//! upstream's id for the work, a fingerprint of the request, its state and when to poll
//! next. A run that finds an open job for the same fingerprint resumes waiting on it
//! instead of asking again, whichever replica or process asked first; a job becomes
//! `consumed` in the transaction that commits the run that loaded its result.

use chrono::{DateTime, Utc};
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::prelude::*;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{Array, BigInt, Integer, Jsonb, Text, Timestamptz, Uuid as SqlUuid};

use super::model::SourceName;

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub(crate) enum JobState {
    /// Asked for; the upstream is not done.
    Pending,
    /// The upstream is done; the result is ready to load.
    Completed,
    /// The upstream said it failed.
    Failed,
    /// A committed run loaded its result.
    Consumed,
    /// Given up (e.g. the upstream no longer knows it).
    Abandoned,
}

impl JobState {
    const ALL: [JobState; 5] = [
        JobState::Pending,
        JobState::Completed,
        JobState::Failed,
        JobState::Consumed,
        JobState::Abandoned,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            JobState::Pending => "pending",
            JobState::Completed => "completed",
            JobState::Failed => "failed",
            JobState::Consumed => "consumed",
            JobState::Abandoned => "abandoned",
        }
    }

    fn parse(s: &str) -> Option<JobState> {
        JobState::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl FromSql<Text, Pg> for JobState {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        let text = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
        JobState::parse(&text).ok_or_else(|| format!("unknown job state {text:?}").into())
    }
}

impl ToSql<Text, Pg> for JobState {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <str as ToSql<Text, Pg>>::to_sql(self.as_str(), out)
    }
}

/// A job as stored.
#[derive(Debug, Clone, QueryableByName)]
pub(crate) struct Job {
    #[diesel(sql_type = SqlUuid)]
    pub(crate) id: uuid::Uuid,
    #[diesel(sql_type = Text)]
    pub(crate) upstream_id: String,
    #[diesel(sql_type = Text)]
    pub(crate) state: JobState,
    /// What the source keeps about it (e.g. where the result is).
    #[diesel(sql_type = Jsonb)]
    pub(crate) detail: serde_json::Value,
    #[diesel(sql_type = Integer)]
    pub(crate) polls: i32,
    /// When to ask the upstream about it next.
    #[diesel(sql_type = Timestamptz)]
    pub(crate) next_poll_at: DateTime<Utc>,
    /// When it was asked for.
    #[diesel(sql_type = Timestamptz)]
    pub(crate) created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, upstream_id, state, detail, polls, next_poll_at, created_at";

/// A new job: what a source records once the upstream accepted its request.
#[derive(Debug, Clone)]
pub(crate) struct NewJob<'a> {
    pub(crate) source: &'a SourceName,
    pub(crate) account_id: i64,
    pub(crate) kind: &'a str,
    pub(crate) fingerprint: &'a str,
    pub(crate) upstream_id: &'a str,
    pub(crate) detail: serde_json::Value,
    pub(crate) next_poll_at: DateTime<Utc>,
    pub(crate) run_id: uuid::Uuid,
    pub(crate) now: DateTime<Utc>,
}

/// The open (pending or completed) job of this request, if any.
pub(crate) fn find_open(
    conn: &mut PgConnection,
    source: &SourceName,
    account_id: i64,
    kind: &str,
    fingerprint: &str,
) -> QueryResult<Option<Job>> {
    diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM upstream_jobs WHERE source = $1 AND account_id = $2 AND kind = $3 \
         AND fingerprint = $4 AND state IN ('pending', 'completed')"
    ))
    .bind::<Text, _>(source)
    .bind::<BigInt, _>(account_id)
    .bind::<Text, _>(kind)
    .bind::<Text, _>(fingerprint)
    .get_result(conn)
    .optional()
}

/// Records a pending job. If an open job of the same request appeared meanwhile (another
/// run asked at the same time), that one is returned and this one is not recorded.
pub(crate) fn record(conn: &mut PgConnection, job: &NewJob<'_>) -> QueryResult<Job> {
    let inserted = diesel::sql_query(format!(
        "INSERT INTO upstream_jobs (id, source, account_id, kind, fingerprint, upstream_id, state, detail, \
                                    next_poll_at, requested_by, run_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $9, $9, $10, $10) \
         ON CONFLICT DO NOTHING RETURNING {COLUMNS}"
    ))
    .bind::<SqlUuid, _>(uuid::Uuid::now_v7())
    .bind::<Text, _>(job.source)
    .bind::<BigInt, _>(job.account_id)
    .bind::<Text, _>(job.kind)
    .bind::<Text, _>(job.fingerprint)
    .bind::<Text, _>(job.upstream_id)
    .bind::<Jsonb, _>(&job.detail)
    .bind::<Timestamptz, _>(job.next_poll_at)
    .bind::<SqlUuid, _>(job.run_id)
    .bind::<Timestamptz, _>(job.now)
    .get_result::<Job>(conn)
    .optional()?;
    match inserted {
        Some(job) => Ok(job),
        None => find_open(conn, job.source, job.account_id, job.kind, job.fingerprint)?
            .ok_or(diesel::result::Error::NotFound),
    }
}

/// A change to a job.
#[derive(Debug, Clone)]
pub(crate) enum JobUpdate {
    /// Polled, still pending: poll again at this time.
    Polled { next_poll_at: DateTime<Utc> },
    /// Done upstream; `detail` says where the result is.
    Completed { detail: serde_json::Value },
    /// Failed upstream, or given up on.
    Ended { state: JobState, reason: String },
}

/// Applies `update` to job `id` on behalf of run `run_id`; the job as it is now.
pub(crate) fn update(
    conn: &mut PgConnection,
    id: uuid::Uuid,
    run_id: uuid::Uuid,
    update: &JobUpdate,
    now: DateTime<Utc>,
) -> QueryResult<Job> {
    let query = match update {
        JobUpdate::Polled { next_poll_at } => diesel::sql_query(format!(
            "UPDATE upstream_jobs SET polls = polls + 1, next_poll_at = $3, run_id = $2, updated_at = $4 \
             WHERE id = $1 RETURNING {COLUMNS}"
        ))
        .into_boxed()
        .bind::<SqlUuid, _>(id)
        .bind::<SqlUuid, _>(run_id)
        .bind::<Timestamptz, _>(*next_poll_at)
        .bind::<Timestamptz, _>(now),
        JobUpdate::Completed { detail } => diesel::sql_query(format!(
            "UPDATE upstream_jobs SET state = 'completed', polls = polls + 1, detail = $3, run_id = $2, \
             updated_at = $4 WHERE id = $1 RETURNING {COLUMNS}"
        ))
        .into_boxed()
        .bind::<SqlUuid, _>(id)
        .bind::<SqlUuid, _>(run_id)
        .bind::<Jsonb, _>(detail.clone())
        .bind::<Timestamptz, _>(now),
        JobUpdate::Ended { state, reason } => diesel::sql_query(format!(
            "UPDATE upstream_jobs SET state = $3, reason = $4, run_id = $2, updated_at = $5, finished_at = $5 \
             WHERE id = $1 RETURNING {COLUMNS}"
        ))
        .into_boxed()
        .bind::<SqlUuid, _>(id)
        .bind::<SqlUuid, _>(run_id)
        .bind::<Text, _>(*state)
        .bind::<Text, _>(reason.clone())
        .bind::<Timestamptz, _>(now),
    };
    query.get_result(conn)
}

/// Marks `jobs` consumed (inside the transaction that commits the run that loaded them).
pub(crate) fn consume(
    conn: &mut PgConnection,
    jobs: &[uuid::Uuid],
    run_id: uuid::Uuid,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    if jobs.is_empty() {
        return Ok(());
    }
    diesel::sql_query(
        "UPDATE upstream_jobs SET state = 'consumed', run_id = $2, updated_at = $3, finished_at = $3 \
         WHERE id = ANY($1) AND state IN ('pending', 'completed')",
    )
    .bind::<Array<SqlUuid>, _>(jobs)
    .bind::<SqlUuid, _>(run_id)
    .bind::<Timestamptz, _>(now)
    .execute(conn)?;
    Ok(())
}

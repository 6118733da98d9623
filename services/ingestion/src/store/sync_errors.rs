//! `sync_errors`: upstream records a run skipped, kept with their raw form and the reason.

use diesel::pg::PgConnection;
use diesel::sql_types::{BigInt, Jsonb, Nullable, Text, Uuid as SqlUuid};
use diesel::{RunQueryDsl, sql_query};

/// One skipped record.
#[derive(Debug, Clone)]
pub(crate) struct SyncError<'a> {
    pub(crate) run_id: uuid::Uuid,
    pub(crate) source: &'a str,
    pub(crate) account_id: i64,
    pub(crate) entity: &'a str,
    pub(crate) upstream_id: Option<&'a str>,
    pub(crate) reason: &'a str,
    pub(crate) raw: &'a serde_json::Value,
}

/// `s` as PostgreSQL text can hold it: NUL (which it cannot) becomes U+FFFD.
pub(crate) fn pg_text(s: &str) -> String {
    s.replace('\0', "\u{FFFD}")
}

/// `v` as `jsonb` can hold it: NUL in any string or key becomes U+FFFD.
pub(crate) fn pg_json(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::String(s) if s.contains('\0') => Value::String(pg_text(s)),
        Value::Array(items) => Value::Array(items.iter().map(pg_json).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (pg_text(k), pg_json(v))).collect())
        }
        other => other.clone(),
    }
}

pub(crate) fn record(conn: &mut PgConnection, e: &SyncError<'_>) -> diesel::QueryResult<()> {
    sql_query(
        "INSERT INTO sync_errors (run_id, source, account_id, entity, upstream_id, reason, raw) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind::<SqlUuid, _>(e.run_id)
    .bind::<Text, _>(e.source)
    .bind::<BigInt, _>(e.account_id)
    .bind::<Text, _>(e.entity)
    .bind::<Nullable<Text>, _>(e.upstream_id.map(pg_text))
    .bind::<Text, _>(pg_text(e.reason))
    .bind::<Jsonb, _>(pg_json(e.raw))
    .execute(conn)?;
    Ok(())
}

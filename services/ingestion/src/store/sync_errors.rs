//! `sync_errors`: upstream records a run skipped, kept with their raw form and the reason.

use diesel::pg::PgConnection;
use diesel::sql_types::{Array, BigInt, Jsonb, Nullable, Text, Uuid as SqlUuid};
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

/// One refused record of many ([`record_many`]).
#[derive(Debug, Clone)]
pub(crate) struct Refused {
    pub(crate) upstream_id: Option<String>,
    pub(crate) reason: String,
    pub(crate) raw: serde_json::Value,
}

/// Records many refused records of one run and entity, a few thousand per statement.
pub(crate) fn record_many(
    conn: &mut PgConnection,
    run_id: uuid::Uuid,
    source: &str,
    account_id: i64,
    entity: &str,
    records: &[Refused],
) -> diesel::QueryResult<()> {
    for chunk in records.chunks(5_000) {
        let ids: Vec<Option<String>> = chunk
            .iter()
            .map(|r| r.upstream_id.as_deref().map(pg_text))
            .collect();
        let reasons: Vec<String> = chunk.iter().map(|r| pg_text(&r.reason)).collect();
        let raws: Vec<serde_json::Value> = chunk.iter().map(|r| pg_json(&r.raw)).collect();
        sql_query(
            "INSERT INTO sync_errors (run_id, source, account_id, entity, upstream_id, reason, raw) \
             SELECT $1, $2, $3, $4, u.id, u.reason, u.raw \
             FROM unnest($5::text[], $6::text[], $7::jsonb[]) WITH ORDINALITY AS u(id, reason, raw, n) \
             ORDER BY u.n",
        )
        .bind::<SqlUuid, _>(run_id)
        .bind::<Text, _>(source)
        .bind::<BigInt, _>(account_id)
        .bind::<Text, _>(entity)
        .bind::<Array<Nullable<Text>>, _>(ids)
        .bind::<Array<Text>, _>(reasons)
        .bind::<Array<Jsonb>, _>(raws)
        .execute(conn)?;
    }
    Ok(())
}

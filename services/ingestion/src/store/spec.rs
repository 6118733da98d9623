//! The warehouse tables a sync writes, each described once ([`TableSpec`]): key, data
//! columns, parent, merge mode. From that come the staging tables (COPY targets in the
//! run's staging schema) and the merge SQL that moves staged rows into the real tables.
//!
//! Two merge modes:
//! - [`MergeMode::Upsert`]: insert new rows, update changed ones in place, leave
//!   unchanged ones untouched (no new tuple, no WAL), never touch `created_at`.
//! - [`MergeMode::History`]: a changed value closes the current version (its `valid_to`
//!   set to the sync's time) and opens a new one (`valid_from` = that time); unchanged
//!   values are left alone; nothing is ever updated in place or deleted.

use adsync_proto::ingestion::SyncEntity;
use diesel::QueryResult;
use diesel::pg::PgConnection;

/// How staged rows reach the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MergeMode {
    /// One row per key, updated in place when a value changes.
    Upsert,
    /// Every version of a key's values with its validity: `valid_from` (inclusive) and
    /// `valid_to` (exclusive; NULL for the current version). The table's key is `key`
    /// plus `valid_from`; its current versions are unique by `key`. (No table of this
    /// build's sources keeps history yet; supplier prices will.)
    #[cfg_attr(not(test), allow(dead_code))]
    History {
        valid_from: &'static str,
        valid_to: &'static str,
    },
}

/// How a table marks the rows the upstream no longer lists.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MarkMissing {
    /// The nullable timestamp set to the sync's time on rows no longer listed (a data
    /// column staged as NULL, so a row that comes back is cleared by the merge).
    pub(crate) column: &'static str,
    /// The key column whose value a refused record of the run carries as its
    /// `upstream_id`: a row the upstream still lists but the run refused is not gone.
    /// (The table's key is the account column and this one.)
    pub(crate) refused_key: &'static str,
}

/// A row's parent: staged rows whose parent is not stored for the syncing account are
/// orphans, recorded as sync errors instead of written.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Parent {
    /// The column of this table holding the parent's id.
    pub(crate) column: &'static str,
    /// The parent table (schema-qualified); its key column is `id`.
    pub(crate) table: &'static str,
    /// The parent's column holding the account id (`id` for the account itself).
    pub(crate) account: &'static str,
}

/// COPYs rows in COPY text format into a staging table, named without a schema (the
/// caller points the search path at the run's staging schema). Sources make these from
/// their Diesel declarations of the staging tables.
pub(crate) type CopyFn = fn(&mut PgConnection, &[u8]) -> QueryResult<usize>;

/// One warehouse table as the store sees it.
#[derive(Debug)]
pub(crate) struct TableSpec {
    /// Schema-qualified, e.g. `linkedin.campaigns`.
    pub(crate) table: &'static str,
    /// Its staging table's name inside a run's staging schema.
    pub(crate) stage: &'static str,
    /// Every dimension of a row (for history tables: of the thing versioned).
    pub(crate) key: &'static [&'static str],
    /// Every other column a sync writes, in table order (not created_at / fetched_at,
    /// nor the validity columns of a history table).
    pub(crate) data: &'static [&'static str],
    pub(crate) parent: Option<Parent>,
    /// Rows with the same key from several requests are summed (demographic segments
    /// come per campaign batch), not deduplicated.
    pub(crate) sum: &'static [&'static str],
    /// The indexed column holding the account id: the merge compares staged rows with
    /// the syncing account's stored rows only, not with every account's.
    pub(crate) account: &'static str,
    pub(crate) mode: MergeMode,
    /// The date column, when the run's staged rows are the whole truth of its window:
    /// the account's stored rows dated in the window that were not staged are removed.
    pub(crate) replaces_window: Option<&'static str>,
    /// When the run's staged rows are every row the upstream lists now (the source says
    /// so: [`crate::runs::RunContext::staged_whole`]): the account's stored rows not
    /// staged are marked as gone, never deleted.
    pub(crate) marks_missing: Option<MarkMissing>,
    /// The entity whose written / unchanged / invalid counts this table's merge gives.
    pub(crate) entity: SyncEntity,
    pub(crate) copy: CopyFn,
}

/// Makes the [`CopyFn`] of a staging table declared with `diesel::table!` (Diesel's
/// COPY needs the declared table).
#[macro_export]
macro_rules! copy_fn {
    ($table:path) => {
        |conn: &mut diesel::pg::PgConnection, bytes: &[u8]| -> diesel::QueryResult<usize> {
            use diesel::ExecuteCopyFromDsl;
            if bytes.is_empty() {
                return Ok(0);
            }
            diesel::copy_from($table)
                .from_raw_data($table, |w: &mut dyn std::io::Write| {
                    w.write_all(bytes)
                        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))
                })
                .execute(conn)
        }
    };
}

impl TableSpec {
    fn columns(&self) -> Vec<&'static str> {
        self.key.iter().chain(self.data).copied().collect()
    }

    /// The column list COPY fills, in the order rows are encoded.
    pub(crate) fn column_list(&self) -> String {
        self.columns().join(", ")
    }

    /// The staging table in `schema`: UNLOGGED (nothing to recover after a crash: the
    /// run is failed and its staging dropped), with the target's column types.
    pub(crate) fn create_stage_sql(&self, schema: &str) -> String {
        format!(
            "CREATE UNLOGGED TABLE {schema}.{stage} AS SELECT {cols} FROM {table} WITH NO DATA",
            stage = self.stage,
            cols = self.column_list(),
            table = self.table
        )
    }

    /// `EXISTS (the row's parent is stored for account $2)`, for staged row `s`.
    fn parent_exists(&self) -> Option<String> {
        self.parent.map(|p| {
            format!(
                "EXISTS (SELECT 1 FROM {table} p WHERE p.id = s.{column} AND p.{account} = $2)",
                table = p.table,
                column = p.column,
                account = p.account
            )
        })
    }

    /// The staged rows to merge: one per key (the last copy, or the sum for summed
    /// columns), whose parent is stored.
    fn source_sql(&self, stage: &str) -> String {
        let keys = self.key.join(", ");
        let parent = self
            .parent_exists()
            .map(|e| format!(" WHERE {e}"))
            .unwrap_or_default();
        if self.sum.is_empty() {
            format!("SELECT DISTINCT ON ({keys}) * FROM {stage} s{parent} ORDER BY {keys}")
        } else {
            let cols = self
                .data
                .iter()
                .map(|c| {
                    if self.sum.contains(c) {
                        format!("sum({c}) AS {c}")
                    } else {
                        format!("max({c}) AS {c}")
                    }
                })
                .collect::<Vec<_>>()
                .join(", ");
            format!("SELECT {keys}, {cols} FROM {stage} s{parent} GROUP BY {keys}")
        }
    }

    /// `t.k = src.k AND ... AND t.<account> = $2`.
    fn join(&self) -> String {
        self.key
            .iter()
            .map(|k| format!("t.{k} = src.{k}"))
            .chain([format!("t.{} = $2", self.account)])
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    fn row_of(&self, alias: &str) -> String {
        self.data
            .iter()
            .map(|c| format!("{alias}.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `count(*)` of the staged keys whose parent is not stored (orphans are rare: only
    /// their keys are de-duplicated).
    fn orphans_sql(&self, stage: &str) -> String {
        match self.parent_exists() {
            Some(exists) => format!(
                "(SELECT count(*) FROM (SELECT DISTINCT {keys} FROM {stage} s WHERE NOT {exists}) o)",
                keys = self.key.join(", "),
            ),
            None => "0::bigint".to_owned(),
        }
    }

    /// The statements that merge the staged rows of `stage` (schema-qualified), in
    /// order; the last returns one row: `merged` (staged keys whose parent is stored),
    /// `written` and `orphans`. `$1` is the write time, `$2` the account.
    pub(crate) fn merge_sql(&self, stage: &str) -> Vec<String> {
        match self.mode {
            MergeMode::Upsert => vec![self.upsert_sql(stage)],
            MergeMode::History {
                valid_from,
                valid_to,
            } => self.history_sql(stage, valid_from, valid_to),
        }
    }

    /// Changed rows are updated, new ones inserted, and rows equal to what is stored are
    /// left alone (not even locked), in one statement. Plain INSERT and UPDATE, not an
    /// upsert: the account's advisory lock makes this transaction the only writer of
    /// these keys, and a speculative insertion per row costs a quarter of the merge on a
    /// first load.
    fn upsert_sql(&self, stage: &str) -> String {
        let cols = self.column_list();
        let set = self
            .data
            .iter()
            .map(|c| format!("{c} = src.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "WITH src AS MATERIALIZED ({source}), \
             upd AS (UPDATE {table} t SET {set}, fetched_at = $1 FROM src \
                     WHERE {join} AND ({stored}) IS DISTINCT FROM ({incoming}) RETURNING 1), \
             ins AS (INSERT INTO {table} ({cols}, fetched_at) SELECT {cols}, $1 FROM src \
                     WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {join}) RETURNING 1) \
             SELECT (SELECT count(*) FROM src) AS merged, \
                    (SELECT count(*) FROM upd) + (SELECT count(*) FROM ins) AS written, \
                    {orphans} AS orphans",
            source = self.source_sql(stage),
            table = self.table,
            join = self.join(),
            stored = self.row_of("t"),
            incoming = self.row_of("src"),
            orphans = self.orphans_sql(stage),
        )
    }

    /// First close the current versions whose values changed, then open a version for
    /// every staged key without a current version equal to it: two statements, so the
    /// closed versions are out of the way of the one-current-version-per-key index.
    fn history_sql(&self, stage: &str, valid_from: &str, valid_to: &str) -> Vec<String> {
        let cols = self.column_list();
        let close = format!(
            "WITH src AS ({source}) \
             UPDATE {table} t SET {valid_to} = $1 FROM src \
             WHERE {join} AND t.{valid_to} IS NULL AND ({stored}) IS DISTINCT FROM ({incoming})",
            source = self.source_sql(stage),
            table = self.table,
            join = self.join(),
            stored = self.row_of("t"),
            incoming = self.row_of("src"),
        );
        let open = format!(
            "WITH src AS MATERIALIZED ({source}), \
             ins AS (INSERT INTO {table} ({cols}, {valid_from}, fetched_at) SELECT {cols}, $1, $1 FROM src \
                     WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {join} AND t.{valid_to} IS NULL) \
                     RETURNING 1) \
             SELECT (SELECT count(*) FROM src) AS merged, (SELECT count(*) FROM ins) AS written, \
                    {orphans} AS orphans",
            source = self.source_sql(stage),
            table = self.table,
            join = self.join(),
            orphans = self.orphans_sql(stage),
        );
        vec![close, open]
    }

    /// Removes the account's (`$1`) rows dated `$2..=$3` whose key `stage` does not hold,
    /// for a table that replaces the run's window. The keys to remove are one set
    /// difference (hashed, whatever the planner guesses of a staging table it has no
    /// statistics for), then deleted over the primary key.
    pub(crate) fn remove_unstaged_sql(&self, stage: &str) -> Option<String> {
        let date = self.replaces_window?;
        let keys = self.key.join(", ");
        Some(format!(
            "DELETE FROM {table} WHERE {account} = $1 AND ({keys}) IN ( \
                 SELECT {keys} FROM {table} WHERE {account} = $1 AND {date} BETWEEN $2 AND $3 \
                 EXCEPT SELECT {keys} FROM {stage})",
            table = self.table,
            account = self.account,
        ))
    }

    /// Marks the account's (`$2`) rows not in `stage` and not refused by run `$3` as
    /// gone at `$1`, unless they are marked already. The rows to mark are one set
    /// difference (hashed, whatever the planner guesses of a staging table it has no
    /// statistics for: a per-row probe of it takes minutes on a large list), then
    /// updated over the primary key.
    pub(crate) fn mark_missing_sql(&self, stage: &str) -> Option<String> {
        let m = self.marks_missing?;
        let keys = self.key.join(", ");
        // The refused records' keys: the account and the refused key carry the whole key.
        let refused = self
            .key
            .iter()
            .map(|k| {
                if *k == self.account {
                    "$2".to_owned()
                } else if *k == m.refused_key {
                    "e.upstream_id".to_owned()
                } else {
                    panic!(
                        "{}: a key column ({k}) neither the account nor the refused key",
                        self.table
                    )
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
        Some(format!(
            "UPDATE {table} SET {col} = $1 WHERE {account} = $2 AND ({keys}) IN ( \
                 SELECT {keys} FROM {table} WHERE {account} = $2 AND {col} IS NULL \
                 EXCEPT SELECT {keys} FROM {stage} \
                 EXCEPT SELECT {refused} FROM sync_errors e WHERE e.run_id = $3 AND e.upstream_id IS NOT NULL)",
            table = self.table,
            col = m.column,
            account = self.account,
        ))
    }

    /// Records every orphan of `stage` as a sync error of run `$1` (account `$2`,
    /// entity `$3`, source `$4`), with the staged row.
    pub(crate) fn record_orphans_sql(&self, stage: &str) -> Option<String> {
        let exists = self.parent_exists()?;
        let p = self.parent?;
        Some(format!(
            "INSERT INTO sync_errors (run_id, account_id, entity, source, upstream_id, reason, raw) \
             SELECT $1, $2, $3, $4, s.{first}::text, \
                    'its {parent} record ({column} ' || s.{column} || ') was not stored', to_jsonb(s) \
             FROM {stage} s WHERE NOT {exists}",
            first = self.key[0],
            column = p.column,
            parent = p.table.rsplit('.').next().unwrap_or(p.table),
        ))
    }
}

/// The columns of a `diesel::table!` declaration, as its COPY lists them (`a, b, c`), for
/// tests that check a staging declaration against its [`TableSpec`].
#[cfg(test)]
pub(crate) fn declared_columns<T>(table: T) -> String
where
    T: diesel::Table + diesel::query_dsl::QueryDsl + diesel::query_builder::AsQuery,
    T::Query: diesel::query_builder::QueryFragment<diesel::pg::Pg>,
{
    let sql = diesel::debug_query::<diesel::pg::Pg, _>(&table.as_query()).to_string();
    let cols = sql
        .trim_start_matches("SELECT ")
        .split(" FROM ")
        .next()
        .unwrap()
        .to_owned();
    cols.split(", ")
        .map(|c| c.rsplit('.').next().unwrap().trim_matches('"').to_owned())
        .collect::<Vec<_>>()
        .join(", ")
}

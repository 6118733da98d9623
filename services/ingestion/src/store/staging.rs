//! [`Staging`]: where a run's records wait for the merge. Each run stages into a schema
//! of its own (`sync_run_<run id>`) holding one UNLOGGED table per warehouse table: rows
//! are COPYed in as they arrive, each COPY in a short transaction of its own, so a sync
//! holds no connection and no transaction while it fetches. The merge reads the schema
//! and drops it in the transaction that commits the run; a run that dies leaves it for
//! the housekeeping sweep, which drops the staging of every run no longer running.

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::spec::TableSpec;

const PREFIX: &str = "sync_run_";

/// One run's staging schema.
#[derive(Debug, Clone)]
pub(crate) struct Staging {
    schema: String,
}

impl Staging {
    /// The staging of run `run_id` (created or not).
    pub(crate) fn of(run_id: uuid::Uuid) -> Staging {
        Staging {
            schema: format!("{PREFIX}{}", run_id.simple()),
        }
    }

    /// The schema's name.
    pub(crate) fn schema(&self) -> &str {
        &self.schema
    }

    /// The staging table of `spec`, schema-qualified.
    pub(crate) fn table(&self, spec: &TableSpec) -> String {
        format!("{}.{}", self.schema, spec.stage)
    }

    /// Creates the schema and a staging table for each of `specs`, in one transaction.
    pub(crate) fn create(&self, conn: &mut PgConnection, specs: &[&TableSpec]) -> QueryResult<()> {
        let mut sql = format!(
            "DROP SCHEMA IF EXISTS {0} CASCADE; CREATE SCHEMA {0};",
            self.schema
        );
        for spec in specs {
            sql.push_str(&spec.create_stage_sql(&self.schema));
            sql.push(';');
        }
        conn.transaction(|conn| conn.batch_execute(&sql))
    }

    /// COPYs `rows` (COPY text) into the staging table of `spec`; returns the rows
    /// staged. Its own short transaction: the search path points at this run's schema
    /// only for the COPY.
    pub(crate) fn copy(
        &self,
        conn: &mut PgConnection,
        spec: &TableSpec,
        rows: &[u8],
    ) -> QueryResult<usize> {
        if rows.is_empty() {
            return Ok(0);
        }
        conn.transaction(|conn| {
            conn.batch_execute(&format!("SET LOCAL search_path TO {}", self.schema))?;
            (spec.copy)(conn, rows)
        })
    }

    /// Drops the schema and everything in it (nothing if it does not exist).
    pub(crate) fn drop_all(&self, conn: &mut PgConnection) -> QueryResult<()> {
        conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema))
    }

    /// The run a staging schema belongs to, from the schema's name.
    fn run_of(schema: &str) -> Option<uuid::Uuid> {
        uuid::Uuid::try_parse(schema.strip_prefix(PREFIX)?).ok()
    }

    /// Every staging schema in the database, with its run.
    pub(crate) fn all(conn: &mut PgConnection) -> QueryResult<Vec<(Staging, uuid::Uuid)>> {
        #[derive(QueryableByName)]
        struct Schema {
            #[diesel(sql_type = Text)]
            nspname: String,
        }
        let schemas: Vec<Schema> = diesel::sql_query(
            "SELECT nspname::text AS nspname FROM pg_namespace WHERE starts_with(nspname::text, $1)",
        )
        .bind::<Text, _>(PREFIX)
        .load(conn)?;
        Ok(schemas
            .into_iter()
            .filter_map(|s| {
                let run = Staging::run_of(&s.nspname)?;
                Some((Staging { schema: s.nspname }, run))
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_staging_schema_names_its_run() {
        let run = uuid::Uuid::now_v7();
        let staging = Staging::of(run);
        assert!(
            staging.schema().len() <= 63,
            "PostgreSQL's identifier limit"
        );
        assert_eq!(Staging::run_of(staging.schema()), Some(run));
        assert_eq!(Staging::run_of("public"), None);
        assert_eq!(Staging::run_of("sync_run_nonsense"), None);
    }
}

//! Embedded migrations, run at start-up under a cluster-wide advisory lock.

use diesel::migration::{Migration, MigrationSource};
use diesel::pg::{Pg, PgConnection};
use diesel::{RunQueryDsl, sql_query};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness};

use crate::DbError;

/// Serialises migration runs across processes: two services (or replicas) starting
/// against one database would otherwise race to apply the same migration.
const MIGRATION_LOCK_KEY: i64 = 0x6164_7379_6e63_4d49; // "adsyncMI"

/// Applies every pending migration of each set, in order. Returns the versions applied.
pub fn run_migrations(
    conn: &mut PgConnection,
    sets: &[&EmbeddedMigrations],
) -> Result<Vec<String>, DbError> {
    with_migration_lock(conn, |conn| {
        let mut applied = Vec::new();
        for set in sets {
            let versions = conn
                .run_pending_migrations(Borrowed(set))
                .map_err(|e| DbError::Migration(e.to_string()))?;
            applied.extend(versions.into_iter().map(|v| v.to_string()));
        }
        Ok(applied)
    })
}

/// Reverts every applied migration of each set, newest first and last set first (tests
/// of `down.sql`). Only each set's own versions are touched: Diesel's `revert_all` would
/// stop at the first version it does not know, which in a shared database is another
/// service's.
pub fn revert_all_migrations(
    conn: &mut PgConnection,
    sets: &[&EmbeddedMigrations],
) -> Result<Vec<String>, DbError> {
    with_migration_lock(conn, |conn| {
        let applied = conn
            .applied_migrations()
            .map_err(|e| DbError::Migration(e.to_string()))?;
        let mut reverted = Vec::new();
        for set in sets.iter().rev() {
            let mut migrations = MigrationSource::<Pg>::migrations(*set)
                .map_err(|e| DbError::Migration(e.to_string()))?;
            migrations.sort_by(|a, b| b.name().version().cmp(&a.name().version()));
            for migration in migrations
                .iter()
                .filter(|m| applied.contains(&m.name().version()))
            {
                let version = conn
                    .revert_migration(migration.as_ref())
                    .map_err(|e| DbError::Migration(e.to_string()))?;
                reverted.push(version.to_string());
            }
        }
        Ok(reverted)
    })
}

fn with_migration_lock<T>(
    conn: &mut PgConnection,
    f: impl FnOnce(&mut PgConnection) -> Result<T, DbError>,
) -> Result<T, DbError> {
    sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")).execute(conn)?;
    let result = f(conn);
    sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")).execute(conn)?;
    result
}

/// Lends a `'static` migration set to the harness, which wants its source by value.
struct Borrowed<'a>(&'a EmbeddedMigrations);

impl MigrationSource<Pg> for Borrowed<'_> {
    fn migrations(&self) -> diesel::migration::Result<Vec<Box<dyn Migration<Pg>>>> {
        MigrationSource::<Pg>::migrations(self.0)
    }
}

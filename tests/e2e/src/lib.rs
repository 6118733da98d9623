//! Support for adsync's cross-service tests: which migrations make up the whole schema.
//! The tests themselves are in `tests/` (one binary, `e2e`).

use adsync_db::EmbeddedMigrations;

/// Every service's migrations, in the order a fresh database receives them.
pub fn all_migrations() -> [&'static EmbeddedMigrations; 2] {
    [&adsync_auth::MIGRATIONS, &adsync_warehouse::MIGRATIONS]
}

//! [`TestDatabase`]: one database per test, cloned from a migrated template.

use std::collections::HashMap;
use std::sync::Mutex;

use adsync_db::{Db, DbArgs, DbConfig, EmbeddedMigrations, run_migrations};
use diesel::migration::MigrationSource;
use diesel::pg::PgConnection;
use diesel::{Connection, RunQueryDsl, sql_query};

use crate::postgres::server_url;

/// Templates already made by this process, by name.
static TEMPLATES: Mutex<Option<HashMap<String, ()>>> = Mutex::new(None);

/// Serialises template creation across processes (test binaries may run at once).
const TEMPLATE_LOCK_KEY: i64 = 0x6164_7379_6e63_5450; // "adsyncTP"

/// A database that exists for one test. Dropping it drops the database, unless it is kept.
#[derive(Debug)]
pub struct TestDatabase {
    name: String,
    url: String,
    /// Left in place on drop (see [`TestDatabase::keep`]).
    kept: bool,
}

impl TestDatabase {
    /// A new, empty database with no migrations applied.
    pub fn empty() -> TestDatabase {
        crate::init_test_logging();
        let name = format!("adsync_test_{}", uuid::Uuid::new_v4().simple());
        admin(&format!("CREATE DATABASE {name}"));
        TestDatabase {
            url: database_url(&name),
            name,
            kept: false,
        }
    }

    /// A new database with every migration of `sets` applied. The first call for a given
    /// list of migrations builds a template; later calls clone it (much faster).
    pub fn migrated(sets: &[&EmbeddedMigrations]) -> TestDatabase {
        crate::init_test_logging();
        let template = ensure_template(sets);
        let name = format!("adsync_test_{}", uuid::Uuid::new_v4().simple());
        admin(&format!(
            "CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY"
        ));
        TestDatabase {
            url: database_url(&name),
            name,
            kept: false,
        }
    }

    /// A database made earlier (e.g. a benchmark's [`TestDatabase::keep`]), on the same
    /// server, by name. It is left in place on drop.
    pub fn existing(name: &str) -> TestDatabase {
        crate::init_test_logging();
        TestDatabase {
            url: database_url(name),
            name: name.to_owned(),
            kept: true,
        }
    }

    /// Leaves the database in place when this handle drops, so a later run can reuse it
    /// with [`TestDatabase::existing`].
    pub fn keep(&mut self) {
        self.kept = true;
    }

    /// The database's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A direct (blocking) connection, for arranging and inspecting rows.
    pub fn connect(&self) -> PgConnection {
        PgConnection::establish(&self.url)
            .unwrap_or_else(|e| panic!("connect to {}: {e}", self.name))
    }

    /// The services' tables, sorted (byte order): `name` in the `public` schema,
    /// `schema.name` in any other (each source's warehouse). Diesel's bookkeeping table
    /// and runs' staging schemas are left out.
    pub fn tables(&self) -> Vec<String> {
        #[derive(diesel::QueryableByName)]
        struct Table {
            #[diesel(sql_type = diesel::sql_types::Text)]
            name: String,
        }
        let tables: Vec<Table> = sql_query(
            "SELECT CASE WHEN schemaname = 'public' THEN tablename::text \
                         ELSE schemaname || '.' || tablename END AS name \
             FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') \
             AND schemaname NOT LIKE 'sync\\_run\\_%' AND tablename <> '__diesel_schema_migrations'",
        )
        .load(&mut self.connect())
        .expect("list tables");
        let mut names: Vec<String> = tables.into_iter().map(|t| t.name).collect();
        names.sort();
        names
    }

    /// A pooled handle, as the services use.
    pub async fn db(&self) -> Db {
        Db::connect(DbConfig::new(self.url.clone(), "adsync-test"))
            .await
            .unwrap_or_else(|e| panic!("pool for {}: {e}", self.name))
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if self.kept {
            return;
        }
        // FORCE ends any session the test left open (a server still shutting down).
        let mut conn = match PgConnection::establish(server_url()) {
            Ok(conn) => conn,
            Err(_) => return,
        };
        let _ = sql_query(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ))
        .execute(&mut conn);
    }
}

/// Database flags for a service under test, pointing at `db`.
pub fn db_args(db: &TestDatabase) -> DbArgs {
    DbArgs {
        database_url: db.url().to_owned().into(),
        max_connections: 8,
        acquire_timeout_ms: 10_000,
        statement_timeout_ms: 0,
    }
}

/// Remote-auth flags for a service under test: the auth service at `url`, this service's
/// own token `service_token`, no caching (tests revoke tokens and expect it at once).
pub fn remote_auth_args(url: &str, service_token: &str) -> adsync_server::RemoteAuthArgs {
    adsync_server::RemoteAuthArgs {
        auth_url: url.to_owned(),
        service_token: service_token.to_owned().into(),
        auth_cache_secs: 0,
    }
}

/// Builds `adsync_tpl_<hash of the migration versions>` once per server.
fn ensure_template(sets: &[&EmbeddedMigrations]) -> String {
    let mut versions = Vec::new();
    for set in sets {
        let migrations =
            MigrationSource::<diesel::pg::Pg>::migrations(*set).expect("embedded migrations load");
        versions.extend(migrations.iter().map(|m| m.name().to_string()));
    }
    let name = format!("adsync_tpl_{:016x}", fnv1a(&versions.join(",")));

    let mut done = TEMPLATES.lock().unwrap_or_else(|e| e.into_inner());
    let done = done.get_or_insert_with(HashMap::new);
    if done.contains_key(&name) {
        return name;
    }
    let mut conn = PgConnection::establish(server_url())
        .unwrap_or_else(|e| panic!("connect to test server: {e}"));
    sql_query(format!("SELECT pg_advisory_lock({TEMPLATE_LOCK_KEY})"))
        .execute(&mut conn)
        .expect("lock");
    let exists = sql_query(format!(
        "SELECT 1 FROM pg_database WHERE datname = '{name}'"
    ))
    .execute(&mut conn)
    .expect("query pg_database")
        > 0;
    if !exists {
        // Build under a temporary name and rename: a half-built template is never visible.
        let building = format!("{name}_building");
        sql_query(format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
            .execute(&mut conn)
            .expect("drop");
        sql_query(format!("CREATE DATABASE {building}"))
            .execute(&mut conn)
            .expect("create template");
        {
            let mut tpl =
                PgConnection::establish(&database_url(&building)).expect("connect to template");
            run_migrations(&mut tpl, sets)
                .unwrap_or_else(|e| panic!("migrating the test template: {e}"));
        }
        sql_query(format!("ALTER DATABASE {building} RENAME TO {name}"))
            .execute(&mut conn)
            .expect("rename");
    }
    sql_query(format!("SELECT pg_advisory_unlock({TEMPLATE_LOCK_KEY})"))
        .execute(&mut conn)
        .expect("unlock");
    done.insert(name.clone(), ());
    name
}

fn admin(sql: &str) {
    let mut conn = PgConnection::establish(server_url())
        .unwrap_or_else(|e| panic!("connect to test server: {e}"));
    sql_query(sql)
        .execute(&mut conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// The server URL with its database replaced by `name`.
fn database_url(name: &str) -> String {
    let base = server_url();
    let (without_query, query) = match base.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (base, None),
    };
    let scheme_end = without_query.find("://").map_or(0, |i| i + 3);
    let path_start = without_query[scheme_end..]
        .find('/')
        .map(|i| i + scheme_end);
    let root = match path_start {
        Some(i) => &without_query[..i],
        None => without_query,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

/// A stable (not per-process randomised) hash for template names.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

//! The auth tables: the generated Diesel schema, read/write models, and the queries.
//! Functions take `&mut PgConnection`; callers own transactions and run them through
//! the `adsync_db::Db` bridge.

pub(crate) mod api_tokens;
pub(crate) mod connections;
pub(crate) mod models;
#[allow(unreachable_pub, dead_code)]
pub(crate) mod schema;
pub(crate) mod states;
pub(crate) mod workspaces;

/// `TEXT[]` comes back as nullable elements; the tables never store NULL in them.
pub(crate) fn strings(values: Vec<Option<String>>) -> Vec<String> {
    values.into_iter().flatten().collect()
}

//! The auth tables: Diesel schema (generated) and the queries over it.

#[allow(unreachable_pub, dead_code)]
pub(crate) mod schema;

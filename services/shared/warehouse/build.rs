//! `embed_migrations!` cannot see new migration files by itself: rebuild when they change.
fn main() {
    println!("cargo:rerun-if-changed=../../../migrations/ingestion");
}

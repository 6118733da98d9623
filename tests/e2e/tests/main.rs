//! adsync end-to-end tests: one binary, one module per concern.

mod amazon_ads;
mod amazon_reporting;
mod auth_layer;
mod discovery;
mod foundation;
mod linkedin_details;
mod readme;
mod reporting;
mod schema_migration;
mod supplier_feeds;
mod sync;
mod sync_load;
mod tls;
mod upstream_client;
mod workspaces;

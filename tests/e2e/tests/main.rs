//! adsync end-to-end tests: one binary, one module per concern.

mod auth_layer;
mod discovery;
mod foundation;
mod readme;
mod reporting;
mod seed_bugs;
mod sync;
mod upstream_client;

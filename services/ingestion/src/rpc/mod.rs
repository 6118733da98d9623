//! One module per RPC (or group of RPCs), each an `impl IngestionApi` block.

mod discover;
mod runs;
mod sync;

pub(crate) use adsync_server::timestamp;

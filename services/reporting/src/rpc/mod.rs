//! One module per RPC (or group of RPCs), each an `impl ReportingApi` block.

mod audit;
mod demographics;
pub(crate) mod entities;
pub(crate) mod metrics;
pub(crate) mod summary;
mod sync_status;

//! One module per RPC (or group of RPCs), each an `impl ReportingApi` block.

pub(crate) mod amazon;
mod audit;
mod daily_spend;
mod demographics;
pub(crate) mod entities;
pub(crate) mod metrics;
pub(crate) mod summary;
mod suppliers;
mod sync_status;

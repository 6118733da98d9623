//! One module per RPC (or group of RPCs), each an `impl IngestionApi` block.

mod discover;
mod runs;
mod sync;

use chrono::{DateTime, Utc};

/// A protobuf timestamp.
pub(crate) fn timestamp(t: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: t.timestamp(),
        nanos: t.timestamp_subsec_nanos() as i32,
    }
}

//! One module per RPC (or group of RPCs), each an `impl IngestionApi` block: they check
//! the request, call the run platform, and shape its answer.

mod discover;
mod runs;
mod supplier_feeds;
mod supplier_uploads;
mod sync;

use std::sync::Arc;

use adsync_proto::ingestion::Source as SourceProto;
use adsync_server::FieldViolations;

use crate::runs::Platform;
use crate::sources::Source;

/// How a request's unspecified source is read.
#[derive(Debug, Clone, Copy)]
enum Unspecified {
    /// As LinkedIn: the request names an account, and accounts were LinkedIn's before
    /// there were sources.
    Linkedin,
    /// As every source: the request is a filter.
    Every,
}

/// The source a request's `source` field names (`None` for every source, when that is
/// what unspecified means); a value this process does not serve is a violation.
fn source_of(
    platform: &Platform,
    raw: i32,
    unspecified: Unspecified,
    v: &mut FieldViolations,
) -> Option<Arc<dyn Source>> {
    let proto = match SourceProto::try_from(raw) {
        Ok(SourceProto::Unspecified) => match unspecified {
            Unspecified::Linkedin => SourceProto::Linkedin,
            Unspecified::Every => return None,
        },
        Ok(proto) => proto,
        Err(_) => {
            v.add("source", format!("unknown source {raw}"));
            return None;
        }
    };
    let found = platform.sources.by_proto(proto).cloned();
    if found.is_none() {
        v.add(
            "source",
            format!("{} is not served by this deployment", proto.as_str_name()),
        );
    }
    found
}

//! Writing a sync into the warehouse: rows are COPYed into the run's staging tables as
//! they arrive ([`Staging`]), then merged into the real tables ([`merge()`]) in the one
//! short transaction that also records the run's outcome. Tables are described once
//! ([`TableSpec`]) by the source that owns them.

mod copy_text;
mod merge;
mod spec;
mod staging;
pub(crate) mod sync_errors;

pub(crate) use copy_text::CopyBuffer;
pub(crate) use merge::{MergeTarget, merge};
#[cfg(test)]
pub(crate) use spec::declared_columns;
pub(crate) use spec::{MarkMissing, MergeMode, Parent, TableSpec};
pub(crate) use staging::Staging;

//! Writing a sync into the warehouse: rows are COPYed into staging tables as they arrive,
//! then merged into the real tables in one transaction with the run's outcome.

mod copy_text;
pub(crate) mod tables;

pub(crate) use copy_text::CopyBuffer;
mod writer;

pub(crate) use writer::{Batch, DemographicRow, TableReport, Writer};

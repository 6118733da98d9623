//! One module per group of commands.

pub(crate) mod amazon_report;
pub(crate) mod connect;
pub(crate) mod report;
pub(crate) mod suppliers;
pub(crate) mod sync;
pub(crate) mod token;
pub(crate) mod workspace;

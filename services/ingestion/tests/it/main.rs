//! Integration tests of the ingestion service: real PostgreSQL, real gRPC over loopback,
//! and the binary run as a process of its own where a test kills it.

mod crash;
mod startup;

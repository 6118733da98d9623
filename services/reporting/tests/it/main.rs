//! Integration tests of the reporting service: real PostgreSQL, real gRPC over loopback.

mod startup;

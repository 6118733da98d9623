//! Integration tests of the ingestion service: real PostgreSQL, real gRPC over loopback.

mod startup;

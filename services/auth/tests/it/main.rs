//! Integration tests of the auth service: real PostgreSQL, real gRPC over loopback.

mod startup;

//! Integration tests of the auth service: real PostgreSQL, real gRPC over loopback, and
//! the LinkedIn sandbox as the upstream.

mod at_rest;
mod caller_tokens;
mod oauth;
mod startup;
mod support;

//! Integration tests of the auth service: real PostgreSQL, real gRPC over loopback, and
//! the LinkedIn and Amazon Ads sandboxes as the upstreams.

mod amazon;
mod at_rest;
mod caller_tokens;
mod oauth;
mod startup;
mod support;

//! Integration tests of the auth service: real PostgreSQL, real gRPC over loopback, and
//! the LinkedIn, Amazon Ads and Google Sheets sandboxes as the upstreams.

mod amazon;
mod at_rest;
mod caller_tokens;
mod google;
mod oauth;
mod replicas;
mod startup;
mod support;
mod workspaces;

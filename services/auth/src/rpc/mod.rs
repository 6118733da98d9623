//! One module per group of RPCs, each an `impl AuthApi` block, plus what they share.

mod access_token;
mod api_tokens;
mod authorization;
mod connections;
mod service_accounts;
mod workspaces;

pub(crate) use api_tokens::{LocalAuthenticator, insert_api_token, scope_misplaced};

use adsync_server::FieldViolations;

use crate::error::{DOMAIN, Error};

pub(crate) use adsync_server::timestamp;

/// AIP-158 page size: negative is an error, 0 is the default, above the maximum is capped.
pub(crate) fn page_size(requested: i32, default: i64, max: i64) -> Result<i64, Error> {
    if requested < 0 {
        let mut v = FieldViolations::new();
        v.add("page_size", "must not be negative");
        v.into_result(DOMAIN)?;
    }
    Ok(if requested == 0 {
        default
    } else {
        i64::from(requested).min(max)
    })
}

impl crate::service::AuthApi {
    /// The cursor of a page token issued by `rpc` for `fingerprint`, or INVALID_ARGUMENT.
    pub(crate) fn page_cursor(
        &self,
        rpc: &str,
        fingerprint: &str,
        token: &str,
    ) -> Result<Option<String>, Error> {
        if token.is_empty() {
            return Ok(None);
        }
        self.page_tokens
            .decode(rpc, fingerprint, token)
            .map(Some)
            .ok_or_else(|| {
                Error::from(adsync_server::invalid_field(
                    DOMAIN,
                    "page_token",
                    "not a page token of this call with these filters; start again without it",
                ))
            })
    }

    /// Given `limit + 1` rows fetched for a page, keeps `limit` and returns the token of
    /// the next page (empty at the end of the collection), made from the last row kept.
    pub(crate) fn next_page<T>(
        &self,
        rows: &mut Vec<T>,
        limit: i64,
        rpc: &str,
        fingerprint: &str,
        cursor: impl Fn(&T) -> String,
    ) -> String {
        if rows.len() as i64 <= limit {
            return String::new();
        }
        rows.truncate(limit as usize);
        rows.last()
            .map(|r| self.page_tokens.encode(rpc, fingerprint, &cursor(r)))
            .unwrap_or_default()
    }
}

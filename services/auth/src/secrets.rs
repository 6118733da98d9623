//! Caller tokens and OAuth states: their format, generation and hashing.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Every caller token starts with this, so secret scanners and people can spot one.
pub(crate) const TOKEN_PREFIX: &str = "adsync_";

/// 32 random bytes, URL-safe base64 (43 characters).
fn random_43() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A new caller token: `adsync_` and 256 random bits.
pub(crate) fn new_api_token() -> String {
    format!("{TOKEN_PREFIX}{}", random_43())
}

/// A new OAuth `state`: 256 random bits.
pub(crate) fn new_state() -> String {
    random_43()
}

/// Whether `token` has the shape of a caller token (checked before any lookup).
pub(crate) fn is_well_formed(token: &str) -> bool {
    token.strip_prefix(TOKEN_PREFIX).is_some_and(|rest| {
        rest.len() == 43
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// What is stored instead of a secret. High-entropy secrets need no slow hash.
pub(crate) fn hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// The non-secret start of a token shown in listings: `adsync_` and 6 characters.
pub(crate) fn display_prefix(token: &str) -> String {
    token.chars().take(TOKEN_PREFIX.len() + 6).collect()
}

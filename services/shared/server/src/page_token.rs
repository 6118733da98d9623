//! AIP-158 page tokens: opaque, URL-safe, tied to the RPC, the filters and the caller's
//! reach they were issued for, and signed with HMAC-SHA256 under a key only this
//! service's replicas hold. A token that was altered, forged, or comes from another RPC,
//! other filters or another workspace is refused.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::hmac;

/// Bytes of the signature a token carries (an HMAC-SHA256).
const TAG: usize = 32;

/// Issues and reads one service's page tokens. Cheap to clone.
#[derive(Clone)]
pub struct PageTokens {
    key: hmac::Key,
}

impl std::fmt::Debug for PageTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageTokens").finish_non_exhaustive()
    }
}

impl PageTokens {
    /// Tokens keyed by `secret`, a secret every replica of the service shares (its own
    /// caller token, or its encryption keys): a replica reads the tokens another issued,
    /// and nobody without the secret can make one. The key is derived, never the secret
    /// itself.
    pub fn from_secret(secret: &[u8]) -> PageTokens {
        let derive = hmac::Key::new(hmac::HMAC_SHA256, secret);
        let key = hmac::sign(&derive, b"adsync page tokens v1");
        PageTokens {
            key: hmac::Key::new(hmac::HMAC_SHA256, key.as_ref()),
        }
    }

    /// Encodes `cursor` (the position after the last item served) for the RPC `scope` and
    /// the request's filters and caller, given as one string (`fingerprint`).
    pub fn encode(&self, scope: &str, fingerprint: &str, cursor: &str) -> String {
        let tag = hmac::sign(&self.key, &signed(scope, fingerprint, cursor));
        let mut bytes = cursor.as_bytes().to_vec();
        bytes.extend_from_slice(tag.as_ref());
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The cursor inside a token from [`PageTokens::encode`], or `None` if the token is
    /// not one this service issued for this RPC, these filters and this caller.
    pub fn decode(&self, scope: &str, fingerprint: &str, token: &str) -> Option<String> {
        let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
        if bytes.len() < TAG {
            return None;
        }
        let (cursor, tag) = bytes.split_at(bytes.len() - TAG);
        let cursor = String::from_utf8(cursor.to_vec()).ok()?;
        // Checked in constant time: a forger learns nothing from how long a refusal takes.
        hmac::verify(&self.key, &signed(scope, fingerprint, &cursor), tag).ok()?;
        Some(cursor)
    }
}

/// What a token's signature covers. Each part's length comes first, so no two
/// (scope, fingerprint, cursor) sign the same bytes.
fn signed(scope: &str, fingerprint: &str, cursor: &str) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(24 + scope.len() + fingerprint.len() + cursor.len());
    for part in [scope, fingerprint, cursor] {
        bytes.extend_from_slice(&(part.len() as u64).to_be_bytes());
        bytes.extend_from_slice(part.as_bytes());
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_refuse_tampering_forgery_or_reuse_elsewhere() {
        let tokens = PageTokens::from_secret(b"replicas' shared secret");
        let token = tokens.encode("ListSyncRuns", "account=1", "2026-11-21T00:00:00Z|abc");
        assert_eq!(
            tokens
                .decode("ListSyncRuns", "account=1", &token)
                .as_deref(),
            Some("2026-11-21T00:00:00Z|abc")
        );
        // Another replica with the same secret reads it.
        let replica = PageTokens::from_secret(b"replicas' shared secret");
        assert!(
            replica
                .decode("ListSyncRuns", "account=1", &token)
                .is_some()
        );
        // Other filters, another RPC, another deployment's key: refused.
        assert_eq!(tokens.decode("ListSyncRuns", "account=2", &token), None);
        assert_eq!(tokens.decode("ListCampaigns", "account=1", &token), None);
        let other = PageTokens::from_secret(b"another deployment");
        assert_eq!(other.decode("ListSyncRuns", "account=1", &token), None);
        // Altered, or made up without the key.
        let mut tampered = token.clone().into_bytes();
        tampered[2] = if tampered[2] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert_eq!(tokens.decode("ListSyncRuns", "account=1", &tampered), None);
        let forged = URL_SAFE_NO_PAD.encode(b"9999|forged-cursor-and-a-made-up-tag!");
        assert_eq!(tokens.decode("ListSyncRuns", "account=1", &forged), None);
        assert_eq!(tokens.decode("ListSyncRuns", "account=1", "%%%"), None);
    }
}

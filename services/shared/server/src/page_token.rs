//! AIP-158 page tokens: opaque, URL-safe, tied to the RPC and the filters they were issued
//! for. A token that was altered, or comes from another RPC or other filters, is refused.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// Encodes `cursor` (the position after the last item served) for the RPC `scope` and
/// the request's filters, given as one string (`fingerprint`).
pub fn encode_page_token(scope: &str, fingerprint: &str, cursor: &str) -> String {
    let mut bytes = cursor.as_bytes().to_vec();
    bytes.extend_from_slice(&check(scope, fingerprint, cursor));
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The cursor inside a token from [`encode_page_token`], or `None` if the token is not
/// one this RPC issued for these filters.
pub fn decode_page_token(scope: &str, fingerprint: &str, token: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    if bytes.len() < 8 {
        return None;
    }
    let (cursor, tag) = bytes.split_at(bytes.len() - 8);
    let cursor = String::from_utf8(cursor.to_vec()).ok()?;
    (tag == check(scope, fingerprint, &cursor)).then_some(cursor)
}

fn check(scope: &str, fingerprint: &str, cursor: &str) -> [u8; 8] {
    let digest = Sha256::new()
        .chain_update(b"adsync-page-token\0")
        .chain_update(scope)
        .chain_update([0])
        .chain_update(fingerprint)
        .chain_update([0])
        .chain_update(cursor)
        .finalize();
    digest[..8].try_into().expect("8 bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_refuse_tampering_or_reuse_elsewhere() {
        let token = encode_page_token("ListSyncRuns", "account=1", "2026-11-21T00:00:00Z|abc");
        assert_eq!(
            decode_page_token("ListSyncRuns", "account=1", &token).as_deref(),
            Some("2026-11-21T00:00:00Z|abc")
        );
        assert_eq!(decode_page_token("ListSyncRuns", "account=2", &token), None);
        assert_eq!(
            decode_page_token("ListCampaigns", "account=1", &token),
            None
        );
        let mut tampered = token.into_bytes();
        tampered[2] = if tampered[2] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            decode_page_token(
                "ListSyncRuns",
                "account=1",
                &String::from_utf8(tampered).unwrap()
            ),
            None
        );
        assert_eq!(decode_page_token("ListSyncRuns", "account=1", "%%%"), None);
    }
}

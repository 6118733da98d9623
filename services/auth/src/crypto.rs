//! Sealing upstream tokens at rest: AES-256-GCM, a fresh random nonce per seal, and the
//! row and column as associated data so a sealed value cannot be moved to another row.
//! Keys carry ids so they can be rotated: new seals use the first key, old ones open
//! with whichever key sealed them.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};

/// Why the key configuration or a sealed value is unusable. Never contains key material.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("ADSYNC_TOKEN_ENCRYPTION_KEYS: {0}")]
    Config(String),
    #[error("no key with id {0:?} is configured; it sealed a stored token")]
    UnknownKey(String),
    #[error("a stored token does not decrypt (wrong key or tampered data)")]
    Open,
}

/// The configured keys. `Debug` shows ids only.
#[derive(Clone)]
pub(crate) struct Keyring {
    keys: Vec<(String, Aes256Gcm)>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field(
                "key_ids",
                &self.keys.iter().map(|(id, _)| id).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Keyring {
    /// Parses `id:base64key[,id:base64key...]`.
    pub(crate) fn parse(spec: &SecretString) -> Result<Keyring, CryptoError> {
        let mut keys = Vec::new();
        for part in spec
            .expose_secret()
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let (id, key) = part.split_once(':').ok_or_else(|| {
                CryptoError::Config("each key must be written id:base64key".into())
            })?;
            if id.is_empty()
                || !id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(CryptoError::Config(format!(
                    "key id {id:?} must be letters, digits, - or _"
                )));
            }
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(key)
                .map_err(|_| CryptoError::Config(format!("key {id:?} is not valid base64")))?;
            if bytes.len() != 32 {
                return Err(CryptoError::Config(format!(
                    "key {id:?} must be 32 bytes, not {}",
                    bytes.len()
                )));
            }
            if keys.iter().any(|(k, _)| k == id) {
                return Err(CryptoError::Config(format!("key id {id:?} appears twice")));
            }
            keys.push((
                id.to_owned(),
                Aes256Gcm::new_from_slice(&bytes).expect("32-byte key"),
            ));
        }
        if keys.is_empty() {
            return Err(CryptoError::Config(
                "no key given; refusing to store tokens unencrypted".into(),
            ));
        }
        Ok(Keyring { keys })
    }

    /// The id of the key new seals use.
    pub(crate) fn active_key_id(&self) -> &str {
        &self.keys[0].0
    }

    /// Seals `plaintext` for `aad` with the active key: nonce (12 bytes) || ciphertext.
    pub(crate) fn seal(&self, aad: &str, plaintext: &str) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self.keys[0]
            .1
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: aad.as_bytes(),
                },
            )
            .expect("AES-GCM encryption does not fail for small inputs");
        [nonce.as_slice(), &sealed].concat()
    }

    /// Opens a value sealed by key `key_id` for `aad`.
    pub(crate) fn open(
        &self,
        key_id: &str,
        aad: &str,
        sealed: &[u8],
    ) -> Result<String, CryptoError> {
        let (_, cipher) = self
            .keys
            .iter()
            .find(|(id, _)| id == key_id)
            .ok_or_else(|| CryptoError::UnknownKey(key_id.to_owned()))?;
        if sealed.len() < 12 {
            return Err(CryptoError::Open);
        }
        let (nonce, ciphertext) = sealed.split_at(12);
        let plain = cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Open)?;
        String::from_utf8(plain).map_err(|_| CryptoError::Open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> String {
        base64::engine::general_purpose::STANDARD.encode([byte; 32])
    }

    #[test]
    fn seals_open_only_with_the_same_key_and_row() {
        let ring = Keyring::parse(&SecretString::from(format!("k1:{}", key(1)))).unwrap();
        let sealed = ring.seal("conn_1/access", "secret-token");
        assert!(!sealed.windows(12).any(|w| w == b"secret-token"));
        assert_eq!(
            ring.open("k1", "conn_1/access", &sealed).unwrap(),
            "secret-token"
        );
        assert!(
            ring.open("k1", "conn_2/access", &sealed).is_err(),
            "bound to its row"
        );
        assert_ne!(
            ring.seal("conn_1/access", "secret-token"),
            sealed,
            "fresh nonce each time"
        );
    }

    #[test]
    fn rotation_keeps_old_seals_readable() {
        let old = Keyring::parse(&SecretString::from(format!("k1:{}", key(1)))).unwrap();
        let sealed = old.seal("aad", "t");
        let rotated =
            Keyring::parse(&SecretString::from(format!("k2:{},k1:{}", key(2), key(1)))).unwrap();
        assert_eq!(rotated.active_key_id(), "k2");
        assert_eq!(rotated.open("k1", "aad", &sealed).unwrap(), "t");
        assert!(matches!(
            Keyring::parse(&SecretString::from(format!("k2:{}", key(2))))
                .unwrap()
                .open("k1", "aad", &sealed),
            Err(CryptoError::UnknownKey(_))
        ));
    }

    #[test]
    fn bad_key_configuration_is_refused_without_echoing_keys() {
        for spec in [
            "",
            "nocolon",
            "k1:not-base64!",
            "k1:c2hvcnQ=",
            &format!("k1:{},k1:{}", key(1), key(2)),
        ] {
            let err = Keyring::parse(&SecretString::from(spec.to_owned()))
                .unwrap_err()
                .to_string();
            assert!(!err.contains(&key(1)), "{err}");
        }
        assert!(
            format!(
                "{:?}",
                Keyring::parse(&SecretString::from(format!("k1:{}", key(1)))).unwrap()
            )
            .contains("k1")
        );
    }
}

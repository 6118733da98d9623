//! Google service accounts: flags and settings, and the key file — parsed once, signing
//! the JWT assertions the token endpoint exchanges for access tokens. The key never
//! leaves this module in the clear except sealed by the keyring.

use std::time::Duration;

use base64::Engine;
use ring::signature::RsaKeyPair;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use super::{App, ProviderKind};

/// Where adsync mints Google access tokens, and with which scopes.
#[derive(Debug, Clone, clap::Args)]
pub struct GoogleApp {
    /// Google's OAuth token endpoint, the audience of every assertion (a key file's own
    /// `token_uri` is not trusted: a foreign key file could point anywhere).
    #[arg(
        long,
        env = "ADSYNC_GOOGLE_TOKEN_URL",
        default_value = "https://oauth2.googleapis.com/token"
    )]
    pub google_token_url: String,

    /// Scopes asked for by default, space-separated.
    #[arg(
        long,
        env = "ADSYNC_GOOGLE_SCOPES",
        default_value = "https://www.googleapis.com/auth/spreadsheets.readonly https://www.googleapis.com/auth/drive.metadata.readonly"
    )]
    pub google_scopes: String,

    /// Mint a new Google access token (it lives one hour) when the current one expires
    /// within this many seconds.
    #[arg(long, env = "ADSYNC_GOOGLE_REFRESH_AHEAD_SECS", default_value_t = 300)]
    pub google_refresh_ahead_secs: u64,
}

impl GoogleApp {
    pub(super) fn app(&self, timeout: Duration) -> App {
        super::app(
            ProviderKind::Google,
            ("", &SecretString::from(String::new())),
            "",
            Vec::new(),
            (&self.google_token_url, &self.google_scopes),
            self.google_refresh_ahead_secs,
            timeout,
        )
    }
}

/// A service account's key, from its key file.
pub(crate) struct ServiceAccountKey {
    pub(crate) client_email: String,
    pub(crate) key_id: String,
    pair: RsaKeyPair,
}

impl std::fmt::Debug for ServiceAccountKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAccountKey")
            .field("client_email", &self.client_email)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl ServiceAccountKey {
    /// Parses a key file; the field at fault and why, otherwise.
    pub(crate) fn parse(json: &SecretString) -> Result<ServiceAccountKey, (&'static str, String)> {
        let file: Value = serde_json::from_str(json.expose_secret()).map_err(|e| {
            (
                "key_file_json",
                format!("not JSON ({})", e.classify() as u8),
            )
        })?;
        let text = |field: &'static str| {
            file.get(field)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .ok_or((field, "missing".to_owned()))
        };
        if text("type").ok() != Some("service_account") {
            return Err(("type", "must be \"service_account\"".to_owned()));
        }
        let client_email = text("client_email")?.to_owned();
        let key_id = text("private_key_id")?.to_owned();
        let pem = text("private_key")?;
        let body: String = pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .map(str::trim)
            .collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .map_err(|_| ("private_key", "not a PEM key".to_owned()))?;
        let pair = RsaKeyPair::from_pkcs8(&der)
            .map_err(|_| ("private_key", "not an RSA private key in PKCS#8".to_owned()))?;
        Ok(ServiceAccountKey {
            client_email,
            key_id,
            pair,
        })
    }

    /// The RS256 assertion for `scopes` at `token_url`, valid from `now` for an hour.
    pub(crate) fn assertion(
        &self,
        scopes: &[String],
        token_url: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> SecretString {
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let header = json!({"alg": "RS256", "typ": "JWT", "kid": self.key_id});
        let claims = json!({
            "iss": self.client_email,
            "scope": scopes.join(" "),
            "aud": token_url,
            "iat": now.timestamp(),
            "exp": now.timestamp() + 3600,
        });
        let input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let mut signature = vec![0; self.pair.public().modulus_len()];
        self.pair
            .sign(
                &ring::signature::RSA_PKCS1_SHA256,
                &ring::rand::SystemRandom::new(),
                input.as_bytes(),
                &mut signature,
            )
            .expect("RSA signing with a valid key works");
        SecretString::from(format!("{input}.{}", b64(&signature)))
    }
}

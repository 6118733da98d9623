//! The client of the upstream OAuth token endpoint (LinkedIn's, or the sandbox's):
//! authorization-code exchange and refresh. Tokens come back wrapped as secrets; errors
//! carry LinkedIn's error code and description, never a token or the client secret.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// What the token endpoint granted.
pub(crate) struct Grant {
    pub(crate) access_token: SecretString,
    pub(crate) expires_in: i64,
    /// Absent when the upstream does not rotate (or issue) refresh tokens.
    pub(crate) refresh_token: Option<SecretString>,
    pub(crate) refresh_token_expires_in: Option<i64>,
    pub(crate) scope: Option<String>,
}

/// Why the token endpoint did not grant.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// The upstream refused (bad code, bad refresh token, bad client): retrying is useless.
    #[error("the token endpoint refused ({status}): {error}: {description}")]
    Rejected {
        status: u16,
        error: String,
        description: String,
    },
    /// The upstream could not be reached or failed; retrying later may work.
    #[error("the token endpoint is unavailable: {0}")]
    Unavailable(String),
    /// The upstream answered 200 with something that is not a token response.
    #[error("the token endpoint answered an unreadable grant: {0}")]
    Malformed(String),
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: i64,
    refresh_token: Option<String>,
    refresh_token_expires_in: Option<i64>,
    scope: Option<String>,
}

#[derive(Deserialize, Default)]
struct ErrorResponse {
    #[serde(default)]
    error: String,
    #[serde(default)]
    error_description: String,
}

/// Talks to one token endpoint with one client id and secret.
pub(crate) struct OAuthClient {
    http: reqwest::Client,
    token_url: String,
    client_id: String,
    client_secret: SecretString,
}

impl std::fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthClient")
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .finish()
    }
}

impl OAuthClient {
    pub(crate) fn new(
        token_url: String,
        client_id: String,
        client_secret: SecretString,
        timeout: Duration,
    ) -> OAuthClient {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .expect("TLS backend initialises");
        OAuthClient {
            http,
            token_url,
            client_id,
            client_secret,
        }
    }

    /// The token endpoint (also the audience of Google assertions).
    pub(crate) fn token_url(&self) -> &str {
        &self.token_url
    }

    pub(crate) async fn exchange_code(
        &self,
        code: &str,
        redirect_uri: &str,
    ) -> Result<Grant, UpstreamError> {
        self.grant(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("client_id", &self.client_id),
            ("client_secret", self.client_secret.expose_secret()),
        ])
        .await
    }

    pub(crate) async fn refresh(
        &self,
        refresh_token: &SecretString,
    ) -> Result<Grant, UpstreamError> {
        self.grant(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose_secret()),
            ("client_id", &self.client_id),
            ("client_secret", self.client_secret.expose_secret()),
        ])
        .await
    }

    /// The JWT-bearer grant (Google service accounts): a signed assertion for a token.
    pub(crate) async fn jwt_bearer(
        &self,
        assertion: &SecretString,
    ) -> Result<Grant, UpstreamError> {
        self.grant(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", assertion.expose_secret()),
        ])
        .await
    }

    async fn grant(&self, form: &[(&str, &str)]) -> Result<Grant, UpstreamError> {
        let response = self
            .http
            .post(&self.token_url)
            .form(form)
            .send()
            .await
            // reqwest's error text names the URL, never the form body.
            .map_err(|e| UpstreamError::Unavailable(e.without_url().to_string()))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| UpstreamError::Unavailable(e.without_url().to_string()))?;
        if status.is_server_error() || status.as_u16() == 429 {
            return Err(UpstreamError::Unavailable(format!("HTTP {status}")));
        }
        if !status.is_success() {
            let e: ErrorResponse = serde_json::from_slice(&body).unwrap_or_default();
            return Err(UpstreamError::Rejected {
                status: status.as_u16(),
                error: e.error,
                description: e.error_description,
            });
        }
        let t: TokenResponse = serde_json::from_slice(&body)
            .map_err(|e| UpstreamError::Malformed(format!("{}", e.classify() as u8)))?;
        if t.access_token.is_empty() || t.expires_in <= 0 {
            return Err(UpstreamError::Malformed(
                "empty access token or non-positive expires_in".into(),
            ));
        }
        Ok(Grant {
            access_token: SecretString::from(t.access_token),
            expires_in: t.expires_in,
            refresh_token: t
                .refresh_token
                .filter(|r| !r.is_empty())
                .map(SecretString::from),
            refresh_token_expires_in: t.refresh_token_expires_in,
            scope: t.scope,
        })
    }
}

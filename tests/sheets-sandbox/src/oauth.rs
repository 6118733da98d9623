//! Google's OAuth 2.0 token endpoint for service accounts: the JWT-bearer grant
//! (`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`, `assertion=<JWT>`). The
//! assertion must be an RS256 JWT signed by a registered service account's key, with
//! `iss` its email, `aud` this token endpoint, `iat` not in the future, `exp` after now
//! and at most an hour after `iat`, and a `scope` Sheets or Drive reads accept. Access
//! tokens (`ya29.…`) live an hour. Errors are Google's: `unsupported_grant_type`,
//! `invalid_grant` with its descriptions, `invalid_scope`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::State as AxumState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use base64::Engine;
use chrono::{DateTime, TimeDelta, Utc};
use rand::RngCore;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::State;

/// How long an access token lives.
pub const ACCESS_TOKEN_TTL: TimeDelta = TimeDelta::seconds(3600);
/// The grant type of the service-account flow.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// Scopes that read spreadsheets; the Drive ones also read file metadata.
pub const SHEETS_SCOPES: [&str; 4] = [
    "https://www.googleapis.com/auth/spreadsheets.readonly",
    "https://www.googleapis.com/auth/spreadsheets",
    "https://www.googleapis.com/auth/drive.readonly",
    "https://www.googleapis.com/auth/drive",
];
/// Scopes that read Drive file metadata.
pub const DRIVE_SCOPES: [&str; 3] = [
    "https://www.googleapis.com/auth/drive.readonly",
    "https://www.googleapis.com/auth/drive",
    "https://www.googleapis.com/auth/drive.metadata.readonly",
];
/// Clock skew tolerated for `iat`.
const SKEW: TimeDelta = TimeDelta::seconds(300);

/// An issued access token.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub(crate) email: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) expires_at: DateTime<Utc>,
}

/// The access tokens issued so far.
#[derive(Debug, Default)]
pub(crate) struct Tokens {
    issued: Mutex<HashMap<String, Token>>,
}

impl Tokens {
    pub(crate) fn get(&self, token: &str) -> Option<Token> {
        self.issued.lock().expect("lock").get(token).cloned()
    }

    pub(crate) fn all(&self) -> Vec<String> {
        self.issued.lock().expect("lock").keys().cloned().collect()
    }

    fn issue(&self, token: Token) -> String {
        let mut bytes = [0u8; 48];
        rand::rng().fill_bytes(&mut bytes);
        let secret = format!(
            "ya29.{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
        );
        self.issued
            .lock()
            .expect("lock")
            .insert(secret.clone(), token);
        secret
    }
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
pub(crate) struct TokenForm {
    grant_type: Option<String>,
    assertion: Option<String>,
}

pub(crate) async fn token(
    AxumState(state): AxumState<Arc<State>>,
    Form(form): Form<TokenForm>,
) -> Response {
    state.count("oauth.token");
    if form.grant_type.as_deref() != Some(JWT_BEARER) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Invalid grant_type: ",
        );
    }
    let Some(assertion) = form.assertion else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing required parameter: assertion",
        );
    };
    match check(&state, &assertion) {
        Ok((email, scopes)) => {
            let token = state.tokens.issue(Token {
                email,
                scopes,
                expires_at: state.now() + ACCESS_TOKEN_TTL,
            });
            Json(json!({
                "access_token": token,
                "expires_in": ACCESS_TOKEN_TTL.num_seconds(),
                "token_type": "Bearer",
            }))
            .into_response()
        }
        Err((error, description)) => oauth_error(StatusCode::BAD_REQUEST, error, &description),
    }
}

type Refusal = (&'static str, String);

/// The account email and scopes of a valid assertion, or Google's error.
fn check(state: &State, assertion: &str) -> Result<(String, Vec<String>), Refusal> {
    let invalid = |d: &str| ("invalid_grant", d.to_owned());
    let parts: Vec<&str> = assertion.split('.').collect();
    let [header, claims, signature] = parts.as_slice() else {
        return Err(invalid(
            "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.",
        ));
    };
    let decode = |part: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part.trim_end_matches('='))
            .ok()
    };
    let json_of = |part: &str| decode(part).and_then(|b| serde_json::from_slice::<Value>(&b).ok());
    let (Some(header_json), Some(claims_json), Some(signature)) =
        (json_of(header), json_of(claims), decode(signature))
    else {
        return Err(invalid("Invalid JWT Signature."));
    };
    if header_json.get("alg").and_then(Value::as_str) != Some("RS256") {
        return Err(invalid("Invalid JWT Signature."));
    }
    let iss = claims_json.get("iss").and_then(Value::as_str).unwrap_or("");
    let Some(account) = state.accounts.iter().find(|a| a.email == iss) else {
        return Err(invalid("Invalid grant: account not found"));
    };
    let key = ring::signature::UnparsedPublicKey::new(
        &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        &account.public_key,
    );
    if key
        .verify(format!("{header}.{claims}").as_bytes(), &signature)
        .is_err()
    {
        return Err(invalid("Invalid JWT Signature."));
    }
    if claims_json.get("aud").and_then(Value::as_str) != Some(state.token_url().as_str()) {
        return Err(invalid("Invalid JWT: Failed audience check."));
    }
    let (iat, exp) = (
        claims_json.get("iat").and_then(Value::as_i64),
        claims_json.get("exp").and_then(Value::as_i64),
    );
    let now = state.now().timestamp();
    let timing_ok = match (iat, exp) {
        (Some(iat), Some(exp)) => {
            iat <= now + SKEW.num_seconds()
                && exp > now
                && exp > iat
                && exp - iat <= ACCESS_TOKEN_TTL.num_seconds()
        }
        _ => false,
    };
    if !timing_ok {
        return Err(invalid(
            "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.",
        ));
    }
    let scopes: Vec<String> = claims_json
        .get("scope")
        .and_then(Value::as_str)
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    if scopes.is_empty() {
        return Err((
            "invalid_scope",
            "Invalid OAuth scope or ID token audience provided.".into(),
        ));
    }
    if let Some(unknown) = scopes
        .iter()
        .find(|s| !SHEETS_SCOPES.contains(&s.as_str()) && !DRIVE_SCOPES.contains(&s.as_str()))
    {
        return Err((
            "invalid_scope",
            format!("Invalid OAuth scope or ID token audience provided: {unknown}"),
        ));
    }
    Ok((account.email.clone(), scopes))
}

//! LinkedIn's OAuth 2.0 endpoints: authorization (auto-approved, as if a member clicked
//! "Allow"), the token endpoint (authorization_code and refresh_token grants) and token
//! introspection. Access tokens live 60 days and refresh tokens 365; a refresh issues a
//! new access token but never extends the refresh token. Codes are single-use and
//! expire after 30 minutes, as LinkedIn's do.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State as AxumState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::Engine;
use chrono::{DateTime, TimeDelta, Utc};
use rand::RngCore;
use serde::Deserialize;
use serde_json::json;

use crate::State;

#[derive(Debug, Clone)]
struct Code {
    redirect_uri: String,
    scope: String,
    expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
struct AccessToken {
    scope: String,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    revoked: bool,
}

#[derive(Debug, Clone)]
struct RefreshToken {
    scope: String,
    expires_at: DateTime<Utc>,
}

/// Issued codes and tokens.
#[derive(Debug, Default)]
pub(crate) struct OAuthState {
    codes: Mutex<HashMap<String, Code>>,
    access: Mutex<HashMap<String, AccessToken>>,
    refresh: Mutex<HashMap<String, RefreshToken>>,
}

fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// Why a bearer token was refused, in LinkedIn's words.
pub(crate) enum TokenProblem {
    Invalid,
    Expired,
    Revoked,
}

impl OAuthState {
    pub(crate) fn new_code(&self, state: &State, redirect_uri: &str, scope: &str) -> String {
        let code = random_token("AQ");
        self.codes.lock().expect("lock").insert(
            code.clone(),
            Code {
                redirect_uri: redirect_uri.to_owned(),
                scope: scope.to_owned(),
                expires_at: state.world.clock.now() + TimeDelta::minutes(30),
            },
        );
        code
    }

    /// Every access and refresh token issued so far (for tests that look for leaks).
    pub(crate) fn issued(&self) -> Vec<String> {
        let mut all: Vec<String> = self.access.lock().expect("lock").keys().cloned().collect();
        all.extend(self.refresh.lock().expect("lock").keys().cloned());
        all
    }

    pub(crate) fn revoke(&self, token: &str) -> bool {
        self.access
            .lock()
            .expect("lock")
            .get_mut(token)
            .map(|t| t.revoked = true)
            .is_some()
    }

    /// Checks a bearer token against the sandbox clock.
    pub(crate) fn check(&self, state: &State, token: &str) -> Result<(), TokenProblem> {
        let access = self.access.lock().expect("lock");
        let t = access.get(token).ok_or(TokenProblem::Invalid)?;
        if t.revoked {
            Err(TokenProblem::Revoked)
        } else if state.world.clock.now() >= t.expires_at {
            Err(TokenProblem::Expired)
        } else {
            Ok(())
        }
    }

    fn issue_access(&self, state: &State, scope: &str) -> (String, i64) {
        let token = random_token("AQV");
        let now = state.world.clock.now();
        let ttl = state.config.access_token_ttl;
        self.access.lock().expect("lock").insert(
            token.clone(),
            AccessToken {
                scope: scope.to_owned(),
                created_at: now,
                expires_at: now + ttl,
                revoked: false,
            },
        );
        (token, ttl.num_seconds())
    }
}

pub(crate) fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/oauth/v2/authorization", get(authorization))
        .route("/oauth/v2/accessToken", post(access_token))
        .route("/oauth/v2/introspectToken", post(introspect))
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
struct AuthorizationParams {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    state: Option<String>,
    scope: Option<String>,
}

/// The member approves at once: redirect back with `code` and the caller's `state`.
async fn authorization(
    AxumState(state): AxumState<Arc<State>>,
    Query(p): Query<AuthorizationParams>,
) -> Response {
    state.count("oauth.authorization");
    if p.response_type.as_deref() != Some("code") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "response_type must be code",
        );
    }
    if p.client_id.as_deref() != Some(state.config.client_id.as_str()) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client_id",
            "The passed in client_id is invalid",
        );
    }
    let Some(redirect_uri) = p
        .redirect_uri
        .filter(|r| r.starts_with("http://") || r.starts_with("https://"))
    else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_redirect_uri",
            "Invalid redirect_uri",
        );
    };
    let scope = p.scope.unwrap_or_default();
    let code = state.oauth.new_code(&state, &redirect_uri, &scope);
    let mut target = match url::Url::parse(&redirect_uri) {
        Ok(u) => u,
        Err(_) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_redirect_uri",
                "Invalid redirect_uri",
            );
        }
    };
    target.query_pairs_mut().append_pair("code", &code);
    if let Some(s) = p.state {
        target.query_pairs_mut().append_pair("state", &s);
    }
    Redirect::to(target.as_str()).into_response()
}

#[derive(Debug, Deserialize)]
struct TokenForm {
    grant_type: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    refresh_token: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

async fn access_token(
    AxumState(state): AxumState<Arc<State>>,
    Form(f): Form<TokenForm>,
) -> Response {
    state.count("oauth.accessToken");
    if f.client_id.as_deref() != Some(state.config.client_id.as_str())
        || f.client_secret.as_deref() != Some(state.config.client_secret.as_str())
    {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed",
        );
    }
    let now = state.world.clock.now();
    match f.grant_type.as_deref() {
        Some("authorization_code") => {
            // Taken out of the map whatever happens next: a code is good for one try.
            let code = f
                .code
                .as_deref()
                .and_then(|c| state.oauth.codes.lock().expect("lock").remove(c));
            let Some(code) = code
                .filter(|c| c.expires_at > now && Some(&c.redirect_uri) == f.redirect_uri.as_ref())
            else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Unable to retrieve access token: appid/redirect uri/code verifier does not match authorization code. Or authorization code expired. Or external member binding exists",
                );
            };
            let (access, expires_in) = state.oauth.issue_access(&state, &code.scope);
            let refresh = random_token("AQX");
            let ttl = state.config.refresh_token_ttl;
            state.oauth.refresh.lock().expect("lock").insert(
                refresh.clone(),
                RefreshToken {
                    scope: code.scope.clone(),
                    expires_at: now + ttl,
                },
            );
            Json(json!({
                "access_token": access,
                "expires_in": expires_in,
                "refresh_token": refresh,
                "refresh_token_expires_in": ttl.num_seconds(),
                "scope": code.scope,
            }))
            .into_response()
        }
        Some("refresh_token") => {
            let found = f
                .refresh_token
                .as_deref()
                .and_then(|t| state.oauth.refresh.lock().expect("lock").get(t).cloned());
            let Some(refresh) = found.filter(|r| r.expires_at > now) else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "The provided refresh token is invalid or expired",
                );
            };
            let (access, expires_in) = state.oauth.issue_access(&state, &refresh.scope);
            // The refresh token keeps its original expiry: a refresh does not extend it.
            Json(json!({
                "access_token": access,
                "expires_in": expires_in,
                "refresh_token": f.refresh_token,
                "refresh_token_expires_in": (refresh.expires_at - now).num_seconds(),
                "scope": refresh.scope,
            }))
            .into_response()
        }
        _ => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type is not supported",
        ),
    }
}

#[derive(Debug, Deserialize)]
struct IntrospectForm {
    token: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

async fn introspect(
    AxumState(state): AxumState<Arc<State>>,
    Form(f): Form<IntrospectForm>,
) -> Response {
    state.count("oauth.introspectToken");
    if f.client_secret.as_deref() != Some(state.config.client_secret.as_str()) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed",
        );
    }
    if f.client_id.as_deref() != Some(state.config.client_id.as_str()) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Invalid client id",
        );
    }
    let token = f.token.unwrap_or_default();
    let found = state
        .oauth
        .access
        .lock()
        .expect("lock")
        .get(&token)
        .cloned();
    let Some(t) = found else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "Invalid token");
    };
    let now = state.world.clock.now();
    let status = if t.revoked {
        "revoked"
    } else if now >= t.expires_at {
        "expired"
    } else {
        "active"
    };
    Json(json!({
        "active": status == "active",
        "status": status,
        "scope": t.scope,
        "client_id": state.config.client_id,
        "auth_type": "3L",
        "created_at": t.created_at.timestamp(),
        "authorized_at": t.created_at.timestamp(),
        "expires_at": t.expires_at.timestamp(),
    }))
    .into_response()
}

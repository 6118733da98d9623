//! Login with Amazon: the authorization endpoint (approved at once, as if the user
//! clicked "Allow") and the token endpoint with the `authorization_code` and
//! `refresh_token` grants. Codes are single-use and live 5 minutes; access tokens
//! (`Atza|…`) live 3600 s; a refresh returns a new access token and the same refresh
//! token (`Atzr|…`), which lives until revoked. Errors are Amazon's: `invalid_client`
//! (401) for a wrong client, `invalid_grant` (400) for a bad code or refresh token,
//! `invalid_request` (400) for a missing parameter.

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

/// The one scope the Amazon Ads API asks for.
pub const SCOPE: &str = "advertising::campaign_management";

#[derive(Debug, Clone)]
struct Code {
    redirect_uri: String,
    expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
struct AccessToken {
    expires_at: DateTime<Utc>,
    revoked: bool,
}

/// Issued codes and tokens.
#[derive(Debug, Default)]
pub(crate) struct OAuthState {
    codes: Mutex<HashMap<String, Code>>,
    access: Mutex<HashMap<String, AccessToken>>,
    /// Refresh tokens: true while valid (revoking one makes it false).
    refresh: Mutex<HashMap<String, bool>>,
}

fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 48];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// Why a bearer token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenProblem {
    Unknown,
    Expired,
}

impl OAuthState {
    pub(crate) fn new_code(&self, now: DateTime<Utc>, redirect_uri: &str) -> String {
        let code = random_token("ANb");
        self.codes.lock().expect("lock").insert(
            code.clone(),
            Code {
                redirect_uri: redirect_uri.to_owned(),
                expires_at: now + TimeDelta::minutes(5),
            },
        );
        code
    }

    fn issue_access(&self, now: DateTime<Utc>, ttl: TimeDelta) -> String {
        let token = random_token("Atza|");
        self.access.lock().expect("lock").insert(
            token.clone(),
            AccessToken {
                expires_at: now + ttl,
                revoked: false,
            },
        );
        token
    }

    /// Whether `token` is a live access token at `now`.
    pub(crate) fn check(&self, token: &str, now: DateTime<Utc>) -> Result<(), TokenProblem> {
        match self.access.lock().expect("lock").get(token) {
            None => Err(TokenProblem::Unknown),
            Some(t) if t.revoked => Err(TokenProblem::Unknown),
            Some(t) if t.expires_at <= now => Err(TokenProblem::Expired),
            Some(_) => Ok(()),
        }
    }

    pub(crate) fn revoke_access(&self, token: &str) -> bool {
        match self.access.lock().expect("lock").get_mut(token) {
            Some(t) => {
                t.revoked = true;
                true
            }
            None => false,
        }
    }

    pub(crate) fn revoke_refresh(&self, token: &str) -> bool {
        match self.refresh.lock().expect("lock").get_mut(token) {
            Some(valid) => {
                *valid = false;
                true
            }
            None => false,
        }
    }

    pub(crate) fn issued(&self) -> Vec<String> {
        let mut all: Vec<String> = self.access.lock().expect("lock").keys().cloned().collect();
        all.extend(self.refresh.lock().expect("lock").keys().cloned());
        all
    }
}

pub(crate) fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/ap/oa", get(authorize))
        .route("/auth/o2/token", post(token))
}

#[derive(Deserialize)]
struct AuthorizeQuery {
    client_id: Option<String>,
    scope: Option<String>,
    response_type: Option<String>,
    redirect_uri: Option<String>,
    state: Option<String>,
}

/// Amazon shows an error page in the browser for a bad authorization request; the
/// sandbox answers 400 with the reason.
async fn authorize(
    AxumState(state): AxumState<Arc<State>>,
    Query(q): Query<AuthorizeQuery>,
) -> Response {
    state.count("lwa.authorize");
    let bad = |why: &str| (StatusCode::BAD_REQUEST, why.to_owned()).into_response();
    if q.client_id.as_deref() != Some(state.config.client_id.as_str()) {
        return bad("An unknown client_id was provided.");
    }
    if q.response_type.as_deref() != Some("code") {
        return bad("response_type must be code.");
    }
    if q.scope.as_deref() != Some(SCOPE) {
        return bad("An unknown scope was requested.");
    }
    let Some(redirect_uri) = q.redirect_uri else {
        return bad("redirect_uri is required.");
    };
    let Ok(mut target) = url::Url::parse(&redirect_uri) else {
        return bad("redirect_uri is not a URL.");
    };
    let code = state.oauth.new_code(state.world.clock.now(), &redirect_uri);
    target
        .query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("scope", SCOPE);
    if let Some(s) = q.state {
        target.query_pairs_mut().append_pair("state", &s);
    }
    Redirect::to(target.as_str()).into_response()
}

#[derive(Deserialize)]
struct TokenForm {
    grant_type: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    refresh_token: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({"error_description": description, "error": error})),
    )
        .into_response()
}

async fn token(AxumState(state): AxumState<Arc<State>>, Form(f): Form<TokenForm>) -> Response {
    state.count("lwa.token");
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
    let refresh_token = match f.grant_type.as_deref() {
        Some("authorization_code") => {
            let (Some(code), Some(redirect_uri)) = (f.code, f.redirect_uri) else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "The request is missing a required parameter : code or redirect_uri",
                );
            };
            // Single use: taken out whether or not it is still good.
            let issued = state.oauth.codes.lock().expect("lock").remove(&code);
            match issued {
                Some(c) if c.expires_at > now && c.redirect_uri == redirect_uri => {}
                _ => {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "The request has an invalid grant parameter : code",
                    );
                }
            }
            let refresh = random_token("Atzr|");
            state
                .oauth
                .refresh
                .lock()
                .expect("lock")
                .insert(refresh.clone(), true);
            refresh
        }
        Some("refresh_token") => {
            let Some(refresh) = f.refresh_token else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "The request is missing a required parameter : refresh_token",
                );
            };
            let valid = state
                .oauth
                .refresh
                .lock()
                .expect("lock")
                .get(&refresh)
                .copied()
                .unwrap_or(false);
            if !valid {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "The request has an invalid grant parameter : refresh_token",
                );
            }
            refresh
        }
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "The authorization grant type is not supported by the authorization server",
            );
        }
    };
    let ttl = state.config.access_token_ttl;
    let access = state.oauth.issue_access(now, ttl);
    Json(json!({
        "access_token": access,
        "refresh_token": refresh_token,
        "token_type": "bearer",
        "expires_in": ttl.num_seconds(),
    }))
    .into_response()
}

//! StartAuthorization and CompleteAuthorization: the OAuth authorization-code flow with
//! a random, single-use, expiring `state` (only its hash is stored).

use adsync_proto::auth::{
    CompleteAuthorizationRequest, CompleteAuthorizationResponse, Provider,
    StartAuthorizationRequest, StartAuthorizationResponse,
};
use adsync_server::FieldViolations;

use super::timestamp;
use crate::db::models::{NewConnection, NewState, SealedTokens};
use crate::db::{connections, states};
use crate::error::{DOMAIN, Error, StateProblem};
use crate::secrets;
use crate::service::AuthApi;
use crate::upstream::UpstreamError;

impl AuthApi {
    pub(crate) async fn start_authorization(
        &self,
        req: StartAuthorizationRequest,
        created_by: String,
    ) -> Result<StartAuthorizationResponse, Error> {
        let mut v = FieldViolations::new();
        match Provider::try_from(req.provider) {
            Ok(Provider::Unspecified | Provider::Linkedin) => {}
            _ => {
                v.add("provider", format!("unknown provider {}", req.provider));
            }
        }
        if req
            .scopes
            .iter()
            .any(|s| s.is_empty() || s.contains(char::is_whitespace))
        {
            v.add("scopes", "each scope must be one non-empty word");
        }
        if req.display_name.chars().count() > 200 {
            v.add("display_name", "at most 200 characters");
        }
        v.into_result(DOMAIN)?;

        let scopes = if req.scopes.is_empty() {
            self.settings.default_scopes.clone()
        } else {
            req.scopes
        };
        let display_name = if req.display_name.is_empty() {
            "LinkedIn".to_owned()
        } else {
            req.display_name
        };
        let connection_id = (!req.connection_id.is_empty()).then_some(req.connection_id);
        if let Some(id) = connection_id.clone() {
            let row = self
                .db
                .run(move |conn| connections::find(conn, &id).map_err(Error::from))
                .await?;
            match row {
                None => {
                    return Err(Error::NotFound {
                        kind: "connection",
                        id: connection_id.unwrap_or_default(),
                    });
                }
                Some(r) if r.revoked_at.is_some() => {
                    return Err(Error::ConnectionUnusable {
                        id: r.id,
                        reason: "is revoked".into(),
                    });
                }
                Some(_) => {}
            }
        }

        let state = secrets::new_state();
        let now = self.clock.now();
        let expires_at = now + self.settings.state_ttl;
        let hash = secrets::hash(&state);
        let redirect_uri = self.settings.redirect_uri.clone();
        let stored_scopes = scopes.clone();
        self.db
            .run(move |conn| {
                states::insert(
                    conn,
                    &NewState {
                        state_hash: &hash,
                        provider: "linkedin",
                        scopes: stored_scopes.iter().map(String::as_str).collect(),
                        display_name: &display_name,
                        connection_id: connection_id.as_deref(),
                        redirect_uri: &redirect_uri,
                        created_by: &created_by,
                        created_at: now,
                        expires_at,
                    },
                )
                .map_err(Error::from)
            })
            .await?;

        let mut url = url::Url::parse(&self.settings.authorization_url).map_err(|e| {
            Error::CodeRejected(format!("the configured authorization URL is invalid: {e}"))
        })?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.settings.client_id)
            .append_pair("redirect_uri", &self.settings.redirect_uri)
            .append_pair("state", &state)
            .append_pair("scope", &scopes.join(" "));
        tracing::info!(expires_at = %expires_at, "authorization started");
        Ok(StartAuthorizationResponse {
            authorization_url: url.to_string(),
            state,
            state_expire_time: Some(timestamp(expires_at)),
        })
    }

    pub(crate) async fn complete_authorization(
        &self,
        req: CompleteAuthorizationRequest,
    ) -> Result<CompleteAuthorizationResponse, Error> {
        let mut v = FieldViolations::new();
        if req.state.is_empty() {
            v.add("state", "required: the `state` the redirect carried");
        }
        if req.code.is_empty() {
            v.add("code", "required: the `code` the redirect carried");
        }
        v.into_result(DOMAIN)?;

        // Consumed first and atomically: a state works once, even under concurrent calls.
        let now = self.clock.now();
        let hash = secrets::hash(&req.state);
        let state = self
            .db
            .run(move |conn| {
                if let Some(state) = states::consume(conn, &hash, now)? {
                    return Ok(state);
                }
                Err(match states::find(conn, &hash)? {
                    None => Error::State(StateProblem::Unknown),
                    Some(s) if s.consumed_at.is_some() => Error::State(StateProblem::AlreadyUsed),
                    Some(_) => Error::State(StateProblem::Expired),
                })
            })
            .await?;

        let grant = self
            .oauth
            .exchange_code(&req.code, &state.redirect_uri)
            .await
            .map_err(|e| match e {
                UpstreamError::Rejected {
                    error, description, ..
                } => Error::CodeRejected(format!("{error}: {description}")),
                other => Error::Upstream(other),
            })?;
        let now = self.clock.now();
        let connection_id = state
            .connection_id
            .clone()
            .unwrap_or_else(|| format!("conn_{}", uuid::Uuid::now_v7().simple()));
        let sealed = self.seal_grant(&connection_id, &grant, None, now)?;
        let scopes = grant
            .scope
            .map(|s| {
                s.split([' ', ','])
                    .filter(|x| !x.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_else(|| crate::db::strings(state.scopes.clone()));
        let row = self
            .db
            .run(move |conn| {
                let row = match &state.connection_id {
                    Some(id) => connections::store_tokens(conn, id, &sealed)?.ok_or_else(|| {
                        Error::ConnectionUnusable {
                            id: id.clone(),
                            reason: "was revoked meanwhile".into(),
                        }
                    })?,
                    None => connections::insert(
                        conn,
                        &NewConnection {
                            id: &connection_id,
                            provider: "linkedin",
                            display_name: &state.display_name,
                            scopes: scopes.iter().map(String::as_str).collect(),
                            created_at: now,
                        },
                        &sealed,
                    )?,
                };
                Ok::<_, Error>(row)
            })
            .await?;
        tracing::info!(connection_id = %row.id, "authorization completed");
        Ok(CompleteAuthorizationResponse {
            connection: Some(self.connection_proto(&row)),
        })
    }

    /// Seals a grant's tokens for `connection_id`. Without a new refresh token the
    /// `previous` one (already opened) is sealed again, keeping its expiry.
    pub(crate) fn seal_grant(
        &self,
        connection_id: &str,
        grant: &crate::upstream::Grant,
        previous: Option<(
            &secrecy::SecretString,
            Option<chrono::DateTime<chrono::Utc>>,
        )>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<SealedTokens, Error> {
        use secrecy::ExposeSecret;
        let (refresh, refresh_expires) = match (&grant.refresh_token, previous) {
            (Some(token), _) => (
                Some(token.expose_secret().to_owned()),
                grant
                    .refresh_token_expires_in
                    .map(|s| now + chrono::TimeDelta::seconds(s)),
            ),
            (None, Some((token, expires))) => (Some(token.expose_secret().to_owned()), expires),
            (None, None) => (None, None),
        };
        Ok(SealedTokens {
            key_id: Some(self.keyring.active_key_id().to_owned()),
            access_token_sealed: Some(self.keyring.seal(
                &format!("{connection_id}/access"),
                grant.access_token.expose_secret(),
            )),
            refresh_token_sealed: refresh
                .map(|r| self.keyring.seal(&format!("{connection_id}/refresh"), &r)),
            access_token_expires_at: Some(now + chrono::TimeDelta::seconds(grant.expires_in)),
            refresh_token_expires_at: refresh_expires,
            last_refreshed_at: Some(now),
            needs_reauth: false,
            last_error: None,
            updated_at: now,
            refresh_lease_until: None,
        })
    }
}

//! StartAuthorization and CompleteAuthorization: the OAuth authorization-code flow with
//! a random, single-use, expiring `state` (only its hash is stored).

use adsync_proto::auth::{
    CompleteAuthorizationRequest, CompleteAuthorizationResponse, Provider, Region as RegionProto,
    StartAuthorizationRequest, StartAuthorizationResponse,
};
use adsync_server::{FieldViolations, Reach, WorkspaceId};

use super::timestamp;
use crate::db::models::{NewConnection, NewState, SealedTokens};
use crate::db::{connections, states};
use crate::error::{DOMAIN, Error, StateProblem};
use crate::providers::{ProviderKind, Region};
use crate::secrets;
use crate::service::AuthApi;
use crate::upstream::UpstreamError;

impl AuthApi {
    pub(crate) async fn start_authorization(
        &self,
        req: StartAuthorizationRequest,
        created_by: String,
        reach: Reach,
    ) -> Result<StartAuthorizationResponse, Error> {
        let mut v = FieldViolations::new();
        let kind = match Provider::try_from(req.provider) {
            Ok(p) => Some(ProviderKind::from_proto(p)),
            Err(_) => {
                v.add("provider", format!("unknown provider {}", req.provider));
                None
            }
        };
        let region = match RegionProto::try_from(req.region) {
            Ok(r) => Region::from_proto(r),
            Err(_) => {
                v.add("region", format!("unknown region {}", req.region));
                None
            }
        };
        let app = kind.map(|k| self.providers.get(k));
        if let Some(app) = app.filter(|a| !a.authorizes()) {
            v.add(
                "provider",
                format!(
                    "{} connections are service accounts: create one with CreateServiceAccountConnection",
                    app.kind.title()
                ),
            );
        }
        if let Some(app) = app.filter(|a| a.authorizes()) {
            match (app.regional(), region) {
                (true, None) if req.region == 0 => {
                    v.add(
                        "region",
                        format!(
                            "required for {}: REGION_NA, REGION_EU or REGION_FE (where the advertiser's accounts are)",
                            app.kind.title()
                        ),
                    );
                }
                (false, Some(_)) => {
                    v.add(
                        "region",
                        format!(
                            "{} connections have no region; leave it unset",
                            app.kind.title()
                        ),
                    );
                }
                _ => {}
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
        let app = app.expect("validated");
        if !app.configured() {
            return Err(Error::ProviderNotConfigured(app.kind.title()));
        }
        let authorization_url = app
            .authorization_url(region)
            .expect("validated: the region matches the provider");

        let scopes = if req.scopes.is_empty() {
            app.default_scopes.clone()
        } else {
            req.scopes
        };
        let display_name = match (req.display_name.is_empty(), region) {
            (false, _) => req.display_name,
            (true, None) => app.kind.title().to_owned(),
            (true, Some(r)) => format!("{} ({})", app.kind.title(), r.as_str().to_uppercase()),
        };
        let connection_id = (!req.connection_id.is_empty()).then_some(req.connection_id);
        // A new connection belongs to the caller's workspace (a platform caller's choice,
        // by default the default workspace); a re-authorized one keeps its own.
        let mut workspace = match connection_id {
            Some(_) => None,
            None => {
                self.workspace_of_request(reach, req.workspace_id, Some(WorkspaceId::DEFAULT))
                    .await?
            }
        };
        if let Some(id) = connection_id.clone() {
            let row = self
                .db
                .run(move |conn| connections::find(conn, &id).map_err(Error::from))
                .await?;
            let Some(row) = row.filter(|r| reach.sees_stored(r.workspace_id)) else {
                return Err(Error::NotFound {
                    kind: "connection",
                    id: connection_id.unwrap_or_default(),
                });
            };
            if row.revoked_at.is_some() {
                return Err(Error::ConnectionUnusable {
                    id: row.id,
                    reason: "is revoked".into(),
                });
            }
            // Re-authorizing keeps what the connection is: its provider and region.
            let same_provider = row.provider == app.kind.as_str();
            let same_region = row.region.as_deref() == region.map(Region::as_str);
            if !same_provider || !same_region {
                let mut v = FieldViolations::new();
                v.add(
                    "connection_id",
                    format!(
                        "connection {:?} is a {} connection{}; re-authorize it with the same provider and region",
                        row.id,
                        ProviderKind::parse(&row.provider).map_or("unknown", ProviderKind::title),
                        row.region
                            .as_deref()
                            .map(|r| format!(" in region {}", r.to_uppercase()))
                            .unwrap_or_default(),
                    ),
                );
                v.into_result(DOMAIN)?;
            }
            workspace = WorkspaceId::new(row.workspace_id);
        }
        let workspace = workspace.unwrap_or(WorkspaceId::DEFAULT);

        let state = secrets::new_state();
        let now = self.clock.now();
        let expires_at = now + self.settings.state_ttl;
        let hash = secrets::hash(&state);
        let redirect_uri = app.redirect_uri.clone();
        let stored_scopes = scopes.clone();
        let provider = app.kind.as_str();
        self.db
            .run(move |conn| {
                states::insert(
                    conn,
                    &NewState {
                        state_hash: &hash,
                        provider,
                        region: region.map(Region::as_str),
                        scopes: stored_scopes.iter().map(String::as_str).collect(),
                        display_name: &display_name,
                        connection_id: connection_id.as_deref(),
                        redirect_uri: &redirect_uri,
                        created_by: &created_by,
                        created_at: now,
                        expires_at,
                        workspace_id: workspace.get(),
                    },
                )
                .map_err(Error::from)
            })
            .await?;

        let mut url = url::Url::parse(authorization_url).map_err(|e| {
            Error::CodeRejected(format!("the configured authorization URL is invalid: {e}"))
        })?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &app.client_id)
            .append_pair("redirect_uri", &app.redirect_uri)
            .append_pair("state", &state)
            .append_pair("scope", &scopes.join(" "));
        tracing::info!(provider, region = region.map(Region::as_str), expires_at = %expires_at, "authorization started");
        Ok(StartAuthorizationResponse {
            authorization_url: url.to_string(),
            state,
            state_expire_time: Some(timestamp(expires_at)),
        })
    }

    pub(crate) async fn complete_authorization(
        &self,
        req: CompleteAuthorizationRequest,
        reach: Reach,
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
        // Another workspace's state is as unknown as one never issued, and stays unused.
        let now = self.clock.now();
        let hash = secrets::hash(&req.state);
        let only = reach.workspace().map(WorkspaceId::get);
        let state = self
            .db
            .run(move |conn| {
                if let Some(state) = states::consume(conn, &hash, only, now)? {
                    return Ok(state);
                }
                Err(match states::find(conn, &hash)? {
                    Some(s) if only.is_some_and(|w| w != s.workspace_id) => {
                        Error::State(StateProblem::Unknown)
                    }
                    None => Error::State(StateProblem::Unknown),
                    Some(s) if s.consumed_at.is_some() => Error::State(StateProblem::AlreadyUsed),
                    Some(_) => Error::State(StateProblem::Expired),
                })
            })
            .await?;
        let kind = ProviderKind::parse(&state.provider).ok_or_else(|| {
            Error::CodeRejected(format!(
                "the state names an unknown provider {:?}",
                state.provider
            ))
        })?;
        let app = self.providers.get(kind);

        let grant = app
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
                            provider: kind.as_str(),
                            region: state.region.as_deref(),
                            display_name: &state.display_name,
                            scopes: scopes.iter().map(String::as_str).collect(),
                            created_at: now,
                            workspace_id: state.workspace_id,
                        },
                        &sealed,
                    )?,
                };
                Ok::<_, Error>(row)
            })
            .await?;
        tracing::info!(connection_id = %row.id, provider = kind.as_str(), "authorization completed");
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

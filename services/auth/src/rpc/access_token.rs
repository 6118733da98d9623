//! GetAccessToken: a valid upstream access token, refreshed ahead of expiry. Concurrent
//! callers share one refresh: in this process through a per-connection mutex, across
//! replicas through a lease on the connection row.

use std::sync::Arc;
use std::time::Duration;

use adsync_proto::auth::{GetAccessTokenRequest, GetAccessTokenResponse};
use adsync_server::invalid_field;
use chrono::{DateTime, TimeDelta, Utc};
use secrecy::SecretString;

use super::timestamp;
use crate::db::connections;
use crate::db::models::ConnectionRow;
use crate::error::{DOMAIN, Error};
use crate::providers::ProviderKind;
use crate::providers::google::ServiceAccountKey;
use crate::service::AuthApi;
use crate::upstream::UpstreamError;

/// A forced refresh within this long after the last one returns that one instead.
const RECENT_REFRESH: TimeDelta = TimeDelta::seconds(30);
/// Token-endpoint error codes that blame the OAuth client (id, secret), not the grant.
const CLIENT_REFUSALS: &[&str] = &["invalid_client", "invalid_client_id", "unauthorized_client"];
/// How long a replica may hold the refresh lease (longer than one upstream call).
const LEASE: TimeDelta = TimeDelta::seconds(30);

impl AuthApi {
    pub(crate) async fn get_access_token(
        &self,
        req: GetAccessTokenRequest,
    ) -> Result<GetAccessTokenResponse, Error> {
        if req.connection_id.is_empty() {
            return Err(invalid_field(DOMAIN, "connection_id", "required").into());
        }
        let id = req.connection_id;
        let row = self.load_usable(&id).await?;
        if !self.needs_refresh(&row, req.force_refresh) {
            return self.respond(&row);
        }

        let flight = {
            let mut flights = self.refresh_flights.lock().expect("lock");
            flights
                .entry(id.clone())
                .or_insert_with(|| Arc::new(tokio::sync::Mutex::new(())))
                .clone()
        };
        let _one_at_a_time = flight.lock().await;
        // Whoever held the lock before us may have refreshed already.
        let row = self.load_usable(&id).await?;
        if !self.needs_refresh(&row, req.force_refresh) {
            return self.respond(&row);
        }
        let row = self.refresh(row).await?;
        self.respond(&row)
    }

    async fn load_usable(&self, id: &str) -> Result<ConnectionRow, Error> {
        let key = id.to_owned();
        let row = self
            .db
            .run(move |conn| connections::find(conn, &key).map_err(Error::from))
            .await?;
        let row = row.ok_or_else(|| Error::NotFound {
            kind: "connection",
            id: id.to_owned(),
        })?;
        if row.revoked_at.is_some() {
            return Err(Error::ConnectionUnusable {
                id: row.id,
                reason: "is revoked".into(),
            });
        }
        if row.needs_reauth {
            let why = row.last_error.clone().unwrap_or_default();
            return Err(Error::ConnectionUnusable {
                id: row.id,
                reason: format!("needs re-authorization ({why})"),
            });
        }
        Ok(row)
    }

    fn needs_refresh(&self, row: &ConnectionRow, force: bool) -> bool {
        let now = self.clock.now();
        let refresh_ahead = ProviderKind::parse(&row.provider)
            .map_or(TimeDelta::zero(), |k| self.providers.get(k).refresh_ahead);
        let expiring = row
            .access_token_expires_at
            .is_none_or(|t| t - now <= refresh_ahead);
        let refreshed_just_now = row
            .last_refreshed_at
            .is_some_and(|t| now - t < RECENT_REFRESH);
        expiring || (force && !refreshed_just_now)
    }

    fn respond(&self, row: &ConnectionRow) -> Result<GetAccessTokenResponse, Error> {
        let (Some(key_id), Some(sealed)) = (&row.key_id, &row.access_token_sealed) else {
            return Err(Error::ConnectionUnusable {
                id: row.id.clone(),
                reason: "has no access token".into(),
            });
        };
        let token = self
            .keyring
            .open(key_id, &format!("{}/access", row.id), sealed)?;
        Ok(GetAccessTokenResponse {
            access_token: token,
            expire_time: row.access_token_expires_at.map(timestamp),
            connection_id: row.id.clone(),
        })
    }

    /// Refreshes upstream under the row's lease, or waits for the replica holding it.
    async fn refresh(&self, row: ConnectionRow) -> Result<ConnectionRow, Error> {
        let now = self.clock.now();
        let id = row.id.clone();
        // The lease is identified by the expiry this caller chose.
        let lease = now + LEASE;
        let taken = {
            let id = id.clone();
            self.db
                .run(move |conn| {
                    connections::take_refresh_lease(conn, &id, now, lease).map_err(Error::from)
                })
                .await?
        };
        let Some(current) = taken else {
            return self.wait_for_other_refresh(&row).await;
        };
        // Another replica may have refreshed between our read and our lease: its tokens
        // are the current ones, and refreshing again would spend its refresh token twice.
        if current.last_refreshed_at != row.last_refreshed_at
            && !self.needs_refresh(&current, false)
        {
            let key = id.clone();
            self.db
                .run(move |conn| {
                    connections::release_refresh_lease(conn, &key, lease).map_err(Error::from)
                })
                .await?;
            return Ok(current);
        }
        let row = current;

        let refresh_token = match (&row.key_id, &row.refresh_token_sealed) {
            (Some(key_id), Some(sealed)) => Some(SecretString::from(self.keyring.open(
                key_id,
                &format!("{id}/refresh"),
                sealed,
            )?)),
            _ => None,
        };
        let refresh_alive = row.refresh_token_expires_at.is_none_or(|t| t > now);
        let Some(refresh_token) = refresh_token.filter(|_| refresh_alive) else {
            return Err(self
                .needs_reauth(&row, "the refresh token has expired or was never issued")
                .await);
        };

        let Some(kind) = ProviderKind::parse(&row.provider) else {
            return Err(self
                .needs_reauth(&row, &format!("unknown provider {:?}", row.provider))
                .await);
        };
        // A Google connection's "refresh token" is its service-account key: a new token
        // is minted from it.
        let outcome = if kind == ProviderKind::Google {
            match ServiceAccountKey::parse(&refresh_token) {
                Ok(key) => {
                    let app = self.providers.get(kind);
                    let scopes = crate::db::strings(row.scopes.clone());
                    let assertion = key.assertion(&scopes, app.oauth.token_url(), self.clock.now());
                    app.oauth.jwt_bearer(&assertion).await
                }
                Err((_, why)) => {
                    return Err(self
                        .needs_reauth(&row, &format!("the stored key cannot be read: {why}"))
                        .await);
                }
            }
        } else {
            self.providers.get(kind).oauth.refresh(&refresh_token).await
        };
        match outcome {
            Ok(grant) => {
                let now = self.clock.now();
                let sealed = self.seal_grant(
                    &id,
                    &grant,
                    Some((&refresh_token, row.refresh_token_expires_at)),
                    now,
                )?;
                let stored = self
                    .db
                    .run(move |conn| {
                        connections::store_refreshed(conn, &id, lease, &sealed).map_err(Error::from)
                    })
                    .await?;
                let stored = stored.ok_or_else(|| Error::ConnectionUnusable {
                    id: row.id.clone(),
                    reason: "was revoked, or its refresh was taken over, meanwhile".into(),
                })?;
                tracing::info!(connection_id = %stored.id, "access token refreshed");
                Ok(stored)
            }
            // A refused client is this deployment's misconfiguration, not the user's grant:
            // recorded like an outage, never a reason to ask the user to sign in again.
            Err(UpstreamError::Rejected {
                error, description, ..
            }) if !CLIENT_REFUSALS.contains(&error.as_str()) => Err(self
                .needs_reauth(
                    &row,
                    &format!("the upstream refused the refresh token: {error}: {description}"),
                )
                .await),
            Err(e) => {
                let message = e.to_string();
                let now = self.clock.now();
                let (key, at) = (id.clone(), now);
                self.db
                    .run(move |conn| {
                        connections::record_refresh_error(conn, &key, &message, at)
                            .map_err(Error::from)
                    })
                    .await?;
                // A token that still works is better than none: the next call retries.
                if row.access_token_expires_at.is_some_and(|t| t > now) {
                    tracing::warn!(connection_id = %id, error = %e, "refresh failed; the current token is still valid");
                    Ok(row)
                } else {
                    Err(Error::Upstream(e))
                }
            }
        }
    }

    async fn needs_reauth(&self, row: &ConnectionRow, why: &str) -> Error {
        let (id, message, now) = (row.id.clone(), why.to_owned(), self.clock.now());
        if let Err(e) = self
            .db
            .run(move |conn| {
                connections::mark_reauth(conn, &id, &message, now).map_err(Error::from)
            })
            .await
        {
            return e;
        }
        tracing::warn!(connection_id = %row.id, reason = why, "connection needs re-authorization");
        Error::ConnectionUnusable {
            id: row.id.clone(),
            reason: format!("needs re-authorization ({why})"),
        }
    }

    /// Another replica holds the lease: poll until its new token is stored or the lease lapses.
    async fn wait_for_other_refresh(&self, before: &ConnectionRow) -> Result<ConnectionRow, Error> {
        let deadline =
            tokio::time::Instant::now() + Duration::from_secs(LEASE.num_seconds() as u64);
        let previous: Option<DateTime<Utc>> = before.last_refreshed_at;
        while tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let row = self.load_usable(&before.id).await?;
            if row.last_refreshed_at != previous {
                return Ok(row);
            }
        }
        Err(Error::Upstream(UpstreamError::Unavailable(
            "another replica's refresh did not finish".into(),
        )))
    }
}

//! ListConnections and RevokeConnection, and how a stored connection is presented
//! (expiries and a health state; never a token).

use adsync_proto::auth::{
    Connection, ConnectionHealth, ListConnectionsRequest, ListConnectionsResponse, Provider,
    Region as RegionProto, RevokeConnectionRequest, RevokeConnectionResponse,
};
use adsync_server::{Reach, WorkspaceId, invalid_field};

use super::{page_size, timestamp};
use crate::db::connections;
use crate::db::models::ConnectionRow;
use crate::error::{DOMAIN, Error};
use crate::providers::{ProviderKind, Region};
use crate::service::AuthApi;

impl AuthApi {
    /// A connection's health at the service clock's now.
    pub(crate) fn health(&self, row: &ConnectionRow) -> ConnectionHealth {
        let now = self.clock.now();
        let access_alive = row.access_token_expires_at.is_some_and(|t| t > now);
        let refresh_alive = row.refresh_token_sealed.is_some()
            && row.refresh_token_expires_at.is_none_or(|t| t > now);
        if row.revoked_at.is_some() {
            ConnectionHealth::Revoked
        } else if row.needs_reauth || (!access_alive && !refresh_alive) {
            ConnectionHealth::ReauthRequired
        } else if row
            .refresh_token_expires_at
            .is_some_and(|t| t - now < self.settings.expiring_soon)
            || (!refresh_alive
                && row
                    .access_token_expires_at
                    .is_some_and(|t| t - now < self.settings.expiring_soon))
        {
            ConnectionHealth::ExpiringSoon
        } else {
            ConnectionHealth::Ok
        }
    }

    pub(crate) fn connection_proto(&self, row: &ConnectionRow) -> Connection {
        Connection {
            connection_id: row.id.clone(),
            display_name: row.display_name.clone(),
            provider: ProviderKind::parse(&row.provider)
                .map_or(Provider::Unspecified, ProviderKind::to_proto) as i32,
            region: row
                .region
                .as_deref()
                .and_then(Region::parse)
                .map_or(RegionProto::Unspecified, Region::to_proto) as i32,
            health: self.health(row) as i32,
            scopes: crate::db::strings(row.scopes.clone()),
            access_token_expire_time: row.access_token_expires_at.map(timestamp),
            refresh_token_expire_time: row.refresh_token_expires_at.map(timestamp),
            last_refresh_time: row.last_refreshed_at.map(timestamp),
            create_time: Some(timestamp(row.created_at)),
            revoke_time: row.revoked_at.map(timestamp),
            last_error: row.last_error.clone().unwrap_or_default(),
            workspace_id: row.workspace_id,
        }
    }

    pub(crate) async fn list_connections(
        &self,
        req: ListConnectionsRequest,
        reach: Reach,
    ) -> Result<ListConnectionsResponse, Error> {
        let limit = page_size(req.page_size, 50, 100)?;
        let fingerprint = format!(
            "include_revoked={} workspace={} {}",
            req.include_revoked,
            req.workspace_id,
            reach.fingerprint()
        );
        let after = self.page_cursor("ListConnections", &fingerprint, &req.page_token)?;
        let include_revoked = req.include_revoked;
        // Another workspace's id lists nothing, as if it had no connections.
        let Ok(only) = reach.resolve(req.workspace_id, None) else {
            return Ok(ListConnectionsResponse::default());
        };
        let only = only.map(WorkspaceId::get);
        let mut rows = self
            .db
            .run(move |conn| {
                connections::list(conn, only, after.as_deref(), include_revoked, limit + 1)
                    .map_err(Error::from)
            })
            .await?;
        let next_page_token =
            self.next_page(&mut rows, limit, "ListConnections", &fingerprint, |r| {
                r.id.clone()
            });
        Ok(ListConnectionsResponse {
            connections: rows.iter().map(|r| self.connection_proto(r)).collect(),
            next_page_token,
        })
    }

    pub(crate) async fn revoke_connection(
        &self,
        req: RevokeConnectionRequest,
        reach: Reach,
    ) -> Result<RevokeConnectionResponse, Error> {
        if req.connection_id.is_empty() {
            return Err(invalid_field(DOMAIN, "connection_id", "required").into());
        }
        let now = self.clock.now();
        let id = req.connection_id.clone();
        let only = reach.workspace().map(WorkspaceId::get);
        let row = self
            .db
            .run(move |conn| connections::revoke(conn, &id, only, now).map_err(Error::from))
            .await?;
        let row = row.ok_or(Error::NotFound {
            kind: "connection",
            id: req.connection_id,
        })?;
        tracing::info!(connection_id = %row.id, "connection revoked");
        Ok(RevokeConnectionResponse {
            connection: Some(self.connection_proto(&row)),
        })
    }
}

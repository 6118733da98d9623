//! [`Auth`]: the auth service as ingestion uses it — the upstream connections it manages,
//! and their access tokens.

use std::sync::Arc;

use adsync_proto::auth::auth_service_client::AuthServiceClient;
use adsync_proto::auth::{Connection, ConnectionHealth, ListConnectionsRequest};
use secrecy::{ExposeSecret, SecretString};
use tonic::transport::Channel;

use super::{AuthTokenSource, TokenSource};
use crate::error::Error;

/// How to reach the auth service, with this service's own token.
#[derive(Debug, Clone)]
pub(crate) struct Auth {
    pub(crate) channel: Channel,
    pub(crate) service_token: SecretString,
}

impl Auth {
    /// The access tokens of connection `connection_id`.
    pub(crate) fn tokens(&self, connection_id: &str) -> Arc<dyn TokenSource> {
        Arc::new(AuthTokenSource::new(
            self.channel.clone(),
            self.service_token.clone(),
            connection_id.to_owned(),
        ))
    }

    /// Every workspace's connections, revoked ones included (all pages).
    pub(crate) async fn connections(&self) -> Result<Vec<Connection>, Error> {
        let mut client = AuthServiceClient::new(self.channel.clone());
        let mut all = Vec::new();
        let mut page_token = String::new();
        loop {
            let mut request = tonic::Request::new(ListConnectionsRequest {
                page_size: 100,
                page_token,
                include_revoked: true,
                workspace_id: 0,
            });
            let header = format!("Bearer {}", self.service_token.expose_secret())
                .parse()
                .map_err(|_| Error::Config("the service token is not valid metadata".into()))?;
            request.metadata_mut().insert("authorization", header);
            let page = client
                .list_connections(request)
                .await
                .map_err(|s| Error::AuthUnavailable(format!("{:?}: {}", s.code(), s.message())))?
                .into_inner();
            all.extend(page.connections);
            if page.next_page_token.is_empty() {
                return Ok(all);
            }
            page_token = page.next_page_token;
        }
    }
}

/// Whether a connection can supply tokens; the reason when it cannot.
pub(crate) fn unusable(connection: &Connection) -> Option<String> {
    match connection.health() {
        ConnectionHealth::ReauthRequired => Some(format!(
            "connection {:?} needs re-authorization ({})",
            connection.connection_id, connection.last_error
        )),
        ConnectionHealth::Revoked => Some(format!(
            "connection {:?} is revoked",
            connection.connection_id
        )),
        _ => None,
    }
}

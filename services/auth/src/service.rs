//! The gRPC face of the auth service: shared state, which scope each RPC needs, and the
//! trait impl that hands each RPC to its module under `rpc/`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use adsync_db::Db;
use adsync_proto::auth::auth_service_server::AuthService;
use adsync_proto::auth::*;
use adsync_server::{Clock, Identity, MethodScopes, Reach};
use chrono::TimeDelta;
use tonic::{Request, Response, Status};

use crate::crypto::Keyring;
use crate::providers::Providers;

/// The scopes each RPC accepts (`admin` implies every scope but `upstream:tokens`;
/// `workspace:admin` implies its workspace's `sync:*` and `reports:read`).
pub(crate) const METHOD_SCOPES: MethodScopes = &[
    (
        "/adsync.auth.v1.AuthService/StartAuthorization",
        &[Scope::WorkspaceAdmin],
    ),
    (
        "/adsync.auth.v1.AuthService/CompleteAuthorization",
        &[Scope::WorkspaceAdmin],
    ),
    (
        "/adsync.auth.v1.AuthService/CreateServiceAccountConnection",
        &[Scope::WorkspaceAdmin],
    ),
    (
        "/adsync.auth.v1.AuthService/GetAccessToken",
        &[Scope::UpstreamTokens],
    ),
    (
        "/adsync.auth.v1.AuthService/ListConnections",
        &[Scope::WorkspaceAdmin, Scope::UpstreamTokens],
    ),
    (
        "/adsync.auth.v1.AuthService/RevokeConnection",
        &[Scope::WorkspaceAdmin],
    ),
    (
        "/adsync.auth.v1.AuthService/IssueApiToken",
        &[Scope::WorkspaceAdmin],
    ),
    (
        "/adsync.auth.v1.AuthService/RevokeApiToken",
        &[Scope::WorkspaceAdmin],
    ),
    (
        "/adsync.auth.v1.AuthService/ListApiTokens",
        &[Scope::WorkspaceAdmin],
    ),
    (
        "/adsync.auth.v1.AuthService/Authenticate",
        &[Scope::Service],
    ),
    (
        "/adsync.auth.v1.AuthService/CreateWorkspace",
        &[Scope::Admin],
    ),
    (
        "/adsync.auth.v1.AuthService/ListWorkspaces",
        &[
            Scope::WorkspaceAdmin,
            Scope::SyncWrite,
            Scope::SyncRead,
            Scope::ReportsRead,
        ],
    ),
];

/// Settings the RPCs read, resolved once at start-up.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) state_ttl: TimeDelta,
    pub(crate) expiring_soon: TimeDelta,
}

/// Implements `adsync.auth.v1.AuthService`. Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct AuthApi {
    pub(crate) db: Db,
    pub(crate) keyring: Arc<Keyring>,
    /// Each provider's OAuth app.
    pub(crate) providers: Arc<Providers>,
    pub(crate) clock: Clock,
    pub(crate) settings: Arc<Settings>,
    /// One refresh per connection at a time in this process; the database lease covers
    /// other replicas.
    pub(crate) refresh_flights: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
    /// Signs and reads the list RPCs' page tokens.
    pub(crate) page_tokens: adsync_server::PageTokens,
}

/// The caller the auth layer let in: who it is and what it may see. Refused when there
/// is none (the layer always puts one in: fail closed, never open).
pub(crate) fn caller<T>(request: &Request<T>) -> Result<(String, Reach), Status> {
    request
        .extensions()
        .get::<Identity>()
        .map(|i| (i.subject.clone(), i.reach()))
        .ok_or_else(|| Status::permission_denied("no authenticated caller"))
}

#[tonic::async_trait]
impl AuthService for AuthApi {
    #[tracing::instrument(skip_all, fields(rpc = "StartAuthorization"))]
    async fn start_authorization(
        &self,
        request: Request<StartAuthorizationRequest>,
    ) -> Result<Response<StartAuthorizationResponse>, Status> {
        let (by, reach) = caller(&request)?;
        Ok(Response::new(
            self.start_authorization(request.into_inner(), by, reach)
                .await?,
        ))
    }

    #[tracing::instrument(skip_all, fields(rpc = "CompleteAuthorization"))]
    async fn complete_authorization(
        &self,
        request: Request<CompleteAuthorizationRequest>,
    ) -> Result<Response<CompleteAuthorizationResponse>, Status> {
        let (_, reach) = caller(&request)?;
        Ok(Response::new(
            self.complete_authorization(request.into_inner(), reach)
                .await?,
        ))
    }

    // The request carries a private key: skip_all keeps it out of every span.
    #[tracing::instrument(skip_all, fields(rpc = "CreateServiceAccountConnection"))]
    async fn create_service_account_connection(
        &self,
        request: Request<CreateServiceAccountConnectionRequest>,
    ) -> Result<Response<CreateServiceAccountConnectionResponse>, Status> {
        let (_, reach) = caller(&request)?;
        Ok(Response::new(
            self.create_service_account_connection(request.into_inner(), reach)
                .await?,
        ))
    }

    #[tracing::instrument(skip_all, fields(rpc = "GetAccessToken", connection_id = %request.get_ref().connection_id))]
    async fn get_access_token(
        &self,
        request: Request<GetAccessTokenRequest>,
    ) -> Result<Response<GetAccessTokenResponse>, Status> {
        Ok(Response::new(
            self.get_access_token(request.into_inner()).await?,
        ))
    }

    #[tracing::instrument(skip_all, fields(rpc = "ListConnections"))]
    async fn list_connections(
        &self,
        request: Request<ListConnectionsRequest>,
    ) -> Result<Response<ListConnectionsResponse>, Status> {
        let (_, reach) = caller(&request)?;
        Ok(Response::new(
            self.list_connections(request.into_inner(), reach).await?,
        ))
    }

    #[tracing::instrument(skip_all, fields(rpc = "RevokeConnection", connection_id = %request.get_ref().connection_id))]
    async fn revoke_connection(
        &self,
        request: Request<RevokeConnectionRequest>,
    ) -> Result<Response<RevokeConnectionResponse>, Status> {
        let (_, reach) = caller(&request)?;
        Ok(Response::new(
            self.revoke_connection(request.into_inner(), reach).await?,
        ))
    }

    #[tracing::instrument(skip_all, fields(rpc = "IssueApiToken"))]
    async fn issue_api_token(
        &self,
        request: Request<IssueApiTokenRequest>,
    ) -> Result<Response<IssueApiTokenResponse>, Status> {
        let (by, reach) = caller(&request)?;
        Ok(Response::new(
            self.issue_api_token(request.into_inner(), &by, reach)
                .await?,
        ))
    }

    #[tracing::instrument(skip_all, fields(rpc = "RevokeApiToken", token_id = %request.get_ref().token_id))]
    async fn revoke_api_token(
        &self,
        request: Request<RevokeApiTokenRequest>,
    ) -> Result<Response<RevokeApiTokenResponse>, Status> {
        let (_, reach) = caller(&request)?;
        Ok(Response::new(
            self.revoke_api_token(request.into_inner(), reach).await?,
        ))
    }

    #[tracing::instrument(skip_all, fields(rpc = "ListApiTokens"))]
    async fn list_api_tokens(
        &self,
        request: Request<ListApiTokensRequest>,
    ) -> Result<Response<ListApiTokensResponse>, Status> {
        let (_, reach) = caller(&request)?;
        Ok(Response::new(
            self.list_api_tokens(request.into_inner(), reach).await?,
        ))
    }

    #[tracing::instrument(skip_all, fields(rpc = "Authenticate"))]
    async fn authenticate(
        &self,
        request: Request<AuthenticateRequest>,
    ) -> Result<Response<AuthenticateResponse>, Status> {
        Ok(Response::new(
            self.authenticate(request.into_inner()).await?,
        ))
    }

    #[tracing::instrument(skip_all, fields(rpc = "CreateWorkspace"))]
    async fn create_workspace(
        &self,
        request: Request<CreateWorkspaceRequest>,
    ) -> Result<Response<CreateWorkspaceResponse>, Status> {
        let (by, _) = caller(&request)?;
        Ok(Response::new(
            self.create_workspace(request.into_inner(), &by).await?,
        ))
    }

    #[tracing::instrument(skip_all, fields(rpc = "ListWorkspaces"))]
    async fn list_workspaces(
        &self,
        request: Request<ListWorkspacesRequest>,
    ) -> Result<Response<ListWorkspacesResponse>, Status> {
        let (_, reach) = caller(&request)?;
        Ok(Response::new(
            self.list_workspaces(request.into_inner(), reach).await?,
        ))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_rpc_is_in_the_scope_table() {
        let missing =
            adsync_server::methods_missing_from(adsync_proto::AUTH_SERVICE, super::METHOD_SCOPES);
        assert!(
            missing.is_empty(),
            "not in METHOD_SCOPES (refused to everyone): {missing:?}"
        );
    }
}

//! The gRPC face of the auth service: each RPC delegates to its module.

use adsync_db::Db;
use adsync_proto::auth::auth_service_server::AuthService;
use adsync_proto::auth::*;
use tonic::{Request, Response, Status};

/// Implements `adsync.auth.v1.AuthService`.
#[derive(Debug, Clone)]
pub(crate) struct AuthApi {
    #[allow(dead_code)]
    db: Db,
}

impl AuthApi {
    pub(crate) fn new(db: Db) -> Self {
        Self { db }
    }
}

fn not_yet(rpc: &str) -> Status {
    Status::unimplemented(format!("{rpc} is not implemented yet"))
}

#[tonic::async_trait]
impl AuthService for AuthApi {
    async fn start_authorization(
        &self,
        _: Request<StartAuthorizationRequest>,
    ) -> Result<Response<StartAuthorizationResponse>, Status> {
        Err(not_yet("StartAuthorization"))
    }
    async fn complete_authorization(
        &self,
        _: Request<CompleteAuthorizationRequest>,
    ) -> Result<Response<CompleteAuthorizationResponse>, Status> {
        Err(not_yet("CompleteAuthorization"))
    }
    async fn get_access_token(
        &self,
        _: Request<GetAccessTokenRequest>,
    ) -> Result<Response<GetAccessTokenResponse>, Status> {
        Err(not_yet("GetAccessToken"))
    }
    async fn list_connections(
        &self,
        _: Request<ListConnectionsRequest>,
    ) -> Result<Response<ListConnectionsResponse>, Status> {
        Err(not_yet("ListConnections"))
    }
    async fn revoke_connection(
        &self,
        _: Request<RevokeConnectionRequest>,
    ) -> Result<Response<RevokeConnectionResponse>, Status> {
        Err(not_yet("RevokeConnection"))
    }
    async fn issue_api_token(
        &self,
        _: Request<IssueApiTokenRequest>,
    ) -> Result<Response<IssueApiTokenResponse>, Status> {
        Err(not_yet("IssueApiToken"))
    }
    async fn revoke_api_token(
        &self,
        _: Request<RevokeApiTokenRequest>,
    ) -> Result<Response<RevokeApiTokenResponse>, Status> {
        Err(not_yet("RevokeApiToken"))
    }
    async fn list_api_tokens(
        &self,
        _: Request<ListApiTokensRequest>,
    ) -> Result<Response<ListApiTokensResponse>, Status> {
        Err(not_yet("ListApiTokens"))
    }
    async fn authenticate(
        &self,
        _: Request<AuthenticateRequest>,
    ) -> Result<Response<AuthenticateResponse>, Status> {
        Err(not_yet("Authenticate"))
    }
}

//! CreateServiceAccountConnection: a Google service account's key file becomes a
//! connection. The key is checked by minting a token with it, then sealed like a refresh
//! token; access tokens are minted from it as GetAccessToken needs them.

use adsync_proto::auth::{
    CreateServiceAccountConnectionRequest, CreateServiceAccountConnectionResponse,
};
use adsync_server::{FieldViolations, Reach, WorkspaceId};
use secrecy::SecretString;

use crate::db::connections;
use crate::db::models::NewConnection;
use crate::error::{DOMAIN, Error};
use crate::providers::ProviderKind;
use crate::providers::google::ServiceAccountKey;
use crate::service::AuthApi;
use crate::upstream::{Grant, UpstreamError};

impl AuthApi {
    pub(crate) async fn create_service_account_connection(
        &self,
        req: CreateServiceAccountConnectionRequest,
        reach: Reach,
    ) -> Result<CreateServiceAccountConnectionResponse, Error> {
        let workspace = self
            .workspace_of_request(reach, req.workspace_id, Some(WorkspaceId::DEFAULT))
            .await?
            .unwrap_or(WorkspaceId::DEFAULT);
        let key_file = SecretString::from(req.key_file_json);
        let mut v = FieldViolations::new();
        let key = match ServiceAccountKey::parse(&key_file) {
            Ok(k) => Some(k),
            Err((field, why)) => {
                let field = if field == "key_file_json" {
                    field.to_owned()
                } else {
                    format!("key_file_json.{field}")
                };
                v.add(field, why);
                None
            }
        };
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
        let key = key.expect("validated");
        let app = self.providers.get(ProviderKind::Google);
        let scopes = if req.scopes.is_empty() {
            app.default_scopes.clone()
        } else {
            req.scopes
        };
        let grant = self.mint(&key, &scopes).await?;
        let now = self.clock.now();
        let id = format!("conn_{}", uuid::Uuid::now_v7().simple());
        let sealed = self.seal_grant(&id, &grant, Some((&key_file, None)), now)?;
        let display_name = if req.display_name.is_empty() {
            key.client_email.clone()
        } else {
            req.display_name
        };
        let row = self
            .db
            .run(move |conn| {
                connections::insert(
                    conn,
                    &NewConnection {
                        id: &id,
                        provider: ProviderKind::Google.as_str(),
                        region: None,
                        display_name: &display_name,
                        scopes: scopes.iter().map(String::as_str).collect(),
                        created_at: now,
                        workspace_id: workspace.get(),
                    },
                    &sealed,
                )
                .map_err(Error::from)
            })
            .await?;
        tracing::info!(connection_id = %row.id, account = %key.client_email, "service account connected");
        Ok(CreateServiceAccountConnectionResponse {
            connection: Some(self.connection_proto(&row)),
        })
    }

    /// A Google access token for `key` with `scopes`, from the JWT-bearer grant.
    pub(crate) async fn mint(
        &self,
        key: &ServiceAccountKey,
        scopes: &[String],
    ) -> Result<Grant, Error> {
        let app = self.providers.get(ProviderKind::Google);
        let assertion = key.assertion(scopes, app.oauth.token_url(), self.clock.now());
        app.oauth.jwt_bearer(&assertion).await.map_err(|e| match e {
            UpstreamError::Rejected {
                error, description, ..
            } => Error::KeyRejected(format!("{error}: {description}")),
            other => Error::Upstream(other),
        })
    }
}

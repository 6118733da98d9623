//! Where upstream access tokens come from: the auth service, per connection.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

use adsync_proto::auth::GetAccessTokenRequest;
use adsync_proto::auth::auth_service_client::AuthServiceClient;
use secrecy::{ExposeSecret, SecretString};
use tonic::transport::Channel;

use super::UpstreamError;

/// The future a [`TokenSource`] returns.
pub type TokenFuture<'a> =
    Pin<Box<dyn Future<Output = Result<SecretString, UpstreamError>> + Send + 'a>>;

/// Supplies the bearer token for upstream calls. `refresh` asks for a new one after the
/// upstream answered 401 to the current one.
pub trait TokenSource: Send + Sync {
    fn token(&self, refresh: bool) -> TokenFuture<'_>;
}

/// Tokens of one connection from the auth service (`GetAccessToken`), remembered
/// between calls so a sync asks auth once, not per request.
pub struct AuthTokenSource {
    client: AuthServiceClient<Channel>,
    service_token: SecretString,
    connection_id: String,
    current: Mutex<Option<SecretString>>,
}

impl AuthTokenSource {
    pub fn new(
        channel: Channel,
        service_token: SecretString,
        connection_id: String,
    ) -> AuthTokenSource {
        AuthTokenSource {
            client: AuthServiceClient::new(channel),
            service_token,
            connection_id,
            current: Mutex::new(None),
        }
    }
}

impl TokenSource for AuthTokenSource {
    fn token(&self, refresh: bool) -> TokenFuture<'_> {
        Box::pin(async move {
            if !refresh && let Some(token) = self.current.lock().expect("lock").clone() {
                return Ok(token);
            }
            let mut request = tonic::Request::new(GetAccessTokenRequest {
                connection_id: self.connection_id.clone(),
                force_refresh: refresh,
            });
            let header = format!("Bearer {}", self.service_token.expose_secret())
                .parse()
                .map_err(|_| {
                    UpstreamError::Token("the service token is not valid metadata".into())
                })?;
            request.metadata_mut().insert("authorization", header);
            let response = self
                .client
                .clone()
                .get_access_token(request)
                .await
                .map_err(|status| {
                    // The message names the problem (revoked, needs re-authorization); never a token.
                    if status.code() == tonic::Code::FailedPrecondition {
                        UpstreamError::ConnectionUnusable(status.message().to_owned())
                    } else {
                        UpstreamError::Token(format!("{:?}: {}", status.code(), status.message()))
                    }
                })?;
            let token = SecretString::from(response.into_inner().access_token);
            *self.current.lock().expect("lock") = Some(token.clone());
            Ok(token)
        })
    }
}

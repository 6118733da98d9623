//! Where the three services are and the caller token, from flags or the environment.

use std::time::Duration;

use adsync_proto::auth::auth_service_client::AuthServiceClient;
use adsync_proto::ingestion::ingestion_service_client::IngestionServiceClient;
use adsync_proto::reporting::reporting_service_client::ReportingServiceClient;
use tonic::transport::{Channel, Endpoint};

use crate::failure::{Failure, Outcome};

#[derive(Debug, Clone, clap::Args)]
pub(crate) struct Endpoints {
    /// The auth service.
    #[arg(
        long,
        env = "ADSYNC_AUTH_ADDR",
        default_value = "http://127.0.0.1:50051",
        global = true
    )]
    auth_addr: String,
    /// The ingestion service.
    #[arg(
        long,
        env = "ADSYNC_INGESTION_ADDR",
        default_value = "http://127.0.0.1:50052",
        global = true
    )]
    ingestion_addr: String,
    /// The reporting service.
    #[arg(
        long,
        env = "ADSYNC_REPORTING_ADDR",
        default_value = "http://127.0.0.1:50053",
        global = true
    )]
    reporting_addr: String,
    /// A caller token (`adsync_...`) with the scopes the command needs.
    #[arg(long, env = "ADSYNC_TOKEN", hide_env_values = true, global = true)]
    token: Option<String>,
    /// TLS for `https://` addresses: the CA that signs the services (--tls-ca), and a
    /// client certificate when they require one (--tls-cert, --tls-key).
    #[command(flatten)]
    tls: adsync_server::TlsArgs,
}

/// The bearer token of every call.
#[derive(Debug, Clone)]
pub(crate) struct Token(String);

impl Token {
    /// `message` with `authorization: Bearer <token>`.
    pub(crate) fn request<T>(&self, message: T) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        if let Ok(value) = format!("Bearer {}", self.0).parse() {
            request.metadata_mut().insert("authorization", value);
        }
        request
    }
}

impl Endpoints {
    pub(crate) fn token(&self) -> Outcome<Token> {
        match &self.token {
            Some(t) if !t.trim().is_empty() => Ok(Token(t.trim().to_owned())),
            _ => Err(Failure::NoToken),
        }
    }

    pub(crate) async fn auth(&self) -> Outcome<AuthServiceClient<Channel>> {
        Ok(AuthServiceClient::new(
            channel("adsync-auth", &self.auth_addr, &self.tls).await?,
        ))
    }

    pub(crate) async fn ingestion(&self) -> Outcome<IngestionServiceClient<Channel>> {
        Ok(IngestionServiceClient::new(
            channel("adsync-ingestion", &self.ingestion_addr, &self.tls).await?,
        ))
    }

    pub(crate) async fn reporting(&self) -> Outcome<ReportingServiceClient<Channel>> {
        Ok(ReportingServiceClient::new(
            channel("adsync-reporting", &self.reporting_addr, &self.tls).await?,
        )
        .max_decoding_message_size(64 << 20))
    }
}

async fn channel(service: &str, addr: &str, tls: &adsync_server::TlsArgs) -> Outcome<Channel> {
    let mut endpoint = Endpoint::from_shared(addr.to_owned())
        .map_err(|e| Failure::Usage(format!("{service} address {addr:?}: {e}")))?
        .connect_timeout(Duration::from_secs(5));
    if let Some(config) = tls.client_config(addr).map_err(Failure::Usage)? {
        endpoint = endpoint
            .tls_config(config)
            .map_err(|e| Failure::Usage(format!("{service} address {addr:?}: TLS: {e}")))?;
    }
    endpoint.connect().await.map_err(|e| {
        Failure::Unreachable(format!(
            "cannot reach {service} at {addr}: {e} (is the stack up? build-support/stack up)"
        ))
    })
}

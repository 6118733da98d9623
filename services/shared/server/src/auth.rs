//! Caller authentication for every adsync server: one async tower layer.
//!
//! Every RPC except health and reflection needs `authorization: Bearer <token>` with a
//! scope the method accepts (`admin` is accepted everywhere). The layer asks an
//! [`Authenticator`] — the auth service's own database inside auth, the auth service's
//! `Authenticate` RPC everywhere else — caches positive answers for a short while, and
//! hands the caller's [`Identity`] to the handler through the request extensions.
//! Tokens never appear in logs or error messages.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use adsync_proto::auth::Scope;
use adsync_proto::auth::auth_service_client::AuthServiceClient;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use tonic::transport::Channel;
use tonic::{Code, Status};

use crate::workspace::{Reach, WorkspaceId};

/// The domain of errors raised by the layer itself.
const DOMAIN: &str = "auth.adsync";

/// The scope's name as tokens and messages write it (`sync:write`, ...).
pub fn scope_name(scope: Scope) -> &'static str {
    match scope {
        Scope::SyncWrite => "sync:write",
        Scope::SyncRead => "sync:read",
        Scope::ReportsRead => "reports:read",
        Scope::Admin => "admin",
        Scope::Service => "service",
        Scope::WorkspaceAdmin => "workspace:admin",
        Scope::UpstreamTokens => "upstream:tokens",
        Scope::Unspecified => "unspecified",
    }
}

/// The scope a name stands for.
pub fn parse_scope(name: &str) -> Option<Scope> {
    ALL_SCOPES.into_iter().find(|s| scope_name(*s) == name)
}

/// Who is calling: put into each authenticated request's extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// `token:<token_id>`.
    pub subject: String,
    pub token_id: String,
    pub name: String,
    pub scopes: Vec<Scope>,
    /// When the token expires (`None`: never). A cached answer never outlives it.
    pub expires_at: Option<std::time::SystemTime>,
    /// The workspace the token belongs to; `None` for a platform token.
    pub workspace: Option<WorkspaceId>,
}

impl Identity {
    /// Whether the token holds, or implies, one of `accepted`.
    pub fn has_any(&self, accepted: &[Scope]) -> bool {
        accepted.iter().any(|wanted| {
            self.scopes
                .iter()
                .any(|held| held == wanted || implies(*held, *wanted))
        })
    }

    /// What the caller may see.
    pub fn reach(&self) -> Reach {
        Reach::of(self.workspace)
    }
}

/// The scopes that let a caller in where `accepted` are: each of them, then those that
/// imply one (for messages that say what would do).
fn granting(accepted: &[Scope]) -> impl Iterator<Item = Scope> + '_ {
    let implying = ALL_SCOPES
        .into_iter()
        .filter(|held| !accepted.contains(held) && accepted.iter().any(|w| implies(*held, *w)));
    accepted.iter().copied().chain(implying)
}

/// Every scope a token can carry.
const ALL_SCOPES: [Scope; 7] = [
    Scope::SyncWrite,
    Scope::SyncRead,
    Scope::ReportsRead,
    Scope::WorkspaceAdmin,
    Scope::Admin,
    Scope::Service,
    Scope::UpstreamTokens,
];

/// What the caller the auth layer let in may see. PERMISSION_DENIED when there is no
/// caller (the layer always puts one in: this fails closed, never open).
pub fn caller_reach<T>(request: &tonic::Request<T>) -> Result<Reach, Status> {
    request
        .extensions()
        .get::<Identity>()
        .map(Identity::reach)
        .ok_or_else(|| Status::permission_denied("no authenticated caller"))
}

/// Whether holding `held` grants `wanted` too. `admin` grants everything but
/// `upstream:tokens` (upstream secrets go to the ingestion service alone);
/// `workspace:admin` grants the workspace's syncs and reports.
fn implies(held: Scope, wanted: Scope) -> bool {
    match held {
        Scope::Admin => wanted != Scope::UpstreamTokens,
        Scope::WorkspaceAdmin => {
            matches!(
                wanted,
                Scope::SyncWrite | Scope::SyncRead | Scope::ReportsRead
            )
        }
        _ => false,
    }
}

/// The boxed future an [`Authenticator`] returns.
pub type AuthFuture<'a> = Pin<Box<dyn Future<Output = Result<Identity, Status>> + Send + 'a>>;

/// Checks a bearer token. UNAUTHENTICATED for a bad token; UNAVAILABLE when it cannot tell.
pub trait Authenticator: Send + Sync + 'static {
    fn authenticate<'a>(&'a self, token: &'a str) -> AuthFuture<'a>;
}

/// Which scopes each method accepts: `(full method path, scopes)`. A method missing from
/// the table is refused to every caller (the table fails closed).
pub type MethodScopes = &'static [(&'static str, &'static [Scope])];

/// The longest a replica may trust a checked caller token: the bound on how long a
/// revocation takes to reach every replica.
pub const MAX_AUTH_CACHE_SECS: u64 = 300;

/// The tower layer. Cheap to clone.
#[derive(Clone)]
pub struct AuthLayer {
    gate: Arc<Gate>,
}

impl std::fmt::Debug for AuthLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthLayer")
            .field("cache_ttl", &self.gate.cache_ttl)
            .finish_non_exhaustive()
    }
}

struct Gate {
    authenticator: Arc<dyn Authenticator>,
    methods: MethodScopes,
    cache_ttl: Duration,
    /// SHA-256 of the token → identity and until when it may be trusted (the cache's
    /// lifetime, or the token's expiry if sooner). Hashes, not tokens, so a heap dump
    /// shows no secret.
    cache: Mutex<HashMap<[u8; 32], (Identity, Instant)>>,
}

impl AuthLayer {
    /// `cache_ttl` of zero disables caching (a revoked token is refused at once).
    pub fn new(
        authenticator: Arc<dyn Authenticator>,
        methods: MethodScopes,
        cache_ttl: Duration,
    ) -> AuthLayer {
        AuthLayer {
            gate: Arc::new(Gate {
                authenticator,
                methods,
                cache_ttl,
                cache: Mutex::new(HashMap::new()),
            }),
        }
    }
}

impl<S> tower::Layer<S> for AuthLayer {
    type Service = AuthService<S>;
    fn layer(&self, inner: S) -> AuthService<S> {
        AuthService {
            inner,
            gate: self.gate.clone(),
        }
    }
}

/// The layer's service: checks, then calls `inner`.
#[derive(Clone)]
pub struct AuthService<S> {
    inner: S,
    gate: Arc<Gate>,
}

impl<S> std::fmt::Debug for AuthService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthService").finish_non_exhaustive()
    }
}

impl<S, B> tower::Service<http::Request<B>> for AuthService<S>
where
    S: tower::Service<
            http::Request<B>,
            Response = http::Response<tonic::body::Body>,
            Error = Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        // The ready service handles this call; a fresh clone waits for the next one.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let gate = self.gate.clone();
        Box::pin(async move {
            match gate.check(request.uri().path(), request.headers()).await {
                Ok(Some(identity)) => {
                    request.extensions_mut().insert(identity);
                }
                Ok(None) => {}
                Err(status) => return Ok(status.into_http()),
            }
            inner.call(request).await
        })
    }
}

impl Gate {
    /// `Ok(None)` for the open services, `Ok(Some)` for an authorized caller.
    async fn check(
        &self,
        path: &str,
        headers: &http::HeaderMap,
    ) -> Result<Option<Identity>, Status> {
        if crate::load::is_health_check(path) || path.starts_with("/grpc.reflection.") {
            return Ok(None);
        }
        let token = bearer(headers)?;
        let identity = self.identify(token).await?;
        // Fails closed: a method missing from the table is refused to everyone.
        let Some((_, accepted)) = self.methods.iter().find(|(method, _)| *method == path) else {
            return Err(crate::error_status(
                Code::PermissionDenied,
                format!("{path} is not open to any scope"),
                DOMAIN,
                "METHOD_NOT_ALLOWED",
                &[("method", path.to_owned())],
            ));
        };
        if !identity.has_any(accepted) {
            let needed = granting(accepted)
                .map(|s| format!("`{}`", scope_name(s)))
                .collect::<Vec<_>>()
                .join(" or ");
            let held = identity
                .scopes
                .iter()
                .map(|s| scope_name(*s))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(crate::error_status(
                Code::PermissionDenied,
                format!(
                    "{path} needs scope {needed}; the token {:?} has: {held}",
                    identity.name
                ),
                DOMAIN,
                "MISSING_SCOPE",
                &[("method", path.to_owned()), ("requiredScopes", needed)],
            ));
        }
        tracing::debug!(subject = %identity.subject, method = path, "caller authorized");
        Ok(Some(identity))
    }

    async fn identify(&self, token: &str) -> Result<Identity, Status> {
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        if !self.cache_ttl.is_zero() {
            let cache = self.cache.lock().expect("lock");
            if let Some((identity, until)) = cache.get(&key)
                && Instant::now() < *until
            {
                return Ok(identity.clone());
            }
        }
        let identity = self
            .authenticator
            .authenticate(token)
            .await
            .map_err(|status| {
                if status.code() == Code::Unauthenticated {
                    // The caller's own credentials were refused (whatever the checker said).
                    crate::error_status(
                        Code::Unauthenticated,
                        status.message(),
                        DOMAIN,
                        "INVALID_CREDENTIALS",
                        &[],
                    )
                } else {
                    status
                }
            })?;
        if !self.cache_ttl.is_zero() {
            let mut cache = self.cache.lock().expect("lock");
            // Bounded: stale entries go first, then everything if callers flood it.
            let now = Instant::now();
            if cache.len() > 10_000 {
                cache.retain(|_, (_, until)| now < *until);
                if cache.len() > 10_000 {
                    cache.clear();
                }
            }
            // Never past the token's own expiry.
            let left = identity.expires_at.map_or(self.cache_ttl, |at| {
                at.duration_since(std::time::SystemTime::now())
                    .unwrap_or(Duration::ZERO)
            });
            let trust = self.cache_ttl.min(left);
            if !trust.is_zero() {
                cache.insert(key, (identity.clone(), now + trust));
            }
        }
        Ok(identity)
    }
}

fn bearer(headers: &http::HeaderMap) -> Result<&str, Status> {
    let unauthenticated = |reason: &str, message: &str| {
        crate::error_status(Code::Unauthenticated, message, DOMAIN, reason, &[])
    };
    let value = headers.get(http::header::AUTHORIZATION).ok_or_else(|| {
        unauthenticated(
            "MISSING_CREDENTIALS",
            "missing `authorization: Bearer <token>` metadata",
        )
    })?;
    let value = value.to_str().map_err(|_| {
        unauthenticated(
            "MALFORMED_CREDENTIALS",
            "the authorization metadata is not ASCII",
        )
    })?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim())
        }
        _ => Err(unauthenticated(
            "MALFORMED_CREDENTIALS",
            "the authorization metadata must be `Bearer <token>`",
        )),
    }
}

/// Authenticates callers through the auth service's `Authenticate` RPC, presenting this
/// service's own token (scope `service`).
pub struct RemoteAuthenticator {
    client: AuthServiceClient<Channel>,
    service_token: SecretString,
}

impl RemoteAuthenticator {
    pub fn new(channel: Channel, service_token: SecretString) -> RemoteAuthenticator {
        RemoteAuthenticator {
            client: AuthServiceClient::new(channel),
            service_token,
        }
    }
}

impl Authenticator for RemoteAuthenticator {
    fn authenticate<'a>(&'a self, token: &'a str) -> AuthFuture<'a> {
        Box::pin(async move {
            let mut request = tonic::Request::new(adsync_proto::auth::AuthenticateRequest {
                token: token.to_owned(),
            });
            let header = format!("Bearer {}", self.service_token.expose_secret())
                .parse()
                .map_err(|_| {
                    Status::internal("the configured service token is not valid metadata")
                })?;
            request.metadata_mut().insert("authorization", header);
            match self.client.clone().authenticate(request).await {
                Ok(response) => {
                    let r = response.into_inner();
                    let scopes = r.scopes().collect();
                    let expires_at = r.expire_time.and_then(|t| {
                        let secs = u64::try_from(t.seconds).ok()?;
                        Some(
                            std::time::UNIX_EPOCH
                                + Duration::new(secs, u32::try_from(t.nanos).unwrap_or(0)),
                        )
                    });
                    Ok(Identity {
                        subject: r.subject,
                        token_id: r.token_id,
                        name: r.name,
                        scopes,
                        expires_at,
                        workspace: WorkspaceId::new(r.workspace_id),
                    })
                }
                // TOKEN_* reasons come from Authenticate itself: the caller's token is bad.
                Err(status)
                    if status.code() == Code::Unauthenticated
                        && is_verdict_on_checked_token(&status) =>
                {
                    Err(Status::unauthenticated(status.message().to_owned()))
                }
                Err(status) if status.code() == Code::InvalidArgument => {
                    Err(Status::unauthenticated("empty token"))
                }
                Err(status) => {
                    tracing::warn!(code = ?status.code(), error = status.message(), "cannot reach the auth service");
                    Err(crate::error_status(
                        Code::Unavailable,
                        "cannot verify credentials: the auth service is unavailable",
                        DOMAIN,
                        "AUTH_UNAVAILABLE",
                        &[],
                    ))
                }
            }
        })
    }
}

/// How a service answers workspace tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tenancy {
    /// Every answer is filtered by the caller's workspace: any token may call.
    Scoped,
    /// The service does not filter by workspace yet: platform tokens and the default
    /// workspace's are served, other workspaces' refused (they would see the default
    /// workspace's data).
    DefaultWorkspaceOnly,
}

/// The authenticator of [`Tenancy::DefaultWorkspaceOnly`].
struct DefaultWorkspaceOnly(RemoteAuthenticator);

impl Authenticator for DefaultWorkspaceOnly {
    fn authenticate<'a>(&'a self, token: &'a str) -> AuthFuture<'a> {
        Box::pin(async move {
            let identity = self.0.authenticate(token).await?;
            match identity.workspace {
                Some(w) if w != WorkspaceId::DEFAULT => Err(crate::error_status(
                    Code::PermissionDenied,
                    format!(
                        "the token {:?} belongs to workspace {w}; this service serves platform tokens and the default workspace's",
                        identity.name
                    ),
                    DOMAIN,
                    "WORKSPACE_NOT_SERVED",
                    &[("workspaceId", w.to_string())],
                )),
                _ => Ok(identity),
            }
        })
    }
}

/// Whether an UNAUTHENTICATED from `Authenticate` is about the token being checked
/// (reason `TOKEN_*`) rather than about this service's own credentials.
fn is_verdict_on_checked_token(status: &Status) -> bool {
    use tonic_types::StatusExt;
    status
        .get_error_details()
        .error_info()
        .is_some_and(|info| info.reason.starts_with("TOKEN_"))
}

/// Flags of a service that authenticates its callers through the auth service.
#[derive(Debug, Clone, clap::Args)]
pub struct RemoteAuthArgs {
    /// The auth service, e.g. http://127.0.0.1:50051.
    #[arg(long, env = "ADSYNC_AUTH_URL")]
    pub auth_url: String,

    /// This service's own caller token, a platform token: scope `service` to check
    /// callers' tokens; the ingestion service's also `upstream:tokens`, to fetch upstream
    /// access tokens.
    #[arg(long, env = "ADSYNC_SERVICE_TOKEN", hide_env_values = true)]
    pub service_token: SecretString,

    /// How long a checked caller token is trusted before asking auth again, in seconds
    /// (a revoked token may be accepted this long on this replica; never past the
    /// token's own expiry). 0 asks every time; at most 300.
    #[arg(long, env = "ADSYNC_AUTH_CACHE_SECS", default_value_t = 10)]
    pub auth_cache_secs: u64,
}

impl RemoteAuthArgs {
    /// A channel to the auth service (connected on first use; over TLS with `tls` when
    /// the URL is https), or an error naming the flag.
    pub fn channel(&self, tls: &crate::TlsArgs) -> Result<Channel, String> {
        let mut endpoint = tonic::transport::Endpoint::from_shared(self.auth_url.clone())
            .map_err(|e| format!("--auth-url {:?} is not a valid URL: {e}", self.auth_url))?
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10));
        if let Some(config) = tls.client_config(&self.auth_url)? {
            endpoint = endpoint
                .tls_config(config)
                .map_err(|e| format!("--auth-url {:?}: TLS: {e}", self.auth_url))?;
        }
        Ok(endpoint.connect_lazy())
    }

    /// The auth layer for a service whose RPCs accept `methods`, answering workspace
    /// tokens as `tenancy` says.
    pub fn layer(
        &self,
        methods: MethodScopes,
        tls: &crate::TlsArgs,
        tenancy: Tenancy,
    ) -> Result<AuthLayer, String> {
        if self.auth_cache_secs > MAX_AUTH_CACHE_SECS {
            return Err(format!(
                "--auth-cache-secs {} is over {MAX_AUTH_CACHE_SECS}: a revoked token would be trusted that long",
                self.auth_cache_secs
            ));
        }
        let remote = RemoteAuthenticator::new(self.channel(tls)?, self.service_token.clone());
        let authenticator: Arc<dyn Authenticator> = match tenancy {
            Tenancy::Scoped => Arc::new(remote),
            Tenancy::DefaultWorkspaceOnly => Arc::new(DefaultWorkspaceOnly(remote)),
        };
        Ok(AuthLayer::new(
            authenticator,
            methods,
            Duration::from_secs(self.auth_cache_secs),
        ))
    }
}

/// The methods of `service` (e.g. `adsync.auth.v1.AuthService`) in adsync's descriptor set
/// that `table` does not list, as `/package.Service/Method`: what a service's test checks
/// is empty, so no RPC is ever left out of the table (it would be refused to everyone).
pub fn methods_missing_from(service: &str, table: MethodScopes) -> Vec<String> {
    use prost::Message;
    let set = prost_types::FileDescriptorSet::decode(adsync_proto::FILE_DESCRIPTOR_SET)
        .expect("the descriptor set decodes");
    let mut missing = Vec::new();
    for file in &set.file {
        let package = file.package();
        for s in &file.service {
            if format!("{package}.{}", s.name()) != service {
                continue;
            }
            for m in &s.method {
                let path = format!("/{service}/{}", m.name());
                if !table.iter().any(|(listed, _)| *listed == path) {
                    missing.push(path);
                }
            }
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// Answers every token with an identity expiring `ttl` from now; counts the calls.
    struct Expiring {
        ttl: Duration,
        calls: AtomicUsize,
    }

    impl Authenticator for Expiring {
        fn authenticate<'a>(&'a self, _: &'a str) -> AuthFuture<'a> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let expires_at = std::time::SystemTime::now() + self.ttl;
            Box::pin(async move {
                Ok(Identity {
                    subject: "token:t".into(),
                    token_id: "t".into(),
                    name: "n".into(),
                    scopes: vec![Scope::Admin],
                    expires_at: Some(expires_at),
                    workspace: None,
                })
            })
        }
    }

    #[tokio::test]
    async fn a_cached_answer_never_outlives_the_token() {
        let checker = Arc::new(Expiring {
            ttl: Duration::from_millis(200),
            calls: AtomicUsize::new(0),
        });
        let layer = AuthLayer::new(checker.clone(), &[], Duration::from_secs(60));
        layer.gate.identify("adsync_x").await.unwrap();
        layer.gate.identify("adsync_x").await.unwrap();
        assert_eq!(checker.calls.load(Ordering::SeqCst), 1, "cached");
        tokio::time::sleep(Duration::from_millis(250)).await;
        layer.gate.identify("adsync_x").await.unwrap();
        assert_eq!(
            checker.calls.load(Ordering::SeqCst),
            2,
            "asked again once the token expired, although the cache lives a minute"
        );
    }

    #[test]
    fn admin_implies_all_but_upstream_tokens_and_a_workspace_admin_its_syncs_and_reports() {
        let holding = |scopes: Vec<Scope>| Identity {
            subject: "token:t".into(),
            token_id: "t".into(),
            name: "n".into(),
            scopes,
            expires_at: None,
            workspace: None,
        };
        let admin = holding(vec![Scope::Admin]);
        for scope in ALL_SCOPES {
            assert_eq!(
                admin.has_any(&[scope]),
                scope != Scope::UpstreamTokens,
                "{scope:?}"
            );
        }
        let workspace_admin = holding(vec![Scope::WorkspaceAdmin]);
        for scope in [Scope::SyncWrite, Scope::SyncRead, Scope::ReportsRead] {
            assert!(workspace_admin.has_any(&[scope]), "{scope:?}");
        }
        for scope in [Scope::Admin, Scope::Service, Scope::UpstreamTokens] {
            assert!(!workspace_admin.has_any(&[scope]), "{scope:?}");
        }
        let reporting = holding(vec![Scope::Service]);
        assert!(!reporting.has_any(&[Scope::UpstreamTokens]));
        assert_eq!(
            granting(&[Scope::WorkspaceAdmin]).collect::<Vec<_>>(),
            [Scope::WorkspaceAdmin, Scope::Admin]
        );
    }

    #[test]
    fn the_cache_lifetime_is_bounded() {
        let args = RemoteAuthArgs {
            auth_url: "http://127.0.0.1:1".into(),
            service_token: SecretString::from("adsync_x".to_owned()),
            auth_cache_secs: MAX_AUTH_CACHE_SECS + 1,
        };
        assert!(
            args.layer(&[], &crate::TlsArgs::default(), Tenancy::Scoped)
                .unwrap_err()
                .contains("--auth-cache-secs")
        );
    }
}

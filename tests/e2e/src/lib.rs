//! Support for adsync's cross-service tests: the whole stack in-process — the LinkedIn,
//! Amazon Ads and Google Sheets sandboxes, auth, ingestion and reporting on loopback
//! ports, one database — and bearer helpers. The tests themselves are in `tests/` (one binary, `e2e`).

use adsync_amazon_ads_sandbox::{
    Region as AmazonRegion, Sandbox as AmazonSandbox, SandboxConfig as AmazonConfig,
};
use adsync_db::EmbeddedMigrations;
use adsync_linkedin_sandbox::{Sandbox, SandboxConfig};
use adsync_proto::auth::Scope;
use adsync_proto::ingestion::ingestion_service_client::IngestionServiceClient;
use adsync_proto::ingestion::{
    DiscoverAccountsRequest, RunFinished, StartSyncRequest, SyncEvent, sync_event,
};
use adsync_server::Clock;
use adsync_sheets_sandbox::{Sandbox as SheetsSandbox, SandboxConfig as SheetsConfig};
use adsync_test_harness::tls::DevPki;
use adsync_test_harness::{TestDatabase, TestServer, db_args, remote_auth_args};
use chrono::TimeDelta;
use tonic::transport::Channel;

/// Every service's migrations, in the order a fresh database receives them.
pub fn all_migrations() -> [&'static EmbeddedMigrations; 2] {
    [&adsync_auth::MIGRATIONS, &adsync_warehouse::MIGRATIONS]
}

/// The test key for sealing upstream tokens (32 bytes of 0x2a, base64).
const KEY: &str = "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=";

/// The whole stack, each service on its own loopback port, sharing one database.
pub struct Stack {
    pub sandbox: Sandbox,
    pub amazon: AmazonSandbox,
    pub sheets: SheetsSandbox,
    pub db: TestDatabase,
    pub clock: Clock,
    pub admin: String,
    /// Ingestion's own token: `service` and `upstream:tokens`.
    pub service_token: String,
    /// Reporting's own token: `service` alone (it never sees an upstream token).
    pub reporting_service_token: String,
    pub auth: TestServer<adsync_auth::Error>,
    pub ingestion: TestServer<adsync_ingestion::Error>,
    pub reporting: TestServer<adsync_reporting::Error>,
    /// The certificates of a stack that runs over mutual TLS.
    pub tls: Option<DevPki>,
}

impl Stack {
    /// Starts the stack on a fresh database against a fresh sandbox.
    pub async fn start(sandbox: SandboxConfig) -> Stack {
        Stack::start_with_service_token(sandbox, None).await
    }

    /// As [`Stack::start`], but ingestion and reporting present `service_token` (e.g. a
    /// bad one) instead of a valid token with scope `service`.
    pub async fn start_with_service_token(
        sandbox: SandboxConfig,
        service_token: Option<&str>,
    ) -> Stack {
        let db = TestDatabase::migrated(&all_migrations());
        Stack::start_on(db, sandbox, service_token).await
    }

    /// Starts the stack on a fresh database with the Amazon Ads sandbox as `amazon` says
    /// (and a default LinkedIn sandbox).
    pub async fn start_with_amazon(amazon: AmazonConfig) -> Stack {
        let db = TestDatabase::migrated(&all_migrations());
        Stack::start_full(db, SandboxConfig::default(), amazon, None, &[]).await
    }

    /// As [`Stack::start`], on `db`: a fresh database, or one a benchmark kept (the
    /// services apply any migration it lacks, as they would in production).
    pub async fn start_on(
        db: TestDatabase,
        sandbox: SandboxConfig,
        service_token: Option<&str>,
    ) -> Stack {
        Stack::start_full(db, sandbox, AmazonConfig::default(), service_token, &[]).await
    }

    /// Starts the stack on a fresh database with the Google Sheets sandbox as `sheets`
    /// says (and default LinkedIn and Amazon Ads sandboxes), ingestion with `extra` flags.
    pub async fn start_with_sheets(sheets: SheetsConfig, extra: &[&str]) -> Stack {
        let db = TestDatabase::migrated(&all_migrations());
        Stack::start_all(
            db,
            (SandboxConfig::default(), AmazonConfig::default(), sheets),
            None,
            extra,
        )
        .await
    }

    /// The stack on `db` with the LinkedIn and Amazon sandboxes as given (a default
    /// Sheets sandbox), ingestion with `extra` flags.
    pub async fn start_full(
        db: TestDatabase,
        sandbox: SandboxConfig,
        amazon: AmazonConfig,
        service_token: Option<&str>,
        extra: &[&str],
    ) -> Stack {
        Stack::start_all(
            db,
            (sandbox, amazon, SheetsConfig::default()),
            service_token,
            extra,
        )
        .await
    }

    /// The stack on `db` with every sandbox as given, ingestion with `extra` flags.
    pub async fn start_all(
        db: TestDatabase,
        sandboxes: (SandboxConfig, AmazonConfig, SheetsConfig),
        service_token: Option<&str>,
        extra: &[&str],
    ) -> Stack {
        Stack::start_configured(db, sandboxes, service_token, extra, None).await
    }

    /// The stack with every server on mutual TLS with `pki`'s certificates (`auth`,
    /// `ingestion`, `reporting`; callers present `cli`), the services calling auth over
    /// https.
    pub async fn start_tls(pki: DevPki) -> Stack {
        let db = TestDatabase::migrated(&all_migrations());
        let sandboxes = Default::default();
        Stack::start_configured(db, sandboxes, None, &[], Some(pki)).await
    }

    async fn start_configured(
        db: TestDatabase,
        (sandbox, amazon, sheets): (SandboxConfig, AmazonConfig, SheetsConfig),
        service_token: Option<&str>,
        extra: &[&str],
        tls: Option<DevPki>,
    ) -> Stack {
        let tls_of = |name: &str| {
            tls.as_ref()
                .map_or_else(Default::default, |pki| pki.tls_args(name, true))
        };
        let sandbox = Sandbox::start(sandbox).await.expect("sandbox");
        let amazon = AmazonSandbox::start(amazon).await.expect("amazon sandbox");
        let sheets = SheetsSandbox::start(sheets).await.expect("sheets sandbox");
        let clock = Clock::default();
        let admin = adsync_auth::bootstrap_token(
            &db_args(&db),
            "e2e-admin",
            &[Scope::Admin],
            TimeDelta::days(3650),
        )
        .await
        .expect("admin token");
        let service_token_of = |name: &'static str, scopes: &'static [Scope]| {
            let db = db_args(&db);
            async move {
                adsync_auth::bootstrap_token(&db, name, scopes, TimeDelta::days(3650))
                    .await
                    .expect("service token")
            }
        };
        let ingestion_token =
            service_token_of("e2e-ingestion", &[Scope::Service, Scope::UpstreamTokens]).await;
        let reporting_token = service_token_of("e2e-reporting", &[Scope::Service]).await;
        let (service_token, reporting_service_token) = match service_token {
            Some(given) => (given.to_owned(), given.to_owned()),
            None => (ingestion_token, reporting_token),
        };

        let auth_config = adsync_auth::Config {
            db: db_args(&db),
            tls: tls_of("auth"),
            token_encryption_keys: format!("e2e:{KEY}").into(),
            linkedin: adsync_auth::LinkedInApp {
                linkedin_client_id: sandbox.config().client_id.clone(),
                linkedin_client_secret: sandbox.config().client_secret.clone().into(),
                linkedin_redirect_uri: "http://127.0.0.1:9/oauth/callback".into(),
                linkedin_authorization_url: format!("{}/authorization", sandbox.oauth_url()),
                linkedin_token_url: format!("{}/accessToken", sandbox.oauth_url()),
                linkedin_scopes: "r_ads r_ads_reporting".into(),
                linkedin_refresh_ahead_secs: 86_400,
            },
            amazon: adsync_auth::AmazonApp {
                amazon_client_id: amazon.config().client_id.clone(),
                amazon_client_secret: amazon.config().client_secret.clone().into(),
                amazon_redirect_uri: "http://127.0.0.1:9/amazon/callback".into(),
                amazon_authorization_url_na: amazon.authorization_url(),
                amazon_authorization_url_eu: amazon.authorization_url(),
                amazon_authorization_url_fe: amazon.authorization_url(),
                amazon_token_url: amazon.token_url(),
                amazon_scopes: adsync_amazon_ads_sandbox::SCOPE.into(),
                amazon_refresh_ahead_secs: 600,
            },
            google: adsync_auth::GoogleApp {
                google_token_url: sheets.token_url(),
                google_scopes: "https://www.googleapis.com/auth/spreadsheets.readonly https://www.googleapis.com/auth/drive.metadata.readonly".into(),
                google_refresh_ahead_secs: 300,
            },
            oauth_state_ttl_secs: 600,
            expiring_soon_days: 30,
            limits: Default::default(),
            upstream_timeout_ms: 5_000,
            clock: clock.clone(),
        };
        let auth = TestServer::start(|l, s| adsync_auth::serve(auth_config, l, s)).await;
        let auth_uri = match &tls {
            Some(_) => format!("https://{}", auth.addr()),
            None => auth.uri(),
        };
        // No scheduler here: tests that want one start a replica with it.
        let mut flags = vec!["--schedule-interval-secs", "0"];
        flags.extend_from_slice(extra);
        let tls_flags: Vec<String> = tls.as_ref().map_or_else(Vec::new, |pki| {
            vec![
                "--tls-cert".into(),
                pki.cert("ingestion").display().to_string(),
                "--tls-key".into(),
                pki.key("ingestion").display().to_string(),
                "--tls-ca".into(),
                pki.ca().display().to_string(),
                "--tls-client-auth".into(),
            ]
        });
        flags.extend(tls_flags.iter().map(String::as_str));
        let mut ingestion_config = adsync_ingestion::Config::from_flags(ingestion_flags(
            &db,
            &auth_uri,
            &service_token,
            (&sandbox, &amazon, &sheets),
            &flags,
        ))
        .expect("ingestion flags");
        ingestion_config.clock = clock.clone();
        let ingestion =
            TestServer::start(|l, s| adsync_ingestion::serve(ingestion_config, l, s)).await;
        let reporting_config = adsync_reporting::Config {
            db: db_args(&db),
            auth: remote_auth_args(&auth_uri, &reporting_service_token),
            tls: tls_of("reporting"),
            clock: clock.clone(),
            ..adsync_reporting::Config::from_flags([
                "--database-url",
                db.url(),
                "--auth-url",
                &auth_uri,
                "--service-token",
                &reporting_service_token,
            ])
            .expect("reporting flags")
        };
        let reporting =
            TestServer::start(|l, s| adsync_reporting::serve(reporting_config, l, s)).await;
        Stack {
            sandbox,
            amazon,
            sheets,
            db,
            clock,
            admin,
            service_token,
            reporting_service_token,
            auth,
            ingestion,
            reporting,
            tls,
        }
    }

    /// A channel to `server` of this stack: over TLS, presenting the `cli` certificate,
    /// when the stack runs on TLS.
    pub fn channel_to<E: Send + 'static>(&self, server: &TestServer<E>) -> Channel {
        let Some(pki) = &self.tls else {
            return server.channel();
        };
        let url = format!("https://{}", server.addr());
        let config = pki
            .tls_args("cli", false)
            .client_config(&url)
            .expect("client TLS")
            .expect("https");
        tonic::transport::Endpoint::from_shared(url)
            .expect("uri")
            .tls_config(config)
            .expect("TLS config")
            .connect_lazy()
    }

    /// Issues a caller token with `scopes`; returns (secret, token id).
    pub async fn token(&self, name: &str, scopes: &[Scope]) -> (String, String) {
        let issued = adsync_proto::auth::auth_service_client::AuthServiceClient::new(
            self.channel_to(&self.auth),
        )
        .issue_api_token(bearer(
            adsync_proto::auth::IssueApiTokenRequest {
                name: name.to_owned(),
                scopes: scopes.iter().map(|s| *s as i32).collect(),
                ttl: None,
                workspace_id: 0,
            },
            &self.admin,
        ))
        .await
        .expect("issue token")
        .into_inner();
        (issued.token, issued.api_token.expect("metadata").token_id)
    }
}

impl Stack {
    /// Connects a LinkedIn (sandbox) member through the real OAuth flow: StartAuthorization,
    /// the browser step (following the sandbox's redirect), CompleteAuthorization.
    /// Returns the connection id.
    pub async fn connect(&self) -> String {
        self.authorize_as(&self.admin, Default::default())
            .await
            .connection_id
    }

    /// Runs an authorization as `token` (the platform admin, or a workspace's): starts it
    /// with `request`, follows the sandbox's approval as a browser would, completes it.
    pub async fn authorize_as(
        &self,
        token: &str,
        request: adsync_proto::auth::StartAuthorizationRequest,
    ) -> adsync_proto::auth::Connection {
        use adsync_proto::auth::CompleteAuthorizationRequest;
        let mut auth = adsync_proto::auth::auth_service_client::AuthServiceClient::new(
            self.channel_to(&self.auth),
        );
        let start = auth
            .start_authorization(bearer(request, token))
            .await
            .expect("start authorization")
            .into_inner();
        let (state, code) = follow_authorization(&start.authorization_url).await;
        auth.complete_authorization(bearer(CompleteAuthorizationRequest { state, code }, token))
            .await
            .expect("complete authorization")
            .into_inner()
            .connection
            .expect("connection")
    }

    /// Creates a workspace; returns its id.
    pub async fn create_workspace(&self, name: &str) -> i64 {
        adsync_proto::auth::auth_service_client::AuthServiceClient::new(self.channel_to(&self.auth))
            .create_workspace(bearer(
                adsync_proto::auth::CreateWorkspaceRequest {
                    name: name.to_owned(),
                    display_name: String::new(),
                },
                &self.admin,
            ))
            .await
            .expect("create workspace")
            .into_inner()
            .workspace
            .expect("workspace")
            .workspace_id
    }

    /// Issues a caller token of workspace `workspace_id` with `scopes`; returns the secret.
    pub async fn workspace_token(&self, workspace_id: i64, scopes: &[Scope]) -> String {
        adsync_proto::auth::auth_service_client::AuthServiceClient::new(self.channel_to(&self.auth))
            .issue_api_token(bearer(
                adsync_proto::auth::IssueApiTokenRequest {
                    name: format!("workspace-{workspace_id}"),
                    scopes: scopes.iter().map(|s| *s as i32).collect(),
                    ttl: None,
                    workspace_id,
                },
                &self.admin,
            ))
            .await
            .expect("issue workspace token")
            .into_inner()
            .token
    }

    /// Connects an Amazon Ads (sandbox) advertiser in `region` through the real Login with
    /// Amazon flow. Returns the connection id.
    pub async fn connect_amazon(&self, region: adsync_proto::auth::Region) -> String {
        let request = adsync_proto::auth::StartAuthorizationRequest {
            provider: adsync_proto::auth::Provider::AmazonAds as i32,
            region: region as i32,
            ..Default::default()
        };
        self.authorize_as(&self.admin, request).await.connection_id
    }

    /// Connects Google service account `n` of the Sheets sandbox by uploading its key
    /// file. Returns the connection id.
    pub async fn connect_google(&self, n: usize) -> String {
        use adsync_proto::auth::CreateServiceAccountConnectionRequest;
        let mut auth = adsync_proto::auth::auth_service_client::AuthServiceClient::new(
            self.channel_to(&self.auth),
        );
        auth.create_service_account_connection(bearer(
            CreateServiceAccountConnectionRequest {
                key_file_json: self.sheets.key_file(n).to_string(),
                ..Default::default()
            },
            &self.admin,
        ))
        .await
        .expect("create service-account connection")
        .into_inner()
        .connection
        .expect("connection")
        .connection_id
    }

    /// Upstream tokens of `connection_id` as ingestion gets them: from auth.
    pub fn token_source(&self, connection_id: &str) -> adsync_ingestion::upstream::AuthTokenSource {
        adsync_ingestion::upstream::AuthTokenSource::new(
            self.channel_to(&self.auth),
            self.service_token.clone().into(),
            connection_id.to_owned(),
        )
    }
}

/// The browser step of an authorization: visits the page (the sandbox approves at once)
/// and reads `state` and `code` from the redirect it answers with.
async fn follow_authorization(url: &str) -> (String, String) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let redirect = http.get(url).send().await.expect("authorization endpoint");
    let location = url::Url::parse(redirect.headers()["location"].to_str().expect("ASCII"))
        .expect("redirect URL");
    let param = |k: &str| {
        location
            .query_pairs()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.into_owned())
            .expect(k)
    };
    (param("state"), param("code"))
}

/// The flags of an ingestion replica of this stack, plus `extra`.
fn ingestion_flags(
    db: &TestDatabase,
    auth_uri: &str,
    service_token: &str,
    (sandbox, amazon, sheets): (&Sandbox, &AmazonSandbox, &SheetsSandbox),
    extra: &[&str],
) -> Vec<String> {
    let mut flags: Vec<String> = [
        "--database-url",
        db.url(),
        "--auth-url",
        auth_uri,
        "--service-token",
        service_token,
        "--auth-cache-secs",
        "0",
        "--linkedin-api-url",
        &sandbox.rest_url(),
        "--linkedin-version",
        &sandbox.now().format("%Y%m").to_string(),
        "--amazon-client-id",
        &amazon.config().client_id,
        "--amazon-api-url-na",
        &amazon.api_url(AmazonRegion::Na),
        "--amazon-api-url-eu",
        &amazon.api_url(AmazonRegion::Eu),
        "--amazon-api-url-fe",
        &amazon.api_url(AmazonRegion::Fe),
        // The sandbox generates reports in a fraction of a second.
        "--amazon-report-poll-ms",
        "20",
        "--amazon-report-poll-max-ms",
        "200",
        "--sheets-api-url",
        &sheets.base_url(),
        "--drive-api-url",
        &sheets.base_url(),
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    flags.extend(extra.iter().map(|s| (*s).to_owned()));
    flags
}

impl Stack {
    /// Starts one more reporting server on the stack's database (plaintext), its
    /// configuration changed by `configure` first.
    pub async fn start_reporting_replica(
        &self,
        configure: impl FnOnce(&mut adsync_reporting::Config),
    ) -> TestServer<adsync_reporting::Error> {
        let mut config = adsync_reporting::Config {
            db: db_args(&self.db),
            auth: remote_auth_args(&self.auth.uri(), &self.reporting_service_token),
            clock: self.clock.clone(),
            ..adsync_reporting::Config::from_flags([
                "--database-url",
                self.db.url(),
                "--auth-url",
                &self.auth.uri(),
                "--service-token",
                &self.reporting_service_token,
            ])
            .expect("reporting flags")
        };
        configure(&mut config);
        TestServer::start(|l, s| adsync_reporting::serve(config, l, s)).await
    }

    /// Starts one more ingestion replica on the same database (e.g. with
    /// `--schedule-interval-secs 1`), as a second process would.
    pub async fn start_ingestion_replica(
        &self,
        extra: &[&str],
    ) -> TestServer<adsync_ingestion::Error> {
        let config = self.ingestion_replica_config(extra);
        TestServer::start(|l, s| adsync_ingestion::serve(config, l, s)).await
    }

    /// The flags an ingestion replica of this stack runs with, plus `extra` (for the
    /// binary run as a process of its own; it adds `--listen`).
    pub fn ingestion_flags(&self, extra: &[&str]) -> Vec<String> {
        ingestion_flags(
            &self.db,
            &self.auth.uri(),
            &self.service_token,
            (&self.sandbox, &self.amazon, &self.sheets),
            extra,
        )
    }

    /// The configuration of an ingestion replica of this stack, plus `extra` flags.
    pub fn ingestion_replica_config(&self, extra: &[&str]) -> adsync_ingestion::Config {
        let mut config = adsync_ingestion::Config::from_flags(ingestion_flags(
            &self.db,
            &self.auth.uri(),
            &self.service_token,
            (&self.sandbox, &self.amazon, &self.sheets),
            extra,
        ))
        .expect("ingestion flags");
        config.clock = self.clock.clone();
        config
    }
}

/// Every row of a paged list, in the order the pages give them: `page(token)` asks for
/// one page (the first with an empty token) and answers its rows and the next page's
/// token (empty after the last).
pub async fn every_page<T, F, Fut>(mut page: F) -> Vec<T>
where
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = (Vec<T>, String)>,
{
    let (mut rows, mut token) = (Vec::new(), String::new());
    loop {
        let (got, next) = page(token).await;
        rows.extend(got);
        if next.is_empty() {
            return rows;
        }
        token = next;
    }
}

/// A request carrying `authorization: Bearer <token>`.
pub fn bearer<T>(message: T, token: &str) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().expect("ASCII token"),
    );
    request
}

/// Runs StartSync to its end; every event received, in order.
pub async fn start_sync(
    client: &mut IngestionServiceClient<Channel>,
    token: &str,
    req: StartSyncRequest,
) -> Vec<SyncEvent> {
    let mut stream = client
        .start_sync(bearer(req, token))
        .await
        .expect("start sync")
        .into_inner();
    let mut events = Vec::new();
    while let Some(message) = stream.message().await.expect("event") {
        events.push(message.event.expect("event"));
    }
    events
}

/// The `RunFinished` that ends a run's events.
pub fn finished(events: &[SyncEvent]) -> &RunFinished {
    match events.last().and_then(|e| e.payload.as_ref()) {
        Some(sync_event::Payload::RunFinished(f)) => f,
        other => panic!("the last event is not RunFinished: {other:?}"),
    }
}

impl Stack {
    /// One number from SQL (`SELECT ... AS n`) on the stack's database.
    pub fn count(&self, sql: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::RunQueryDsl::get_result::<N>(diesel::sql_query(sql), &mut self.db.connect())
            .expect("a count")
            .n
    }

    /// Connects a member, issues an operator token (sync:write, sync:read) and discovers
    /// the accounts: (operator token, the lowest account id, an ingestion client).
    pub async fn ready_to_sync(&self) -> (String, i64, IngestionServiceClient<Channel>) {
        self.connect().await;
        let (operator, _) = self
            .token("operator", &[Scope::SyncWrite, Scope::SyncRead])
            .await;
        let mut client = IngestionServiceClient::new(self.channel_to(&self.ingestion));
        let accounts = client
            .discover_accounts(bearer(DiscoverAccountsRequest::default(), &operator))
            .await
            .expect("discover")
            .into_inner()
            .accounts;
        let account = accounts
            .iter()
            .map(|a| a.account_id)
            .min()
            .expect("an account");
        (operator, account, client)
    }
}

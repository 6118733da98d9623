//! What the auth tests share: a server wired to a sandbox, tokens, and captured logs.

use std::io::Write;
use std::sync::{Mutex, Once};

use adsync_amazon_ads_sandbox::{Sandbox as AmazonSandbox, SandboxConfig as AmazonConfig};
use adsync_auth::{AmazonApp, Config, Error, GoogleApp, LinkedInApp};
use adsync_linkedin_sandbox::{Sandbox, SandboxConfig};
use adsync_proto::auth::Scope;
use adsync_proto::auth::auth_service_client::AuthServiceClient;
use adsync_server::Clock;
use adsync_sheets_sandbox::{Sandbox as SheetsSandbox, SandboxConfig as SheetsConfig};
use adsync_test_harness::{TestDatabase, TestServer, db_args};
use chrono::TimeDelta;
use tonic::transport::Channel;

/// base64 of 32 bytes 0x2a: the test encryption key.
pub(crate) const KEY: &str = "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=";
pub(crate) const REDIRECT: &str = "http://127.0.0.1:9/oauth/callback";
pub(crate) const AMAZON_REDIRECT: &str = "http://127.0.0.1:9/amazon/callback";
pub(crate) const AMAZON_FE_PAGE: &str = "http://127.0.0.1:9/fe/ap/oa";

/// Everything every test of the process logged, at DEBUG and finer.
static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());
static CAPTURE: Once = Once::new();

struct LogSink;

impl Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Sends every log line of the test process (DEBUG and up; TRACE for adsync) to a buffer.
pub(crate) fn capture_logs() {
    CAPTURE.call_once(|| {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                "debug,adsync_auth=trace,adsync_server=trace,adsync_db=trace",
            ))
            .with_writer(|| LogSink)
            .with_ansi(false)
            .try_init();
    });
}

/// Fails if any of `secrets` appears in anything logged so far.
pub(crate) fn assert_not_logged(secrets: &[String]) {
    let logs = LOGS.lock().unwrap_or_else(|e| e.into_inner());
    assert!(!logs.is_empty(), "log capture is not working");
    let text = String::from_utf8_lossy(&logs);
    for secret in secrets.iter().filter(|s| s.len() >= 8) {
        assert!(
            !text.contains(secret.as_str()),
            "a secret was logged: {}...",
            &secret[..6]
        );
    }
}

pub(crate) fn config(
    db: &TestDatabase,
    sandbox: &Sandbox,
    (amazon, sheets): (&AmazonSandbox, Option<&SheetsSandbox>),
    clock: Clock,
) -> Config {
    Config {
        db: db_args(db),
        tls: Default::default(),
        token_encryption_keys: format!("test1:{KEY}").into(),
        linkedin: LinkedInApp {
            linkedin_client_id: sandbox.config().client_id.clone(),
            linkedin_client_secret: sandbox.config().client_secret.clone().into(),
            linkedin_redirect_uri: REDIRECT.to_owned(),
            linkedin_authorization_url: format!("{}/authorization", sandbox.oauth_url()),
            linkedin_token_url: format!("{}/accessToken", sandbox.oauth_url()),
            linkedin_scopes: "r_ads r_ads_reporting".to_owned(),
            linkedin_refresh_ahead_secs: 86_400,
        },
        amazon: AmazonApp {
            amazon_client_id: amazon.config().client_id.clone(),
            amazon_client_secret: amazon.config().client_secret.clone().into(),
            amazon_redirect_uri: AMAZON_REDIRECT.to_owned(),
            amazon_authorization_url_na: amazon.authorization_url(),
            amazon_authorization_url_eu: amazon.authorization_url(),
            // Never visited: tells the regions' pages apart in the authorization URL.
            amazon_authorization_url_fe: AMAZON_FE_PAGE.to_owned(),
            amazon_token_url: amazon.token_url(),
            amazon_scopes: adsync_amazon_ads_sandbox::SCOPE.to_owned(),
            amazon_refresh_ahead_secs: 600,
        },
        google: GoogleApp {
            // Never reached when there is no Sheets sandbox.
            google_token_url: sheets.map_or("http://127.0.0.1:9/token".to_owned(), SheetsSandbox::token_url),
            google_scopes: "https://www.googleapis.com/auth/spreadsheets.readonly https://www.googleapis.com/auth/drive.metadata.readonly".to_owned(),
            google_refresh_ahead_secs: 300,
        },
        oauth_state_ttl_secs: 600,
        expiring_soon_days: 30,
        limits: Default::default(),
        upstream_timeout_ms: 5_000,
        clock,
    }
}

/// An auth service on a fresh database, wired to a fresh sandbox, with an admin token.
pub(crate) struct Auth {
    pub(crate) server: TestServer<Error>,
    pub(crate) sandbox: Sandbox,
    pub(crate) amazon: AmazonSandbox,
    pub(crate) sheets: SheetsSandbox,
    pub(crate) clock: Clock,
    pub(crate) admin: String,
    pub(crate) db: TestDatabase,
}

impl Auth {
    pub(crate) async fn start() -> Auth {
        capture_logs();
        let db = TestDatabase::migrated(&[&adsync_auth::MIGRATIONS]);
        let sandbox = Sandbox::start(SandboxConfig::default())
            .await
            .expect("sandbox");
        let amazon = AmazonSandbox::start(AmazonConfig::default())
            .await
            .expect("amazon sandbox");
        let sheets = SheetsSandbox::start(SheetsConfig::default())
            .await
            .expect("sheets sandbox");
        let clock = Clock::default();
        let admin = adsync_auth::bootstrap_token(
            &db_args(&db),
            "test-admin",
            &[Scope::Admin],
            TimeDelta::days(3650),
        )
        .await
        .expect("bootstrap token");
        let config = config(&db, &sandbox, (&amazon, Some(&sheets)), clock.clone());
        let server =
            TestServer::start(|listener, shutdown| adsync_auth::serve(config, listener, shutdown))
                .await;
        Auth {
            server,
            sandbox,
            amazon,
            sheets,
            clock,
            admin,
            db,
        }
    }

    pub(crate) fn client(&self) -> AuthServiceClient<Channel> {
        AuthServiceClient::new(self.server.channel())
    }

    /// Moves both the service's and the sandbox's clocks forward.
    pub(crate) fn advance(&self, by: TimeDelta) {
        self.clock.advance(by);
        self.sandbox.advance_clock(by.to_std().expect("positive"));
        self.amazon.advance_clock(by.to_std().expect("positive"));
        self.sheets.advance_clock(by.to_std().expect("positive"));
    }

    /// Issues a caller token with `scopes` through the API, returning the secret.
    pub(crate) async fn token(&self, name: &str, scopes: &[Scope]) -> String {
        self.client()
            .issue_api_token(bearer(
                adsync_proto::auth::IssueApiTokenRequest {
                    name: name.to_owned(),
                    scopes: scopes.iter().map(|s| *s as i32).collect(),
                    // Long-lived: tests move the clock by months.
                    ttl: Some(prost_types::Duration {
                        seconds: 3000 * 86_400,
                        nanos: 0,
                    }),
                    workspace_id: 0,
                },
                &self.admin,
            ))
            .await
            .expect("issue token")
            .into_inner()
            .token
    }

    /// Runs the OAuth flow against the sandbox as a member would: start, follow the
    /// authorization redirect, complete. Returns the connection id.
    pub(crate) async fn connect(&self) -> String {
        let start = self
            .client()
            .start_authorization(bearer(
                adsync_proto::auth::StartAuthorizationRequest::default(),
                &self.admin,
            ))
            .await
            .expect("start")
            .into_inner();
        let (code, state) = authorize(&start.authorization_url).await;
        assert_eq!(state, start.state);
        self.client()
            .complete_authorization(bearer(
                adsync_proto::auth::CompleteAuthorizationRequest { state, code },
                &self.admin,
            ))
            .await
            .expect("complete")
            .into_inner()
            .connection
            .expect("connection")
            .connection_id
    }
}

/// Visits the authorization URL (the sandbox approves at once) and reads `code` and
/// `state` from the redirect it answers with.
pub(crate) async fn authorize(url: &str) -> (String, String) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = http.get(url).send().await.expect("authorization endpoint");
    assert!(response.status().is_redirection(), "{}", response.status());
    let location = url::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    assert!(
        location.as_str().starts_with(REDIRECT) || location.as_str().starts_with(AMAZON_REDIRECT),
        "{location}"
    );
    let get = |k: &str| {
        location
            .query_pairs()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.into_owned())
            .unwrap()
    };
    (get("code"), get("state"))
}

/// A request carrying `authorization: Bearer <token>`.
pub(crate) fn bearer<T>(message: T, token: &str) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    request
}

/// The ErrorInfo reason of a status.
pub(crate) fn reason(status: &tonic::Status) -> String {
    use tonic_types::StatusExt;
    status
        .get_error_details()
        .error_info()
        .map(|i| i.reason.clone())
        .unwrap_or_default()
}

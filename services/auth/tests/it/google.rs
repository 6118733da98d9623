//! Google service accounts against the Sheets sandbox: a key file becomes a connection
//! (checked by minting a token), access tokens are minted from it and cached until shortly
//! before their hour ends, and the key is never returned, stored in the clear or logged.

use adsync_proto::auth::{
    ConnectionHealth, CreateServiceAccountConnectionRequest, GetAccessTokenRequest,
    ListConnectionsRequest, Provider, Scope, StartAuthorizationRequest,
};
use chrono::TimeDelta;
use diesel::{QueryableByName, RunQueryDsl, sql_query};
use tonic::Code;
use tonic_types::StatusExt;

use crate::support::{Auth, assert_not_logged, bearer, reason};

fn create(key_file: &serde_json::Value) -> CreateServiceAccountConnectionRequest {
    CreateServiceAccountConnectionRequest {
        key_file_json: key_file.to_string(),
        ..Default::default()
    }
}

/// Reads the first spreadsheet with `token`; the status says whether the token works.
async fn sheet_status(auth: &Auth, token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!(
            "{}/v4/spreadsheets/{}",
            auth.sheets.base_url(),
            auth.sheets.spreadsheet_ids()[0]
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[derive(QueryableByName)]
struct Dump {
    #[diesel(sql_type = diesel::sql_types::Text)]
    text: String,
}

#[tokio::test]
async fn a_key_file_becomes_a_connection_whose_tokens_are_minted_and_cached() {
    let auth = Auth::start().await;
    let service = auth.token("ingestion", &[Scope::UpstreamTokens]).await;
    let key_file = auth.sheets.key_file(0);
    let connection = auth
        .client()
        .create_service_account_connection(bearer(create(&key_file), &auth.admin))
        .await
        .unwrap()
        .into_inner()
        .connection
        .unwrap();
    assert_eq!(connection.provider(), Provider::Google);
    assert_eq!(connection.display_name, key_file["client_email"]);
    assert_eq!(connection.health(), ConnectionHealth::Ok);
    assert_eq!(connection.scopes.len(), 2);
    assert_eq!(
        auth.sheets.calls_of("oauth.token"),
        1,
        "the key was checked"
    );

    let get = || {
        bearer(
            GetAccessTokenRequest {
                connection_id: connection.connection_id.clone(),
                force_refresh: false,
            },
            &service,
        )
    };
    let first = auth
        .client()
        .get_access_token(get())
        .await
        .unwrap()
        .into_inner();
    assert!(first.access_token.starts_with("ya29."));
    assert_eq!(sheet_status(&auth, &first.access_token).await, 200);
    let again = auth
        .client()
        .get_access_token(get())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.access_token, first.access_token, "cached");
    assert_eq!(auth.sheets.calls_of("oauth.token"), 1);

    // Five minutes before the hour ends, a new token is minted from the key.
    auth.advance(TimeDelta::minutes(56));
    let fresh = auth
        .client()
        .get_access_token(get())
        .await
        .unwrap()
        .into_inner();
    assert_ne!(fresh.access_token, first.access_token);
    assert_eq!(auth.sheets.calls_of("oauth.token"), 2);
    assert_eq!(sheet_status(&auth, &fresh.access_token).await, 200);

    // The key is nowhere in the clear: not in the answers, the database or the logs.
    let private_key = key_file["private_key"].as_str().unwrap().to_owned();
    let key_body: String = private_key
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .take(2)
        .collect();
    let listed = auth
        .client()
        .list_connections(bearer(ListConnectionsRequest::default(), &auth.admin))
        .await
        .unwrap()
        .into_inner();
    assert!(!format!("{listed:?}").contains(&key_body[..40]));
    let dump: Vec<Dump> = sql_query("SELECT row_to_json(c)::text AS text FROM oauth_connections c")
        .load(&mut auth.db.connect())
        .unwrap();
    for row in &dump {
        assert!(
            !row.text.contains(&key_body[..40]),
            "the key is stored in the clear"
        );
        assert!(!row.text.contains(&fresh.access_token));
    }
    let mut secrets = auth.sheets.issued_tokens();
    secrets.push(key_body[..40].to_owned());
    assert_not_logged(&secrets);
}

#[tokio::test]
async fn bad_key_files_are_refused_with_the_field_at_fault_and_nothing_is_stored() {
    let auth = Auth::start().await;
    let good = auth.sheets.key_file(0);
    let with = |field: &str, value: serde_json::Value| {
        let mut k = good.clone();
        k[field] = value;
        k
    };
    let cases = [
        (serde_json::json!("not an object"), "key_file_json.type"),
        (
            with("type", serde_json::json!("authorized_user")),
            "key_file_json.type",
        ),
        (
            with("client_email", serde_json::Value::Null),
            "key_file_json.client_email",
        ),
        (
            with(
                "private_key",
                serde_json::json!("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
            ),
            "key_file_json.private_key",
        ),
    ];
    for (key_file, field) in cases {
        let status = auth
            .client()
            .create_service_account_connection(bearer(create(&key_file), &auth.admin))
            .await
            .unwrap_err();
        assert_eq!(
            status.code(),
            Code::InvalidArgument,
            "{field}: {}",
            status.message()
        );
        let fields: Vec<String> = status
            .get_error_details()
            .bad_request()
            .unwrap()
            .field_violations
            .iter()
            .map(|f| f.field.clone())
            .collect();
        assert_eq!(fields, [field]);
    }
    let not_json = auth
        .client()
        .create_service_account_connection(bearer(
            CreateServiceAccountConnectionRequest {
                key_file_json: "{".into(),
                ..Default::default()
            },
            &auth.admin,
        ))
        .await
        .unwrap_err();
    assert_eq!(not_json.code(), Code::InvalidArgument);

    // A well-formed key of an account the token endpoint does not know.
    let stranger = with(
        "client_email",
        serde_json::json!("stranger@elsewhere.iam.gserviceaccount.com"),
    );
    let refused = auth
        .client()
        .create_service_account_connection(bearer(create(&stranger), &auth.admin))
        .await
        .unwrap_err();
    assert_eq!(
        refused.code(),
        Code::FailedPrecondition,
        "{}",
        refused.message()
    );
    assert_eq!(reason(&refused), "KEY_REJECTED");
    let listed = auth
        .client()
        .list_connections(bearer(ListConnectionsRequest::default(), &auth.admin))
        .await
        .unwrap()
        .into_inner();
    assert!(listed.connections.is_empty(), "nothing stored");

    // Google connections do not go through the authorization flow.
    let start = auth
        .client()
        .start_authorization(bearer(
            StartAuthorizationRequest {
                provider: Provider::Google as i32,
                ..Default::default()
            },
            &auth.admin,
        ))
        .await
        .unwrap_err();
    assert_eq!(start.code(), Code::InvalidArgument);
    assert!(start.message().contains("CreateServiceAccountConnection"));
}

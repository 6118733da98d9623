//! Secrets at rest and in output: the database holds no token in the clear, and neither
//! logs nor `Debug` show one.

use adsync_proto::auth::{GetAccessTokenRequest, Scope, StartAuthorizationRequest};
use diesel::{QueryableByName, RunQueryDsl, sql_query};

use crate::support::{Auth, assert_not_logged, bearer};

#[derive(QueryableByName)]
struct Dump {
    #[diesel(sql_type = diesel::sql_types::Text)]
    text: String,
}

#[tokio::test]
async fn no_auth_table_holds_an_issued_secret_in_the_clear() {
    let auth = Auth::start().await;
    let service = auth.token("ingestion", &[Scope::UpstreamTokens]).await;
    let connection_id = auth.connect().await;
    auth.advance(chrono::TimeDelta::minutes(1));
    let access = auth
        .client()
        .get_access_token(bearer(
            GetAccessTokenRequest {
                connection_id,
                force_refresh: true,
            },
            &service,
        ))
        .await
        .unwrap()
        .into_inner()
        .access_token;
    let pending_state = auth
        .client()
        .start_authorization(bearer(StartAuthorizationRequest::default(), &auth.admin))
        .await
        .unwrap()
        .into_inner()
        .state;

    let mut secrets = auth.sandbox.issued_tokens();
    assert_eq!(
        secrets.len(),
        3,
        "two access tokens (before and after the refresh) and one refresh token"
    );
    assert!(secrets.contains(&access));
    secrets.extend([service, auth.admin.clone(), pending_state]);

    let mut conn = auth.db.connect();
    for table in ["api_tokens", "oauth_connections", "oauth_states"] {
        let dump = sql_query(format!(
            "SELECT coalesce(string_agg(t::text, E'\\n'), '') AS text FROM {table} t"
        ))
        .get_result::<Dump>(&mut conn)
        .unwrap()
        .text;
        assert!(!dump.is_empty(), "{table} has rows");
        for secret in &secrets {
            // bytea columns print as hex: look for both spellings.
            assert!(
                !dump.contains(secret.as_str()),
                "{table} holds a secret in the clear"
            );
            assert!(
                !dump.contains(&hex::encode(secret)),
                "{table} holds a secret as bytes"
            );
        }
    }
    assert_not_logged(&secrets);
}

#[tokio::test]
async fn configuration_debug_output_shows_no_secret() {
    let auth = Auth::start().await;
    let config = crate::support::config(
        &auth.db,
        &auth.sandbox,
        (&auth.amazon, Some(&auth.sheets)),
        auth.clock.clone(),
    );
    let shown = format!("{config:?}");
    assert!(!shown.contains(crate::support::KEY));
    assert!(!shown.contains(&auth.sandbox.config().client_secret));
    assert!(!shown.contains(&auth.amazon.config().client_secret));
    assert!(shown.contains("REDACTED"));
}

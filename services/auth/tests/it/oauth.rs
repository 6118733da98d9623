//! Upstream OAuth connections against the LinkedIn sandbox: the full round trip,
//! refreshing near expiry, single-flight refreshes, states that must be refused.

use adsync_proto::auth::{
    CompleteAuthorizationRequest, ConnectionHealth, GetAccessTokenRequest, ListConnectionsRequest,
    RevokeConnectionRequest, StartAuthorizationRequest,
};
use chrono::TimeDelta;
use tonic::Code;

use crate::support::{Auth, assert_not_logged, authorize, bearer, reason};

/// Calls the sandbox's Marketing API with `token`; the status code says whether it works.
async fn sandbox_status(auth: &Auth, token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{}/adAccounts?q=search", auth.sandbox.rest_url()))
        .bearer_auth(token)
        .header(
            "LinkedIn-Version",
            auth.sandbox.now().format("%Y%m").to_string(),
        )
        .header("X-Restli-Protocol-Version", "2.0.0")
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn full_round_trip_refreshes_near_expiry_and_revocation_refuses_tokens() {
    let auth = Auth::start().await;
    let service = auth
        .token("ingestion", &[adsync_proto::auth::Scope::UpstreamTokens])
        .await;
    let connection_id = auth.connect().await;

    let get = |force| {
        bearer(
            GetAccessTokenRequest {
                connection_id: connection_id.clone(),
                force_refresh: force,
            },
            &service,
        )
    };
    let first = auth
        .client()
        .get_access_token(get(false))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        sandbox_status(&auth, &first.access_token).await,
        200,
        "the token works upstream"
    );
    assert_eq!(
        auth.sandbox.calls()["oauth.accessToken"],
        1,
        "only the code exchange so far"
    );

    // Far from expiry: the same token, no upstream call.
    let again = auth
        .client()
        .get_access_token(get(false))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.access_token, first.access_token);
    assert_eq!(auth.sandbox.calls()["oauth.accessToken"], 1);

    // 59.5 days later the 60-day token is within the refresh window: refreshed once.
    auth.advance(TimeDelta::hours(59 * 24 + 12));
    let refreshed = auth
        .client()
        .get_access_token(get(false))
        .await
        .unwrap()
        .into_inner();
    assert_ne!(refreshed.access_token, first.access_token);
    assert_eq!(auth.sandbox.calls()["oauth.accessToken"], 2);
    assert_eq!(sandbox_status(&auth, &refreshed.access_token).await, 200);

    let listed = auth
        .client()
        .list_connections(bearer(ListConnectionsRequest::default(), &auth.admin))
        .await
        .unwrap();
    let connection = &listed.get_ref().connections[0];
    assert_eq!(connection.health(), ConnectionHealth::Ok);
    // The refresh token kept its first expiry: 365 days from the first authorization.
    let refresh_left = connection
        .refresh_token_expire_time
        .as_ref()
        .unwrap()
        .seconds
        - auth.clock.now().timestamp();
    assert!(
        (305 * 86_400..=306 * 86_400).contains(&refresh_left),
        "{refresh_left}"
    );

    auth.client()
        .revoke_connection(bearer(
            RevokeConnectionRequest {
                connection_id: connection_id.clone(),
            },
            &auth.admin,
        ))
        .await
        .unwrap();
    let refused = auth
        .client()
        .get_access_token(get(false))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert!(
        refused.message().contains("revoked"),
        "{}",
        refused.message()
    );

    let mut secrets = auth.sandbox.issued_tokens();
    secrets.push(service);
    secrets.push(auth.admin.clone());
    assert_not_logged(&secrets);
}

#[tokio::test]
async fn fifty_concurrent_callers_on_an_expiring_connection_cause_one_refresh() {
    let auth = Auth::start().await;
    let service = auth
        .token("ingestion", &[adsync_proto::auth::Scope::UpstreamTokens])
        .await;
    let connection_id = auth.connect().await;
    auth.advance(TimeDelta::days(59) + TimeDelta::hours(12));
    let before = auth.sandbox.calls()["oauth.accessToken"];

    let calls = (0..50).map(|_| {
        let mut client = auth.client();
        let request = bearer(
            GetAccessTokenRequest {
                connection_id: connection_id.clone(),
                force_refresh: false,
            },
            &service,
        );
        async move {
            client
                .get_access_token(request)
                .await
                .map(|r| r.into_inner().access_token)
        }
    });
    let tokens: Vec<String> = futures::future::join_all(calls)
        .await
        .into_iter()
        .map(|r| r.expect("token"))
        .collect();

    assert_eq!(
        auth.sandbox.calls()["oauth.accessToken"] - before,
        1,
        "exactly one refresh upstream"
    );
    assert!(
        tokens.iter().all(|t| *t == tokens[0]),
        "every caller got the refreshed token"
    );
}

#[tokio::test]
async fn a_forced_refresh_after_a_401_refreshes_once_and_an_expired_refresh_token_needs_reauthorization()
 {
    let auth = Auth::start().await;
    let service = auth
        .token("ingestion", &[adsync_proto::auth::Scope::UpstreamTokens])
        .await;
    let connection_id = auth.connect().await;
    let get = |force| {
        bearer(
            GetAccessTokenRequest {
                connection_id: connection_id.clone(),
                force_refresh: force,
            },
            &service,
        )
    };

    // The upstream revoked the token early: the caller saw a 401 and forces a refresh.
    let first = auth
        .client()
        .get_access_token(get(false))
        .await
        .unwrap()
        .into_inner();
    assert!(auth.sandbox.revoke_access_token(&first.access_token));
    // (A forced refresh within 30 s of the last token grant returns that grant.)
    auth.advance(TimeDelta::minutes(1));
    let forced = auth
        .client()
        .get_access_token(get(true))
        .await
        .unwrap()
        .into_inner();
    assert_ne!(forced.access_token, first.access_token);
    // A second forced call right after does not refresh again.
    let again = auth
        .client()
        .get_access_token(get(true))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.access_token, forced.access_token);
    assert_eq!(auth.sandbox.calls()["oauth.accessToken"], 2);

    // A year later the refresh token is dead too: the connection needs a new authorization.
    auth.advance(TimeDelta::days(366));
    let refused = auth
        .client()
        .get_access_token(get(false))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert!(
        refused.message().contains("re-authorization"),
        "{}",
        refused.message()
    );
    let listed = auth
        .client()
        .list_connections(bearer(ListConnectionsRequest::default(), &auth.admin))
        .await
        .unwrap();
    assert_eq!(
        listed.get_ref().connections[0].health(),
        ConnectionHealth::ReauthRequired
    );

    // Re-authorizing the same connection brings it back.
    let start = auth
        .client()
        .start_authorization(bearer(
            StartAuthorizationRequest {
                connection_id: connection_id.clone(),
                ..Default::default()
            },
            &auth.admin,
        ))
        .await
        .unwrap()
        .into_inner();
    let (code, state) = authorize(&start.authorization_url).await;
    let done = auth
        .client()
        .complete_authorization(bearer(
            CompleteAuthorizationRequest { state, code },
            &auth.admin,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        done.connection.as_ref().unwrap().connection_id,
        connection_id
    );
    assert_eq!(done.connection.unwrap().health(), ConnectionHealth::Ok);
    auth.client()
        .get_access_token(get(false))
        .await
        .expect("usable again");
}

#[tokio::test]
async fn reused_expired_and_unknown_states_are_refused_and_nothing_is_stored() {
    let auth = Auth::start().await;
    let start = || async {
        let start = auth
            .client()
            .start_authorization(bearer(StartAuthorizationRequest::default(), &auth.admin))
            .await
            .unwrap()
            .into_inner();
        authorize(&start.authorization_url).await
    };
    let complete = |state: String, code: String| {
        let mut client = auth.client();
        let request = bearer(CompleteAuthorizationRequest { state, code }, &auth.admin);
        async move { client.complete_authorization(request).await }
    };

    // Unknown.
    let (code, _) = start().await;
    let unknown = complete("never-issued".into(), code).await.unwrap_err();
    assert_eq!(
        (unknown.code(), reason(&unknown).as_str()),
        (Code::FailedPrecondition, "STATE_UNKNOWN")
    );

    // Expired: the state lives 10 minutes.
    let (code, state) = start().await;
    auth.clock.advance(TimeDelta::minutes(11));
    let expired = complete(state, code).await.unwrap_err();
    assert_eq!(
        (expired.code(), reason(&expired).as_str()),
        (Code::FailedPrecondition, "STATE_EXPIRED")
    );

    let listed = auth
        .client()
        .list_connections(bearer(ListConnectionsRequest::default(), &auth.admin))
        .await
        .unwrap();
    assert!(listed.get_ref().connections.is_empty(), "nothing stored");

    // Reused: the first completion works, the second is refused.
    let (code, state) = start().await;
    complete(state.clone(), code.clone())
        .await
        .expect("first use");
    let reused = complete(state, code).await.unwrap_err();
    assert_eq!(
        (reused.code(), reason(&reused).as_str()),
        (Code::FailedPrecondition, "STATE_ALREADY_USED")
    );
    let listed = auth
        .client()
        .list_connections(bearer(ListConnectionsRequest::default(), &auth.admin))
        .await
        .unwrap();
    assert_eq!(
        listed.get_ref().connections.len(),
        1,
        "only the first completion stored a connection"
    );

    // Missing fields are named.
    let missing = complete(String::new(), String::new()).await.unwrap_err();
    assert_eq!(missing.code(), Code::InvalidArgument);
    use tonic_types::StatusExt;
    let fields: Vec<String> = missing
        .get_error_details()
        .bad_request()
        .unwrap()
        .field_violations
        .iter()
        .map(|v| v.field.clone())
        .collect();
    assert_eq!(fields, ["state", "code"]);
}

#[tokio::test]
async fn an_upstream_that_refuses_the_code_stores_nothing() {
    let auth = Auth::start().await;
    let start = auth
        .client()
        .start_authorization(bearer(StartAuthorizationRequest::default(), &auth.admin))
        .await
        .unwrap()
        .into_inner();
    assert!(start.authorization_url.contains("client_id=sandbox-client"));
    assert!(
        start
            .authorization_url
            .contains("scope=r_ads+r_ads_reporting")
    );
    let refused = auth
        .client()
        .complete_authorization(bearer(
            CompleteAuthorizationRequest {
                state: start.state,
                code: "forged".into(),
            },
            &auth.admin,
        ))
        .await
        .unwrap_err();
    assert_eq!(
        (refused.code(), reason(&refused).as_str()),
        (Code::FailedPrecondition, "CODE_REJECTED")
    );
    let listed = auth
        .client()
        .list_connections(bearer(ListConnectionsRequest::default(), &auth.admin))
        .await
        .unwrap();
    assert!(listed.get_ref().connections.is_empty());
}

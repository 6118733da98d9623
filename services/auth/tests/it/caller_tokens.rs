//! Caller tokens: issue, list, revoke, expire, and how every RPC refuses bad ones.

use adsync_proto::auth::{
    AuthenticateRequest, IssueApiTokenRequest, ListApiTokensRequest, RevokeApiTokenRequest, Scope,
};
use chrono::TimeDelta;
use tonic::Code;
use tonic_types::StatusExt;

use crate::support::{Auth, assert_not_logged, bearer, reason};

#[tokio::test]
async fn missing_malformed_revoked_expired_and_under_scoped_tokens_are_refused_clearly() {
    let auth = Auth::start().await;
    let list = |token: Option<&str>| {
        let mut client = auth.client();
        let request = match token {
            Some(t) => bearer(ListApiTokensRequest::default(), t),
            None => tonic::Request::new(ListApiTokensRequest::default()),
        };
        async move { client.list_api_tokens(request).await }
    };

    let missing = list(None).await.unwrap_err();
    assert_eq!(
        (missing.code(), reason(&missing).as_str()),
        (Code::Unauthenticated, "MISSING_CREDENTIALS")
    );
    assert!(
        missing.message().contains("authorization: Bearer"),
        "{}",
        missing.message()
    );

    let mut basic = tonic::Request::new(ListApiTokensRequest::default());
    basic
        .metadata_mut()
        .insert("authorization", "Basic YWRtaW46YWRtaW4=".parse().unwrap());
    let basic = auth.client().list_api_tokens(basic).await.unwrap_err();
    assert_eq!(
        (basic.code(), reason(&basic).as_str()),
        (Code::Unauthenticated, "MALFORMED_CREDENTIALS")
    );

    let malformed = list(Some("not-a-token")).await.unwrap_err();
    assert_eq!(malformed.code(), Code::Unauthenticated);
    assert!(
        malformed.message().contains("not an adsync token"),
        "{}",
        malformed.message()
    );

    let forged = list(Some(&format!("adsync_{}", "A".repeat(43))))
        .await
        .unwrap_err();
    assert!(
        forged.message().contains("not known"),
        "{}",
        forged.message()
    );

    let reader = auth.token("dashboards", &[Scope::ReportsRead]).await;
    let denied = list(Some(&reader)).await.unwrap_err();
    assert_eq!(
        (denied.code(), reason(&denied).as_str()),
        (Code::PermissionDenied, "MISSING_SCOPE")
    );
    assert!(
        denied.message().contains("`admin`") && denied.message().contains("reports:read"),
        "{}",
        denied.message()
    );

    // Revoked: refused at once.
    let doomed = auth
        .client()
        .issue_api_token(bearer(
            IssueApiTokenRequest {
                name: "doomed".into(),
                scopes: vec![Scope::Admin as i32],
                ttl: None,
                ..Default::default()
            },
            &auth.admin,
        ))
        .await
        .unwrap()
        .into_inner();
    list(Some(&doomed.token))
        .await
        .expect("works before revocation");
    let id = doomed.api_token.unwrap().token_id;
    let revoked = auth
        .client()
        .revoke_api_token(bearer(
            RevokeApiTokenRequest {
                token_id: id.clone(),
            },
            &auth.admin,
        ))
        .await
        .unwrap();
    assert!(
        revoked
            .get_ref()
            .api_token
            .as_ref()
            .unwrap()
            .revoke_time
            .is_some()
    );
    let refused = list(Some(&doomed.token)).await.unwrap_err();
    assert!(
        refused.code() == Code::Unauthenticated && refused.message().contains("revoked"),
        "{refused:?}"
    );

    // Expired: a one-minute token, two minutes later.
    let short = auth
        .client()
        .issue_api_token(bearer(
            IssueApiTokenRequest {
                name: "short".into(),
                scopes: vec![Scope::Admin as i32],
                ttl: Some(prost_types::Duration {
                    seconds: 60,
                    nanos: 0,
                }),
                ..Default::default()
            },
            &auth.admin,
        ))
        .await
        .unwrap()
        .into_inner()
        .token;
    auth.clock.advance(TimeDelta::minutes(2));
    let expired = list(Some(&short)).await.unwrap_err();
    assert!(
        expired.code() == Code::Unauthenticated && expired.message().contains("expired"),
        "{expired:?}"
    );

    assert_not_logged(&[auth.admin.clone(), reader, doomed.token, short]);
}

#[tokio::test]
async fn authenticate_tells_services_who_calls_and_why_a_token_is_bad() {
    let auth = Auth::start().await;
    let service = auth.token("ingestion", &[Scope::Service]).await;
    let caller = auth
        .token("operator", &[Scope::SyncWrite, Scope::SyncRead])
        .await;

    let who = auth
        .client()
        .authenticate(bearer(
            AuthenticateRequest {
                token: caller.clone(),
            },
            &service,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(who.name, "operator");
    assert!(who.subject.starts_with("token:tok_"));
    assert!(who.expire_time.unwrap().seconds > auth.clock.now().timestamp());
    assert_eq!(
        who.scopes().collect::<Vec<_>>(),
        [Scope::SyncWrite, Scope::SyncRead]
    );
    assert_eq!(who.workspace_id, 0, "a platform token");

    let bad = auth
        .client()
        .authenticate(bearer(
            AuthenticateRequest {
                token: "adsync_nope".into(),
            },
            &service,
        ))
        .await
        .unwrap_err();
    assert_eq!(
        (bad.code(), reason(&bad).as_str()),
        (Code::Unauthenticated, "TOKEN_MALFORMED")
    );

    // Only `service` (or admin) may ask.
    let denied = auth
        .client()
        .authenticate(bearer(
            AuthenticateRequest {
                token: caller.clone(),
            },
            &caller,
        ))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
}

#[tokio::test]
async fn issuing_validates_every_field_and_listing_pages_through_every_token_once() {
    let auth = Auth::start().await;
    let bad = auth
        .client()
        .issue_api_token(bearer(
            IssueApiTokenRequest {
                name: " ".into(),
                scopes: vec![0, 99],
                ttl: Some(prost_types::Duration {
                    seconds: -1,
                    nanos: 0,
                }),
                ..Default::default()
            },
            &auth.admin,
        ))
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
    let fields: Vec<String> = bad
        .get_error_details()
        .bad_request()
        .unwrap()
        .field_violations
        .iter()
        .map(|v| v.field.clone())
        .collect();
    assert_eq!(fields, ["name", "scopes[0]", "scopes[1]", "ttl"]);

    for i in 0..7 {
        auth.token(&format!("t{i}"), &[Scope::SyncRead]).await;
    }
    let mut seen = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = auth
            .client()
            .list_api_tokens(bearer(
                ListApiTokensRequest {
                    page_size: 3,
                    page_token: page_token.clone(),
                    include_revoked: false,
                    ..Default::default()
                },
                &auth.admin,
            ))
            .await
            .unwrap()
            .into_inner();
        seen.extend(page.api_tokens.iter().map(|t| t.name.clone()));
        assert!(
            page.api_tokens
                .iter()
                .all(|t| !t.display_prefix.is_empty() && t.display_prefix.len() < 20)
        );
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    seen.sort();
    assert_eq!(
        seen,
        ["t0", "t1", "t2", "t3", "t4", "t5", "t6", "test-admin"]
    );

    let foreign = auth
        .client()
        .list_api_tokens(bearer(
            ListApiTokensRequest {
                page_size: 3,
                page_token: "dGFtcGVyZWQ".into(),
                include_revoked: false,
                ..Default::default()
            },
            &auth.admin,
        ))
        .await
        .unwrap_err();
    assert_eq!(foreign.code(), Code::InvalidArgument);
    let negative = auth
        .client()
        .list_api_tokens(bearer(
            ListApiTokensRequest {
                page_size: -1,
                ..Default::default()
            },
            &auth.admin,
        ))
        .await
        .unwrap_err();
    assert_eq!(negative.code(), Code::InvalidArgument);
}

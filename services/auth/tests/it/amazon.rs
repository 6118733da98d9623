//! Login with Amazon connections against the Amazon Ads sandbox: a region is part of the
//! connection, access tokens (one hour) are refreshed ahead of expiry with the same
//! refresh token, and a revoked grant asks for re-authorization.

use adsync_proto::auth::{
    CompleteAuthorizationRequest, ConnectionHealth, GetAccessTokenRequest, ListConnectionsRequest,
    Provider, Region, Scope, StartAuthorizationRequest,
};
use chrono::TimeDelta;
use tonic::Code;

use crate::support::{AMAZON_FE_PAGE, Auth, assert_not_logged, authorize, bearer, reason};

fn amazon_start(region: Region) -> StartAuthorizationRequest {
    StartAuthorizationRequest {
        provider: Provider::AmazonAds as i32,
        region: region as i32,
        ..Default::default()
    }
}

/// Signs in to Amazon in `region` as a user would; returns the new connection's id.
async fn connect(auth: &Auth, region: Region) -> String {
    let start = auth
        .client()
        .start_authorization(bearer(amazon_start(region), &auth.admin))
        .await
        .expect("start")
        .into_inner();
    let (code, state) = authorize(&start.authorization_url).await;
    auth.client()
        .complete_authorization(bearer(
            CompleteAuthorizationRequest { state, code },
            &auth.admin,
        ))
        .await
        .expect("complete")
        .into_inner()
        .connection
        .expect("connection")
        .connection_id
}

/// Lists the sandbox's EU profiles with `token`; the status says whether the token works.
async fn profiles_status(auth: &Auth, token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!(
            "{}/v2/profiles",
            auth.amazon.api_url(adsync_amazon_ads_sandbox::Region::Eu)
        ))
        .bearer_auth(token)
        .header(
            "Amazon-Advertising-API-ClientId",
            &auth.amazon.config().client_id,
        )
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn an_eu_connection_is_refreshed_ahead_of_its_one_hour_expiry_with_the_same_grant() {
    let auth = Auth::start().await;
    let service = auth.token("ingestion", &[Scope::UpstreamTokens]).await;

    let start = auth
        .client()
        .start_authorization(bearer(amazon_start(Region::Eu), &auth.admin))
        .await
        .unwrap()
        .into_inner();
    let url = url::Url::parse(&start.authorization_url).unwrap();
    let query = |k: &str| {
        url.query_pairs()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    assert_eq!(query("client_id"), auth.amazon.config().client_id);
    assert_eq!(query("scope"), adsync_amazon_ads_sandbox::SCOPE);
    assert_eq!(query("redirect_uri"), crate::support::AMAZON_REDIRECT);
    let (code, state) = authorize(&start.authorization_url).await;
    let connection = auth
        .client()
        .complete_authorization(bearer(
            CompleteAuthorizationRequest { state, code },
            &auth.admin,
        ))
        .await
        .unwrap()
        .into_inner()
        .connection
        .unwrap();
    assert_eq!(connection.provider(), Provider::AmazonAds);
    assert_eq!(connection.region(), Region::Eu);
    assert_eq!(connection.display_name, "Amazon Ads (EU)");
    assert_eq!(connection.health(), ConnectionHealth::Ok);
    assert!(
        connection.refresh_token_expire_time.is_none(),
        "Amazon refresh tokens live until revoked"
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
    assert!(first.access_token.starts_with("Atza|"));
    assert_eq!(profiles_status(&auth, &first.access_token).await, 200);
    assert_eq!(
        auth.amazon.calls_of("lwa.token"),
        1,
        "only the code exchange"
    );

    // 49 minutes in, the hour-long token is still outside the 10-minute refresh window.
    auth.advance(TimeDelta::minutes(49));
    let same = auth
        .client()
        .get_access_token(get())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(same.access_token, first.access_token);
    assert_eq!(auth.amazon.calls_of("lwa.token"), 1);

    // 52 minutes in it is refreshed, once, before it ever fails upstream.
    auth.advance(TimeDelta::minutes(3));
    let refreshed = auth
        .client()
        .get_access_token(get())
        .await
        .unwrap()
        .into_inner();
    assert_ne!(refreshed.access_token, first.access_token);
    assert_eq!(auth.amazon.calls_of("lwa.token"), 2);
    assert_eq!(profiles_status(&auth, &refreshed.access_token).await, 200);

    // Hours later, each expiry is met by one more refresh with the same refresh token.
    for hour in 1..=3 {
        auth.advance(TimeDelta::hours(1));
        let token = auth
            .client()
            .get_access_token(get())
            .await
            .unwrap()
            .into_inner();
        assert_eq!(profiles_status(&auth, &token.access_token).await, 200);
        assert_eq!(auth.amazon.calls_of("lwa.token"), 2 + hour);
    }

    let mut secrets = auth.amazon.issued_tokens();
    secrets.push(service);
    assert_not_logged(&secrets);
}

#[tokio::test]
async fn a_revoked_amazon_grant_needs_reauthorization_and_re_authorizing_keeps_the_connection() {
    let auth = Auth::start().await;
    let service = auth.token("ingestion", &[Scope::UpstreamTokens]).await;
    let id = connect(&auth, Region::Eu).await;

    // The user removes the app's access: every refresh token issued is refused from now on.
    for token in auth.amazon.issued_tokens() {
        auth.amazon.revoke_refresh_token(&token);
    }
    auth.advance(TimeDelta::minutes(55));
    let refused = auth
        .client()
        .get_access_token(bearer(
            GetAccessTokenRequest {
                connection_id: id.clone(),
                force_refresh: false,
            },
            &service,
        ))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert_eq!(reason(&refused), "CONNECTION_UNUSABLE");
    assert!(
        refused.message().contains("invalid_grant"),
        "{}",
        refused.message()
    );
    let listed = auth
        .client()
        .list_connections(bearer(ListConnectionsRequest::default(), &auth.admin))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        listed.connections[0].health(),
        ConnectionHealth::ReauthRequired
    );

    // Re-authorizing in another region is refused; in its own region it heals the connection.
    let wrong = auth
        .client()
        .start_authorization(bearer(
            StartAuthorizationRequest {
                connection_id: id.clone(),
                ..amazon_start(Region::Na)
            },
            &auth.admin,
        ))
        .await
        .unwrap_err();
    assert_eq!(wrong.code(), Code::InvalidArgument);
    assert!(
        wrong.message().contains("connection_id"),
        "{}",
        wrong.message()
    );

    let start = auth
        .client()
        .start_authorization(bearer(
            StartAuthorizationRequest {
                connection_id: id.clone(),
                ..amazon_start(Region::Eu)
            },
            &auth.admin,
        ))
        .await
        .unwrap()
        .into_inner();
    let (code, state) = authorize(&start.authorization_url).await;
    let healed = auth
        .client()
        .complete_authorization(bearer(
            CompleteAuthorizationRequest { state, code },
            &auth.admin,
        ))
        .await
        .unwrap()
        .into_inner()
        .connection
        .unwrap();
    assert_eq!(healed.connection_id, id);
    assert_eq!(healed.health(), ConnectionHealth::Ok);
    let token = auth
        .client()
        .get_access_token(bearer(
            GetAccessTokenRequest {
                connection_id: id,
                force_refresh: false,
            },
            &service,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(profiles_status(&auth, &token.access_token).await, 200);
}

#[tokio::test]
async fn the_region_is_required_for_amazon_refused_for_linkedin_and_picks_the_sign_in_page() {
    let auth = Auth::start().await;
    let status = |req| {
        let auth = &auth;
        async move {
            auth.client()
                .start_authorization(bearer(req, &auth.admin))
                .await
                .unwrap_err()
        }
    };
    let missing = status(amazon_start(Region::Unspecified)).await;
    assert_eq!(missing.code(), Code::InvalidArgument);
    assert!(
        missing.message().contains("region"),
        "{}",
        missing.message()
    );

    let for_linkedin = status(StartAuthorizationRequest {
        provider: Provider::Linkedin as i32,
        region: Region::Eu as i32,
        ..Default::default()
    })
    .await;
    assert_eq!(for_linkedin.code(), Code::InvalidArgument);
    assert!(
        for_linkedin.message().contains("region"),
        "{}",
        for_linkedin.message()
    );

    let unknown = status(StartAuthorizationRequest {
        provider: Provider::AmazonAds as i32,
        region: 42,
        ..Default::default()
    })
    .await;
    assert_eq!(unknown.code(), Code::InvalidArgument);

    let fe = auth
        .client()
        .start_authorization(bearer(amazon_start(Region::Fe), &auth.admin))
        .await
        .unwrap()
        .into_inner();
    assert!(
        fe.authorization_url.starts_with(AMAZON_FE_PAGE),
        "{}",
        fe.authorization_url
    );
    // A LinkedIn connection is what a request without a provider still makes.
    let linkedin = auth.connect().await;
    let listed = auth
        .client()
        .list_connections(bearer(ListConnectionsRequest::default(), &auth.admin))
        .await
        .unwrap()
        .into_inner();
    let row = listed
        .connections
        .iter()
        .find(|c| c.connection_id == linkedin)
        .unwrap();
    assert_eq!(row.provider(), Provider::Linkedin);
    assert_eq!(row.region(), Region::Unspecified);
}

//! Ingestion's LinkedIn client against the sandbox, with tokens from auth: pagination,
//! retries through faults, Retry-After in both forms, one refresh on a 401.

use std::time::Duration;

use adsync_e2e::Stack;
use adsync_ingestion::sources::linkedin::LinkedInClient;
use adsync_ingestion::upstream::{
    CallCounter, RetryPolicy, TokenSource, UpstreamClient, UpstreamError, UpstreamSettings,
};
use adsync_linkedin_sandbox::{Faults, RateLimit, RetryAfterStyle, SandboxConfig, Size};
use serde_json::Value;

fn client(stack: &Stack, retry: RetryPolicy) -> LinkedInClient {
    let upstream = UpstreamClient::new(UpstreamSettings {
        timeout: Duration::from_secs(5),
        max_concurrency: 4,
        retry,
        max_response_bytes: 64 << 20,
    });
    LinkedInClient::new(
        upstream,
        &stack.sandbox.rest_url(),
        &stack.sandbox.now().format("%Y%m").to_string(),
    )
}

fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 12,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
        max_retry_after: Duration::from_secs(3),
    }
}

fn ids(page: &[Value]) -> Vec<i64> {
    page.iter()
        .map(|e| e["id"].as_i64().expect("numeric id"))
        .collect()
}

#[tokio::test]
async fn every_page_arrives_exactly_once_through_5xx_dropped_connections_and_rate_limits() {
    let size = Size {
        accounts: 1,
        campaign_groups_per_account: 1,
        campaigns_per_account: 37,
        creatives_per_campaign: 1,
        days: 10,
    };
    let stack = Stack::start(SandboxConfig {
        size,
        ..SandboxConfig::default()
    })
    .await;
    let tokens = stack.token_source(&stack.connect().await);
    stack.sandbox.set_faults(Faults {
        error_ratio: 0.25,
        drop_ratio: 0.1,
        rate_limit: Some(RateLimit {
            max_calls: 4,
            window_ms: 300,
            retry_after: RetryAfterStyle::Seconds,
        }),
        ..Faults::default()
    });
    let account = stack.sandbox.truth().accounts()[0].id;
    let counter = CallCounter::default();
    let mut seen = Vec::new();
    client(&stack, quick_retries())
        .for_each_page(
            &format!("/adAccounts/{account}/adCampaigns"),
            "q=search",
            5,
            &tokens,
            &counter,
            |page| seen.extend(ids(&page)),
        )
        .await
        .expect("all pages despite the faults");

    let mut expected: Vec<i64> = stack
        .sandbox
        .truth()
        .campaigns(account)
        .iter()
        .map(|c| c.id)
        .collect();
    seen.sort_unstable();
    expected.sort_unstable();
    assert_eq!(seen, expected);
    assert!(
        counter.retries.load(std::sync::atomic::Ordering::Relaxed) > 0,
        "faults were retried"
    );
    assert_eq!(
        counter.calls(),
        stack.sandbox.calls()["adCampaigns"],
        "every call is counted"
    );
}

#[tokio::test]
async fn retry_after_is_honoured_as_seconds_or_an_http_date_and_a_long_one_fails_fast() {
    let stack = Stack::start(SandboxConfig::default()).await;
    let tokens = stack.token_source(&stack.connect().await);
    for style in [RetryAfterStyle::Seconds, RetryAfterStyle::HttpDate] {
        stack.sandbox.set_faults(Faults {
            rate_limit: Some(RateLimit {
                max_calls: 1,
                window_ms: 1_000,
                retry_after: style,
            }),
            ..Faults::default()
        });
        let client = client(&stack, quick_retries());
        let counter = CallCounter::default();
        client
            .get("/adAccounts", "q=search", &tokens, &counter)
            .await
            .expect("first call");
        // The second call in the window gets 429 + Retry-After and succeeds after waiting.
        client
            .get("/adAccounts", "q=search", &tokens, &counter)
            .await
            .expect("after Retry-After");
        assert_eq!(
            counter
                .rate_limited
                .load(std::sync::atomic::Ordering::Relaxed),
            1,
            "{style:?}"
        );
    }

    // A daily limit says "come back in hours": fail at once rather than hang the sync.
    stack.sandbox.set_faults(Faults {
        rate_limit: Some(RateLimit {
            max_calls: 0,
            window_ms: 3_600_000,
            retry_after: RetryAfterStyle::Seconds,
        }),
        ..Faults::default()
    });
    let counter = CallCounter::default();
    let err = client(&stack, quick_retries())
        .get("/adAccounts", "q=search", &tokens, &counter)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            UpstreamError::RateLimited {
                retry_after: Some(_)
            }
        ),
        "{err:?}"
    );
    assert_eq!(counter.calls(), 1);
}

#[tokio::test]
async fn a_401_refreshes_the_token_once_through_auth_and_a_4xx_is_not_retried() {
    let stack = Stack::start(SandboxConfig::default()).await;
    let tokens = stack.token_source(&stack.connect().await);
    let counter = CallCounter::default();
    let client = client(&stack, quick_retries());
    client
        .get("/adAccounts", "q=search", &tokens, &counter)
        .await
        .expect("works");

    // LinkedIn may revoke a token at any time; the next call refreshes and carries on.
    let current = tokens.token(false).await.unwrap();
    assert!(
        stack
            .sandbox
            .revoke_access_token(secrecy::ExposeSecret::expose_secret(&current))
    );
    stack.clock.advance(chrono::TimeDelta::minutes(1));
    let before = stack.sandbox.calls()["oauth.accessToken"];
    client
        .get("/adAccounts", "q=search", &tokens, &counter)
        .await
        .expect("works after one refresh");
    assert_eq!(stack.sandbox.calls()["oauth.accessToken"] - before, 1);

    let calls = counter.calls();
    let err = client
        .get("/adAccounts/1/adCampaigns", "q=search", &tokens, &counter)
        .await
        .unwrap_err();
    assert!(
        matches!(err, UpstreamError::Rejected { status: 404, .. }),
        "{err:?}"
    );
    assert_eq!(counter.calls(), calls + 1, "a 404 is not retried");
}

#[tokio::test]
async fn the_parser_rejects_exactly_the_records_the_sandbox_corrupted() {
    use adsync_ingestion::sources::linkedin::records::{Campaign, Creative};
    use adsync_linkedin_sandbox::MalformedKey;

    let size = Size {
        accounts: 1,
        campaign_groups_per_account: 1,
        campaigns_per_account: 120,
        creatives_per_campaign: 2,
        days: 5,
    };
    let stack = Stack::start(SandboxConfig {
        size,
        ..SandboxConfig::default()
    })
    .await;
    let tokens = stack.token_source(&stack.connect().await);
    stack.sandbox.set_faults(Faults {
        malformed_ratio: 0.1,
        ..Faults::default()
    });
    let account = stack.sandbox.truth().accounts()[0].id;
    let client = client(&stack, quick_retries());
    let counter = CallCounter::default();

    let mut campaigns = Vec::new();
    client
        .for_each_page(
            &format!("/adAccounts/{account}/adCampaigns"),
            "q=search",
            100,
            &tokens,
            &counter,
            |p| campaigns.extend(p),
        )
        .await
        .unwrap();
    let mut creatives = Vec::new();
    client
        .for_each_page(
            &format!("/adAccounts/{account}/creatives"),
            "q=criteria",
            100,
            &tokens,
            &counter,
            |p| creatives.extend(p),
        )
        .await
        .unwrap();

    let truth = stack.sandbox.truth();
    let (mut rejected, mut total) = (0, 0);
    for (raw, expected) in campaigns.iter().zip(truth.campaigns(account)) {
        let bad = truth.is_malformed(MalformedKey::Campaign(expected.id));
        assert_eq!(Campaign::parse(raw).is_err(), bad, "{raw}");
        rejected += usize::from(bad);
        total += 1;
    }
    let all_creatives = truth
        .campaigns(account)
        .iter()
        .flat_map(|c| truth.creatives(c.id))
        .collect::<Vec<_>>();
    for (raw, expected) in creatives.iter().zip(all_creatives) {
        assert_eq!(
            Creative::parse(raw).is_err(),
            truth.is_malformed(MalformedKey::Creative(expected.id)),
            "{raw}"
        );
    }
    assert!(rejected > 0 && rejected < total, "{rejected} of {total}");
}

//! The sandbox's contract: pagination, analytics caps, determinism, faults, tokens and
//! ground truth, all over real HTTP on loopback.

use std::collections::HashSet;
use std::time::Duration;

use adsync_linkedin_sandbox::{
    Faults, MAX_ANALYTICS_ELEMENTS, MAX_QUERY_BYTES, MalformedKey, Pivot, RateLimit,
    RetryAfterStyle, Sandbox, SandboxConfig, Size,
};
use chrono::{NaiveDate, TimeZone, Utc};
use serde_json::Value;

const REDIRECT: &str = "http://127.0.0.1:9/callback";

fn pinned(seed: u64, size: Size) -> SandboxConfig {
    SandboxConfig {
        seed,
        size,
        start_time: Some(Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap()),
        ..SandboxConfig::default()
    }
}

/// A signed-in client of one sandbox.
struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Client {
    async fn new(sandbox: &Sandbox) -> Client {
        let http = reqwest::Client::new();
        let tokens = exchange(
            &http,
            sandbox,
            &sandbox.approve(REDIRECT, "r_ads r_ads_reporting"),
        )
        .await;
        assert_eq!(tokens.0, 200, "{}", tokens.1);
        Client {
            http,
            base: sandbox.base_url(),
            token: tokens.1["access_token"].as_str().unwrap().to_owned(),
        }
    }

    /// A finder GET, as LinkedIn documents it (`X-RestLi-Method: FINDER`).
    async fn get(&self, path_and_query: &str) -> (u16, reqwest::header::HeaderMap, String) {
        self.get_as(path_and_query, Some("FINDER")).await
    }

    /// A GET naming `method` as its Rest.li method (or none).
    async fn get_as(
        &self,
        path_and_query: &str,
        method: Option<&str>,
    ) -> (u16, reqwest::header::HeaderMap, String) {
        let mut request = self
            .http
            .get(format!("{}{path_and_query}", self.base))
            .bearer_auth(&self.token)
            .header("LinkedIn-Version", "202611")
            .header("X-Restli-Protocol-Version", "2.0.0");
        if let Some(method) = method {
            request = request.header("X-RestLi-Method", method);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        (status, headers, response.text().await.expect("body"))
    }

    async fn json(&self, path_and_query: &str) -> Value {
        let (status, _, body) = self.get(path_and_query).await;
        assert_eq!(status, 200, "{path_and_query}: {body}");
        serde_json::from_str(&body).expect("JSON")
    }
}

async fn exchange(http: &reqwest::Client, sandbox: &Sandbox, code: &str) -> (u16, Value) {
    token_call(
        http,
        sandbox,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("client_id", "sandbox-client"),
            ("client_secret", "sandbox-secret"),
        ],
    )
    .await
}

async fn token_call(
    http: &reqwest::Client,
    sandbox: &Sandbox,
    form: &[(&str, &str)],
) -> (u16, Value) {
    let response = http
        .post(format!("{}/accessToken", sandbox.oauth_url()))
        .form(form)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

fn analytics(
    pivot: &str,
    granularity: &str,
    start: NaiveDate,
    end: NaiveDate,
    facet: &str,
    fields: &str,
) -> String {
    use chrono::Datelike;
    format!(
        "/rest/adAnalytics?q=analytics&pivot={pivot}&timeGranularity={granularity}\
         &dateRange=(start:(year:{},month:{},day:{}),end:(year:{},month:{},day:{}))&{facet}&fields={fields}",
        start.year(),
        start.month(),
        start.day(),
        end.year(),
        end.month(),
        end.day()
    )
}

fn account_facet(id: i64) -> String {
    format!("accounts=List(urn%3Ali%3AsponsoredAccount%3A{id})")
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[tokio::test]
async fn cursor_pagination_walks_every_campaign_and_creative_exactly_once() {
    let size = Size {
        accounts: 1,
        campaign_groups_per_account: 3,
        campaigns_per_account: 23,
        creatives_per_campaign: 3,
        days: 10,
    };
    let sandbox = Sandbox::start(pinned(7, size)).await.unwrap();
    let client = Client::new(&sandbox).await;
    let account = sandbox.truth().accounts()[0].id;

    for (finder, expected, page_size) in [
        (
            format!("/rest/adAccounts/{account}/adCampaigns?q=search"),
            23,
            5,
        ),
        (
            format!("/rest/adAccounts/{account}/creatives?q=criteria"),
            69,
            10,
        ),
    ] {
        let mut seen = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut url = format!("{finder}&pageSize={page_size}");
            if let Some(t) = &token {
                url.push_str(&format!("&pageToken={t}"));
            }
            let page = client.json(&url).await;
            seen.extend(
                page["elements"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["id"].to_string()),
            );
            match page["metadata"]["nextPageToken"].as_str() {
                Some(t) => token = Some(t.to_owned()),
                None => break,
            }
        }
        assert_eq!(seen.len(), expected, "{finder}");
        assert_eq!(
            seen.iter().collect::<HashSet<_>>().len(),
            expected,
            "{finder}: duplicates"
        );
    }

    // Offset paging is refused, as on LinkedIn's cursor finders.
    let (status, _, _) = client
        .get(&format!(
            "/rest/adAccounts/{account}/adCampaigns?q=search&start=0&count=100"
        ))
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn analytics_refuses_more_than_twenty_fields_and_truncates_at_fifteen_thousand_elements() {
    let size = Size {
        accounts: 1,
        campaign_groups_per_account: 1,
        campaigns_per_account: 200,
        creatives_per_campaign: 4,
        days: 60,
    };
    let sandbox = Sandbox::start(pinned(3, size)).await.unwrap();
    let client = Client::new(&sandbox).await;
    let account = sandbox.truth().accounts()[0].id;
    let (first, last) = (sandbox.truth().first_day(), sandbox.truth().today());

    let too_many = "impressions,clicks,costInLocalCurrency,landingPageClicks,externalWebsiteConversions,oneClickLeads,\
                    likes,comments,shares,follows,opens,sends,totalEngagements,videoViews,videoCompletions,reactions,\
                    otherEngagements,costInUsd,dateRange,pivotValues,approximateMemberReach";
    let (status, _, body) = client
        .get(&analytics(
            "CAMPAIGN",
            "DAILY",
            first,
            last,
            &account_facet(account),
            too_many,
        ))
        .await;
    assert_eq!(status, 400, "{body}");

    // 800 creatives x up to 60 days, ~3/4 of days active: well over the cap, silently cut.
    let page = client
        .json(&analytics(
            "CREATIVE",
            "DAILY",
            first,
            last,
            &account_facet(account),
            "impressions,pivotValues,dateRange",
        ))
        .await;
    assert_eq!(
        page["elements"].as_array().unwrap().len(),
        MAX_ANALYTICS_ELEMENTS
    );
    assert!(
        page["metadata"].get("nextPageToken").is_none(),
        "adAnalytics does not paginate"
    );
}

#[tokio::test]
async fn the_same_seed_gives_byte_identical_responses() {
    let a = Sandbox::start(pinned(11, Size::SMALL)).await.unwrap();
    let b = Sandbox::start(pinned(11, Size::SMALL)).await.unwrap();
    let c = Sandbox::start(pinned(12, Size::SMALL)).await.unwrap();
    let (ca, cb, cc) = (
        Client::new(&a).await,
        Client::new(&b).await,
        Client::new(&c).await,
    );
    let account = a.truth().accounts()[0].id;
    let (first, last) = (a.truth().first_day(), a.truth().today());
    let urls = [
        "/rest/adAccounts?q=search".to_owned(),
        format!("/rest/adAccounts/{account}/adCampaigns?q=search"),
        format!("/rest/adAccounts/{account}/creatives?q=criteria"),
        analytics(
            "CREATIVE",
            "DAILY",
            first,
            last,
            &account_facet(account),
            "impressions,clicks,costInLocalCurrency,pivotValues,dateRange",
        ),
        analytics(
            "MEMBER_JOB_FUNCTION",
            "MONTHLY",
            first,
            last,
            &account_facet(account),
            "impressions,clicks,pivotValues,dateRange",
        ),
    ];
    let mut differs = false;
    for url in &urls {
        let (x, y, z) = (
            ca.get(url).await.2,
            cb.get(url).await.2,
            cc.get(url).await.2,
        );
        assert_eq!(x, y, "{url}");
        differs |= x != z;
    }
    assert!(differs, "another seed should give other data");
}

#[tokio::test]
async fn analytics_match_the_ground_truth_exactly() {
    let sandbox = Sandbox::start(pinned(5, Size::SMALL)).await.unwrap();
    let client = Client::new(&sandbox).await;
    let truth = sandbox.truth();
    let (first, last) = (truth.first_day(), truth.today());
    for account in truth.accounts() {
        let page = client
            .json(&analytics(
                "CAMPAIGN",
                "ALL",
                first,
                last,
                &account_facet(account.id),
                "impressions,clicks,costInLocalCurrency,pivotValues",
            ))
            .await;
        for row in page["elements"].as_array().unwrap() {
            let id: i64 = row["pivotValues"][0]
                .as_str()
                .unwrap()
                .rsplit(':')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            let expected = truth.campaign_total(id, first, last);
            assert_eq!(row["impressions"].as_i64().unwrap(), expected.impressions);
            assert_eq!(row["clicks"].as_i64().unwrap(), expected.clicks);
            assert_eq!(
                row["costInLocalCurrency"].as_str().unwrap(),
                expected.cost_string()
            );
        }
        // A campaign's day is the sum of its creatives' days; days without activity have no row.
        for campaign in truth.campaigns(account.id) {
            for d in first.iter_days().take(10) {
                let creative_sum = truth
                    .creatives(campaign.id)
                    .iter()
                    .filter_map(|cr| truth.creative_day(cr.id, d))
                    .fold(None::<adsync_linkedin_sandbox::Metrics>, |acc, m| {
                        let mut acc = acc.unwrap_or_default();
                        acc.add(&m);
                        Some(acc)
                    });
                assert_eq!(truth.campaign_day(campaign.id, d), creative_sum);
            }
        }
        assert!(truth.demographics(account.id, Pivot::Seniority, last).len() <= 10);
    }
}

#[tokio::test]
async fn faults_appear_at_their_configured_rates() {
    let sandbox = Sandbox::start(pinned(9, Size::SMALL)).await.unwrap();
    let client = Client::new(&sandbox).await;
    let url = "/rest/adAccounts?q=search";

    sandbox.set_faults(Faults {
        error_ratio: 0.2,
        ..Faults::default()
    });
    let mut errors = 0;
    for _ in 0..500 {
        let (status, _, _) = client.get(url).await;
        assert!(status == 200 || status == 500 || status == 503, "{status}");
        errors += usize::from(status != 200);
    }
    assert!(
        (70..=130).contains(&errors),
        "{errors} of 500 calls failed at a 20% rate"
    );

    sandbox.set_faults(Faults {
        rate_limit: Some(RateLimit {
            max_calls: 5,
            window_ms: 60_000,
            retry_after: RetryAfterStyle::Seconds,
        }),
        ..Faults::default()
    });
    for _ in 0..5 {
        assert_eq!(client.get(url).await.0, 200);
    }
    let (status, headers, body) = client.get(url).await;
    assert_eq!(status, 429, "{body}");
    let secs: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&secs));

    sandbox.set_faults(Faults {
        rate_limit: Some(RateLimit {
            max_calls: 0,
            window_ms: 60_000,
            retry_after: RetryAfterStyle::HttpDate,
        }),
        ..Faults::default()
    });
    let (status, headers, _) = client.get(url).await;
    assert_eq!(status, 429);
    assert!(headers["retry-after"].to_str().unwrap().ends_with(" GMT"));

    sandbox.set_faults(Faults {
        drop_ratio: 1.0,
        ..Faults::default()
    });
    // The connection is cut mid-response: the client never gets a whole answer.
    let dropped = match client
        .http
        .get(format!("{}{url}", sandbox.base_url()))
        .bearer_auth(&client.token)
        .header("LinkedIn-Version", "202611")
        .header("X-Restli-Protocol-Version", "2.0.0")
        .send()
        .await
    {
        Err(_) => true,
        Ok(response) => response.text().await.is_err(),
    };
    assert!(dropped, "the response should be cut off");

    sandbox.set_faults(Faults {
        slow_ratio: 1.0,
        slow_delay_ms: 150,
        ..Faults::default()
    });
    let started = std::time::Instant::now();
    assert_eq!(client.get(url).await.0, 200);
    assert!(started.elapsed() >= Duration::from_millis(150));
}

#[tokio::test]
async fn malformed_records_are_the_ones_the_truth_names() {
    let size = Size {
        accounts: 1,
        campaign_groups_per_account: 1,
        campaigns_per_account: 200,
        creatives_per_campaign: 1,
        days: 5,
    };
    let sandbox = Sandbox::start(pinned(21, size)).await.unwrap();
    sandbox.set_faults(Faults {
        malformed_ratio: 0.1,
        ..Faults::default()
    });
    let client = Client::new(&sandbox).await;
    let account = sandbox.truth().accounts()[0].id;
    let page = client
        .json(&format!(
            "/rest/adAccounts/{account}/adCampaigns?q=search&pageSize=1000"
        ))
        .await;
    let mut malformed = 0;
    for (element, campaign) in page["elements"]
        .as_array()
        .unwrap()
        .iter()
        .zip(sandbox.truth().campaigns(account))
    {
        let intact = element["name"].is_string()
            && element["status"].is_string()
            && element["account"]
                .as_str()
                .is_some_and(|a| a.rsplit(':').next().unwrap().parse::<i64>().is_ok());
        assert_eq!(
            !intact,
            sandbox
                .truth()
                .is_malformed(MalformedKey::Campaign(campaign.id)),
            "{element}"
        );
        malformed += usize::from(!intact);
    }
    assert!(
        (8..=35).contains(&malformed),
        "{malformed} of 200 malformed at 10%"
    );
}

#[tokio::test]
async fn tokens_expire_and_refresh_as_linkedin_does() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let http = reqwest::Client::new();

    // A code is single-use.
    let code = sandbox.approve(REDIRECT, "r_ads");
    let (status, first) = exchange(&http, &sandbox, &code).await;
    assert_eq!(status, 200);
    assert_eq!(first["expires_in"], 60 * 24 * 3600);
    assert_eq!(first["refresh_token_expires_in"], 365 * 24 * 3600);
    let (status, body) = exchange(&http, &sandbox, &code).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    let (status, _) = exchange(&http, &sandbox, "never-issued").await;
    assert_eq!(status, 400);

    // A wrong client secret is refused.
    let (status, body) = token_call(
        &http,
        &sandbox,
        &[
            ("grant_type", "authorization_code"),
            ("code", &sandbox.approve(REDIRECT, "r_ads")),
            ("redirect_uri", REDIRECT),
            ("client_id", "sandbox-client"),
            ("client_secret", "wrong"),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );

    // Introspection reports the token's status, and refuses a wrong secret.
    let introspect = |token: String, secret: &'static str| {
        let (http, url) = (
            http.clone(),
            format!("{}/introspectToken", sandbox.oauth_url()),
        );
        async move {
            let form = [
                ("token", token.as_str()),
                ("client_id", "sandbox-client"),
                ("client_secret", secret),
            ];
            let r = http.post(url).form(&form).send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let access = first["access_token"].as_str().unwrap().to_owned();
    let (status, info) = introspect(access.clone(), "sandbox-secret").await;
    assert_eq!(
        (status, info["active"].as_bool(), info["status"].as_str()),
        (200, Some(true), Some("active"))
    );
    assert_eq!(introspect(access.clone(), "wrong").await.0, 401);

    // After 61 days the access token is expired (401 with LinkedIn's JSON) ...
    let client = Client {
        http: http.clone(),
        base: sandbox.base_url(),
        token: first["access_token"].as_str().unwrap().into(),
    };
    assert_eq!(client.get("/rest/adAccounts?q=search").await.0, 200);
    sandbox.advance_clock(Duration::from_secs(61 * 24 * 3600));
    let (status, _, body) = client.get("/rest/adAccounts?q=search").await;
    assert_eq!(status, 401);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["code"],
        "EXPIRED_ACCESS_TOKEN"
    );

    assert_eq!(
        introspect(access, "sandbox-secret").await.1["status"],
        "expired"
    );

    // ... and a refresh gives a new one, without extending the refresh token.
    let refresh = first["refresh_token"].as_str().unwrap();
    let (status, renewed) = token_call(
        &http,
        &sandbox,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("client_id", "sandbox-client"),
            ("client_secret", "sandbox-secret"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{renewed}");
    assert_ne!(renewed["access_token"], first["access_token"]);
    let remaining = renewed["refresh_token_expires_in"].as_i64().unwrap();
    assert!(
        remaining <= (365 - 61) * 24 * 3600 && remaining > (365 - 62) * 24 * 3600,
        "{remaining}"
    );
    let renewed_client = Client {
        token: renewed["access_token"].as_str().unwrap().into(),
        ..client
    };
    assert_eq!(renewed_client.get("/rest/adAccounts?q=search").await.0, 200);

    // Once the refresh token itself has expired, only a new authorization helps.
    sandbox.advance_clock(Duration::from_secs(305 * 24 * 3600));
    let (status, _) = token_call(
        &http,
        &sandbox,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("client_id", "sandbox-client"),
            ("client_secret", "sandbox-secret"),
        ],
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn every_call_is_counted_by_endpoint_and_headers_are_enforced() {
    let sandbox = Sandbox::start(pinned(1, Size::SMALL)).await.unwrap();
    let client = Client::new(&sandbox).await;
    let account = sandbox.truth().accounts()[0].id;
    client.json("/rest/adAccounts?q=search").await;
    client
        .json(&format!("/rest/adAccounts/{account}/adCampaigns?q=search"))
        .await;
    client
        .json(&analytics(
            "CAMPAIGN",
            "DAILY",
            day(2026, 11, 1),
            day(2026, 11, 2),
            &account_facet(account),
            "impressions",
        ))
        .await;
    let no_version = client
        .http
        .get(format!("{}/rest/adAccounts?q=search", sandbox.base_url()))
        .bearer_auth(&client.token)
        .send()
        .await
        .unwrap();
    assert_eq!(no_version.status().as_u16(), 400);
    let no_token = client
        .http
        .get(format!("{}/rest/adAccounts?q=search", sandbox.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status().as_u16(), 401);

    let calls = sandbox.calls();
    assert_eq!(calls["adAccounts"], 3);
    assert_eq!(calls["adCampaigns"], 1);
    assert_eq!(calls["adAnalytics.CAMPAIGN"], 1);
    assert_eq!(calls["oauth.accessToken"], 1);
    assert_eq!(sandbox.rest_calls(), 5);
}

#[tokio::test]
async fn clock_restatements_and_campaign_changes_show_up_in_the_data() {
    let sandbox = Sandbox::start(pinned(4, Size::SMALL)).await.unwrap();
    let truth = sandbox.truth();
    let account = truth.accounts()[0].id;
    let campaigns = truth.campaigns(account);
    let (first, last) = (truth.first_day(), truth.today());
    let before: Vec<_> = campaigns
        .iter()
        .map(|c| truth.campaign_total(c.id, first, last))
        .collect();

    sandbox.restate(last - chrono::Days::new(6), last);
    let after: Vec<_> = campaigns
        .iter()
        .map(|c| truth.campaign_total(c.id, first, last))
        .collect();
    assert_ne!(before, after, "restated days change the totals");
    let early_end = first + chrono::Days::new(5);
    for c in &campaigns {
        assert_eq!(
            truth.campaign_total(c.id, first, early_end),
            truth.campaign_total(c.id, first, early_end),
            "days outside the restatement do not change"
        );
    }

    let added = sandbox.add_campaign(account).unwrap();
    assert_eq!(truth.campaigns(account).len(), campaigns.len() + 1);
    assert!(sandbox.pause_campaign(added));
    assert_eq!(truth.campaigns(account).last().unwrap().status, "PAUSED");

    sandbox.advance_clock(Duration::from_secs(2 * 24 * 3600));
    assert_eq!(sandbox.truth().today(), last + chrono::Days::new(2));
}

#[tokio::test]
async fn a_large_sandbox_is_generated_not_stored() {
    // 10 accounts x 500 campaigns x 4 creatives x 365 days: millions of metric rows,
    // served without building them (the cap keeps one response bounded).
    let size = Size {
        accounts: 10,
        campaign_groups_per_account: 10,
        campaigns_per_account: 500,
        creatives_per_campaign: 4,
        days: 365,
    };
    let sandbox = Sandbox::start(pinned(8, size)).await.unwrap();
    let client = Client::new(&sandbox).await;
    let account = sandbox.truth().accounts()[9].id;
    let page = client
        .json(&format!(
            "/rest/adAccounts/{account}/creatives?q=criteria&pageSize=100"
        ))
        .await;
    assert_eq!(page["elements"].as_array().unwrap().len(), 100);
    let (first, last) = (sandbox.truth().first_day(), sandbox.truth().today());
    let rows = client
        .json(&analytics(
            "CREATIVE",
            "DAILY",
            first,
            last,
            &account_facet(account),
            "impressions,pivotValues,dateRange",
        ))
        .await;
    assert_eq!(
        rows["elements"].as_array().unwrap().len(),
        MAX_ANALYTICS_ELEMENTS
    );
}

#[tokio::test]
async fn finders_name_their_method_and_urls_stay_within_linkedins_limits() {
    let sandbox = Sandbox::start(pinned(5, Size::SMALL)).await.unwrap();
    let client = Client::new(&sandbox).await;
    let account = adsync_linkedin_sandbox::data::account_id(0);
    let creatives = format!("/rest/adAccounts/{account}/creatives?q=criteria&pageSize=10");
    // The creatives finder requires X-RestLi-Method: FINDER.
    let (status, _, body) = client.get_as(&creatives, None).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("X-RestLi-Method: FINDER"), "{body}");
    let (status, _, body) = client.get_as(&creatives, Some("GET")).await;
    assert_eq!(status, 400, "{body}");
    let (status, _, body) = client.get_as(&creatives, Some("FINDER")).await;
    assert_eq!(status, 200, "{body}");
    // Other finders take it too, and do without it.
    let campaigns = format!("/rest/adAccounts/{account}/adCampaigns?q=search&pageSize=10");
    assert_eq!(client.get_as(&campaigns, None).await.0, 200);
    assert_eq!(client.get_as(&campaigns, Some("FINDER")).await.0, 200);
    // A query string over 4 KB is a 414.
    let long = format!(
        "/rest/adAccounts/{account}/adCampaigns?q=search&pageSize=10&x={}",
        "a".repeat(MAX_QUERY_BYTES)
    );
    let (status, _, body) = client.get(&long).await;
    assert_eq!(status, 414, "{body}");
}

//! The Amazon Ads sandbox against its own contract, over real HTTP: Login with Amazon,
//! regions and headers, list paging, media types, the report lifecycle and its limits,
//! report files equal to the ground truth, restatement and faults.

use std::collections::BTreeSet;
use std::io::Read;
use std::time::Duration;

use adsync_amazon_ads_sandbox::{
    CREATE_MEDIA_TYPE, Faults, Metrics, RateLimit, Region, SCOPE, Sandbox, SandboxConfig, Size,
};
use chrono::{Days, NaiveDate};
use reqwest::StatusCode;
use serde_json::{Value, json};

const REDIRECT: &str = "https://app.example/amazon/callback";

async fn sandbox(config: SandboxConfig) -> Sandbox {
    Sandbox::start(config).await.expect("sandbox")
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Runs the authorization step and the code grant: (access token, refresh token).
async fn tokens(s: &Sandbox) -> (String, String) {
    let c = s.config();
    let answer: Value = http()
        .post(s.token_url())
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &s.approve(REDIRECT)),
            ("redirect_uri", REDIRECT),
            ("client_id", &c.client_id),
            ("client_secret", &c.client_secret),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        answer["access_token"].as_str().unwrap().to_owned(),
        answer["refresh_token"].as_str().unwrap().to_owned(),
    )
}

/// A caller with Amazon's headers.
struct Api<'a> {
    s: &'a Sandbox,
    token: String,
}

impl Api<'_> {
    fn get(&self, region: Region, path: &str) -> reqwest::RequestBuilder {
        http()
            .get(format!("{}{path}", self.s.api_url(region)))
            .bearer_auth(&self.token)
            .header(
                "Amazon-Advertising-API-ClientId",
                &self.s.config().client_id,
            )
    }

    fn post(&self, region: Region, path: &str) -> reqwest::RequestBuilder {
        http()
            .post(format!("{}{path}", self.s.api_url(region)))
            .bearer_auth(&self.token)
            .header(
                "Amazon-Advertising-API-ClientId",
                &self.s.config().client_id,
            )
    }

    async fn list(
        &self,
        region: Region,
        profile: i64,
        entity: &str,
        media: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        let response = self
            .post(region, &format!("/sp/{entity}/list"))
            .header("Amazon-Advertising-API-Scope", profile.to_string())
            .header("Content-Type", media)
            .header("Accept", media)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Every page of a list (`entity`, its media type, the response's key and the id
    /// field); the ids in order.
    async fn all(
        &self,
        region: Region,
        profile: i64,
        (entity, media, key, id_field): (&str, &str, &str, &str),
        mut body: Value,
    ) -> Vec<String> {
        let mut ids = Vec::new();
        loop {
            let (status, page) = self
                .list(region, profile, entity, media, body.clone())
                .await;
            assert_eq!(status, StatusCode::OK, "{page}");
            for record in page[key].as_array().unwrap() {
                ids.push(
                    record[id_field]
                        .as_str()
                        .expect("ids are strings")
                        .to_owned(),
                );
            }
            assert!(page["totalResults"].as_u64().unwrap() >= ids.len() as u64);
            match page["nextToken"].as_str() {
                Some(t) => body["nextToken"] = json!(t),
                None => return ids,
            }
        }
    }

    async fn create_report(
        &self,
        region: Region,
        profile: i64,
        body: Value,
    ) -> (StatusCode, Value) {
        let response = self
            .post(region, "/reporting/reports")
            .header("Amazon-Advertising-API-Scope", profile.to_string())
            .header("Content-Type", CREATE_MEDIA_TYPE)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn report_status(&self, region: Region, profile: i64, id: &str) -> Value {
        self.get(region, &format!("/reporting/reports/{id}"))
            .header("Amazon-Advertising-API-Scope", profile.to_string())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Polls until the report ends; every status seen, and the last answer.
    async fn wait(&self, region: Region, profile: i64, id: &str) -> (Vec<String>, Value) {
        let mut seen = Vec::new();
        loop {
            let answer = self.report_status(region, profile, id).await;
            let status = answer["status"].as_str().unwrap().to_owned();
            if seen.last() != Some(&status) {
                seen.push(status.clone());
            }
            if status == "COMPLETED" || status == "FAILED" {
                return (seen, answer);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

async fn download(url: &str) -> Vec<Value> {
    let bytes = http().get(url).send().await.unwrap();
    assert_eq!(bytes.status(), StatusCode::OK);
    let gz = bytes.bytes().await.unwrap();
    let mut json = String::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_string(&mut json)
        .expect("the file is gzipped");
    serde_json::from_str(&json).expect("a JSON array")
}

fn report(
    kind: &str,
    group_by: &[&str],
    columns: &[&str],
    unit: &str,
    start: NaiveDate,
    end: NaiveDate,
) -> Value {
    json!({
        "name": "test",
        "startDate": start.to_string(),
        "endDate": end.to_string(),
        "configuration": {
            "adProduct": "SPONSORED_PRODUCTS",
            "groupBy": group_by,
            "columns": columns,
            "reportTypeId": kind,
            "timeUnit": unit,
            "format": "GZIP_JSON"
        }
    })
}

const CAMPAIGN_MEDIA: &str = "application/vnd.spCampaign.v3+json";
const ALL_STATES: [&str; 3] = ["ENABLED", "PAUSED", "ARCHIVED"];

/// The metrics of a report row, read exactly (money from its JSON text).
fn row_metrics(row: &Value) -> Metrics {
    let cents = |v: &Value| {
        let text = v.to_string();
        let (int, frac) = text.split_once('.').unwrap_or((&text, "00"));
        let sign = if int.starts_with('-') { -1 } else { 1 };
        let int: i64 = int.trim_start_matches('-').parse().unwrap();
        sign * (int * 100 + format!("{frac:0<2}")[..2].parse::<i64>().unwrap())
    };
    let mut m = Metrics {
        impressions: row["impressions"].as_i64().unwrap(),
        clicks: row["clicks"].as_i64().unwrap(),
        cost_cents: cents(&row["cost"]),
        ..Metrics::default()
    };
    for (w, days) in [1, 7, 14, 30].iter().enumerate() {
        m.purchases[w] = row[format!("purchases{days}d")].as_i64().unwrap();
        m.sales_cents[w] = cents(&row[format!("sales{days}d")]);
        m.units[w] = row[format!("unitsSoldClicks{days}d")].as_i64().unwrap();
    }
    m
}

const METRICS: [&str; 15] = [
    "impressions",
    "clicks",
    "cost",
    "purchases1d",
    "purchases7d",
    "purchases14d",
    "purchases30d",
    "sales1d",
    "sales7d",
    "sales14d",
    "sales30d",
    "unitsSoldClicks1d",
    "unitsSoldClicks7d",
    "unitsSoldClicks14d",
    "unitsSoldClicks30d",
];

fn columns(extra: &[&'static str]) -> Vec<&'static str> {
    extra.iter().copied().chain(METRICS).collect()
}

#[tokio::test]
async fn login_with_amazon_grants_codes_once_refreshes_with_the_same_token_and_says_why_it_refuses()
{
    let s = sandbox(SandboxConfig::default()).await;
    let c = s.config().clone();
    // The browser step: approved at once, redirected with code and state.
    let redirect = http()
        .get(s.authorization_url())
        .query(&[
            ("client_id", c.client_id.as_str()),
            ("scope", SCOPE),
            ("response_type", "code"),
            ("redirect_uri", REDIRECT),
            ("state", "xyz"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status(), StatusCode::SEE_OTHER);
    let location = url::Url::parse(redirect.headers()["location"].to_str().unwrap()).unwrap();
    let param = |k: &str| {
        location
            .query_pairs()
            .find(|(x, _)| x == k)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(param("state").as_deref(), Some("xyz"));
    let code = param("code").unwrap();

    let grant = |form: Vec<(&'static str, String)>| {
        let url = s.token_url();
        async move { http().post(url).form(&form).send().await.unwrap() }
    };
    let exchange = |code: String| {
        vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code),
            ("redirect_uri", REDIRECT.to_owned()),
            ("client_id", c.client_id.clone()),
            ("client_secret", c.client_secret.clone()),
        ]
    };
    let first = grant(exchange(code.clone())).await;
    assert_eq!(first.status(), StatusCode::OK);
    let first: Value = first.json().await.unwrap();
    assert!(first["access_token"].as_str().unwrap().starts_with("Atza|"));
    assert!(
        first["refresh_token"]
            .as_str()
            .unwrap()
            .starts_with("Atzr|")
    );
    assert_eq!(first["expires_in"], 3600);
    assert_eq!(first["token_type"], "bearer");

    // A code works once.
    let again = grant(exchange(code)).await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        again.json::<Value>().await.unwrap()["error"],
        "invalid_grant"
    );
    // And for five minutes.
    let late = s.approve(REDIRECT);
    s.advance_clock(Duration::from_secs(301));
    let expired = grant(exchange(late)).await;
    assert_eq!(
        expired.json::<Value>().await.unwrap()["error"],
        "invalid_grant"
    );

    // A refresh gives a new access token and the same refresh token.
    let refresh = first["refresh_token"].as_str().unwrap().to_owned();
    let refreshed: Value = grant(vec![
        ("grant_type", "refresh_token".to_owned()),
        ("refresh_token", refresh.clone()),
        ("client_id", c.client_id.clone()),
        ("client_secret", c.client_secret.clone()),
    ])
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(refreshed["refresh_token"], refresh.as_str());
    assert_ne!(refreshed["access_token"], first["access_token"]);

    let wrong_secret = grant(vec![
        ("grant_type", "refresh_token".to_owned()),
        ("refresh_token", refresh.clone()),
        ("client_id", c.client_id.clone()),
        ("client_secret", "nope".to_owned()),
    ])
    .await;
    assert_eq!(wrong_secret.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        wrong_secret.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );
    assert!(s.revoke_refresh_token(&refresh));
    let revoked = grant(vec![
        ("grant_type", "refresh_token".to_owned()),
        ("refresh_token", refresh),
        ("client_id", c.client_id.clone()),
        ("client_secret", c.client_secret.clone()),
    ])
    .await;
    assert_eq!(revoked.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        revoked.json::<Value>().await.unwrap()["error"],
        "invalid_grant"
    );
}

#[tokio::test]
async fn each_region_lists_its_own_profiles_and_every_call_checks_amazons_headers() {
    let s = sandbox(SandboxConfig {
        size: Size {
            profiles: 8,
            ..Size::SMALL
        },
        ..SandboxConfig::default()
    })
    .await;
    let api = Api {
        s: &s,
        token: tokens(&s).await.0,
    };
    let truth = s.truth();
    for region in Region::ALL {
        let profiles: Vec<Value> = api
            .get(region, "/v2/profiles")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let ids: Vec<i64> = profiles
            .iter()
            .map(|p| p["profileId"].as_i64().unwrap())
            .collect();
        let want: Vec<i64> = truth.profiles_in(region).iter().map(|p| p.id).collect();
        assert_eq!(ids, want, "{region:?}");
        for p in &profiles {
            let tz: chrono_tz::Tz = p["timezone"].as_str().unwrap().parse().expect("IANA");
            let _ = tz;
            assert!(p["accountInfo"]["type"] == "seller" || p["accountInfo"]["type"] == "vendor");
            assert_eq!(p["currencyCode"].as_str().unwrap().len(), 3);
        }
    }
    let vendors: Vec<Value> = api
        .get(Region::Fe, "/v2/profiles?profileTypeFilter=vendor")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(vendors.iter().all(|p| p["accountInfo"]["type"] == "vendor"));

    let url = format!("{}/v2/profiles", s.api_url(Region::Na));
    let without_token = http()
        .get(&url)
        .header("Amazon-Advertising-API-ClientId", &s.config().client_id)
        .send()
        .await
        .unwrap();
    assert_eq!(without_token.status(), StatusCode::UNAUTHORIZED);
    let without_client = http()
        .get(&url)
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(without_client.status(), StatusCode::UNAUTHORIZED);
    let body: Value = without_client.json().await.unwrap();
    assert!(
        body["details"].as_str().unwrap().contains("ClientId"),
        "{body}"
    );

    // Scoped calls: the header is required, must name a profile, of this region.
    let eu = truth.profiles_in(Region::Eu)[0].id;
    let (status, body) = api
        .list(Region::Na, eu, "campaigns", CAMPAIGN_MEDIA, json!({}))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["details"], "Not authorized to access scope");
    let (status, body) = api
        .list(Region::Eu, 123, "campaigns", CAMPAIGN_MEDIA, json!({}))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["details"], "No matching advertiser found for scope");
    let unscoped = api
        .post(Region::Eu, "/sp/campaigns/list")
        .header("Content-Type", CAMPAIGN_MEDIA)
        .header("Accept", CAMPAIGN_MEDIA)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(unscoped.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        unscoped.json::<Value>().await.unwrap()["details"],
        "Scope header is missing"
    );

    // An access token lives an hour.
    s.advance_clock(Duration::from_secs(3_601));
    let expired = api.get(Region::Na, "/v2/profiles").send().await.unwrap();
    assert_eq!(expired.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn every_list_pages_through_every_entity_once_with_its_media_type() {
    let s = sandbox(SandboxConfig::default()).await;
    let api = Api {
        s: &s,
        token: tokens(&s).await.0,
    };
    let truth = s.truth();
    let profile = truth.profiles_in(Region::Na)[0].clone();
    let campaigns = truth.campaigns(profile.id);
    let groups: Vec<_> = campaigns
        .iter()
        .flat_map(|c| truth.ad_groups(c.id))
        .collect();
    let targetings: Vec<_> = groups.iter().flat_map(|g| truth.targetings(g.id)).collect();
    let want: Vec<(&str, &str, &str, &str, Vec<i64>)> = vec![
        (
            "campaigns",
            CAMPAIGN_MEDIA,
            "campaigns",
            "campaignId",
            campaigns.iter().map(|c| c.id).collect(),
        ),
        (
            "adGroups",
            "application/vnd.spAdGroup.v3+json",
            "adGroups",
            "adGroupId",
            groups.iter().map(|g| g.id).collect(),
        ),
        (
            "keywords",
            "application/vnd.spKeyword.v3+json",
            "keywords",
            "keywordId",
            targetings
                .iter()
                .filter(|t| {
                    matches!(
                        t.kind,
                        adsync_amazon_ads_sandbox::world::TargetingKind::Keyword { .. }
                    )
                })
                .map(|t| t.id)
                .collect(),
        ),
        (
            "targets",
            "application/vnd.spTargetingClause.v3+json",
            "targetingClauses",
            "targetId",
            targetings
                .iter()
                .filter(|t| {
                    matches!(
                        t.kind,
                        adsync_amazon_ads_sandbox::world::TargetingKind::Target { .. }
                    )
                })
                .map(|t| t.id)
                .collect(),
        ),
        (
            "negativeKeywords",
            "application/vnd.spNegativeKeyword.v3+json",
            "negativeKeywords",
            "keywordId",
            groups
                .iter()
                .flat_map(|g| truth.negative_keywords(g.id))
                .map(|n| n.id)
                .collect(),
        ),
        (
            "productAds",
            "application/vnd.spProductAd.v3+json",
            "productAds",
            "adId",
            groups
                .iter()
                .flat_map(|g| truth.product_ads(g.id))
                .map(|a| a.id)
                .collect(),
        ),
    ];
    for (entity, media, key, id_field, ids) in want {
        let got = api
            .all(
                Region::Na,
                profile.id,
                (entity, media, key, id_field),
                json!({"stateFilter": {"include": ALL_STATES}, "maxResults": 2}),
            )
            .await;
        let got: Vec<i64> = got.iter().map(|id| id.parse().unwrap()).collect();
        let unique: BTreeSet<_> = got.iter().collect();
        assert_eq!(unique.len(), got.len(), "{entity}: an entity came twice");
        assert_eq!(got, ids, "{entity}");
        // The wrong media type is refused.
        let (status, _) = api
            .list(
                Region::Na,
                profile.id,
                entity,
                "application/json",
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{entity}");
    }

    // Without a state filter archived campaigns are left out.
    let (_, page) = api
        .list(
            Region::Na,
            profile.id,
            "campaigns",
            CAMPAIGN_MEDIA,
            json!({}),
        )
        .await;
    let archived = campaigns.iter().filter(|c| c.state == "ARCHIVED").count() as u64;
    assert_eq!(
        page["totalResults"].as_u64().unwrap(),
        campaigns.len() as u64 - archived
    );
    assert!(page["campaigns"][0].get("extendedData").is_none());
    let (_, page) = api
        .list(
            Region::Na,
            profile.id,
            "campaigns",
            CAMPAIGN_MEDIA,
            json!({"includeExtendedDataFields": true, "stateFilter": {"include": ALL_STATES}}),
        )
        .await;
    assert!(page["campaigns"][0]["extendedData"]["creationDateTime"].is_string());

    // A token is opaque and bound to its request.
    let (_, first) = api
        .list(
            Region::Na,
            profile.id,
            "campaigns",
            CAMPAIGN_MEDIA,
            json!({"maxResults": 1, "stateFilter": {"include": ALL_STATES}}),
        )
        .await;
    let token = first["nextToken"].as_str().unwrap();
    let (status, _) = api
        .list(
            Region::Na,
            profile.id,
            "campaigns",
            CAMPAIGN_MEDIA,
            json!({"maxResults": 1, "nextToken": token}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a token of other filters");
    let (status, _) = api
        .list(
            Region::Na,
            profile.id,
            "campaigns",
            CAMPAIGN_MEDIA,
            json!({"nextToken": "forged", "stateFilter": {"include": ALL_STATES}}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = api
        .list(
            Region::Na,
            profile.id,
            "campaigns",
            CAMPAIGN_MEDIA,
            json!({"maxResults": 100_000}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn reports_complete_and_their_files_equal_the_ground_truth_in_the_profiles_time_zone() {
    let s = sandbox(SandboxConfig::default()).await;
    let api = Api {
        s: &s,
        token: tokens(&s).await.0,
    };
    let truth = s.truth();
    for region in [Region::Na, Region::Fe] {
        let profile = truth.profiles_in(region)[0].clone();
        let today = truth.today(profile.id).unwrap();
        let (start, end) = (today - Days::new(20), today - Days::new(1));

        // Campaigns, daily.
        let (status, created) = api
            .create_report(
                region,
                profile.id,
                report(
                    "spCampaigns",
                    &["campaign"],
                    &columns(&["date", "campaignId", "campaignName"]),
                    "DAILY",
                    start,
                    end,
                ),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{created}");
        assert_eq!(created["status"], "PENDING");
        let id = created["reportId"].as_str().unwrap();
        let (seen, done) = api.wait(region, profile.id, id).await;
        assert_eq!(seen.first().map(String::as_str), Some("PENDING"));
        assert_eq!(seen.last().map(String::as_str), Some("COMPLETED"));
        let rows = download(done["url"].as_str().unwrap()).await;
        let mut expected = 0;
        for campaign in truth.campaigns(profile.id) {
            let mut day = start;
            while day <= end {
                if let Some(m) = truth.campaign_day(campaign.id, day) {
                    expected += 1;
                    let row = rows
                        .iter()
                        .find(|r| r["campaignId"] == campaign.id && r["date"] == day.to_string())
                        .unwrap_or_else(|| panic!("campaign {} on {day}", campaign.id));
                    assert_eq!(row_metrics(row), m, "campaign {} on {day}", campaign.id);
                    assert!(row["campaignId"].is_number(), "ids are numbers in reports");
                }
                day = day + Days::new(1);
            }
        }
        assert_eq!(rows.len(), expected);
        // The admin path states the same truth.
        let some = &truth.campaigns(profile.id)[0];
        let admin: Value = http()
            .get(format!(
                "{}/_sandbox/truth/campaigns/{}?start={start}&end={end}",
                s.base_url(),
                some.id
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for day in admin["days"].as_array().unwrap() {
            let date: NaiveDate = day["date"].as_str().unwrap().parse().unwrap();
            let m = truth.campaign_day(some.id, date).unwrap();
            assert_eq!(day["impressions"], m.impressions);
            assert_eq!(
                day["cost"],
                adsync_amazon_ads_sandbox::cents_to_decimal(m.cost_cents)
            );
        }

        // Targeting, summed over the range.
        let (_, created) = api
            .create_report(
                region,
                profile.id,
                report(
                    "spTargeting",
                    &["targeting"],
                    &columns(&["keywordId", "keyword", "matchType", "startDate", "endDate"]),
                    "SUMMARY",
                    start,
                    end,
                ),
            )
            .await;
        let (_, done) = api
            .wait(region, profile.id, created["reportId"].as_str().unwrap())
            .await;
        let rows = download(done["url"].as_str().unwrap()).await;
        for row in &rows {
            let id = row["keywordId"].as_i64().unwrap();
            let mut total = Metrics::default();
            let mut day = start;
            while day <= end {
                if let Some(m) = truth.targeting_day(id, day) {
                    total.add(&m);
                }
                day = day + Days::new(1);
            }
            assert_eq!(row_metrics(row), total, "targeting {id}");
            assert_eq!(row["startDate"], start.to_string());
        }
    }
}

#[tokio::test]
async fn search_terms_have_clicks_and_advertised_products_add_up_to_their_ad_groups() {
    let s = sandbox(SandboxConfig::default()).await;
    let api = Api {
        s: &s,
        token: tokens(&s).await.0,
    };
    let truth = s.truth();
    let profile = truth.profiles_in(Region::Eu)[0].clone();
    let today = truth.today(profile.id).unwrap();
    let day = today - Days::new(3);
    let ask = |kind: &'static str, group: &'static str, extra: &'static [&'static str]| {
        let api = &api;
        let profile = profile.id;
        async move {
            let (_, created) = api
                .create_report(
                    Region::Eu,
                    profile,
                    report(kind, &[group], &columns(extra), "DAILY", day, day),
                )
                .await;
            let (_, done) = api
                .wait(Region::Eu, profile, created["reportId"].as_str().unwrap())
                .await;
            download(done["url"].as_str().unwrap()).await
        }
    };
    let terms = ask(
        "spSearchTerm",
        "searchTerm",
        &["date", "keywordId", "searchTerm"],
    )
    .await;
    assert!(!terms.is_empty());
    for row in &terms {
        assert!(row["clicks"].as_i64().unwrap() >= 1, "{row}");
        let id = row["keywordId"].as_i64().unwrap();
        let want = truth
            .search_terms(id, day)
            .into_iter()
            .find(|(t, _)| row["searchTerm"] == t.as_str())
            .expect("a term the truth knows");
        assert_eq!(row_metrics(row), want.1);
    }
    let products = ask(
        "spAdvertisedProduct",
        "advertiser",
        &["date", "adId", "adGroupId", "advertisedAsin"],
    )
    .await;
    for campaign in truth.campaigns(profile.id) {
        for group in truth.ad_groups(campaign.id) {
            let mut sum = Metrics::default();
            for row in products.iter().filter(|r| r["adGroupId"] == group.id) {
                sum.add(&row_metrics(row));
            }
            assert_eq!(
                sum,
                truth.ad_group_day(group.id, day).unwrap_or_default(),
                "ad group {}",
                group.id
            );
        }
    }
}

#[tokio::test]
async fn reports_refuse_long_old_and_future_ranges_and_duplicates_in_flight() {
    let s = sandbox(SandboxConfig {
        report_pending_ms: 60_000,
        ..SandboxConfig::default()
    })
    .await;
    let api = Api {
        s: &s,
        token: tokens(&s).await.0,
    };
    let truth = s.truth();
    let profile = truth.profiles_in(Region::Na)[0].id;
    let today = truth.today(profile).unwrap();
    let daily = |start, end| {
        report(
            "spCampaigns",
            &["campaign"],
            &columns(&["date", "campaignId"]),
            "DAILY",
            start,
            end,
        )
    };

    let refused = [
        (daily(today - Days::new(31), today), "31 days"),
        (
            daily(today - Days::new(96), today - Days::new(90)),
            "retention",
        ),
        (daily(today, today + Days::new(1)), "after today"),
        (daily(today, today - Days::new(1)), "before startDate"),
        (
            report(
                "spCampaigns",
                &["campaign"],
                &["campaignId", "impressions"],
                "DAILY",
                today,
                today,
            ),
            "date column",
        ),
        (
            report(
                "spCampaigns",
                &["keyword"],
                &["date"],
                "DAILY",
                today,
                today,
            ),
            "groupBy",
        ),
        (
            report(
                "spCampaigns",
                &["campaign"],
                &["date", "searchTerm"],
                "DAILY",
                today,
                today,
            ),
            "searchTerm",
        ),
    ];
    for (body, why) in refused {
        let (status, answer) = api.create_report(Region::Na, profile, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{why}: {answer}");
        assert!(
            answer["detail"].as_str().unwrap().contains(why),
            "{why}: {answer}"
        );
    }
    let wrong_type = api
        .post(Region::Na, "/reporting/reports")
        .header("Amazon-Advertising-API-Scope", profile.to_string())
        .header("Content-Type", "application/json")
        .json(&daily(today, today))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_type.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // 31 days and 95 days back are allowed; the same request again while the first is
    // pending is a duplicate, and the answer names the first.
    let first_day = today - Days::new(95);
    let (status, first) = api
        .create_report(
            Region::Na,
            profile,
            daily(first_day, first_day + Days::new(30)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let (status, dup) = api
        .create_report(
            Region::Na,
            profile,
            daily(first_day, first_day + Days::new(30)),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_EARLY);
    assert_eq!(dup["code"], "425");
    assert_eq!(
        dup["detail"],
        format!(
            "The Request is a duplicate of : {}",
            first["reportId"].as_str().unwrap()
        )
    );
    assert_eq!(s.reports_created(), 1);
}

#[tokio::test]
async fn download_urls_are_presigned_expire_and_refuse_an_authorization_header() {
    let s = sandbox(SandboxConfig {
        url_ttl: chrono::TimeDelta::seconds(60),
        ..SandboxConfig::default()
    })
    .await;
    let api = Api {
        s: &s,
        token: tokens(&s).await.0,
    };
    let profile = s.truth().profiles_in(Region::Na)[0].id;
    let day = s.truth().today(profile).unwrap() - Days::new(1);
    let (_, created) = api
        .create_report(
            Region::Na,
            profile,
            report(
                "spCampaigns",
                &["campaign"],
                &columns(&["date", "campaignId"]),
                "DAILY",
                day,
                day,
            ),
        )
        .await;
    let id = created["reportId"].as_str().unwrap().to_owned();
    let (_, done) = api.wait(Region::Na, profile, &id).await;
    let url = done["url"].as_str().unwrap().to_owned();
    assert!(url.contains("X-Amz-Signature="));
    assert!(
        !url.starts_with(&s.api_url(Region::Na)),
        "on the storage host"
    );

    let with_auth = http()
        .get(&url)
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(with_auth.status(), StatusCode::BAD_REQUEST);
    assert!(with_auth.text().await.unwrap().contains("InvalidArgument"));
    let tampered = http()
        .get(url.replace("X-Amz-Expires=60", "X-Amz-Expires=999"))
        .send()
        .await
        .unwrap();
    assert_eq!(tampered.status(), StatusCode::FORBIDDEN);

    s.advance_clock(Duration::from_secs(61));
    let expired = http().get(&url).send().await.unwrap();
    assert_eq!(expired.status(), StatusCode::FORBIDDEN);
    assert!(
        expired
            .text()
            .await
            .unwrap()
            .contains("Request has expired")
    );
    // Asking again gives a fresh URL to the same file.
    let again = api.report_status(Region::Na, profile, &id).await;
    assert_ne!(again["url"], done["url"]);
    let rows = download(again["url"].as_str().unwrap()).await;
    assert_eq!(
        rows.is_empty(),
        s.truth()
            .campaigns(profile)
            .iter()
            .all(|c| s.truth().campaign_day(c.id, day).is_none())
    );
}

#[tokio::test]
async fn a_later_report_of_the_same_days_counts_the_conversions_restated_since() {
    let s = sandbox(SandboxConfig::default()).await;
    let profile = s.truth().profiles_in(Region::Eu)[0].id;
    let today = s.truth().today(profile).unwrap();
    let (start, end) = (today - Days::new(6), today - Days::new(1));
    let total = |rows: &[Value]| {
        rows.iter()
            .map(|r| row_metrics(r).purchases[2])
            .sum::<i64>()
    };
    let ask = || async {
        // A fresh token each time: the clock moves days between the two reports.
        let api = Api {
            s: &s,
            token: tokens(&s).await.0,
        };
        let (_, created) = api
            .create_report(
                Region::Eu,
                profile,
                report(
                    "spCampaigns",
                    &["campaign"],
                    &columns(&["date", "campaignId"]),
                    "DAILY",
                    start,
                    end,
                ),
            )
            .await;
        let (_, done) = api
            .wait(Region::Eu, profile, created["reportId"].as_str().unwrap())
            .await;
        download(done["url"].as_str().unwrap()).await
    };
    let before = ask().await;
    s.advance_clock(Duration::from_secs(20 * 86_400));
    let after = ask().await;
    assert_eq!(before.len(), after.len(), "the same campaign-days");
    assert!(
        total(&after) > total(&before),
        "{} then {}",
        total(&before),
        total(&after)
    );
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(
            b["impressions"], a["impressions"],
            "only conversions are restated"
        );
    }
}

#[tokio::test]
async fn faults_come_as_configured_429s_with_and_without_retry_after_5xx_failed_reports_malformed_records()
 {
    let s = sandbox(SandboxConfig::default()).await;
    let api = Api {
        s: &s,
        token: tokens(&s).await.0,
    };
    let profile = s.truth().profiles_in(Region::Na)[0].id;
    let today = s.truth().today(profile).unwrap();
    let body = |d: u64| {
        report(
            "spCampaigns",
            &["campaign"],
            &columns(&["date", "campaignId"]),
            "DAILY",
            today - Days::new(d),
            today - Days::new(d),
        )
    };

    for retry_after in [true, false] {
        s.set_faults(Faults {
            report_rate_limit: Some(RateLimit {
                max_calls: 1,
                window_ms: 60_000,
                retry_after,
            }),
            ..Faults::default()
        });
        let (ok, _) = api
            .create_report(Region::Na, profile, body(if retry_after { 1 } else { 2 }))
            .await;
        assert_eq!(ok, StatusCode::OK);
        let limited = api
            .post(Region::Na, "/reporting/reports")
            .header("Amazon-Advertising-API-Scope", profile.to_string())
            .header("Content-Type", CREATE_MEDIA_TYPE)
            .json(&body(3))
            .send()
            .await
            .unwrap();
        assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(limited.headers().contains_key("retry-after"), retry_after);
    }

    s.set_faults(Faults {
        error_ratio: 1.0,
        ..Faults::default()
    });
    let (status, _) = api
        .list(Region::Na, profile, "campaigns", CAMPAIGN_MEDIA, json!({}))
        .await;
    assert!(status.is_server_error());

    s.set_faults(Faults {
        failed_report_ratio: 1.0,
        ..Faults::default()
    });
    let (_, created) = api.create_report(Region::Na, profile, body(4)).await;
    let (seen, done) = api
        .wait(Region::Na, profile, created["reportId"].as_str().unwrap())
        .await;
    assert_eq!(seen.last().map(String::as_str), Some("FAILED"));
    assert!(done["failureReason"].as_str().unwrap().contains("failed"));
    assert!(done["url"].is_null());

    s.set_faults(Faults {
        malformed_ratio: 0.5,
        ..Faults::default()
    });
    let (_, page) = api
        .list(
            Region::Na,
            profile,
            "campaigns",
            CAMPAIGN_MEDIA,
            json!({"stateFilter": {"include": ALL_STATES}}),
        )
        .await;
    let broken = page["campaigns"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c.get("campaignId").is_none() || c["state"].is_number())
        .count();
    assert!(broken > 0, "{page}");
    let (_, created) = api.create_report(Region::Na, profile, body(5)).await;
    let (_, done) = api
        .wait(Region::Na, profile, created["reportId"].as_str().unwrap())
        .await;
    let rows = download(done["url"].as_str().unwrap()).await;
    let broken = rows
        .iter()
        .filter(|r| r["campaignId"].is_null() || r["impressions"].is_string())
        .count();
    assert!(broken > 0 && broken < rows.len() + 1, "{rows:?}");
    assert_eq!(s.calls_of("reporting.create"), 6);
}

#[test]
fn the_binary_documents_every_flag() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_amazon-ads-sandbox"))
        .arg("--help")
        .output()
        .expect("the binary runs");
    let help = String::from_utf8_lossy(&output.stdout);
    for flag in [
        "--listen",
        "--seed",
        "--profiles",
        "--campaigns",
        "--ad-groups",
        "--keywords",
        "--targets",
        "--product-ads",
        "--days",
        "--client-id",
        "--client-secret",
        "--access-token-ttl-secs",
        "--report-pending-ms",
        "--report-processing-ms",
        "--url-ttl-secs",
        "--rate-limit-calls",
        "--report-rate-limit-calls",
        "--no-retry-after",
        "--error-ratio",
        "--slow-ratio",
        "--malformed-ratio",
        "--failed-report-ratio",
        "--slow-report-ratio",
        "--expired-url-ratio",
    ] {
        assert!(
            help.contains(flag),
            "--help does not mention {flag}:\n{help}"
        );
    }
}

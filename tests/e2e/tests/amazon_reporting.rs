//! Amazon Ads reads after real syncs: profiles, campaigns, ad groups and keywords with
//! totals, series, search terms, the waste and harvest audits and the cross-source daily
//! spend, each checked against the sandbox's ground truth; and the refusals.

use adsync_amazon_ads_sandbox::{Metrics, Region as SandboxRegion, SandboxConfig as AmazonConfig};
use adsync_e2e::{Stack, bearer, every_page, finished, start_sync};
use adsync_proto::auth::{Region, Scope};
use adsync_proto::ingestion::ingestion_service_client::IngestionServiceClient;
use adsync_proto::ingestion::{
    DiscoverAccountsRequest, Source, StartSyncRequest, SyncStatus, SyncTrigger,
};
use adsync_proto::reporting::reporting_service_client::ReportingServiceClient;
use adsync_proto::reporting::{
    AccountRef, AdSource, AmazonLevel, AmazonMetricValues, AmazonPeriod, AuditAmazonHarvestRequest,
    AuditAmazonWasteRequest, GetAmazonMetricsRequest, GetDailySpendRequest, Granularity,
    ListAmazonAdGroupsRequest, ListAmazonCampaignsRequest, ListAmazonProfilesRequest,
    ListAmazonSearchTermsRequest, ListAmazonTargetingsRequest,
};
use chrono::{Datelike, Days, NaiveDate};
use tonic::Code;
use tonic::transport::Channel;
use tonic_types::StatusExt;

/// "12.34" for 1234 cents, as the warehouse prints sums (no trailing zeros).
fn money(cents: i64) -> String {
    let text = format!("{}.{:02}", cents / 100, cents % 100);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// `n` / `d` × `multiplier` to 4 places, rounded half away from zero (positive inputs).
fn ratio(n: i64, d: i64, multiplier: i64) -> String {
    let scaled =
        (i128::from(n) * i128::from(multiplier) * 10_000 * 2 + i128::from(d)) / (2 * i128::from(d));
    format!("{}.{:04}", scaled / 10_000, scaled % 10_000)
}

/// Sums of the truth's metrics over `days`, for window index `w` (1: 7 days, 2: 14).
fn total(days: impl Iterator<Item = Metrics>) -> Metrics {
    let mut t = Metrics::default();
    for m in days {
        t.add(&m);
    }
    t
}

fn assert_values(got: &AmazonMetricValues, want: &Metrics, w: usize) {
    assert_eq!(got.impressions, want.impressions);
    assert_eq!(got.clicks, want.clicks);
    assert_eq!(got.cost.as_ref().unwrap().amount, money(want.cost_cents));
    assert_eq!(got.purchases, want.purchases[w]);
    assert_eq!(
        got.sales.as_ref().unwrap().amount,
        money(want.sales_cents[w])
    );
    assert_eq!(got.units_sold, want.units[w]);
    if want.sales_cents[w] > 0 {
        assert_eq!(
            got.acos_percent.as_deref(),
            Some(ratio(want.cost_cents, want.sales_cents[w], 100).as_str())
        );
    } else {
        assert_eq!(got.acos_percent, None, "no sales: no ACoS");
    }
    if want.cost_cents > 0 {
        assert_eq!(
            got.roas.as_deref(),
            Some(ratio(want.sales_cents[w], want.cost_cents, 1).as_str())
        );
    }
    if want.clicks > 0 {
        assert_eq!(
            got.conversion_rate_percent.as_deref(),
            Some(ratio(want.purchases[w], want.clicks, 100).as_str())
        );
    }
}

struct Synced {
    stack: Stack,
    reports: ReportingServiceClient<Channel>,
    token: String,
    /// (profile id, its days synced).
    profiles: Vec<(i64, NaiveDate, NaiveDate)>,
    linkedin_account: i64,
}

/// A stack with an EU and an NA profile synced, and a LinkedIn account synced.
async fn synced() -> Synced {
    let stack = Stack::start_with_amazon(AmazonConfig::default()).await;
    stack.connect_amazon(Region::Na).await;
    stack.connect().await;
    let (token, _) = stack
        .token(
            "analyst",
            &[Scope::SyncWrite, Scope::SyncRead, Scope::ReportsRead],
        )
        .await;
    let mut ingestion = IngestionServiceClient::new(stack.ingestion.channel());
    let accounts = ingestion
        .discover_accounts(bearer(DiscoverAccountsRequest::default(), &token))
        .await
        .unwrap()
        .into_inner()
        .accounts;
    let truth = stack.amazon.truth();
    let mut profiles = Vec::new();
    for region in [SandboxRegion::Eu, SandboxRegion::Na] {
        let id = truth.profiles_in(region)[0].id;
        let events = start_sync(
            &mut ingestion,
            &token,
            StartSyncRequest {
                account_id: id,
                source: Source::AmazonAds as i32,
                trigger: SyncTrigger::OnDemand as i32,
                ..Default::default()
            },
        )
        .await;
        assert_eq!(finished(&events).status(), SyncStatus::Success);
        let today = truth.today(id).unwrap();
        profiles.push((id, today - Days::new(95), today - Days::new(1)));
    }
    let linkedin_account = accounts
        .iter()
        .find(|a| a.source == Source::Linkedin as i32)
        .unwrap()
        .account_id;
    let events = start_sync(
        &mut ingestion,
        &token,
        StartSyncRequest {
            account_id: linkedin_account,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(finished(&events).status(), SyncStatus::Success);
    let reports = ReportingServiceClient::new(stack.reporting.channel());
    Synced {
        stack,
        reports,
        token,
        profiles,
        linkedin_account,
    }
}

fn period(profile: i64, (start, end): (NaiveDate, NaiveDate), attribution: i32) -> AmazonPeriod {
    AmazonPeriod {
        profile_id: profile,
        start_date: start.to_string(),
        end_date: end.to_string(),
        attribution_days: attribution,
    }
}

fn days(start: NaiveDate, end: NaiveDate) -> impl Iterator<Item = NaiveDate> + Clone {
    start.iter_days().take_while(move |d| *d <= end)
}

#[tokio::test]
async fn amazon_reads_equal_the_ground_truth_with_ratios_from_exact_sums() {
    let mut s = synced().await;
    let truth = s.stack.amazon.truth();
    let profiles = s
        .reports
        .list_amazon_profiles(bearer(ListAmazonProfilesRequest::default(), &s.token))
        .await
        .unwrap()
        .into_inner()
        .profiles;
    assert_eq!(profiles.len(), 2);
    let eu = profiles.iter().find(|p| p.region == "eu").unwrap();
    assert_eq!(
        eu.currency_code,
        truth
            .profile(eu.profile_id)
            .unwrap()
            .marketplace
            .currency_code
    );

    for &(profile, start, end) in &s.profiles {
        let currency = truth.profile(profile).unwrap().marketplace.currency_code;
        for (attribution, w) in [(14, 2), (7, 1)] {
            let campaigns = s
                .reports
                .list_amazon_campaigns(bearer(
                    ListAmazonCampaignsRequest {
                        period: Some(period(profile, (start, end), attribution)),
                        ..Default::default()
                    },
                    &s.token,
                ))
                .await
                .unwrap()
                .into_inner()
                .campaigns;
            let truth_campaigns = truth.campaigns(profile);
            assert_eq!(campaigns.len(), truth_campaigns.len());
            for c in &campaigns {
                let want =
                    total(days(start, end).filter_map(|d| truth.campaign_day(c.campaign_id, d)));
                let got = c.totals.as_ref().unwrap();
                assert_eq!(got.attribution_days, attribution);
                assert_eq!(got.cost.as_ref().unwrap().currency_code, currency);
                assert_values(got, &want, w);
            }
        }

        // Ad groups: the sums of their advertised products are the ad group's days.
        let groups = s
            .reports
            .list_amazon_ad_groups(bearer(
                ListAmazonAdGroupsRequest {
                    period: Some(period(profile, (start, end), 0)),
                    ..Default::default()
                },
                &s.token,
            ))
            .await
            .unwrap()
            .into_inner()
            .ad_groups;
        assert!(!groups.is_empty());
        for g in &groups {
            let want = total(days(start, end).filter_map(|d| truth.ad_group_day(g.ad_group_id, d)));
            assert_values(g.totals.as_ref().unwrap(), &want, 2);
        }

        // Keywords and targets, with their effective bids.
        let targetings = s
            .reports
            .list_amazon_targetings(bearer(
                ListAmazonTargetingsRequest {
                    period: Some(period(profile, (start, end), 0)),
                    page_size: 500,
                    ..Default::default()
                },
                &s.token,
            ))
            .await
            .unwrap()
            .into_inner()
            .targetings;
        let truth_targetings: Vec<_> = truth
            .campaigns(profile)
            .iter()
            .flat_map(|c| truth.ad_groups(c.id))
            .flat_map(|g| truth.targetings(g.id))
            .collect();
        assert_eq!(targetings.len(), truth_targetings.len());
        for t in &targetings {
            let want =
                total(days(start, end).filter_map(|d| truth.targeting_day(t.targeting_id, d)));
            assert_values(t.totals.as_ref().unwrap(), &want, 2);
            assert!(t.bid.is_some(), "its own bid or its ad group's default");
        }

        // Pages and filters: a few at a time, by campaign and by ad group, every row once
        // and in id order, as the whole list has them.
        let whole: Vec<(i64, i64, i64)> = targetings
            .iter()
            .map(|t| (t.targeting_id, t.campaign_id, t.ad_group_id))
            .collect();
        assert!(whole.is_sorted() && whole.len() > 7, "more than a page");
        let (campaign, ad_group) = (whole[0].1, whole[whole.len() - 1].2);
        for (campaign_id, ad_group_id) in [(0, 0), (campaign, 0), (0, ad_group)] {
            let paged = every_page(|page_token| {
                let (mut reports, token) = (s.reports.clone(), s.token.clone());
                async move {
                    let page = reports
                        .list_amazon_targetings(bearer(
                            ListAmazonTargetingsRequest {
                                period: Some(period(profile, (start, end), 0)),
                                page_size: 7,
                                page_token,
                                campaign_id,
                                ad_group_id,
                            },
                            &token,
                        ))
                        .await
                        .unwrap()
                        .into_inner();
                    let rows = page.targetings.iter();
                    let rows = rows.map(|t| (t.targeting_id, t.campaign_id, t.ad_group_id));
                    (rows.collect(), page.next_page_token)
                }
            })
            .await;
            let want: Vec<_> = whole
                .iter()
                .copied()
                .filter(|(_, c, g)| {
                    (campaign_id == 0 || *c == campaign_id)
                        && (ad_group_id == 0 || *g == ad_group_id)
                })
                .collect();
            assert!(!want.is_empty());
            assert_eq!(
                paged, want,
                "campaign {campaign_id}, ad group {ad_group_id}"
            );
        }
        let paged = every_page(|page_token| {
            let (mut reports, token) = (s.reports.clone(), s.token.clone());
            async move {
                let page = reports
                    .list_amazon_ad_groups(bearer(
                        ListAmazonAdGroupsRequest {
                            period: Some(period(profile, (start, end), 0)),
                            page_size: 1,
                            page_token,
                            campaign_id: campaign,
                        },
                        &token,
                    ))
                    .await
                    .unwrap()
                    .into_inner();
                let rows = page.ad_groups.iter().map(|g| g.ad_group_id).collect();
                (rows, page.next_page_token)
            }
        })
        .await;
        let want: Vec<i64> = groups
            .iter()
            .filter(|g| g.campaign_id == campaign)
            .map(|g| g.ad_group_id)
            .collect();
        assert!(!want.is_empty());
        assert_eq!(paged, want);

        // Waste: exactly the keywords and targets that spent and sold nothing.
        let waste = s
            .reports
            .audit_amazon_waste(bearer(
                AuditAmazonWasteRequest {
                    period: Some(period(profile, (start, end), 14)),
                    limit: 1000,
                    ..Default::default()
                },
                &s.token,
            ))
            .await
            .unwrap()
            .into_inner()
            .targetings;
        let wasted: Vec<i64> = targetings
            .iter()
            .filter(|t| {
                let v = t.totals.as_ref().unwrap();
                v.cost.as_ref().unwrap().amount != "0" && v.sales.as_ref().unwrap().amount == "0"
            })
            .map(|t| t.targeting_id)
            .collect();
        let mut found: Vec<i64> = waste.iter().map(|t| t.targeting_id).collect();
        found.sort();
        let mut expected = wasted.clone();
        expected.sort();
        assert_eq!(found, expected);

        // Search terms, costliest first; the harvest finds terms with orders that are not
        // keywords.
        let terms = s
            .reports
            .list_amazon_search_terms(bearer(
                ListAmazonSearchTermsRequest {
                    period: Some(period(profile, (start, end), 14)),
                    limit: 1000,
                    ..Default::default()
                },
                &s.token,
            ))
            .await
            .unwrap()
            .into_inner()
            .search_terms;
        assert!(
            !terms.is_empty() && terms.len() < 1000,
            "every term on one page"
        );
        // One campaign's: exactly the whole list's rows of that campaign, in its order.
        let campaign = terms[0].campaign_id;
        let of_campaign = s
            .reports
            .clone()
            .list_amazon_search_terms(bearer(
                ListAmazonSearchTermsRequest {
                    period: Some(period(profile, (start, end), 14)),
                    limit: 1000,
                    campaign_id: campaign,
                },
                &s.token,
            ))
            .await
            .unwrap()
            .into_inner()
            .search_terms;
        let want: Vec<_> = terms.iter().filter(|t| t.campaign_id == campaign).collect();
        assert!(!want.is_empty());
        assert_eq!(of_campaign.iter().collect::<Vec<_>>(), want);
        let harvest = s
            .reports
            .audit_amazon_harvest(bearer(
                AuditAmazonHarvestRequest {
                    period: Some(period(profile, (start, end), 14)),
                    limit: 1000,
                    ..Default::default()
                },
                &s.token,
            ))
            .await
            .unwrap()
            .into_inner()
            .search_terms;
        let keywords: Vec<String> = targetings
            .iter()
            .filter(|t| t.kind == adsync_proto::reporting::AmazonTargetingKind::Keyword as i32)
            .filter(|t| t.state != "ARCHIVED")
            .map(|t| t.text.to_lowercase())
            .collect();
        for h in &harvest {
            assert!(h.totals.as_ref().unwrap().purchases >= 1);
            assert!(
                !keywords.contains(&h.search_term.to_lowercase()),
                "{}",
                h.search_term
            );
        }
        let expected_harvest = terms
            .iter()
            .filter(|t| t.totals.as_ref().unwrap().purchases >= 1)
            .filter(|t| !keywords.contains(&t.search_term.to_lowercase()))
            .count();
        assert_eq!(harvest.len(), expected_harvest);
    }

    // A weekly series: every week present, the points add up to the total and the truth.
    let (profile, start, end) = s.profiles[0];
    let campaign = truth.campaigns(profile)[0].id;
    let series = s
        .reports
        .get_amazon_metrics(bearer(
            GetAmazonMetricsRequest {
                level: AmazonLevel::Campaign as i32,
                ids: vec![campaign],
                start_date: start.to_string(),
                end_date: end.to_string(),
                granularity: Granularity::Week as i32,
                attribution_days: 7,
            },
            &s.token,
        ))
        .await
        .unwrap()
        .into_inner()
        .series
        .remove(0);
    let weeks: std::collections::BTreeSet<_> = days(start, end).map(|d| d.iso_week()).collect();
    assert_eq!(
        series.points.len(),
        weeks.len(),
        "every ISO week the range touches"
    );
    let want = total(days(start, end).filter_map(|d| truth.campaign_day(campaign, d)));
    assert_values(series.total.as_ref().unwrap(), &want, 1);
    let clicks: i64 = series
        .points
        .iter()
        .map(|p| p.values.as_ref().unwrap().clicks)
        .sum();
    assert_eq!(clicks, want.clicks);

    // Across sources: per day and currency, the Amazon and LinkedIn days added up.
    let spend = s
        .reports
        .get_daily_spend(bearer(
            GetDailySpendRequest {
                accounts: vec![
                    AccountRef {
                        source: AdSource::AmazonAds as i32,
                        account_id: s.profiles[0].0,
                    },
                    AccountRef {
                        source: AdSource::AmazonAds as i32,
                        account_id: s.profiles[1].0,
                    },
                    AccountRef {
                        source: AdSource::Linkedin as i32,
                        account_id: s.linkedin_account,
                    },
                ],
                start_date: start.to_string(),
                end_date: end.to_string(),
                attribution_days: 14,
            },
            &s.token,
        ))
        .await
        .unwrap()
        .into_inner()
        .days;
    let currencies: std::collections::BTreeSet<&str> = spend
        .iter()
        .map(|d| d.spend.as_ref().unwrap().currency_code.as_str())
        .collect();
    assert!(currencies.len() >= 2, "{currencies:?}: never converted");
    let eu_currency = truth
        .profile(s.profiles[0].0)
        .unwrap()
        .marketplace
        .currency_code;
    let eu_clicks: i64 = spend
        .iter()
        .filter(|d| d.spend.as_ref().unwrap().currency_code == eu_currency)
        .map(|d| d.clicks)
        .sum();
    let truth_eu_clicks: i64 = truth
        .campaigns(s.profiles[0].0)
        .iter()
        .flat_map(|c| days(start, end).filter_map(|d| truth.campaign_day(c.id, d)))
        .map(|m| m.clicks)
        .sum();
    let linkedin_same_currency = s.stack.count(&format!(
        "SELECT COALESCE(sum(m.clicks), 0)::int8 AS n FROM linkedin.campaign_daily_metrics m \
         JOIN linkedin.ad_accounts a ON a.id = m.account_id \
         WHERE m.account_id = {} AND a.currency = '{eu_currency}' AND m.date BETWEEN '{start}' AND '{end}'",
        s.linkedin_account
    ));
    assert_eq!(eu_clicks, truth_eu_clicks + linkedin_same_currency);
}

#[tokio::test]
async fn bad_amazon_reads_are_refused_with_field_details() {
    let mut s = synced().await;
    let (profile, start, end) = s.profiles[0];
    let field_of = |status: &tonic::Status| {
        status
            .get_error_details()
            .bad_request()
            .map(|b| {
                b.field_violations
                    .iter()
                    .map(|f| f.field.clone())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };

    let wrong_window = s
        .reports
        .list_amazon_campaigns(bearer(
            ListAmazonCampaignsRequest {
                period: Some(period(profile, (start, end), 30)),
                ..Default::default()
            },
            &s.token,
        ))
        .await
        .unwrap_err();
    assert_eq!(wrong_window.code(), Code::InvalidArgument);
    assert_eq!(field_of(&wrong_window), ["period.attribution_days"]);

    let reversed = s
        .reports
        .list_amazon_targetings(bearer(
            ListAmazonTargetingsRequest {
                period: Some(period(profile, (end, start), 14)),
                ..Default::default()
            },
            &s.token,
        ))
        .await
        .unwrap_err();
    assert_eq!(reversed.code(), Code::InvalidArgument);
    assert_eq!(field_of(&reversed), ["period.end_date"]);

    let unknown = s
        .reports
        .list_amazon_ad_groups(bearer(
            ListAmazonAdGroupsRequest {
                period: Some(period(42, (start, end), 14)),
                ..Default::default()
            },
            &s.token,
        ))
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound);

    let no_level = s
        .reports
        .get_amazon_metrics(bearer(
            GetAmazonMetricsRequest {
                ids: vec![1],
                start_date: start.to_string(),
                end_date: end.to_string(),
                attribution_days: 1,
                ..Default::default()
            },
            &s.token,
        ))
        .await
        .unwrap_err();
    assert_eq!(no_level.code(), Code::InvalidArgument);
    let mut fields = field_of(&no_level);
    fields.sort();
    assert_eq!(fields, ["attribution_days", "level"]);

    let not_synced = s
        .reports
        .get_amazon_metrics(bearer(
            GetAmazonMetricsRequest {
                level: AmazonLevel::Targeting as i32,
                ids: vec![7],
                start_date: start.to_string(),
                end_date: end.to_string(),
                ..Default::default()
            },
            &s.token,
        ))
        .await
        .unwrap_err();
    assert_eq!(not_synced.code(), Code::NotFound);

    let bad_cost = s
        .reports
        .audit_amazon_waste(bearer(
            AuditAmazonWasteRequest {
                period: Some(period(profile, (start, end), 14)),
                min_cost: "1,5".into(),
                ..Default::default()
            },
            &s.token,
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&bad_cost), ["min_cost"]);

    let unknown_source = s
        .reports
        .get_daily_spend(bearer(
            GetDailySpendRequest {
                accounts: vec![AccountRef {
                    source: 0,
                    account_id: profile,
                }],
                start_date: start.to_string(),
                end_date: end.to_string(),
                ..Default::default()
            },
            &s.token,
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&unknown_source), ["accounts[0].source"]);
}

//! Reporting end to end: data synced from the sandbox through ingestion, read back through
//! reporting's gRPC API, every answer compared with the sandbox's ground truth (integer
//! micros, so money and ratios are checked to the last digit).

use std::collections::{BTreeMap, BTreeSet};

use adsync_e2e::{Stack, bearer, every_page};
use adsync_linkedin_sandbox::{Metrics, Pivot, SandboxConfig, Size};
use adsync_proto::auth::Scope;
use adsync_proto::ingestion::ingestion_service_client::IngestionServiceClient;
use adsync_proto::ingestion::{
    DateRange, DiscoverAccountsRequest, Source, StartSyncRequest, SyncStatus, SyncTrigger,
    sync_event,
};
use adsync_proto::reporting::reporting_service_client::ReportingServiceClient;
use adsync_proto::reporting::*;
use chrono::{Datelike, Days, Months, NaiveDate, Timelike};
use diesel::RunQueryDsl;
use tonic::Code;
use tonic::transport::Channel;
use tonic_types::StatusExt;

/// A stack whose every account was synced over the sandbox's whole history.
struct Synced {
    stack: Stack,
    reader: String,
    accounts: Vec<i64>,
    /// The synced days.
    first: NaiveDate,
    last: NaiveDate,
}

impl Synced {
    async fn start(size: Size) -> Synced {
        let stack = Stack::start(SandboxConfig {
            size,
            ..SandboxConfig::default()
        })
        .await;
        stack.connect().await;
        let (operator, _) = stack
            .token("operator", &[Scope::SyncWrite, Scope::SyncRead])
            .await;
        let (reader, _) = stack.token("dashboards", &[Scope::ReportsRead]).await;
        let truth = stack.sandbox.truth();
        let (first, last) = (truth.first_day(), truth.today() - Days::new(1));
        let mut ingestion = IngestionServiceClient::new(stack.ingestion.channel());
        let accounts: Vec<i64> = ingestion
            .discover_accounts(bearer(DiscoverAccountsRequest::default(), &operator))
            .await
            .expect("discover")
            .into_inner()
            .accounts
            .iter()
            .map(|a| a.account_id)
            .collect();
        for account in &accounts {
            let mut events = ingestion
                .start_sync(bearer(
                    StartSyncRequest {
                        account_id: *account,
                        trigger: SyncTrigger::OnDemand as i32,
                        force: true,
                        date_range: Some(DateRange {
                            start_date: first.to_string(),
                            end_date: last.to_string(),
                        }),
                        source: Source::Linkedin as i32,
                    },
                    &operator,
                ))
                .await
                .expect("start sync")
                .into_inner();
            let mut end = None;
            while let Some(m) = events.message().await.expect("event") {
                if let Some(sync_event::Payload::RunFinished(f)) = m.event.unwrap().payload {
                    end = Some(f.status);
                }
            }
            assert_eq!(end, Some(SyncStatus::Success as i32), "account {account}");
        }
        Synced {
            stack,
            reader,
            accounts,
            first,
            last,
        }
    }

    fn client(&self) -> ReportingServiceClient<Channel> {
        ReportingServiceClient::new(self.stack.reporting.channel())
    }

    fn currency(&self, account: i64) -> String {
        let truth = self.stack.sandbox.truth();
        let a = truth.accounts().into_iter().find(|a| a.id == account);
        a.expect("account").currency.to_owned()
    }
}

fn small() -> Size {
    Size {
        accounts: 2,
        campaign_groups_per_account: 2,
        campaigns_per_account: 6,
        creatives_per_campaign: 2,
        days: 75,
    }
}

/// `micros` millionths as the service prints money: exact, no trailing zeros.
fn decimal(micros: i64) -> String {
    let (int, frac) = (micros / 1_000_000, micros % 1_000_000);
    if frac == 0 {
        return int.to_string();
    }
    format!("{int}.{frac:06}").trim_end_matches('0').to_owned()
}

/// num / den to `places` decimals, rounded half up; `None` when den is 0.
fn ratio(num: i64, den: i64, places: u32) -> Option<String> {
    if den == 0 {
        return None;
    }
    let (num, den) = (i128::from(num), i128::from(den));
    let scale = 10i128.pow(places);
    let scaled = (num * scale * 2 + den) / (2 * den);
    Some(format!(
        "{}.{:0width$}",
        scaled / scale,
        scaled % scale,
        width = places as usize
    ))
}

fn money(currency: &str, amount: String) -> Money {
    Money {
        currency_code: currency.to_owned(),
        amount,
    }
}

/// What the service must answer for sums `m`.
fn expected(m: &Metrics, currency: &str) -> MetricValues {
    let per = |den: i64| ratio(m.cost_micros, den * 1_000_000, 6).map(|a| money(currency, a));
    MetricValues {
        impressions: m.impressions,
        clicks: m.clicks,
        cost: Some(money(currency, decimal(m.cost_micros))),
        landing_page_clicks: m.landing_page_clicks,
        conversions: m.external_website_conversions,
        leads: m.one_click_leads,
        likes: m.likes,
        comments: m.comments,
        shares: m.shares,
        follows: m.follows,
        opens: m.opens,
        sends: m.sends,
        engagements: m.likes + m.comments + m.shares + m.follows + m.clicks,
        ctr_percent: ratio(m.clicks * 100, m.impressions, 4),
        cpc: per(m.clicks),
        cpm: ratio(m.cost_micros * 1000, m.impressions * 1_000_000, 6).map(|a| money(currency, a)),
        cpl: per(m.one_click_leads),
        conversion_rate_percent: ratio(m.external_website_conversions * 100, m.clicks, 4),
        cost_per_conversion: per(m.external_website_conversions),
    }
}

fn days(start: NaiveDate, end: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    start.iter_days().take_while(move |d| *d <= end)
}

/// The sum of `day` over `start..=end`.
fn sum(start: NaiveDate, end: NaiveDate, day: impl Fn(NaiveDate) -> Option<Metrics>) -> Metrics {
    let mut total = Metrics::default();
    for d in days(start, end) {
        if let Some(m) = day(d) {
            total.add(&m);
        }
    }
    total
}

/// Checks one series against `day` (the truth per day): every period, clipped to the
/// range, with the right sums and ratios, and the total.
fn assert_series(
    series: &MetricSeries,
    (start, end): (NaiveDate, NaiveDate),
    grain: Granularity,
    currency: &str,
    day: impl Fn(NaiveDate) -> Option<Metrics>,
) {
    let mut period = start;
    let mut points = series.points.iter();
    while period <= end {
        let next = match grain {
            Granularity::Week => {
                period - Days::new(u64::from(period.weekday().num_days_from_monday()))
                    + Days::new(7)
            }
            Granularity::Month => period.with_day(1).unwrap() + Months::new(1),
            _ => period + Days::new(1),
        };
        let last = (next - Days::new(1)).min(end);
        let point = points.next().expect("a point per period");
        assert_eq!(
            (point.period_start.as_str(), point.period_end.as_str()),
            (period.to_string().as_str(), last.to_string().as_str()),
            "series {}",
            series.id
        );
        assert_eq!(
            point.values.as_ref().unwrap(),
            &expected(&sum(period, last, &day), currency),
            "series {} period {period}..{last}",
            series.id
        );
        period = next;
    }
    assert!(points.next().is_none(), "no extra periods");
    assert_eq!(
        series.total.as_ref().unwrap(),
        &expected(&sum(start, end, &day), currency),
        "total of series {}",
        series.id
    );
}

#[tokio::test]
async fn entities_and_metric_series_equal_the_ground_truth_at_every_granularity() {
    let s = Synced::start(small()).await;
    let truth = s.stack.sandbox.truth();
    let mut client = s.client();

    // Accounts, campaigns with their settings, creatives with readable names.
    let accounts = client
        .list_accounts(bearer(ListAccountsRequest::default(), &s.reader))
        .await
        .unwrap()
        .into_inner();
    let want: Vec<_> = truth
        .accounts()
        .iter()
        .map(|a| (a.id, a.name.clone(), a.currency.to_owned(), a.test))
        .collect();
    let got: Vec<_> = accounts
        .accounts
        .iter()
        .map(|a| (a.account_id, a.name.clone(), a.currency.clone(), a.test))
        .collect();
    assert_eq!(got, want);
    assert!(accounts.next_page_token.is_empty());

    let mut all_campaigns = Vec::new();
    for account in &s.accounts {
        let listed = client
            .list_campaigns(bearer(
                ListCampaignsRequest {
                    account_id: *account,
                    ..Default::default()
                },
                &s.reader,
            ))
            .await
            .unwrap()
            .into_inner()
            .campaigns;
        let want = truth.campaigns(*account);
        assert_eq!(listed.len(), want.len());
        let groups = truth.groups(*account);
        for (c, t) in listed.iter().zip(&want) {
            let settings = c.settings.as_ref().unwrap();
            let budget = |m: Option<i64>| m.map(|m| money(t_currency(&s, *account), decimal(m)));
            assert_eq!(
                (
                    c.campaign_id,
                    c.account_id,
                    c.name.as_str(),
                    c.status.as_str()
                ),
                (t.id, *account, t.name.as_str(), t.status)
            );
            assert_eq!(c.campaign_group_id, t.group_id);
            let group = groups.iter().find(|g| g.id == t.group_id).unwrap();
            assert_eq!(c.campaign_group_name, group.name);
            assert_eq!(settings.daily_budget, budget(t.daily_budget_micros));
            assert_eq!(settings.total_budget, budget(t.total_budget_micros));
            assert_eq!(settings.unit_cost, budget(t.unit_cost_micros));
            assert_eq!(settings.cost_type, t.cost_type);
            assert_eq!(settings.bid_strategy, t.optimization_target);
            assert_eq!(settings.offsite_delivery_enabled, t.offsite_delivery);
            assert_eq!(settings.audience_expansion_enabled, t.audience_expansion);
        }
        all_campaigns.extend(want);
    }

    // By campaign group alone, and with its account: the group's campaigns, in id order.
    let group = all_campaigns[0].group_id;
    let mut in_group: Vec<i64> = all_campaigns
        .iter()
        .filter(|c| c.group_id == group)
        .map(|c| c.id)
        .collect();
    in_group.sort_unstable();
    for account_id in [0, s.accounts[0]] {
        let listed: Vec<i64> = client
            .list_campaigns(bearer(
                ListCampaignsRequest {
                    account_id,
                    campaign_group_id: group,
                    ..Default::default()
                },
                &s.reader,
            ))
            .await
            .unwrap()
            .into_inner()
            .campaigns
            .iter()
            .map(|c| c.campaign_id)
            .collect();
        assert_eq!(listed, in_group, "account filter {account_id}");
    }

    let campaign = &all_campaigns[0];
    let creatives = client
        .list_creatives(bearer(
            ListCreativesRequest {
                campaign_id: campaign.id,
                ..Default::default()
            },
            &s.reader,
        ))
        .await
        .unwrap()
        .into_inner()
        .creatives;
    let want = truth.creatives(campaign.id);
    assert_eq!(creatives.len(), want.len());
    for (c, t) in creatives.iter().zip(&want) {
        assert_eq!(c.creative_id, t.id);
        assert_eq!(c.campaign_name, campaign.name);
        assert_eq!(c.content_reference, t.content_reference);
        assert_eq!(
            c.content_name,
            adsync_ingestion::sources::linkedin::records::content_name(&t.content_reference)
        );
        assert!(c.content_name.contains(" #"), "{}", c.content_name);
        assert_eq!(c.is_serving, t.is_serving);
    }

    // Every campaign of both accounts at once, by day over the whole history, then by
    // ISO week and by month over a range that starts mid-week and mid-month.
    let ids: Vec<i64> = all_campaigns.iter().map(|c| c.id).collect();
    let ranges = [
        (s.first, s.last, Granularity::Day),
        (s.first, s.last, Granularity::Month),
        (
            s.first + Days::new(3),
            s.last - Days::new(2),
            Granularity::Week,
        ),
        (
            s.first + Days::new(3),
            s.last - Days::new(2),
            Granularity::Month,
        ),
    ];
    for (start, end, grain) in ranges {
        let series = client
            .get_campaign_metrics(bearer(
                GetCampaignMetricsRequest {
                    campaign_ids: ids.clone(),
                    start_date: start.to_string(),
                    end_date: end.to_string(),
                    granularity: grain as i32,
                },
                &s.reader,
            ))
            .await
            .unwrap()
            .into_inner()
            .series;
        assert_eq!(series.iter().map(|x| x.id).collect::<Vec<_>>(), ids);
        for (x, c) in series.iter().zip(&all_campaigns) {
            assert_eq!(
                (x.name.as_str(), x.account_id),
                (c.name.as_str(), c.account_id)
            );
            let currency = s.currency(c.account_id);
            assert_series(x, (start, end), grain, &currency, |d| {
                truth.campaign_day(c.id, d)
            });
        }
    }

    // A day without activity (before the history starts): zeros, and no ratios at all.
    let before = s.first - Days::new(10);
    let empty = client
        .get_campaign_metrics(bearer(
            GetCampaignMetricsRequest {
                campaign_ids: vec![campaign.id],
                start_date: before.to_string(),
                end_date: before.to_string(),
                granularity: Granularity::Day as i32,
            },
            &s.reader,
        ))
        .await
        .unwrap()
        .into_inner()
        .series;
    let total = empty[0].total.clone().unwrap();
    assert_eq!(empty[0].points.len(), 1);
    assert_eq!(
        (total.impressions, total.cost.unwrap().amount.as_str()),
        (0, "0")
    );
    assert_eq!(
        (total.ctr_percent, total.cpc, total.cpm),
        (None, None, None)
    );

    // Creatives: a few at once, by day and by month.
    let creative_ids: Vec<i64> = all_campaigns
        .iter()
        .take(3)
        .flat_map(|c| truth.creatives(c.id))
        .map(|c| c.id)
        .collect();
    for grain in [Granularity::Day, Granularity::Month] {
        let series = client
            .get_creative_metrics(bearer(
                GetCreativeMetricsRequest {
                    creative_ids: creative_ids.clone(),
                    start_date: s.first.to_string(),
                    end_date: s.last.to_string(),
                    granularity: grain as i32,
                },
                &s.reader,
            ))
            .await
            .unwrap()
            .into_inner()
            .series;
        assert_eq!(series.len(), creative_ids.len());
        for x in &series {
            assert!(
                x.name.contains(" #"),
                "creatives are named by content: {}",
                x.name
            );
            let currency = s.currency(x.account_id);
            assert_series(x, (s.first, s.last), grain, &currency, |d| {
                truth.creative_day(x.id, d)
            });
        }
    }
}

fn t_currency(s: &Synced, account: i64) -> &'static str {
    let truth = s.stack.sandbox.truth();
    truth
        .accounts()
        .into_iter()
        .find(|a| a.id == account)
        .expect("account")
        .currency
}

#[tokio::test]
async fn summary_demographics_audit_and_sync_status_equal_the_ground_truth() {
    let s = Synced::start(small()).await;
    let truth = s.stack.sandbox.truth();
    let mut client = s.client();
    let account = s.accounts[1];
    let currency = s.currency(account);
    let campaigns = truth.campaigns(account);

    // Account summary over the last 30 days, the whole history (whole months with cut
    // months at both ends) and exactly the last whole month.
    let last_month_end = s.last.with_day(1).unwrap() - Days::new(1);
    for (start, end) in [
        (s.last - Days::new(29), s.last),
        (s.first, s.last),
        (last_month_end.with_day(1).unwrap(), last_month_end),
    ] {
        let summary = client
            .get_account_summary(bearer(
                GetAccountSummaryRequest {
                    account_id: account,
                    start_date: start.to_string(),
                    end_date: end.to_string(),
                    top_campaigns: 3,
                },
                &s.reader,
            ))
            .await
            .unwrap()
            .into_inner();
        let per_campaign: Vec<(i64, Metrics)> = campaigns
            .iter()
            .map(|c| (c.id, truth.campaign_total(c.id, start, end)))
            .collect();
        let mut total = Metrics::default();
        for (_, m) in &per_campaign {
            total.add(m);
        }
        assert_eq!(summary.totals.unwrap(), expected(&total, &currency));
        assert_eq!(summary.account.unwrap().account_id, account);
        let mut by_cost: Vec<_> = per_campaign
            .iter()
            .filter(|(_, m)| m.impressions > 0 || m.cost_micros > 0)
            .collect();
        by_cost.sort_by_key(|(id, m)| (-m.cost_micros, *id));
        let top: Vec<_> = summary
            .top_campaigns
            .iter()
            .map(|t| (t.campaign_id, t.values.clone().unwrap()))
            .collect();
        let want: Vec<_> = by_cost
            .iter()
            .take(3)
            .map(|(id, m)| (*id, expected(m, &currency)))
            .collect();
        assert_eq!(top, want);
        assert_eq!(
            summary.active_campaigns,
            campaigns.iter().filter(|c| c.status == "ACTIVE").count() as i64
        );
        assert_eq!(
            summary.campaigns_with_delivery,
            per_campaign
                .iter()
                .filter(|(_, m)| m.impressions > 0)
                .count() as i64
        );
    }

    // Demographics over the last two whole months, asked with a range inside them.
    let this_month = s.last.with_day(1).unwrap();
    let (m1, m2) = (this_month - Months::new(2), this_month - Months::new(1));
    let demographics = client
        .get_demographics(bearer(
            GetDemographicsRequest {
                account_id: account,
                pivot: DemographicPivot::Seniority as i32,
                start_date: (m1 + Days::new(9)).to_string(),
                end_date: (m2 + Days::new(3)).to_string(),
                limit: 0,
            },
            &s.reader,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(demographics.period_start, m1.to_string());
    assert_eq!(
        demographics.period_end,
        (this_month - Days::new(1)).to_string()
    );
    let mut segments: BTreeMap<String, Metrics> = BTreeMap::new();
    for month in [m1, m2] {
        for (segment, m) in truth.demographics(account, Pivot::Seniority, month) {
            segments.entry(segment).or_default().add(&m);
        }
    }
    let all: i64 = segments.values().map(|m| m.impressions).sum();
    assert!(all > 0, "the sandbox has demographics in these months");
    assert_eq!(demographics.total_impressions, all);
    let mut want: Vec<_> = segments.iter().collect();
    want.sort_by_key(|(segment, m)| (-m.impressions, (*segment).clone()));
    assert_eq!(demographics.segments.len(), want.len());
    for (got, (segment, m)) in demographics.segments.iter().zip(&want) {
        assert_eq!(&got.segment, *segment);
        assert_eq!((got.impressions, got.clicks), (m.impressions, m.clicks));
        assert_eq!(
            got.cost.clone().unwrap(),
            money(&currency, decimal(m.cost_micros))
        );
        assert_eq!(
            got.share_of_impressions_percent,
            ratio(m.impressions * 100, all, 2)
        );
        assert_eq!(got.ctr_percent, ratio(m.clicks * 100, m.impressions, 4));
        assert!(!got.segment_name.is_empty(), "seniorities have names");
    }
    // A limit keeps the top segments; shares stay shares of everything.
    let top2 = client
        .get_demographics(bearer(
            GetDemographicsRequest {
                limit: 2,
                ..demographics_request(account, m1, m2)
            },
            &s.reader,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(top2.segments, demographics.segments[..2]);
    assert_eq!(top2.total_impressions, all);

    // The audit: every active campaign, with exactly the findings its settings call for.
    let audits = client
        .audit_campaigns(bearer(
            AuditCampaignsRequest {
                account_id: account,
                include_clean: true,
                ..Default::default()
            },
            &s.reader,
        ))
        .await
        .unwrap()
        .into_inner()
        .campaign_audits;
    let active: Vec<_> = campaigns.iter().filter(|c| c.status == "ACTIVE").collect();
    assert_eq!(audits.len(), active.len());
    let last_metric_day = campaigns
        .iter()
        .flat_map(|c| days(s.first, s.last).filter(|d| truth.campaign_day(c.id, *d).is_some()))
        .max()
        .expect("some delivery");
    let now = s.stack.clock.now();
    let mut flagged = 0;
    for (audit, c) in audits.iter().zip(&active) {
        assert_eq!(audit.campaign_id, c.id);
        let recent = sum(last_metric_day - Days::new(6), last_metric_day, |d| {
            truth.campaign_day(c.id, d)
        });
        let serving = truth.creatives(c.id).iter().any(|k| k.is_serving);
        let ended = c.schedule_end.is_some_and(|e| {
            e.and_hms_opt(23, 0, 0).unwrap().and_utc() < now.with_nanosecond(0).unwrap()
        });
        let want: Vec<i32> = [
            (c.offsite_delivery, AuditIssue::AudienceNetworkEnabled),
            (c.audience_expansion, AuditIssue::AudienceExpansionEnabled),
            (c.cost_type == "CPM", AuditIssue::MaximumDeliveryBidding),
            (recent.cost_micros == 0, AuditIssue::NoRecentDelivery),
            (
                c.daily_budget_micros.is_none() && c.total_budget_micros.is_none(),
                AuditIssue::NoBudget,
            ),
            (!serving, AuditIssue::NoServingCreative),
            (ended, AuditIssue::ScheduleEnded),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, issue)| issue as i32)
        .collect();
        let got: Vec<i32> = audit.findings.iter().map(|f| f.issue).collect();
        assert_eq!(got, want, "campaign {}", c.id);
        flagged += usize::from(!want.is_empty());
    }
    let only_flagged = client
        .audit_campaigns(bearer(
            AuditCampaignsRequest {
                account_id: account,
                ..Default::default()
            },
            &s.reader,
        ))
        .await
        .unwrap()
        .into_inner()
        .campaign_audits;
    assert_eq!(only_flagged.len(), flagged);
    assert!(only_flagged.iter().all(|a| !a.findings.is_empty()));

    // Sync status: the last run of each account, fresh, and row counts equal to the truth.
    let status = client
        .get_sync_status(bearer(GetSyncStatusRequest::default(), &s.reader))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(status.accounts.len(), s.accounts.len());
    let mut totals = TableCounts::default();
    for a in &status.accounts {
        let id = a.account.as_ref().unwrap().account_id;
        assert_eq!(a.last_run_status, "success");
        assert!(a.fresh, "just synced");
        assert!(a.age.unwrap().seconds < 600);
        assert_eq!(a.freshness_ttl.unwrap().seconds, 240 * 60);
        let counts = a.counts.unwrap();
        let campaigns = truth.campaigns(id);
        let creatives: Vec<_> = campaigns
            .iter()
            .flat_map(|c| truth.creatives(c.id))
            .collect();
        let metric_days = |day: &dyn Fn(NaiveDate) -> bool| {
            days(s.first, s.last).filter(|d| day(*d)).count() as i64
        };
        assert_eq!(counts.campaign_groups, truth.groups(id).len() as i64);
        assert_eq!(counts.campaigns, campaigns.len() as i64);
        assert_eq!(counts.creatives, creatives.len() as i64);
        assert_eq!(
            counts.campaign_daily_metrics,
            campaigns
                .iter()
                .map(|c| metric_days(&|d| truth.campaign_day(c.id, d).is_some()))
                .sum::<i64>()
        );
        assert_eq!(
            counts.creative_daily_metrics,
            creatives
                .iter()
                .map(|k| metric_days(&|d| truth.creative_day(k.id, d).is_some()))
                .sum::<i64>()
        );
        assert!(counts.demographics > 0);
        assert_eq!(counts.sync_errors, 0);
        totals.campaigns += counts.campaigns;
        totals.campaign_daily_metrics += counts.campaign_daily_metrics;
    }
    let all = status.totals.unwrap();
    assert_eq!(
        (all.campaigns, all.campaign_daily_metrics),
        (totals.campaigns, totals.campaign_daily_metrics)
    );
}

fn demographics_request(account: i64, m1: NaiveDate, m2: NaiveDate) -> GetDemographicsRequest {
    GetDemographicsRequest {
        account_id: account,
        pivot: DemographicPivot::Seniority as i32,
        start_date: m1.to_string(),
        end_date: m2.to_string(),
        limit: 0,
    }
}

/// The fields an INVALID_ARGUMENT names in its BadRequest.
fn bad_fields(status: &tonic::Status) -> BTreeSet<String> {
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    status
        .get_error_details()
        .bad_request()
        .expect("a BadRequest detail")
        .field_violations
        .iter()
        .map(|v| v.field.clone())
        .collect()
}

fn set(fields: &[&str]) -> BTreeSet<String> {
    fields.iter().map(|f| (*f).to_owned()).collect()
}

#[tokio::test]
async fn pages_hold_every_row_exactly_once_while_rows_are_inserted_and_tokens_are_checked() {
    let s = Synced::start(Size {
        accounts: 1,
        campaign_groups_per_account: 1,
        campaigns_per_account: 9,
        creatives_per_campaign: 1,
        days: 5,
    })
    .await;
    let mut client = s.client();
    let account = s.accounts[0];
    let before: Vec<i64> = s
        .stack
        .sandbox
        .truth()
        .campaigns(account)
        .iter()
        .map(|c| c.id)
        .collect();
    let mut conn = s.stack.db.connect();

    let mut seen = Vec::new();
    let mut token = String::new();
    let mut inserted = 0;
    loop {
        let page = client
            .list_campaigns(bearer(
                ListCampaignsRequest {
                    page_size: 2,
                    page_token: token.clone(),
                    account_id: account,
                    ..Default::default()
                },
                &s.reader,
            ))
            .await
            .unwrap()
            .into_inner();
        assert!(page.campaigns.len() <= 2);
        seen.extend(page.campaigns.iter().map(|c| c.campaign_id));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
        // A concurrent sync adds campaigns on both sides of the cursor.
        inserted += 1;
        for id in [1_000 + inserted, i64::from(i32::MAX) * 4 + inserted] {
            diesel::sql_query(format!(
                "INSERT INTO linkedin.campaigns (id, account_id, name, status) \
                 VALUES ({id}, {account}, 'added while paging', 'ACTIVE')"
            ))
            .execute(&mut conn)
            .unwrap();
        }
    }
    let distinct: BTreeSet<i64> = seen.iter().copied().collect();
    assert_eq!(distinct.len(), seen.len(), "no row twice: {seen:?}");
    assert!(
        before.iter().all(|id| distinct.contains(id)),
        "every row once"
    );
    assert!(
        seen.iter().all(|id| *id > 1_000 + 100),
        "rows behind the cursor stay behind"
    );

    // An account's creatives two at a time: every one once, in id order, as one page has them.
    let creatives_page = |page_size: i32, page_token: String| ListCreativesRequest {
        page_size,
        page_token,
        account_id: account,
        ..Default::default()
    };
    let whole: Vec<i64> = client
        .list_creatives(bearer(creatives_page(500, String::new()), &s.reader))
        .await
        .unwrap()
        .into_inner()
        .creatives
        .iter()
        .map(|c| c.creative_id)
        .collect();
    let paged = every_page(|token| {
        let (mut client, reader) = (s.client(), s.reader.clone());
        async move {
            let page = client
                .list_creatives(bearer(creatives_page(2, token), &reader))
                .await
                .unwrap()
                .into_inner();
            let rows = page.creatives.iter().map(|c| c.creative_id).collect();
            (rows, page.next_page_token)
        }
    })
    .await;
    assert_eq!(whole.len(), 9);
    assert!(whole.is_sorted());
    assert_eq!(paged, whole);

    // A token only works for the call and the filters it was issued for.
    let first = client
        .list_campaigns(bearer(
            ListCampaignsRequest {
                page_size: 1,
                account_id: account,
                ..Default::default()
            },
            &s.reader,
        ))
        .await
        .unwrap()
        .into_inner()
        .next_page_token;
    let mut tampered = first.clone().into_bytes();
    tampered[0] = if tampered[0] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    for (token, filters) in [
        (tampered.as_str(), account),
        (first.as_str(), 0),
        ("not a token", account),
    ] {
        let err = client
            .list_campaigns(bearer(
                ListCampaignsRequest {
                    page_size: 1,
                    page_token: token.to_owned(),
                    account_id: filters,
                    ..Default::default()
                },
                &s.reader,
            ))
            .await
            .unwrap_err();
        assert_eq!(bad_fields(&err), set(&["page_token"]));
    }
    let foreign = client
        .list_creatives(bearer(
            ListCreativesRequest {
                page_size: 1,
                page_token: first.clone(),
                account_id: account,
                ..Default::default()
            },
            &s.reader,
        ))
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&foreign), set(&["page_token"]));
    for page_size in [-1, 501] {
        let err = client
            .list_accounts(bearer(
                ListAccountsRequest {
                    page_size,
                    ..Default::default()
                },
                &s.reader,
            ))
            .await
            .unwrap_err();
        assert_eq!(bad_fields(&err), set(&["page_size"]));
    }
}

#[tokio::test]
async fn bad_requests_get_field_details_unknown_ids_not_found_and_scopes_are_enforced() {
    let s = Synced::start(Size {
        accounts: 1,
        campaign_groups_per_account: 1,
        campaigns_per_account: 2,
        creatives_per_campaign: 1,
        days: 5,
    })
    .await;
    let mut client = s.client();
    let account = s.accounts[0];
    let campaign = s.stack.sandbox.truth().campaigns(account)[0].id;
    let metrics = |ids: Vec<i64>, start: &str, end: &str, granularity: i32| {
        bearer(
            GetCampaignMetricsRequest {
                campaign_ids: ids,
                start_date: start.to_owned(),
                end_date: end.to_owned(),
                granularity,
            },
            &s.reader,
        )
    };
    let cases = [
        (
            metrics(vec![campaign], "2026-03-10", "2026-03-01", 1),
            set(&["end_date"]),
        ),
        (
            metrics(vec![campaign], "2020-01-01", "2026-01-01", 1),
            set(&["end_date"]),
        ),
        (
            metrics(vec![], "2026-1-1", "", 9),
            set(&["campaign_ids", "start_date", "end_date", "granularity"]),
        ),
        (
            metrics(vec![campaign, -4], "2026-01-01", "2026-01-02", 0),
            set(&["campaign_ids[1]"]),
        ),
        (
            metrics((1..=101).collect(), "2026-01-01", "2026-01-02", 0),
            set(&["campaign_ids"]),
        ),
        // A huge list is refused as a whole, before any per-id work.
        (
            metrics(vec![-1; 300_000], "2026-01-01", "2026-01-02", 0),
            set(&["campaign_ids"]),
        ),
    ];
    for (request, fields) in cases {
        let err = client.get_campaign_metrics(request).await.unwrap_err();
        assert_eq!(bad_fields(&err), fields, "{}", err.message());
    }

    // Oversized filters are refused, not searched for.
    let err = client
        .list_campaigns(bearer(
            adsync_proto::reporting::ListCampaignsRequest {
                name_contains: "x".repeat(1 << 20),
                ..Default::default()
            },
            &s.reader,
        ))
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&err), set(&["name_contains"]));

    // Unknown ids: NOT_FOUND naming them, never an empty series.
    let err = client
        .get_campaign_metrics(metrics(
            vec![campaign, 42, 43],
            "2026-01-01",
            "2026-01-02",
            1,
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    assert!(err.message().contains("42,43"), "{}", err.message());
    let err = client
        .get_account_summary(bearer(
            GetAccountSummaryRequest {
                account_id: 7,
                start_date: "2026-01-01".into(),
                end_date: "2026-01-31".into(),
                top_campaigns: 0,
            },
            &s.reader,
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let err = client
        .get_sync_status(bearer(GetSyncStatusRequest { account_id: 7 }, &s.reader))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let err = client
        .get_demographics(bearer(
            GetDemographicsRequest {
                account_id: account,
                ..Default::default()
            },
            &s.reader,
        ))
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&err), set(&["pivot", "start_date", "end_date"]));
    let err = client
        .get_account_summary(bearer(
            GetAccountSummaryRequest {
                account_id: 0,
                start_date: "2026-01-01".into(),
                end_date: "2026-01-31".into(),
                top_campaigns: 51,
            },
            &s.reader,
        ))
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&err), set(&["account_id", "top_campaigns"]));

    // A token without reports:read is refused; without a token, unauthenticated.
    let (writer, _) = s.stack.token("sync only", &[Scope::SyncWrite]).await;
    let err = client
        .get_sync_status(bearer(GetSyncStatusRequest::default(), &writer))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let err = client
        .list_accounts(ListAccountsRequest::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
}

#[tokio::test]
async fn a_report_past_its_deadline_is_stopped_and_its_query_cancelled_in_the_database() {
    use diesel::connection::SimpleConnection;

    let stack = Stack::start(SandboxConfig::default()).await;
    // Another session holds a lock the report's query must wait for.
    let mut locker = stack.db.connect();
    locker
        .batch_execute("BEGIN; LOCK TABLE linkedin.ad_accounts IN ACCESS EXCLUSIVE MODE;")
        .unwrap();
    let mut reports =
        adsync_proto::reporting::reporting_service_client::ReportingServiceClient::new(
            stack.reporting.channel(),
        );
    let mut request = bearer(
        adsync_proto::reporting::ListAccountsRequest::default(),
        &stack.admin,
    );
    request.set_timeout(std::time::Duration::from_millis(300));
    let status = reports.list_accounts(request).await.unwrap_err();
    // The server answers DEADLINE_EXCEEDED at the deadline; tonic's client gives up at
    // the same moment and may report its own CANCELLED first.
    assert!(
        matches!(
            status.code(),
            tonic::Code::DeadlineExceeded | tonic::Code::Cancelled
        ),
        "{status:?}"
    );

    // The query waiting on the lock is cancelled, though the lock is still held (without
    // the cancel it would wait for the statement timeout, 15 s).
    #[derive(diesel::QueryableByName)]
    struct Waiting {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let waiting = |conn: &mut diesel::PgConnection| {
        diesel::RunQueryDsl::get_result::<Waiting>(
            diesel::sql_query(
                "SELECT count(*) AS n FROM pg_stat_activity \
                 WHERE datname = current_database() AND application_name = 'adsync-reporting' \
                   AND wait_event_type = 'Lock'",
            ),
            conn,
        )
        .unwrap()
        .n
    };
    let mut observer = stack.db.connect();
    let mut left = waiting(&mut observer);
    for _ in 0..50 {
        if left == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        left = waiting(&mut observer);
    }
    assert_eq!(left, 0, "the abandoned query still waits on the lock");
    locker.batch_execute("ROLLBACK").unwrap();
    // The service answers normally afterwards.
    let accounts = reports
        .list_accounts(bearer(
            adsync_proto::reporting::ListAccountsRequest::default(),
            &stack.admin,
        ))
        .await;
    assert!(accounts.is_ok(), "{accounts:?}");
}

//! `adsync report amazon ...` and `adsync report daily-spend`: the Amazon Ads reads and
//! the cross-source daily spend as tables, or as JSON. Every number is the string the
//! RPC returned.

use adsync_proto::reporting::reporting_service_client::ReportingServiceClient;
use adsync_proto::reporting::*;
use tonic::transport::Channel;

use super::report::{Grain, Range};
use crate::endpoints::Token;
use crate::failure::{Failure, Outcome};
use crate::output::{Table, json, money, print_json, ratio};

type Client = ReportingServiceClient<Channel>;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum AmazonReport {
    /// The synced profiles.
    Profiles,
    /// A profile's campaigns with settings and totals.
    Campaigns(PeriodArgs),
    /// A profile's ad groups with totals.
    AdGroups(PeriodArgs),
    /// A profile's keywords and targets with bids and totals.
    Keywords(PeriodArgs),
    /// A profile's search terms, costliest first.
    SearchTerms(PeriodArgs),
    /// Series of campaigns, ad groups or keywords/targets by day, week or month.
    Metrics(MetricsArgs),
    /// Keywords and targets that spent and sold nothing.
    Waste(PeriodArgs),
    /// Search terms with orders that are not yet keywords.
    Harvest(PeriodArgs),
}

#[derive(Debug, clap::Args)]
pub(crate) struct PeriodArgs {
    /// The profile (profileId).
    #[arg(long)]
    profile: i64,
    /// Days after the click an order counts: 7 or 14.
    #[arg(long, default_value_t = 14)]
    attribution: i32,
    /// At most this many rows.
    #[arg(long, default_value_t = 50)]
    limit: i32,
    #[command(flatten)]
    range: Range,
}

impl PeriodArgs {
    fn period(&self) -> AmazonPeriod {
        let (start_date, end_date) = self.range.dates();
        AmazonPeriod {
            profile_id: self.profile,
            start_date,
            end_date,
            attribution_days: self.attribution,
        }
    }
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum LevelArg {
    Campaign,
    AdGroup,
    Keyword,
}

#[derive(Debug, clap::Args)]
pub(crate) struct MetricsArgs {
    #[arg(long, value_enum, default_value = "campaign")]
    level: LevelArg,
    /// The ids (repeat the flag).
    #[arg(long = "id", required = true)]
    ids: Vec<i64>,
    #[arg(long, value_enum, default_value = "day")]
    granularity: Grain,
    #[arg(long, default_value_t = 14)]
    attribution: i32,
    #[command(flatten)]
    range: Range,
}

#[derive(Debug, clap::Args)]
pub(crate) struct DailySpendArgs {
    /// `linkedin:ID` or `amazon-ads:ID` (repeat the flag).
    #[arg(long = "account", required = true)]
    accounts: Vec<String>,
    /// Amazon's attribution window: 7 or 14.
    #[arg(long, default_value_t = 14)]
    attribution: i32,
    #[command(flatten)]
    range: Range,
}

const VALUE_HEADERS: [&str; 10] = [
    "impr", "clicks", "cost", "orders", "sales", "ctr", "cpc", "acos", "roas", "cvr",
];

fn with_values(first: &[&'static str]) -> Vec<&'static str> {
    first.iter().copied().chain(VALUE_HEADERS).collect()
}

fn value_cells(v: Option<&AmazonMetricValues>) -> Vec<String> {
    let v = v.cloned().unwrap_or_default();
    vec![
        v.impressions.to_string(),
        v.clicks.to_string(),
        money(v.cost.as_ref()),
        v.purchases.to_string(),
        money(v.sales.as_ref()),
        ratio(v.ctr_percent.as_ref(), "%"),
        money(v.cpc.as_ref()),
        ratio(v.acos_percent.as_ref(), "%"),
        ratio(v.roas.as_ref(), ""),
        ratio(v.conversion_rate_percent.as_ref(), "%"),
    ]
}

pub(crate) async fn report(
    client: &mut Client,
    token: &Token,
    report: AmazonReport,
    as_json: bool,
) -> Outcome {
    match report {
        AmazonReport::Profiles => {
            let r = client
                .list_amazon_profiles(token.request(ListAmazonProfilesRequest::default()))
                .await?
                .into_inner();
            if as_json {
                print_json(&json(&r, "adsync.reporting.v1.ListAmazonProfilesResponse"));
                return Ok(());
            }
            let mut table = Table::new(&[
                "profile",
                "region",
                "country",
                "currency",
                "time zone",
                "type",
                "advertiser",
            ]);
            for p in r.profiles {
                table.row(vec![
                    p.profile_id.to_string(),
                    p.region,
                    p.country_code,
                    p.currency_code,
                    p.time_zone,
                    p.account_type,
                    p.account_name,
                ]);
            }
            table.print();
        }
        AmazonReport::Campaigns(args) => {
            let r = client
                .list_amazon_campaigns(token.request(ListAmazonCampaignsRequest {
                    period: Some(args.period()),
                    page_size: args.limit,
                    ..Default::default()
                }))
                .await?
                .into_inner();
            if as_json {
                print_json(&json(&r, "adsync.reporting.v1.ListAmazonCampaignsResponse"));
                return Ok(());
            }
            let mut table = Table::new(&with_values(&["campaign", "name", "state", "budget"]));
            for c in r.campaigns {
                let mut row = vec![
                    c.campaign_id.to_string(),
                    c.name,
                    c.state,
                    money(c.budget.as_ref()),
                ];
                row.extend(value_cells(c.totals.as_ref()));
                table.row(row);
            }
            table.print();
        }
        AmazonReport::AdGroups(args) => {
            let r = client
                .list_amazon_ad_groups(token.request(ListAmazonAdGroupsRequest {
                    period: Some(args.period()),
                    page_size: args.limit,
                    ..Default::default()
                }))
                .await?
                .into_inner();
            if as_json {
                print_json(&json(&r, "adsync.reporting.v1.ListAmazonAdGroupsResponse"));
                return Ok(());
            }
            let mut table = Table::new(&with_values(&[
                "ad group", "campaign", "name", "state", "bid",
            ]));
            for g in r.ad_groups {
                let mut row = vec![
                    g.ad_group_id.to_string(),
                    g.campaign_id.to_string(),
                    g.name,
                    g.state,
                    money(g.default_bid.as_ref()),
                ];
                row.extend(value_cells(g.totals.as_ref()));
                table.row(row);
            }
            table.print();
        }
        AmazonReport::Keywords(args) => {
            let r = client
                .list_amazon_targetings(token.request(ListAmazonTargetingsRequest {
                    period: Some(args.period()),
                    page_size: args.limit,
                    ..Default::default()
                }))
                .await?
                .into_inner();
            if as_json {
                print_json(&json(
                    &r,
                    "adsync.reporting.v1.ListAmazonTargetingsResponse",
                ));
                return Ok(());
            }
            print_targetings(r.targetings);
        }
        AmazonReport::Waste(args) => {
            let r = client
                .audit_amazon_waste(token.request(AuditAmazonWasteRequest {
                    period: Some(args.period()),
                    limit: args.limit,
                    ..Default::default()
                }))
                .await?
                .into_inner();
            if as_json {
                print_json(&json(&r, "adsync.reporting.v1.AuditAmazonWasteResponse"));
                return Ok(());
            }
            print_targetings(r.targetings);
        }
        AmazonReport::SearchTerms(args) => {
            let r = client
                .list_amazon_search_terms(token.request(ListAmazonSearchTermsRequest {
                    period: Some(args.period()),
                    limit: args.limit,
                    ..Default::default()
                }))
                .await?
                .into_inner();
            if as_json {
                print_json(&json(
                    &r,
                    "adsync.reporting.v1.ListAmazonSearchTermsResponse",
                ));
                return Ok(());
            }
            print_search_terms(r.search_terms);
        }
        AmazonReport::Harvest(args) => {
            let r = client
                .audit_amazon_harvest(token.request(AuditAmazonHarvestRequest {
                    period: Some(args.period()),
                    limit: args.limit,
                    ..Default::default()
                }))
                .await?
                .into_inner();
            if as_json {
                print_json(&json(&r, "adsync.reporting.v1.AuditAmazonHarvestResponse"));
                return Ok(());
            }
            print_search_terms(r.search_terms);
        }
        AmazonReport::Metrics(args) => {
            let (start_date, end_date) = args.range.dates();
            let r = client
                .get_amazon_metrics(token.request(GetAmazonMetricsRequest {
                    level: match args.level {
                        LevelArg::Campaign => AmazonLevel::Campaign,
                        LevelArg::AdGroup => AmazonLevel::AdGroup,
                        LevelArg::Keyword => AmazonLevel::Targeting,
                    } as i32,
                    ids: args.ids,
                    start_date,
                    end_date,
                    granularity: match args.granularity {
                        Grain::Day => Granularity::Day,
                        Grain::Week => Granularity::Week,
                        Grain::Month => Granularity::Month,
                    } as i32,
                    attribution_days: args.attribution,
                }))
                .await?
                .into_inner();
            if as_json {
                print_json(&json(&r, "adsync.reporting.v1.GetAmazonMetricsResponse"));
                return Ok(());
            }
            for s in r.series {
                println!("{} {:?} (profile {})", s.id, s.name, s.profile_id);
                let mut table = Table::new(&with_values(&["from", "to"]));
                for p in s.points {
                    let mut row = vec![p.period_start, p.period_end];
                    row.extend(value_cells(p.values.as_ref()));
                    table.row(row);
                }
                let mut row = vec!["total".to_owned(), String::new()];
                row.extend(value_cells(s.total.as_ref()));
                table.row(row);
                table.print();
            }
        }
    }
    Ok(())
}

fn print_targetings(targetings: Vec<AmazonTargeting>) {
    let mut table = Table::new(&with_values(&[
        "id", "ad group", "text", "match", "state", "bid",
    ]));
    for t in targetings {
        let mut row = vec![
            t.targeting_id.to_string(),
            t.ad_group_id.to_string(),
            t.text,
            t.match_type,
            t.state,
            money(t.bid.as_ref()),
        ];
        row.extend(value_cells(t.totals.as_ref()));
        table.row(row);
    }
    table.print();
}

fn print_search_terms(terms: Vec<AmazonSearchTerm>) {
    let mut table = Table::new(&with_values(&["search term", "ad group", "matched by"]));
    for t in terms {
        let mut row = vec![
            t.search_term,
            t.ad_group_id.to_string(),
            t.targeting_id.to_string(),
        ];
        row.extend(value_cells(t.totals.as_ref()));
        table.row(row);
    }
    table.print();
}

/// `linkedin:123` or `amazon-ads:456`.
fn account_ref(raw: &str) -> Outcome<AccountRef> {
    let bad = || {
        Failure::Usage(format!(
            "--account {raw:?}: expected linkedin:ID or amazon-ads:ID"
        ))
    };
    let (source, id) = raw.split_once(':').ok_or_else(bad)?;
    let source = match source {
        "linkedin" => AdSource::Linkedin,
        "amazon-ads" | "amazon_ads" => AdSource::AmazonAds,
        _ => return Err(bad()),
    };
    Ok(AccountRef {
        source: source as i32,
        account_id: id.parse().map_err(|_| bad())?,
    })
}

pub(crate) async fn daily_spend(
    client: &mut Client,
    token: &Token,
    args: DailySpendArgs,
    as_json: bool,
) -> Outcome {
    let accounts = args
        .accounts
        .iter()
        .map(|a| account_ref(a))
        .collect::<Outcome<Vec<_>>>()?;
    let (start_date, end_date) = args.range.dates();
    let r = client
        .get_daily_spend(token.request(GetDailySpendRequest {
            accounts,
            start_date,
            end_date,
            attribution_days: args.attribution,
        }))
        .await?
        .into_inner();
    if as_json {
        print_json(&json(&r, "adsync.reporting.v1.GetDailySpendResponse"));
        return Ok(());
    }
    let mut table = Table::new(&[
        "date",
        "spend",
        "impressions",
        "clicks",
        "conversions",
        "accounts",
    ]);
    for d in r.days {
        table.row(vec![
            d.date,
            money(d.spend.as_ref()),
            d.impressions.to_string(),
            d.clicks.to_string(),
            d.conversions.to_string(),
            d.accounts.to_string(),
        ]);
    }
    table.print();
    Ok(())
}

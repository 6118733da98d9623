//! `adsync report ...`: the reporting service's answers as tables, or as JSON. Every
//! number is the string the RPC returned, so a table and a grpcurl call agree exactly.

use adsync_proto::reporting::reporting_service_client::ReportingServiceClient;
use adsync_proto::reporting::*;
use chrono::{Days, Utc};
use serde_json::json as object;
use tonic::transport::Channel;

use crate::endpoints::{Endpoints, Token};
use crate::failure::{Failure, Outcome};
use crate::output::{Table, json, money, print_json, ratio, time};

#[derive(Debug, clap::Subcommand)]
pub(crate) enum Report {
    /// Campaigns with their settings and totals over the range.
    Campaigns(ListArgs),
    /// Creatives (named by their content) with their totals over the range.
    Creatives(ListArgs),
    /// One account's totals and top campaigns by cost.
    Summary(SummaryArgs),
    /// Time series of campaigns by day, week or month.
    Metrics(MetricsArgs),
    /// An account's audience by one demographic pivot, with shares of impressions.
    Demographics(DemographicsArgs),
    /// Active campaigns whose settings or delivery deserve a second look.
    Audit(AuditArgs),
    /// Per account: last run, data age against the freshness TTL, row counts.
    Status(StatusArgs),
    /// Amazon Ads: profiles, campaigns, ad groups, keywords, search terms, series, audits.
    #[command(subcommand)]
    Amazon(super::amazon_report::AmazonReport),
    /// Spend, clicks and conversions per day across LinkedIn and Amazon Ads accounts, per
    /// currency.
    DailySpend(super::amazon_report::DailySpendArgs),
}

/// A date range; both ends default to the 30 days up to yesterday (UTC).
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct Range {
    /// First day, YYYY-MM-DD.
    #[arg(long)]
    from: Option<String>,
    /// Last day, YYYY-MM-DD.
    #[arg(long)]
    to: Option<String>,
}

impl Range {
    pub(crate) fn dates(&self) -> (String, String) {
        let yesterday = Utc::now().date_naive() - Days::new(1);
        let to = self.to.clone().unwrap_or_else(|| yesterday.to_string());
        let from = self
            .from
            .clone()
            .unwrap_or_else(|| (yesterday - Days::new(29)).to_string());
        (from, to)
    }
}

#[derive(Debug, clap::Args)]
pub(crate) struct ListArgs {
    #[arg(long)]
    account: Option<i64>,
    /// Creatives of one campaign only.
    #[arg(long)]
    campaign: Option<i64>,
    /// Exact status, e.g. ACTIVE.
    #[arg(long)]
    status: Option<String>,
    /// Case-insensitive part of the name.
    #[arg(long)]
    name: Option<String>,
    /// At most this many rows.
    #[arg(long, default_value_t = 50)]
    limit: usize,
    #[command(flatten)]
    range: Range,
}

#[derive(Debug, clap::Args)]
pub(crate) struct SummaryArgs {
    /// One account; every synced account when absent.
    #[arg(long)]
    account: Option<i64>,
    #[arg(long, default_value_t = 5)]
    top: i32,
    #[command(flatten)]
    range: Range,
}

#[derive(Debug, clap::Args)]
pub(crate) struct MetricsArgs {
    /// Campaign ids (repeat the flag).
    #[arg(long = "campaign", required = true)]
    campaigns: Vec<i64>,
    #[arg(long, value_enum, default_value = "day")]
    granularity: Grain,
    #[command(flatten)]
    range: Range,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum Grain {
    Day,
    Week,
    Month,
}

#[derive(Debug, clap::Args)]
pub(crate) struct DemographicsArgs {
    #[arg(long)]
    account: i64,
    #[arg(long, value_enum, default_value = "seniority")]
    pivot: Pivot,
    /// The top segments only (0: all).
    #[arg(long, default_value_t = 15)]
    limit: i32,
    #[command(flatten)]
    range: Range,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum Pivot {
    JobTitle,
    JobFunction,
    Industry,
    Seniority,
    CompanySize,
    Country,
}

#[derive(Debug, clap::Args)]
pub(crate) struct AuditArgs {
    #[arg(long)]
    account: Option<i64>,
    /// List active campaigns without findings too.
    #[arg(long)]
    all: bool,
}

#[derive(Debug, clap::Args)]
pub(crate) struct StatusArgs {
    #[arg(long)]
    account: Option<i64>,
}

type Client = ReportingServiceClient<Channel>;

pub(crate) async fn report(endpoints: &Endpoints, report: Report, as_json: bool) -> Outcome {
    let token = endpoints.token()?;
    let mut client = endpoints.reporting().await?;
    match report {
        Report::Campaigns(args) => campaigns(&mut client, &token, args, as_json).await,
        Report::Creatives(args) => creatives(&mut client, &token, args, as_json).await,
        Report::Summary(args) => summary(&mut client, &token, args, as_json).await,
        Report::Metrics(args) => metrics(&mut client, &token, args, as_json).await,
        Report::Demographics(args) => demographics(&mut client, &token, args, as_json).await,
        Report::Audit(args) => audit(&mut client, &token, args, as_json).await,
        Report::Status(args) => status(&mut client, &token, args, as_json).await,
        Report::Amazon(report) => {
            super::amazon_report::report(&mut client, &token, report, as_json).await
        }
        Report::DailySpend(args) => {
            super::amazon_report::daily_spend(&mut client, &token, args, as_json).await
        }
    }
}

/// The totals of `ids` over the range, in the order given (100 ids per call).
async fn totals(
    client: &mut Client,
    token: &Token,
    ids: Vec<i64>,
    range: &Range,
    creatives: bool,
) -> Outcome<Vec<MetricSeries>> {
    let (start_date, end_date) = range.dates();
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(100) {
        let series = if creatives {
            client
                .get_creative_metrics(token.request(GetCreativeMetricsRequest {
                    creative_ids: chunk.to_vec(),
                    start_date: start_date.clone(),
                    end_date: end_date.clone(),
                    granularity: Granularity::Month as i32,
                }))
                .await?
                .into_inner()
                .series
        } else {
            client
                .get_campaign_metrics(token.request(GetCampaignMetricsRequest {
                    campaign_ids: chunk.to_vec(),
                    start_date: start_date.clone(),
                    end_date: end_date.clone(),
                    granularity: Granularity::Month as i32,
                }))
                .await?
                .into_inner()
                .series
        };
        out.extend(series);
    }
    Ok(out)
}

fn value_cells(v: &MetricValues) -> Vec<String> {
    vec![
        v.impressions.to_string(),
        v.clicks.to_string(),
        money(v.cost.as_ref()),
        ratio(v.ctr_percent.as_ref(), "%"),
        money(v.cpc.as_ref()),
        v.conversions.to_string(),
        v.leads.to_string(),
    ]
}

const VALUE_HEADERS: [&str; 7] = [
    "impressions",
    "clicks",
    "cost",
    "ctr",
    "cpc",
    "conv",
    "leads",
];

fn with_values(first: &[&'static str]) -> Vec<&'static str> {
    first.iter().chain(VALUE_HEADERS.iter()).copied().collect()
}

async fn campaigns(client: &mut Client, token: &Token, args: ListArgs, as_json: bool) -> Outcome {
    let mut listed: Vec<Campaign> = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = client
            .list_campaigns(token.request(ListCampaignsRequest {
                page_size: args.limit.min(500) as i32,
                page_token,
                account_id: args.account.unwrap_or_default(),
                status: args.status.clone().unwrap_or_default(),
                name_contains: args.name.clone().unwrap_or_default(),
                campaign_group_id: 0,
            }))
            .await?
            .into_inner();
        listed.extend(page.campaigns);
        if page.next_page_token.is_empty() || listed.len() >= args.limit {
            break;
        }
        page_token = page.next_page_token;
    }
    listed.truncate(args.limit);
    let series = totals(
        client,
        token,
        listed.iter().map(|c| c.campaign_id).collect(),
        &args.range,
        false,
    )
    .await?;
    if as_json {
        for (c, s) in listed.iter().zip(&series) {
            print_json(&object!({
                "campaign": json(c, "adsync.reporting.v1.Campaign"),
                "total": json(s.total.as_ref().expect("a total"), "adsync.reporting.v1.MetricValues"),
            }));
        }
        return Ok(());
    }
    let (from, to) = args.range.dates();
    println!("campaigns, totals {from} to {to}");
    let mut table = Table::new(&with_values(&["campaign", "name", "status", "cost type"]));
    for (c, s) in listed.iter().zip(&series) {
        let settings = c.settings.clone().unwrap_or_default();
        let mut row = vec![
            c.campaign_id.to_string(),
            c.name.clone(),
            c.status.clone(),
            settings.cost_type,
        ];
        row.extend(value_cells(s.total.as_ref().expect("a total")));
        table.row(row);
    }
    table.print();
    Ok(())
}

async fn creatives(client: &mut Client, token: &Token, args: ListArgs, as_json: bool) -> Outcome {
    let listed = client
        .list_creatives(token.request(ListCreativesRequest {
            page_size: args.limit.min(500) as i32,
            account_id: args.account.unwrap_or_default(),
            campaign_id: args.campaign.unwrap_or_default(),
            intended_status: args.status.clone().unwrap_or_default(),
            name_contains: args.name.clone().unwrap_or_default(),
            ..Default::default()
        }))
        .await?
        .into_inner()
        .creatives;
    let series = totals(
        client,
        token,
        listed.iter().map(|c| c.creative_id).collect(),
        &args.range,
        true,
    )
    .await?;
    if as_json {
        for (c, s) in listed.iter().zip(&series) {
            print_json(&object!({
                "creative": json(c, "adsync.reporting.v1.Creative"),
                "total": json(s.total.as_ref().expect("a total"), "adsync.reporting.v1.MetricValues"),
            }));
        }
        return Ok(());
    }
    let (from, to) = args.range.dates();
    println!("creatives, totals {from} to {to}");
    let mut table = Table::new(&with_values(&[
        "creative", "content", "campaign", "serving",
    ]));
    for (c, s) in listed.iter().zip(&series) {
        let mut row = vec![
            c.creative_id.to_string(),
            c.content_name.clone(),
            c.campaign_name.clone(),
            if c.is_serving { "yes" } else { "no" }.to_owned(),
        ];
        row.extend(value_cells(s.total.as_ref().expect("a total")));
        table.row(row);
    }
    table.print();
    Ok(())
}

async fn summary(client: &mut Client, token: &Token, args: SummaryArgs, as_json: bool) -> Outcome {
    let accounts = match args.account {
        Some(id) => vec![id],
        None => client
            .list_accounts(token.request(ListAccountsRequest {
                page_size: 500,
                ..Default::default()
            }))
            .await?
            .into_inner()
            .accounts
            .iter()
            .map(|a| a.account_id)
            .collect(),
    };
    if accounts.is_empty() {
        println!("no account has been synced yet (adsync sync)");
    }
    for account in accounts {
        account_summary(client, token, account, &args, as_json).await?;
    }
    Ok(())
}

async fn account_summary(
    client: &mut Client,
    token: &Token,
    account: i64,
    args: &SummaryArgs,
    as_json: bool,
) -> Outcome {
    let (start_date, end_date) = args.range.dates();
    let summary = client
        .get_account_summary(token.request(GetAccountSummaryRequest {
            account_id: account,
            start_date: start_date.clone(),
            end_date: end_date.clone(),
            top_campaigns: args.top,
        }))
        .await?
        .into_inner();
    if as_json {
        print_json(&json(
            &summary,
            "adsync.reporting.v1.GetAccountSummaryResponse",
        ));
        return Ok(());
    }
    let account = summary.account.clone().unwrap_or_default();
    let t = summary.totals.clone().unwrap_or_default();
    println!(
        "account {} {:?} ({}), {start_date} to {end_date}",
        account.account_id, account.name, account.currency
    );
    println!(
        "  impressions {}  clicks {}  cost {}  ctr {}  cpc {}  cpm {}",
        t.impressions,
        t.clicks,
        money(t.cost.as_ref()),
        ratio(t.ctr_percent.as_ref(), "%"),
        money(t.cpc.as_ref()),
        money(t.cpm.as_ref()),
    );
    println!(
        "  conversions {}  conversion rate {}  cost per conversion {}  leads {}  cpl {}  engagements {}",
        t.conversions,
        ratio(t.conversion_rate_percent.as_ref(), "%"),
        money(t.cost_per_conversion.as_ref()),
        t.leads,
        money(t.cpl.as_ref()),
        t.engagements
    );
    println!(
        "  active campaigns {}, with delivery in the range {}",
        summary.active_campaigns, summary.campaigns_with_delivery
    );
    println!("top campaigns by cost");
    let mut table = Table::new(&with_values(&["campaign", "name", "status"]));
    for c in &summary.top_campaigns {
        let mut row = vec![c.campaign_id.to_string(), c.name.clone(), c.status.clone()];
        row.extend(value_cells(c.values.as_ref().expect("values")));
        table.row(row);
    }
    table.print();
    Ok(())
}

async fn metrics(client: &mut Client, token: &Token, args: MetricsArgs, as_json: bool) -> Outcome {
    let (start_date, end_date) = args.range.dates();
    let granularity = match args.granularity {
        Grain::Day => Granularity::Day,
        Grain::Week => Granularity::Week,
        Grain::Month => Granularity::Month,
    };
    let response = client
        .get_campaign_metrics(token.request(GetCampaignMetricsRequest {
            campaign_ids: args.campaigns,
            start_date,
            end_date,
            granularity: granularity as i32,
        }))
        .await?
        .into_inner();
    if as_json {
        print_json(&json(
            &response,
            "adsync.reporting.v1.GetCampaignMetricsResponse",
        ));
        return Ok(());
    }
    for s in &response.series {
        println!("campaign {} {:?} (account {})", s.id, s.name, s.account_id);
        let mut table = Table::new(&with_values(&["from", "to"]));
        for p in &s.points {
            let mut row = vec![p.period_start.clone(), p.period_end.clone()];
            row.extend(value_cells(p.values.as_ref().expect("values")));
            table.row(row);
        }
        let mut row = vec!["total".to_owned(), String::new()];
        row.extend(value_cells(s.total.as_ref().expect("a total")));
        table.row(row);
        table.print();
    }
    Ok(())
}

async fn demographics(
    client: &mut Client,
    token: &Token,
    args: DemographicsArgs,
    as_json: bool,
) -> Outcome {
    let (start_date, end_date) = args.range.dates();
    let pivot = match args.pivot {
        Pivot::JobTitle => DemographicPivot::JobTitle,
        Pivot::JobFunction => DemographicPivot::JobFunction,
        Pivot::Industry => DemographicPivot::Industry,
        Pivot::Seniority => DemographicPivot::Seniority,
        Pivot::CompanySize => DemographicPivot::CompanySize,
        Pivot::Country => DemographicPivot::Country,
    };
    let response = client
        .get_demographics(token.request(GetDemographicsRequest {
            account_id: args.account,
            pivot: pivot as i32,
            start_date,
            end_date,
            limit: args.limit,
        }))
        .await?
        .into_inner();
    if as_json {
        print_json(&json(
            &response,
            "adsync.reporting.v1.GetDemographicsResponse",
        ));
        return Ok(());
    }
    println!(
        "account {}, {}, months {} to {}, {} impressions in all",
        response.account_id,
        pivot
            .as_str_name()
            .trim_start_matches("DEMOGRAPHIC_PIVOT_")
            .to_lowercase(),
        response.period_start,
        response.period_end,
        response.total_impressions
    );
    let mut table = Table::new(&[
        "segment",
        "name",
        "impressions",
        "share",
        "clicks",
        "ctr",
        "cost",
    ]);
    for s in &response.segments {
        table.row(vec![
            s.segment.clone(),
            s.segment_name.clone(),
            s.impressions.to_string(),
            ratio(s.share_of_impressions_percent.as_ref(), "%"),
            s.clicks.to_string(),
            ratio(s.ctr_percent.as_ref(), "%"),
            money(s.cost.as_ref()),
        ]);
    }
    table.print();
    Ok(())
}

async fn audit(client: &mut Client, token: &Token, args: AuditArgs, as_json: bool) -> Outcome {
    let mut audits = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = client
            .audit_campaigns(token.request(AuditCampaignsRequest {
                page_size: 500,
                page_token,
                account_id: args.account.unwrap_or_default(),
                include_clean: args.all,
            }))
            .await?
            .into_inner();
        audits.extend(page.campaign_audits);
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    if as_json {
        for a in &audits {
            print_json(&json(a, "adsync.reporting.v1.CampaignAudit"));
        }
        return Ok(());
    }
    let mut table = Table::new(&["campaign", "account", "name", "findings"]);
    for a in &audits {
        let findings: Vec<String> = a
            .findings
            .iter()
            .map(|f| {
                AuditIssue::try_from(f.issue)
                    .map(|i| {
                        i.as_str_name()
                            .trim_start_matches("AUDIT_ISSUE_")
                            .to_lowercase()
                    })
                    .unwrap_or_default()
            })
            .collect();
        table.row(vec![
            a.campaign_id.to_string(),
            a.account_id.to_string(),
            a.name.clone(),
            if findings.is_empty() {
                "none".to_owned()
            } else {
                findings.join(", ")
            },
        ]);
    }
    table.print();
    Ok(())
}

async fn status(client: &mut Client, token: &Token, args: StatusArgs, as_json: bool) -> Outcome {
    if args.account.is_some_and(|a| a <= 0) {
        return Err(Failure::Usage("--account takes a positive id".to_owned()));
    }
    let response = client
        .get_sync_status(token.request(GetSyncStatusRequest {
            account_id: args.account.unwrap_or_default(),
        }))
        .await?
        .into_inner();
    if as_json {
        print_json(&json(
            &response,
            "adsync.reporting.v1.GetSyncStatusResponse",
        ));
        return Ok(());
    }
    let mut table = Table::new(&[
        "account",
        "name",
        "last run",
        "status",
        "last success",
        "fresh",
        "campaigns",
        "creatives",
        "metric rows",
        "last metric day",
    ]);
    for a in &response.accounts {
        let account = a.account.clone().unwrap_or_default();
        let counts = a.counts.unwrap_or_default();
        table.row(vec![
            account.account_id.to_string(),
            account.name,
            time(a.last_run_time.as_ref()),
            a.last_run_status.clone(),
            time(a.last_success_time.as_ref()),
            if a.fresh { "yes" } else { "no" }.to_owned(),
            counts.campaigns.to_string(),
            counts.creatives.to_string(),
            (counts.campaign_daily_metrics + counts.creative_daily_metrics).to_string(),
            a.last_metric_date.clone(),
        ]);
    }
    table.print();
    Ok(())
}

//! `adsync accounts`, `adsync sync`, `adsync watch` and `adsync runs`: the ingestion side.

use adsync_proto::ingestion::{
    DateRange, DiscoverAccountsRequest, ListSyncRunsRequest, Source, StartSyncRequest, SyncStatus,
    SyncTrigger, WatchSyncRequest,
};

use crate::endpoints::Endpoints;
use crate::failure::{Failure, Outcome};
use crate::output::{Table, json, print_json, time};
use crate::progress::{Mode, Progress, status_name, trigger_name};

/// A source adsync syncs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum SourceArg {
    Linkedin,
    AmazonAds,
    SupplierFeed,
}

impl SourceArg {
    pub(crate) fn proto(self) -> Source {
        match self {
            SourceArg::Linkedin => Source::Linkedin,
            SourceArg::AmazonAds => Source::AmazonAds,
            SourceArg::SupplierFeed => Source::SupplierFeed,
        }
    }
}

/// A source's name in tables: `linkedin`, `amazon_ads`.
pub(crate) fn source_name(source: i32) -> String {
    Source::try_from(source)
        .map(|s| s.as_str_name().trim_start_matches("SOURCE_").to_lowercase())
        .unwrap_or_default()
}

#[derive(Debug, clap::Args)]
pub(crate) struct AccountsArgs {
    /// Only this source's accounts (LinkedIn ad accounts, Amazon Ads profiles).
    #[arg(long, value_enum)]
    source: Option<SourceArg>,
}

impl AccountsArgs {
    /// The Amazon Ads profiles.
    pub(crate) fn amazon() -> AccountsArgs {
        AccountsArgs {
            source: Some(SourceArg::AmazonAds),
        }
    }
}

#[derive(Debug, clap::Args)]
pub(crate) struct SyncArgs {
    /// The accounts to sync (repeat the flag), of `--source`; every discovered account
    /// (of `--source`, when given) when absent.
    #[arg(long = "account")]
    accounts: Vec<i64>,
    /// Whose accounts: LinkedIn ad accounts (the default with --account) or Amazon Ads
    /// profiles.
    #[arg(long, value_enum)]
    source: Option<SourceArg>,
    /// Sync as the scheduler does: skipped when the last successful sync is younger than
    /// the freshness TTL. Without it the sync is ON_DEMAND and always runs.
    #[arg(long, conflicts_with = "force")]
    scheduled: bool,
    /// Bypass the freshness gate (for a scheduled-like trigger too).
    #[arg(long)]
    force: bool,
    /// First day of metrics to fetch (YYYY-MM-DD) instead of the incremental window.
    #[arg(long, requires = "to")]
    from: Option<String>,
    /// Last day of metrics to fetch (YYYY-MM-DD).
    #[arg(long, requires = "from")]
    to: Option<String>,
}

impl SyncArgs {
    /// An on-demand sync of supplier `id`'s feed.
    pub(crate) fn supplier(id: i64) -> SyncArgs {
        SyncArgs {
            accounts: vec![id],
            source: Some(SourceArg::SupplierFeed),
            scheduled: false,
            force: false,
            from: None,
            to: None,
        }
    }
}

pub(crate) async fn accounts(endpoints: &Endpoints, args: AccountsArgs, as_json: bool) -> Outcome {
    let token = endpoints.token()?;
    let found = endpoints
        .ingestion()
        .await?
        .discover_accounts(token.request(DiscoverAccountsRequest {
            source: args.source.map_or(Source::Unspecified, SourceArg::proto) as i32,
            ..Default::default()
        }))
        .await?
        .into_inner();
    if as_json {
        print_json(&json(
            &found,
            "adsync.ingestion.v1.DiscoverAccountsResponse",
        ));
        return Ok(());
    }
    let mut table = Table::new(&[
        "source",
        "account",
        "name",
        "status",
        "connection",
        "last success",
    ]);
    for a in &found.accounts {
        table.row(vec![
            source_name(a.source),
            a.account_id.to_string(),
            a.name.clone(),
            a.status.clone(),
            a.connection_id.clone(),
            time(a.last_success_time.as_ref()),
        ]);
    }
    table.print();
    Ok(())
}

pub(crate) async fn sync(endpoints: &Endpoints, args: SyncArgs, as_json: bool) -> Outcome {
    let token = endpoints.token()?;
    let mut ingestion = endpoints.ingestion().await?;
    let accounts: Vec<(i32, i64)> = if args.accounts.is_empty() {
        let found = ingestion
            .discover_accounts(token.request(DiscoverAccountsRequest {
                source: args.source.map_or(Source::Unspecified, SourceArg::proto) as i32,
                ..Default::default()
            }))
            .await?
            .into_inner()
            .accounts;
        if found.is_empty() {
            return Err(Failure::Usage(
                "no account is reachable: connect first (adsync connect)".to_owned(),
            ));
        }
        // An account reachable through several connections is listed once per connection.
        let mut ids: Vec<(i32, i64)> = found.iter().map(|a| (a.source, a.account_id)).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    } else {
        let source = args.source.unwrap_or(SourceArg::Linkedin).proto() as i32;
        args.accounts.iter().map(|a| (source, *a)).collect()
    };
    let trigger = if args.scheduled {
        SyncTrigger::Scheduled
    } else {
        SyncTrigger::OnDemand
    };
    let date_range = args
        .from
        .zip(args.to)
        .map(|(start_date, end_date)| DateRange {
            start_date,
            end_date,
        });
    let mode = Mode::pick(as_json);
    let mut failed = Vec::new();
    for (source, account) in accounts {
        let mut events = ingestion
            .start_sync(token.request(StartSyncRequest {
                account_id: account,
                source,
                trigger: trigger as i32,
                force: args.force,
                date_range: date_range.clone(),
            }))
            .await?
            .into_inner();
        let mut progress = Progress::new(mode);
        let mut status = None;
        while let Some(message) = events.message().await? {
            if let Some(event) = message.event {
                status = progress.event(&event).or(status);
            }
        }
        if status == Some(SyncStatus::Failed as i32) {
            failed.push(account);
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Failure::RunFailed(format!("the sync of {failed:?} failed")))
    }
}

#[derive(Debug, clap::Args)]
pub(crate) struct WatchArgs {
    /// The run to follow.
    run_id: String,
    /// Replay only events after this sequence (0: from the start).
    #[arg(long, default_value_t = 0)]
    after: i64,
}

pub(crate) async fn watch(endpoints: &Endpoints, args: WatchArgs, as_json: bool) -> Outcome {
    let token = endpoints.token()?;
    let mut events = endpoints
        .ingestion()
        .await?
        .watch_sync(token.request(WatchSyncRequest {
            run_id: args.run_id,
            after_sequence: args.after,
        }))
        .await?
        .into_inner();
    let mut progress = Progress::new(Mode::pick(as_json));
    let mut status = None;
    while let Some(message) = events.message().await? {
        if let Some(event) = message.event {
            status = progress.event(&event).or(status);
        }
    }
    match status {
        Some(s) if s == SyncStatus::Failed as i32 => {
            Err(Failure::RunFailed("the run failed".to_owned()))
        }
        _ => Ok(()),
    }
}

#[derive(Debug, clap::Args)]
pub(crate) struct RunsArgs {
    /// Only this account's runs.
    #[arg(long)]
    account: Option<i64>,
    /// How many of the latest runs.
    #[arg(long, default_value_t = 20)]
    limit: i32,
}

pub(crate) async fn runs(endpoints: &Endpoints, args: RunsArgs, as_json: bool) -> Outcome {
    let token = endpoints.token()?;
    let listed = endpoints
        .ingestion()
        .await?
        .list_sync_runs(token.request(ListSyncRunsRequest {
            page_size: args.limit,
            account_id: args.account.unwrap_or_default(),
            ..Default::default()
        }))
        .await?
        .into_inner();
    if as_json {
        print_json(&json(&listed, "adsync.ingestion.v1.ListSyncRunsResponse"));
        return Ok(());
    }
    let mut table = Table::new(&[
        "run", "account", "trigger", "status", "started", "seconds", "calls", "written", "reason",
    ]);
    for r in &listed.sync_runs {
        let seconds = match (&r.create_time, &r.finish_time) {
            (Some(a), Some(b)) => format!(
                "{:.1}",
                (b.seconds - a.seconds) as f64 + f64::from(b.nanos - a.nanos) / 1e9
            ),
            _ => "-".to_owned(),
        };
        table.row(vec![
            r.run_id.clone(),
            r.account_id.to_string(),
            trigger_name(r.trigger),
            status_name(r.status),
            time(r.create_time.as_ref()),
            seconds,
            r.upstream_calls.to_string(),
            r.entity_counts
                .iter()
                .map(|c| c.written)
                .sum::<i64>()
                .to_string(),
            r.reason.clone(),
        ]);
    }
    table.print();
    Ok(())
}

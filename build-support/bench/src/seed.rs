//! The starting point of every benchmark: a generated sandbox, the stack, a connected
//! LinkedIn member, and a way to sync every account over the sandbox's history.

use std::time::{Duration, Instant};

use adsync_e2e::{Stack, bearer};
use adsync_linkedin_sandbox::{SandboxConfig, Size};
use adsync_proto::auth::Scope;
use adsync_proto::ingestion::ingestion_service_client::IngestionServiceClient;
use adsync_proto::ingestion::{
    DateRange, DiscoverAccountsRequest, StartSyncRequest, SyncStage, SyncStatus, sync_event,
};
use tonic::transport::Channel;

/// The sandbox's size, from flags.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct SizeArgs {
    #[arg(long, default_value_t = 10)]
    pub(crate) accounts: u32,
    #[arg(long, default_value_t = 500)]
    pub(crate) campaigns: u32,
    #[arg(long, default_value_t = 4)]
    pub(crate) creatives: u32,
    #[arg(long, default_value_t = 365)]
    pub(crate) days: u32,
}

pub(crate) struct Seeded {
    pub(crate) stack: Stack,
    pub(crate) accounts: Vec<i64>,
    /// A caller token with sync:write and sync:read.
    pub(crate) token: String,
    pub(crate) client: IngestionServiceClient<Channel>,
    /// Every day of history up to yesterday.
    pub(crate) range: DateRange,
}

/// What syncing every account once took.
pub(crate) struct SyncTotals {
    pub(crate) wall: Duration,
    pub(crate) written: i64,
    pub(crate) upstream_calls: i64,
    /// From the last write-stage event (the COPYs done) to the run's end: merging and committing.
    pub(crate) merge: Duration,
}

impl Seeded {
    pub(crate) async fn start(size: &SizeArgs) -> anyhow::Result<Seeded> {
        let SizeArgs {
            accounts,
            campaigns,
            creatives,
            days,
        } = *size;
        println!(
            "sandbox: {accounts} accounts x {campaigns} campaigns x {creatives} creatives x {days} days"
        );
        let stack = Stack::start(SandboxConfig {
            size: Size {
                accounts,
                campaign_groups_per_account: 10.min(campaigns.max(1)),
                campaigns_per_account: campaigns,
                creatives_per_campaign: creatives,
                days,
            },
            ..SandboxConfig::default()
        })
        .await;
        stack.connect().await;
        let (token, _) = stack
            .token("bench", &[Scope::SyncWrite, Scope::SyncRead])
            .await;
        let mut client = IngestionServiceClient::new(stack.ingestion.channel())
            .max_decoding_message_size(64 << 20);
        let accounts = client
            .discover_accounts(bearer(DiscoverAccountsRequest::default(), &token))
            .await?
            .into_inner()
            .accounts
            .iter()
            .map(|a| a.account_id)
            .collect();
        let end = stack.sandbox.truth().today() - chrono::Days::new(1);
        let start = end - chrono::Days::new(u64::from(days) - 1);
        let range = DateRange {
            start_date: start.to_string(),
            end_date: end.to_string(),
        };
        Ok(Seeded {
            stack,
            accounts,
            token,
            client,
            range,
        })
    }

    /// Syncs every account, one after the other, over the whole range.
    pub(crate) async fn sync_all(&self, force: bool) -> anyhow::Result<SyncTotals> {
        let mut client = self.client.clone();
        let mut totals = SyncTotals {
            wall: Duration::ZERO,
            written: 0,
            upstream_calls: 0,
            merge: Duration::ZERO,
        };
        let started = Instant::now();
        for id in &self.accounts {
            let request = StartSyncRequest {
                account_id: *id,
                force,
                date_range: Some(self.range.clone()),
                ..Default::default()
            };
            let mut stream = client
                .start_sync(bearer(request, &self.token))
                .await?
                .into_inner();
            let mut write_started = None;
            while let Some(message) = stream.message().await? {
                let event = message.event.unwrap_or_default();
                if event.stage == SyncStage::Write as i32 {
                    write_started = Some(Instant::now());
                }
                if let Some(sync_event::Payload::RunFinished(done)) = event.payload {
                    anyhow::ensure!(
                        done.status() != SyncStatus::Failed,
                        "sync failed: {}",
                        done.reason
                    );
                    let run = done.run.unwrap_or_default();
                    totals.written += run.entity_counts.iter().map(|c| c.written).sum::<i64>();
                    totals.upstream_calls += run.upstream_calls;
                    totals.merge += write_started.map_or(Duration::ZERO, |t| t.elapsed());
                }
            }
        }
        totals.wall = started.elapsed();
        Ok(totals)
    }
}

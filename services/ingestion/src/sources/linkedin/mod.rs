//! The LinkedIn Ads source (`linkedin`): ad accounts, campaign groups, campaigns,
//! creatives, daily campaign and creative analytics and member demographics from the
//! Marketing API, into the `linkedin` schema.

mod analytics;
mod client;
mod config;
mod fetch;
pub mod records;
pub(crate) mod tables;

use adsync_proto::auth::Provider;
use adsync_proto::ingestion::Source as SourceProto;
use chrono::{Days, NaiveDate};
use futures::future::BoxFuture;

pub use client::LinkedInClient;
pub use config::LinkedInArgs;

use crate::error::Error;
use crate::runs::{Discovered, RunContext, SourceName};
use crate::store::TableSpec;
use crate::upstream::{CallCounter, TokenSource, UpstreamClient};

/// The source's name.
pub(crate) const NAME: SourceName = SourceName::new("linkedin");

/// LinkedIn Ads.
#[derive(Debug)]
pub(crate) struct LinkedInSource {
    client: LinkedInClient,
    backfill_days: u32,
    restatement_days: u32,
    /// The longest window a sync fetches (as for an explicit range).
    max_days: u32,
}

impl LinkedInSource {
    pub(crate) fn new(
        args: &LinkedInArgs,
        max_days: u32,
        upstream: UpstreamClient,
    ) -> LinkedInSource {
        LinkedInSource {
            client: LinkedInClient::new(upstream, &args.linkedin_api_url, &args.linkedin_version),
            backfill_days: args.backfill_days,
            restatement_days: args.restatement_days,
            max_days,
        }
    }
}

/// The metrics window of a sync without an explicit range: a backfill the first time,
/// then from the last synced day minus the restatement window. Days are UTC; the window
/// ends yesterday, the last whole day.
pub(crate) fn incremental_window(
    today: NaiveDate,
    synced_through: Option<NaiveDate>,
    (backfill_days, restatement_days, max_days): (u32, u32, u32),
) -> (NaiveDate, NaiveDate) {
    let end = today - Days::new(1);
    let start = match synced_through {
        None => end - Days::new(u64::from(backfill_days.max(1) - 1)),
        Some(through) => (through.min(end) - Days::new(u64::from(restatement_days)))
            .max(end - Days::new(u64::from(max_days))),
    };
    (start, end)
}

impl crate::sources::Source for LinkedInSource {
    fn name(&self) -> SourceName {
        NAME
    }

    fn proto(&self) -> SourceProto {
        SourceProto::Linkedin
    }

    fn provider(&self) -> Provider {
        Provider::Linkedin
    }

    fn tables(&self) -> &'static [&'static TableSpec] {
        tables::ALL
    }

    fn window(
        &self,
        today: NaiveDate,
        synced_through: Option<NaiveDate>,
    ) -> (NaiveDate, NaiveDate) {
        incremental_window(
            today,
            synced_through,
            (self.backfill_days, self.restatement_days, self.max_days),
        )
    }

    fn discover<'a>(
        &'a self,
        tokens: &'a dyn TokenSource,
    ) -> BoxFuture<'a, Result<Vec<Discovered>, Error>> {
        Box::pin(self.discover_accounts(tokens))
    }

    fn fetch<'a>(&'a self, run: &'a mut RunContext) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(fetch::fetch(&self.client, run))
    }
}

impl LinkedInSource {
    /// Every ad account the connection reads (`adAccounts?q=search`), valid ones only.
    async fn discover_accounts(&self, tokens: &dyn TokenSource) -> Result<Vec<Discovered>, Error> {
        let counter = CallCounter::default();
        let mut raw = Vec::new();
        self.client
            .for_each_page("/adAccounts", "q=search", 1000, tokens, &counter, |page| {
                raw.extend(page)
            })
            .await?;
        let mut found = Vec::new();
        for element in raw {
            match records::Account::parse(&element) {
                Ok(a) => found.push(Discovered {
                    account_id: a.id,
                    name: a.name,
                    status: a.status,
                    // LinkedIn reports days in UTC.
                    time_zone: chrono_tz::UTC,
                }),
                Err(invalid) => {
                    tracing::warn!(reason = %invalid.reason, "skipping an invalid ad account record")
                }
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_backfills_then_rereads_the_restatement_days_and_ends_yesterday() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        let days = (10, 3, 730);
        assert_eq!(incremental_window(day(30), None, days), (day(20), day(29)));
        assert_eq!(
            incremental_window(day(30), Some(day(25)), days),
            (day(22), day(29))
        );
        // Synced "through" a day after yesterday (a clock moved back): still ends yesterday.
        assert_eq!(
            incremental_window(day(30), Some(day(30)), days),
            (day(26), day(29))
        );
        // Never further back than the longest window.
        assert_eq!(
            incremental_window(day(30), Some(day(1)), (10, 30, 5)),
            (day(24), day(29))
        );
    }
}

//! The Amazon Ads source (`amazon_ads`): Sponsored Products for one advertising profile
//! — the profile, campaigns, ad groups, keywords, negative keywords, targets and product
//! ads from the v3 lists (every state, paged to the end), and daily performance from four
//! Reporting v3 reports (campaigns, targeting, search terms, advertised products) —
//! into the `amazon_ads` schema. Days are the profile's (its time zone); reports are
//! asynchronous upstream work, recorded as durable jobs before they are waited on.

mod client;
mod config;
mod fetch;
mod records;
mod reports;
pub(crate) mod tables;

use std::time::Duration;

use adsync_proto::auth::Provider;
use adsync_proto::ingestion::Source as SourceProto;
use chrono::{Days, NaiveDate};
use futures::future::BoxFuture;

pub use config::AmazonAdsArgs;

use self::client::AmazonAdsClient;
use self::records::Profile;
use crate::error::Error;
use crate::runs::{Discovered, RunContext, SourceName};
use crate::store::TableSpec;
use crate::upstream::{CallCounter, TokenSource, UpstreamClient, UpstreamError};

/// The source's name.
pub(crate) const NAME: SourceName = SourceName::new("amazon_ads");

/// How far back Amazon keeps Sponsored Products report data, in days before today.
pub(crate) const RETENTION_DAYS: u64 = 95;

/// An Amazon Ads API region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Region {
    Na,
    Eu,
    Fe,
}

impl Region {
    const ALL: [Region; 3] = [Region::Na, Region::Eu, Region::Fe];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Region::Na => "na",
            Region::Eu => "eu",
            Region::Fe => "fe",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Region> {
        Region::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim().to_ascii_lowercase())
    }
}

/// How report requests are waited on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReportSettings {
    pub(crate) first_poll: Duration,
    pub(crate) max_poll: Duration,
    pub(crate) max_wait: Duration,
    pub(crate) in_flight: usize,
}

/// Amazon Ads Sponsored Products.
#[derive(Debug)]
pub(crate) struct AmazonAdsSource {
    client: AmazonAdsClient,
    backfill_days: u32,
    restatement_days: u32,
    reports: ReportSettings,
}

impl AmazonAdsSource {
    /// The source as `args` configure it; an unknown region is refused.
    pub(crate) fn new(
        args: &AmazonAdsArgs,
        upstream: UpstreamClient,
    ) -> Result<AmazonAdsSource, String> {
        let mut bases = Vec::new();
        for name in args.amazon_regions.iter().filter(|r| !r.trim().is_empty()) {
            let region = Region::parse(name).ok_or_else(|| {
                format!("--amazon-regions: unknown region {name:?} (na, eu or fe)")
            })?;
            let base = match region {
                Region::Na => &args.amazon_api_url_na,
                Region::Eu => &args.amazon_api_url_eu,
                Region::Fe => &args.amazon_api_url_fe,
            };
            if !bases.iter().any(|(r, _)| *r == region) {
                bases.push((region, base.clone()));
            }
        }
        Ok(AmazonAdsSource {
            client: AmazonAdsClient::new(upstream, bases, &args.amazon_client_id),
            backfill_days: args.amazon_backfill_days.clamp(1, RETENTION_DAYS as u32),
            restatement_days: args.amazon_restatement_days.max(1),
            reports: ReportSettings {
                first_poll: Duration::from_millis(args.amazon_report_poll_ms.max(1)),
                max_poll: Duration::from_millis(
                    args.amazon_report_poll_max_ms
                        .max(args.amazon_report_poll_ms.max(1)),
                ),
                max_wait: Duration::from_secs(args.amazon_report_max_wait_secs),
                in_flight: args.amazon_reports_in_flight.max(1),
            },
        })
    }

    /// The profile `id` as its region lists it, looking in each configured region.
    async fn find_profile(
        &self,
        id: i64,
        tokens: &dyn TokenSource,
        counter: &CallCounter,
    ) -> Result<Option<(Profile, serde_json::Value)>, Error> {
        for region in self.client.regions() {
            for raw in self.client.profiles(region, tokens, counter).await? {
                if raw.get("profileId").and_then(serde_json::Value::as_i64) == Some(id) {
                    let profile = Profile::parse(&raw, region).map_err(|invalid| {
                        UpstreamError::Malformed(format!("profile {id}: {}", invalid.reason))
                    })?;
                    return Ok(Some((profile, raw)));
                }
            }
        }
        Ok(None)
    }
}

/// The metrics window of a sync without an explicit range, in the profile's days: the
/// first sync backfills `backfill_days`; later ones re-read the last `restatement_days`
/// (and any days missed since the last sync). It ends yesterday and never starts before
/// Amazon's retention.
pub(crate) fn incremental_window(
    today: NaiveDate,
    synced_through: Option<NaiveDate>,
    (backfill_days, restatement_days): (u32, u32),
) -> (NaiveDate, NaiveDate) {
    let end = today - Days::new(1);
    let earliest = today - Days::new(RETENTION_DAYS);
    let start = match synced_through {
        None => end - Days::new(u64::from(backfill_days.max(1) - 1)),
        Some(through) => {
            let rereads = end - Days::new(u64::from(restatement_days.max(1) - 1));
            (through.min(end) + Days::new(1)).min(rereads)
        }
    };
    (start.max(earliest), end)
}

impl crate::sources::Source for AmazonAdsSource {
    fn name(&self) -> SourceName {
        NAME
    }

    fn proto(&self) -> SourceProto {
        SourceProto::AmazonAds
    }

    fn provider(&self) -> Provider {
        Provider::AmazonAds
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
            (self.backfill_days, self.restatement_days),
        )
    }

    fn check_range(
        &self,
        today: NaiveDate,
        (start, end): (NaiveDate, NaiveDate),
    ) -> Result<(), String> {
        let earliest = today - Days::new(RETENTION_DAYS);
        if start < earliest {
            return Err(format!(
                "start_date {start} is before Amazon's {RETENTION_DAYS}-day retention: the earliest day is {earliest} (the profile's today is {today})"
            ));
        }
        if end >= today {
            return Err(format!(
                "end_date {end} is not a complete day yet: the last one is {} in the profile's time zone",
                today - Days::new(1)
            ));
        }
        Ok(())
    }

    fn discover<'a>(
        &'a self,
        tokens: &'a dyn TokenSource,
    ) -> BoxFuture<'a, Result<Vec<Discovered>, Error>> {
        Box::pin(self.discover_profiles(tokens))
    }

    fn fetch<'a>(&'a self, run: &'a mut RunContext) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(fetch::fetch(self, run))
    }
}

impl AmazonAdsSource {
    /// Every seller and vendor profile the connection reaches, in every configured region.
    async fn discover_profiles(&self, tokens: &dyn TokenSource) -> Result<Vec<Discovered>, Error> {
        let counter = CallCounter::default();
        let mut found = Vec::new();
        for region in self.client.regions() {
            for raw in self.client.profiles(region, tokens, &counter).await? {
                match Profile::parse(&raw, region) {
                    Ok(p) if p.account_type == "agency" => {
                        tracing::debug!(
                            profile_id = p.id,
                            "skipping an agency profile: it has no campaigns of its own"
                        )
                    }
                    Ok(p) => found.push(Discovered {
                        account_id: p.id,
                        name: p.display_name(),
                        status: "ACTIVE".into(),
                        time_zone: p.time_zone,
                    }),
                    Err(invalid) => {
                        tracing::warn!(region = region.as_str(), reason = %invalid.reason, "skipping an invalid profile record")
                    }
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
    fn the_window_backfills_then_rereads_the_restatement_days_within_retention() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        let yesterday = today - Days::new(1);
        let days = |n| today - Days::new(n);
        // First sync: as far back as retention allows.
        assert_eq!(
            incremental_window(today, None, (95, 42)),
            (days(95), yesterday)
        );
        assert_eq!(
            incremental_window(today, None, (10, 42)),
            (days(10), yesterday)
        );
        // Synced yesterday: the last 42 days again.
        assert_eq!(
            incremental_window(today, Some(yesterday), (95, 42)),
            (days(42), yesterday)
        );
        // Last synced 60 days ago: everything since, not only the last 42 days.
        assert_eq!(
            incremental_window(today, Some(days(60)), (95, 42)),
            (days(59), yesterday)
        );
        // Last synced a year ago: never beyond retention.
        assert_eq!(
            incremental_window(today, Some(days(365)), (95, 42)),
            (days(95), yesterday)
        );
        // A restatement window longer than retention is clamped too.
        assert_eq!(
            incremental_window(today, Some(yesterday), (95, 200)),
            (days(95), yesterday)
        );
    }
}

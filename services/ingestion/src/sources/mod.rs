//! The upstreams ingestion syncs. A source is a folder here implementing [`Source`], and
//! [`Registry::new`] is the one place sources are registered. The run platform
//! (`runs/`) and the store (`store/`) know sources only through the trait.

pub mod amazon_ads;
mod decimal;
pub mod linkedin;
pub mod supplier_feed;
#[cfg(test)]
pub(crate) mod testing;

use std::sync::Arc;

use adsync_proto::auth::Provider;
use adsync_proto::ingestion::Source as SourceProto;
use chrono::NaiveDate;
use futures::future::BoxFuture;

use crate::config::Config;
use crate::error::Error;
use crate::runs::{Discovered, RunContext, SourceName};
use crate::store::TableSpec;
use crate::upstream::{TokenSource, UpstreamClient};

/// One upstream: what it syncs and how. (Its futures are boxed: the platform holds
/// sources as trait objects.)
pub(crate) trait Source: Send + Sync + 'static {
    /// Its name, stored with everything it syncs.
    fn name(&self) -> SourceName;

    /// Its value in the API.
    fn proto(&self) -> SourceProto;

    /// The auth provider whose connections reach its accounts.
    fn provider(&self) -> Provider;

    /// Its warehouse tables, parents before children (the merge order).
    fn tables(&self) -> &'static [&'static TableSpec];

    /// The days a sync without an explicit range fetches, given the account's today (in
    /// its time zone) and the last day a committed sync fetched (a backfill the first
    /// time, then a restatement window).
    fn window(&self, today: NaiveDate, synced_through: Option<NaiveDate>)
    -> (NaiveDate, NaiveDate);

    /// Why an explicit range cannot be synced for an account whose today is `today`
    /// (e.g. days the upstream no longer keeps), if it cannot.
    /// By default the last complete day is yesterday in the account's time zone.
    fn check_range(
        &self,
        today: NaiveDate,
        (_, end): (NaiveDate, NaiveDate),
    ) -> Result<(), String> {
        if end >= today {
            return Err(format!(
                "end_date {end} is not a complete day yet: the last one is {} in the account's time zone",
                today - chrono::Days::new(1)
            ));
        }
        Ok(())
    }

    /// The upstream's version of the account's data now, for a source whose upstream
    /// versions it (a spreadsheet's Drive version): a SCHEDULED sync is skipped while it
    /// equals the version the last committed sync stored. `None`: not versioned.
    fn upstream_version<'a>(
        &'a self,
        _account_id: i64,
        _tokens: &'a dyn TokenSource,
    ) -> BoxFuture<'a, Option<Result<String, Error>>> {
        Box::pin(async { None })
    }

    /// The accounts a connection (its `tokens`) reaches.
    fn discover<'a>(
        &'a self,
        tokens: &'a dyn TokenSource,
    ) -> BoxFuture<'a, Result<Vec<Discovered>, Error>>;

    /// Fetches one run's records: validated one by one (a bad record goes to the run's
    /// sync errors) and staged as they arrive. Holds no database connection while it
    /// waits on the upstream; the platform commits what it staged.
    fn fetch<'a>(&'a self, run: &'a mut RunContext) -> BoxFuture<'a, Result<(), Error>>;
}

/// The sources this process serves.
#[derive(Clone)]
pub(crate) struct Registry {
    sources: Vec<Arc<dyn Source>>,
    /// The supplier-feed source, typed: its feeds are configured and previewed through
    /// RPCs of their own.
    supplier_feed: Option<Arc<supplier_feed::SupplierFeedSource>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.sources.iter().map(|s| s.name()))
            .finish()
    }
}

impl Registry {
    /// Every source of this build, configured: the one place a source is registered.
    /// Amazon Ads is served when its client id is set (every call needs it).
    pub(crate) fn new(
        config: &Config,
        upstream: &UpstreamClient,
        db: &adsync_db::Db,
    ) -> Result<Registry, Error> {
        let mut sources: Vec<Arc<dyn Source>> = vec![Arc::new(linkedin::LinkedInSource::new(
            &config.linkedin,
            config.max_range_days,
            upstream.clone(),
        ))];
        if !config.amazon_ads.amazon_client_id.is_empty() {
            let amazon = amazon_ads::AmazonAdsSource::new(&config.amazon_ads, upstream.clone())
                .map_err(Error::Config)?;
            sources.push(Arc::new(amazon));
        }
        let feeds = Arc::new(supplier_feed::SupplierFeedSource::new(
            &config.supplier_feed,
            upstream.clone(),
            db.clone(),
        ));
        sources.push(feeds.clone());
        Ok(Registry {
            sources,
            supplier_feed: Some(feeds),
        })
    }

    /// A registry of exactly `sources`.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn of(sources: Vec<Arc<dyn Source>>) -> Registry {
        Registry {
            sources,
            supplier_feed: None,
        }
    }

    /// The supplier-feed source, when this process serves it.
    pub(crate) fn supplier_feed(&self) -> Option<&Arc<supplier_feed::SupplierFeedSource>> {
        self.supplier_feed.as_ref()
    }

    pub(crate) fn get(&self, name: &SourceName) -> Option<&Arc<dyn Source>> {
        self.sources.iter().find(|s| s.name() == *name)
    }

    /// The source a request names; `None` for one this process does not serve.
    pub(crate) fn by_proto(&self, proto: SourceProto) -> Option<&Arc<dyn Source>> {
        self.sources.iter().find(|s| s.proto() == proto)
    }

    /// A stored source name's value in the API (UNSPECIFIED for one not served here).
    pub(crate) fn proto_of(&self, name: &SourceName) -> SourceProto {
        self.get(name)
            .map_or(SourceProto::Unspecified, |s| s.proto())
    }

    pub(crate) fn all(&self) -> &[Arc<dyn Source>] {
        &self.sources
    }
}

//! The supplier-feed source (`supplier_feed`): a supplier's price list — a Google Sheet
//! read through a service-account connection, or uploaded files — parsed row by row into
//! items keyed by (supplier, SKU) with an exact price history, into the `supplier_feed`
//! schema. Feeds are configured through the API (`rpc/supplier_feeds.rs`), not
//! discovered; a supplier's id is its account id. A sheet is versioned by Drive: a
//! SCHEDULED sync of an unchanged version is skipped by the gate, and a changed version
//! whose content hashes the same writes nothing.

mod cells;
mod client;
mod config;
mod dates;
pub(crate) mod feed;
mod fetch;
pub(crate) mod files;
mod mapping;
mod numbers;
pub(crate) mod parse;
pub(crate) mod preview;
pub(crate) mod read;
pub(crate) mod tables;
pub(crate) mod uploads;

use adsync_db::Db;
use adsync_proto::auth::Provider;
use adsync_proto::ingestion::Source as SourceProto;
use chrono::NaiveDate;
use futures::future::BoxFuture;

pub use config::SupplierFeedArgs;

use self::client::SheetsClient;
use self::feed::{Feed, Location};
use crate::error::Error;
use crate::runs::{Discovered, RunContext, SourceName};
use crate::store::TableSpec;
use crate::upstream::{CallCounter, TokenSource, UpstreamClient};

/// The source's name.
pub(crate) const NAME: SourceName = SourceName::new("supplier_feed");

/// Supplier price feeds.
#[derive(Debug)]
pub(crate) struct SupplierFeedSource {
    pub(crate) client: SheetsClient,
    pub(crate) db: Db,
    /// The largest file an upload may carry.
    pub(crate) max_upload_bytes: usize,
}

impl SupplierFeedSource {
    pub(crate) fn new(
        args: &SupplierFeedArgs,
        upstream: UpstreamClient,
        db: Db,
    ) -> SupplierFeedSource {
        SupplierFeedSource {
            client: SheetsClient::new(upstream, &args.sheets_api_url, &args.drive_api_url),
            db,
            max_upload_bytes: args.max_upload_bytes,
        }
    }

    /// Feed `id` as stored.
    pub(crate) async fn feed(&self, id: i64) -> Result<Option<Feed>, Error> {
        self.db
            .run(move |conn| feed::find(conn, id).map_err(Error::from))
            .await
    }

    async fn version(&self, id: i64, tokens: &dyn TokenSource) -> Option<Result<String, Error>> {
        let feed = match self.feed(id).await {
            Ok(Some(feed)) => feed,
            Ok(None) => return None,
            Err(e) => return Some(Err(e)),
        };
        let Location::Sheet { spreadsheet_id, .. } = &feed.config.location else {
            return None;
        };
        let counter = CallCounter::default();
        Some(self.client.version(spreadsheet_id, tokens, &counter).await)
    }
}

impl crate::sources::Source for SupplierFeedSource {
    fn name(&self) -> SourceName {
        NAME
    }

    fn proto(&self) -> SourceProto {
        SourceProto::SupplierFeed
    }

    fn provider(&self) -> Provider {
        Provider::Google
    }

    fn tables(&self) -> &'static [&'static TableSpec] {
        tables::ALL
    }

    /// A price list has no days: a run reads the list as it is today.
    fn window(&self, today: NaiveDate, _: Option<NaiveDate>) -> (NaiveDate, NaiveDate) {
        (today, today)
    }

    fn check_range(&self, _: NaiveDate, _: (NaiveDate, NaiveDate)) -> Result<(), String> {
        Err("a supplier feed has no date range: a sync reads the list as it is now".into())
    }

    fn upstream_version<'a>(
        &'a self,
        account_id: i64,
        tokens: &'a dyn TokenSource,
    ) -> BoxFuture<'a, Option<Result<String, Error>>> {
        Box::pin(self.version(account_id, tokens))
    }

    /// Feeds are configured through the API, never discovered through a connection.
    fn discover<'a>(
        &'a self,
        _: &'a dyn TokenSource,
    ) -> BoxFuture<'a, Result<Vec<Discovered>, Error>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    fn fetch<'a>(&'a self, run: &'a mut RunContext) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(fetch::fetch(self, run))
    }
}

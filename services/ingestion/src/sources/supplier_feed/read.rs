//! Reading a feed's price list as it is now: for a Google Sheet, Drive's version, the
//! tab (the configured one, or the first), and its values; the content hash covers the
//! values read and the feed's configuration version, so a formatting-only edit (a new
//! Drive version, the same values) hashes the same and a changed configuration does not.

use sha2::{Digest, Sha256};

use super::cells::Grid;
use super::client::{SheetsClient, quote_tab};
use super::feed::{Feed, Location};
use crate::error::Error;
use crate::upstream::{CallCounter, TokenSource};

/// A list as read.
#[derive(Debug)]
pub(crate) struct ListRead {
    pub(crate) grid: Grid,
    /// The upstream's version of it (Drive's), when it has one.
    pub(crate) version: String,
    pub(crate) content_hash: String,
}

/// The hash of `content` as read with `feed`'s configuration.
pub(crate) fn content_hash(feed: &Feed, content: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(feed.id.to_be_bytes());
    h.update(feed.config_version.to_be_bytes());
    h.update(content);
    hex::encode(h.finalize())
}

/// The A1 range a sheet feed reads from `tabs` (the spreadsheet's tab titles).
fn range_of(feed: &Feed, tabs: &[String]) -> Result<String, Error> {
    let tab = match &feed.config.sheet_title {
        Some(title) => tabs.iter().find(|t| *t == title).ok_or_else(|| {
            Error::FeedUnreadable(format!(
                "the spreadsheet has no tab {title:?} (its tabs: {})",
                tabs.iter()
                    .map(|t| format!("{t:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?,
        None => tabs
            .first()
            .ok_or_else(|| Error::FeedUnreadable("the spreadsheet has no tabs".into()))?,
    };
    Ok(match &feed.config.range {
        Some(range) => format!("{}!{range}", quote_tab(tab)),
        None => quote_tab(tab),
    })
}

/// Reads a Google Sheet feed's list.
pub(crate) async fn read_sheet(
    client: &SheetsClient,
    feed: &Feed,
    tokens: &dyn TokenSource,
    counter: &CallCounter,
) -> Result<ListRead, Error> {
    let Location::Sheet { spreadsheet_id, .. } = &feed.config.location else {
        return Err(Error::Internal("not a sheet feed".into()));
    };
    let version = client.version(spreadsheet_id, tokens, counter).await?;
    let tabs = client.tabs(spreadsheet_id, tokens, counter).await?;
    let range = range_of(feed, &tabs)?;
    let (grid, body) = client
        .values(spreadsheet_id, &range, tokens, counter)
        .await?;
    Ok(ListRead {
        content_hash: content_hash(feed, &body),
        grid,
        version,
    })
}

//! Reading a feed's price list as it is now: for a Google Sheet, Drive's version, the
//! tab (the configured one, or the first), and its values; for uploaded files, the
//! newest upload. The content hash covers what was read and the feed's configuration
//! version, so a formatting-only edit (a new Drive version, the same values) or the same
//! file uploaded again hashes the same and a changed configuration does not.

use sha2::{Digest, Sha256};

use super::SupplierFeedSource;
use super::cells::Grid;
use super::client::{SheetsClient, quote_tab};
use super::feed::{Feed, Location};
use super::files::{FileReading, read_file};
use super::uploads;
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

/// Reads `feed`'s list, through `tokens` when it is a Google Sheet.
pub(crate) async fn read(
    source: &SupplierFeedSource,
    feed: &Feed,
    tokens: &dyn TokenSource,
    counter: &CallCounter,
) -> Result<ListRead, Error> {
    match &feed.config.location {
        Location::Sheet { .. } => read_sheet(&source.client, feed, tokens, counter).await,
        Location::Files { .. } => read_upload(source, feed).await,
    }
}

/// Reads the newest file uploaded for `feed`; its version is the upload's id.
async fn read_upload(source: &SupplierFeedSource, feed: &Feed) -> Result<ListRead, Error> {
    let id = feed.id;
    let newest = source
        .db
        .run(move |conn| uploads::newest(conn, id).map_err(Error::from))
        .await?;
    let (upload, bytes) = newest.ok_or_else(|| {
        Error::FeedUnreadable("no file has been uploaded for this supplier yet".into())
    })?;
    let format = upload
        .file_format()
        .ok_or_else(|| Error::Internal(format!("upload {} has no known format", upload.id)))?;
    let content_hash = content_hash(
        feed,
        format!("{}:{}", upload.format, upload.sha256).as_bytes(),
    );
    let feed = feed.clone();
    // Parsing a large workbook is seconds of CPU: off the runtime's threads.
    let grid = tokio::task::spawn_blocking(move || {
        read_file(format, &upload.file_name, &bytes, file_reading(&feed))
            .map_err(|why| format!("upload {} ({:?}): {why}", upload.id, upload.file_name))
    })
    .await
    .map_err(|e| Error::Internal(format!("reading an upload: {e}")))?
    .map_err(Error::FeedUnreadable)?;
    Ok(ListRead {
        grid,
        version: upload.id.to_string(),
        content_hash,
    })
}

/// How `feed` reads its files.
pub(crate) fn file_reading(feed: &Feed) -> FileReading<'_> {
    let (csv_delimiter, csv_encoding) = match &feed.config.location {
        Location::Files {
            csv_delimiter,
            csv_encoding,
        } => (*csv_delimiter, *csv_encoding),
        Location::Sheet { .. } => (b',', encoding_rs::UTF_8),
    };
    FileReading {
        csv_delimiter,
        csv_encoding,
        sheet_title: feed.config.sheet_title.as_deref(),
        range: feed.config.range.as_deref(),
    }
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

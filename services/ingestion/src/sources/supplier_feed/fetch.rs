//! One sync of a supplier's feed: read the list (one Drive call, one Sheets metadata
//! call, one values call), stop early when its content hashes as the last committed
//! sync's did, else parse every row, stage the valid items and their prices, record
//! every bad row in the parsing log (the run's sync errors, with row, column, raw value
//! and reason), and say the items staged are the whole list (the rest are marked
//! discontinued at commit).

use adsync_proto::ingestion::{SyncEntity, SyncStage};
use serde_json::json;

use super::SupplierFeedSource;
use super::parse::{self, RowError};
use super::read::read;
use super::tables::{self, ITEMS, PRICES};
use crate::error::Error;
use crate::runs::{RunContext, UpstreamState};
use crate::store::CopyBuffer;
use crate::store::sync_errors::Refused;

/// Items staged per COPY.
const STAGE_BATCH: usize = 20_000;

pub(super) async fn fetch(source: &SupplierFeedSource, run: &mut RunContext) -> Result<(), Error> {
    let id = run.account_id();
    let feed = source.feed(id).await?.ok_or_else(|| {
        Error::FeedUnreadable(format!("supplier {id} has no feed configured any more"))
    })?;
    run.stage_started(SyncStage::SupplierList).await?;
    let list = {
        let (tokens, calls) = (run.tokens(), run.calls());
        read(source, &feed, tokens.as_ref(), &calls).await?
    };
    run.progress(SyncStage::SupplierList, 1, 2, SyncEntity::SupplierItem)
        .await?;
    let state = UpstreamState {
        version: list.version.clone(),
        content_hash: list.content_hash.clone(),
    };
    if run
        .stored_upstream_state()
        .is_some_and(|s| s.content_hash == state.content_hash)
    {
        run.warn(
            "CONTENT_UNCHANGED",
            format!(
                "the list's version is {} but its content is what the last sync read: nothing to write",
                state.version
            ),
            SyncEntity::SupplierItem,
        )
        .await?;
        run.set_upstream_state(state);
        run.stage_completed(SyncStage::SupplierList, SyncEntity::SupplierItem)
            .await?;
        return Ok(());
    }

    let parsed = parse::parse(&list.grid, &feed.config.reading()).map_err(Error::FeedUnreadable)?;
    run.count(SyncEntity::SupplierItem).fetched = parsed.rows as i64;
    run.count(SyncEntity::SupplierPrice).fetched = parsed.items.len() as i64;
    for chunk in parsed.items.chunks(STAGE_BATCH) {
        let (mut items, mut prices) = (CopyBuffer::default(), CopyBuffer::default());
        for item in chunk {
            tables::encode(id, item, &mut items, &mut prices);
        }
        run.stage(&ITEMS, items).await?;
        run.stage(&PRICES, prices).await?;
    }
    let refused = parsed
        .errors
        .iter()
        .map(|e| refusal(&parsed.sheet, e))
        .collect();
    run.invalid_many(SyncEntity::SupplierItem, refused).await?;
    run.staged_whole(&ITEMS);
    run.set_upstream_state(state);
    run.progress(SyncStage::SupplierList, 2, 2, SyncEntity::SupplierItem)
        .await?;
    run.stage_completed(SyncStage::SupplierList, SyncEntity::SupplierItem)
        .await
}

/// A bad row as the parsing log keeps it.
pub(crate) fn refusal(sheet: &str, e: &RowError) -> Refused {
    Refused {
        upstream_id: e.sku.clone(),
        reason: e.reason.clone(),
        raw: json!({
            "sheet": sheet,
            "row": e.row,
            "column": e.column,
            "value": e.raw,
        }),
    }
}

//! A dry run of a feed: its list read and parsed exactly as a sync would, answered with
//! the mapping (proposed or configured), the first items and every row error. Nothing
//! is written.

use adsync_proto::ingestion::{
    ColumnMatch, MappedColumn, ParsedItem, PreviewSupplierFeedResponse, RowError as RowErrorProto,
};

use super::SupplierFeedSource;
use super::feed::{Feed, field_proto};
use super::mapping::Match;
use super::parse::{self, Item};
use super::read::read;
use crate::error::Error;
use crate::upstream::{CallCounter, TokenSource};

/// Previews `feed`, reading through `tokens`; at most `max_items` items.
pub(crate) async fn preview(
    source: &SupplierFeedSource,
    feed: &Feed,
    tokens: &dyn TokenSource,
    max_items: usize,
) -> Result<PreviewSupplierFeedResponse, Error> {
    let grid = read(source, feed, tokens, &CallCounter::default())
        .await?
        .grid;
    let reading = feed.config.reading();
    let (header_row, mapping) =
        parse::find_header(&grid, &reading).map_err(Error::FeedUnreadable)?;
    let columns = mapping
        .fields
        .iter()
        .map(|m| {
            let (kind, score) = match m.how {
                Match::Explicit => (ColumnMatch::Explicit, 1.0),
                Match::Synonym => (ColumnMatch::Synonym, 1.0),
                Match::Fuzzy(s) => (ColumnMatch::Fuzzy, s),
            };
            MappedColumn {
                field: field_proto(m.field) as i32,
                header: m.header.clone(),
                column: m.column as i32,
                r#match: kind as i32,
                score,
                needs_confirmation: kind == ColumnMatch::Fuzzy,
            }
        })
        .collect();
    let mut answer = PreviewSupplierFeedResponse {
        sheet_title: grid.sheet.clone(),
        header_row: header_row as i32,
        columns,
        unmapped_headers: mapping.others.iter().map(|(_, h)| h.clone()).collect(),
        ..PreviewSupplierFeedResponse::default()
    };
    if let Some(why) = mapping.unusable() {
        answer.unusable_reason = why;
        return Ok(answer);
    }
    let (rows, items, errors) = parse::parse_rows(&grid, header_row, &mapping, &reading);
    answer.rows = rows as i32;
    answer.valid_rows = items.len() as i32;
    answer.items = items.iter().take(max_items).map(item_proto).collect();
    answer.errors = errors
        .into_iter()
        .map(|e| RowErrorProto {
            row: e.row as i32,
            column: e.column,
            raw_value: e.raw,
            reason: e.reason,
            sku: e.sku.unwrap_or_default(),
        })
        .collect();
    Ok(answer)
}

fn item_proto(i: &Item) -> ParsedItem {
    ParsedItem {
        row: i.row as i32,
        sku: i.sku.clone(),
        name: i.name.clone(),
        price: i.price.to_string(),
        currency: i.currency.clone(),
        includes_tax: i.includes_tax,
        effective_from: i.effective_from.map(|d| d.to_string()).unwrap_or_default(),
        characteristics: i
            .characteristics
            .iter()
            .map(|(k, v)| {
                let text = match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), text)
            })
            .collect(),
    }
}

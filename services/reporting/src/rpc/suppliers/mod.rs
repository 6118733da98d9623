//! The supplier price feed reads (schema `supplier_feed`): suppliers, items with their
//! current prices, price histories, the largest price changes over a period, and the
//! parsing log. What they share: an item row with its current price, and how statuses
//! and characteristics are written in answers.

mod changes;
mod errors;
mod items;
mod list;

use adsync_db::prepared_sql;
use std::collections::HashMap;

use adsync_proto::reporting::{Money, SupplierItem, SupplierItemStatus};
use adsync_server::timestamp;
use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Bool, Nullable, Text, Timestamptz};

/// The columns of [`ItemRow`]: items `i` joined to their current prices `p`.
pub(crate) const ITEM_COLUMNS: &str = "i.supplier_id, i.sku, i.name, i.status, \
     i.characteristics::text AS characteristics, i.discontinued_at, i.created_at, \
     p.price::text AS price, p.currency, p.includes_tax, p.effective_from::text AS effective_from, \
     p.valid_from";

/// Items `i` with their current prices `p`.
pub(crate) const ITEMS_WITH_PRICES: &str = "supplier_feed.items i JOIN supplier_feed.prices p \
     ON p.supplier_id = i.supplier_id AND p.sku = i.sku AND p.valid_to IS NULL";

/// A `WHERE` condition (for `sync_runs lr`) and order picking the last committed sync of
/// supplier `supplier` that read its list: a sync that found the content unchanged read
/// nothing, and its empty parsing log would hide the one that still holds.
pub(crate) fn last_read_run(supplier: &str) -> String {
    format!(
        "lr.source = 'supplier_feed' AND lr.account_id = {supplier} \
         AND lr.status IN ('success', 'partial') \
         AND COALESCE((lr.entity_counts->'supplier_item'->>'fetched')::bigint, 0) > 0 \
         ORDER BY lr.finished_at DESC LIMIT 1"
    )
}

/// Whether supplier `id` exists in `workspace` (any when `None`): another workspace's
/// supplier is as unknown as one that does not exist.
pub(crate) fn supplier_exists(
    conn: &mut diesel::PgConnection,
    id: i64,
    workspace: Option<adsync_server::WorkspaceId>,
) -> diesel::QueryResult<bool> {
    use diesel::RunQueryDsl;
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = Bool)]
        found: bool,
    }
    let row: Found = prepared_sql(
        "SELECT EXISTS (SELECT 1 FROM supplier_feed.suppliers \
         WHERE id = $1 AND ($2::int8 IS NULL OR workspace_id = $2)) AS found",
    )
    .bind::<BigInt, _>(id)
    .bind::<diesel::sql_types::Nullable<BigInt>, _>(workspace.map(adsync_server::WorkspaceId::get))
    .get_result(conn)?;
    Ok(row.found)
}

/// NOT_FOUND for supplier `id`.
pub(crate) fn no_supplier(id: i64) -> crate::error::Error {
    crate::error::Error::NotFound {
        kind: "supplier",
        ids: vec![id],
    }
}

#[derive(Debug, QueryableByName)]
pub(crate) struct ItemRow {
    #[diesel(sql_type = BigInt)]
    pub(crate) supplier_id: i64,
    #[diesel(sql_type = Text)]
    pub(crate) sku: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Text)]
    characteristics: String,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    discontinued_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Timestamptz)]
    created_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    price: String,
    #[diesel(sql_type = Text)]
    currency: String,
    #[diesel(sql_type = Bool)]
    includes_tax: bool,
    #[diesel(sql_type = Nullable<Text>)]
    effective_from: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    valid_from: DateTime<Utc>,
}

impl ItemRow {
    pub(crate) fn into_proto(self) -> SupplierItem {
        SupplierItem {
            supplier_id: self.supplier_id,
            sku: self.sku,
            name: self.name,
            status: status_proto(&self.status) as i32,
            price: Some(Money {
                currency_code: self.currency,
                amount: self.price,
            }),
            includes_tax: self.includes_tax,
            effective_from: self.effective_from.unwrap_or_default(),
            price_since: Some(timestamp(self.valid_from)),
            characteristics: characteristics(&self.characteristics),
            discontinued_time: self.discontinued_at.map(timestamp),
            create_time: Some(timestamp(self.created_at)),
        }
    }
}

pub(crate) fn status_proto(s: &str) -> SupplierItemStatus {
    match s {
        "draft" => SupplierItemStatus::Draft,
        "active" => SupplierItemStatus::Active,
        "archived" => SupplierItemStatus::Archived,
        _ => SupplierItemStatus::Unspecified,
    }
}

/// An item's characteristics (a JSON object) as text by header.
fn characteristics(json: &str) -> HashMap<String, String> {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str(json) else {
        return HashMap::new();
    };
    map.into_iter()
        .map(|(k, v)| {
            let text = match v {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            (k, text)
        })
        .collect()
}

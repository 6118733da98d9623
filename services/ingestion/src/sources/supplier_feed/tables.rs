//! The supplier feeds' warehouse tables (schema `supplier_feed`): items upserted by
//! (supplier, SKU) and marked discontinued when the list no longer has them; prices kept
//! as a history (a changed price closes the current version and opens a new one). Their
//! staging tables as Diesel sees them, and how parsed items are encoded into rows (in
//! each spec's column order: key, then data; a test checks the declarations agree).

use adsync_proto::ingestion::SyncEntity;

use super::parse::Item;
use crate::store::{CopyBuffer, MarkMissing, MergeMode, TableSpec};

pub(crate) const ITEMS: TableSpec = TableSpec {
    table: "supplier_feed.items",
    stage: "stage_items",
    key: &["supplier_id", "sku"],
    data: &["name", "characteristics", "discontinued_at"],
    parent: None,
    sum: &[],
    account: "supplier_id",
    mode: MergeMode::Upsert,
    replaces_window: None,
    marks_missing: Some(MarkMissing {
        column: "discontinued_at",
        refused_key: "sku",
    }),
    entity: SyncEntity::SupplierItem,
    copy: crate::copy_fn!(stage::stage_items::table),
};

pub(crate) const PRICES: TableSpec = TableSpec {
    table: "supplier_feed.prices",
    stage: "stage_prices",
    key: &["supplier_id", "sku"],
    data: &["price", "currency", "includes_tax", "effective_from"],
    parent: None,
    sum: &[],
    account: "supplier_id",
    mode: MergeMode::History {
        valid_from: "valid_from",
        valid_to: "valid_to",
    },
    replaces_window: None,
    marks_missing: None,
    entity: SyncEntity::SupplierPrice,
    copy: crate::copy_fn!(stage::stage_prices::table),
};

/// Items before their prices (a price refers to its item).
pub(crate) static ALL: &[&TableSpec] = &[&ITEMS, &PRICES];

/// Appends `item` of `supplier` to the item and price rows.
pub(crate) fn encode(supplier: i64, item: &Item, items: &mut CopyBuffer, prices: &mut CopyBuffer) {
    let characteristics = serde_json::Value::Object(item.characteristics.clone()).to_string();
    items
        .row()
        .int(supplier)
        .text(&item.sku)
        .text(&item.name)
        .text(&characteristics)
        .null()
        .end_row();
    prices
        .row()
        .int(supplier)
        .text(&item.sku)
        .text(&item.price.to_string())
        .text(&item.currency)
        .bool(item.includes_tax)
        .opt_date(item.effective_from)
        .end_row();
}

pub(crate) mod stage {
    diesel::table! {
        stage_items (supplier_id, sku) {
            supplier_id -> BigInt,
            sku -> Text,
            name -> Text,
            characteristics -> Jsonb,
            discontinued_at -> Nullable<Timestamptz>,
        }
    }
    diesel::table! {
        stage_prices (supplier_id, sku) {
            supplier_id -> BigInt,
            sku -> Text,
            price -> Numeric,
            currency -> Text,
            includes_tax -> Bool,
            effective_from -> Nullable<Date>,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::declared_columns;

    #[test]
    fn staging_declarations_match_the_specs() {
        assert_eq!(
            declared_columns(stage::stage_items::table),
            ITEMS.column_list()
        );
        assert_eq!(
            declared_columns(stage::stage_prices::table),
            PRICES.column_list()
        );
    }
}

//! ListSupplierItems (items with their current prices, filtered; keyset pages by
//! supplier and SKU) and GetItemPriceHistory (every price an item has had).

use adsync_db::prepared_sql;
use adsync_proto::reporting::{
    GetItemPriceHistoryRequest, GetItemPriceHistoryResponse, ListSupplierItemsRequest,
    ListSupplierItemsResponse, Money, PriceVersion, SupplierItemStatus,
};
use adsync_server::{FieldViolations, Reach, WorkspaceId, error_status, timestamp};
use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Jsonb, Nullable, Text, Timestamptz};
use tonic::Code;

use super::{ITEM_COLUMNS, ITEMS_WITH_PRICES, ItemRow, supplier_exists};
use crate::error::{DOMAIN, Error};
use crate::request::{contains_pattern, name_filter, page_size};
use crate::service::ReportingApi;

/// The most characteristics one request may filter on.
const MAX_CHARACTERISTICS: usize = 10;

/// A characteristic filter: the values an item's characteristics must contain, any
/// one of them (the text, and the number it spells when it spells one).
fn characteristic_alternatives(header: &str, value: &str) -> Vec<serde_json::Value> {
    let mut alternatives = vec![serde_json::json!({ header: value })];
    if let Ok(n) = value.trim().parse::<serde_json::Number>() {
        alternatives.push(serde_json::json!({ header: n }));
    }
    alternatives
}

fn status_filter(raw: i32, v: &mut FieldViolations) -> Option<&'static str> {
    match SupplierItemStatus::try_from(raw) {
        Ok(SupplierItemStatus::Unspecified) => None,
        Ok(SupplierItemStatus::Draft) => Some("draft"),
        Ok(SupplierItemStatus::Active) => Some("active"),
        Ok(SupplierItemStatus::Archived) => Some("archived"),
        Err(_) => {
            v.add("status", format!("{raw} is not an item status"));
            None
        }
    }
}

impl ReportingApi {
    pub(crate) async fn list_supplier_items(
        &self,
        req: ListSupplierItemsRequest,
        reach: Reach,
    ) -> Result<ListSupplierItemsResponse, Error> {
        let mut v = FieldViolations::new();
        if req.supplier_id < 0 {
            v.add("supplier_id", "0 (every supplier) or a supplier's id");
        }
        let status = status_filter(req.status, &mut v);
        name_filter("name_contains", &req.name_contains, &mut v);
        if req.sku.chars().count() > 200 {
            v.add("sku", "at most 200 characters");
        }
        if req.characteristics.len() > MAX_CHARACTERISTICS {
            v.add(
                "characteristics",
                format!("at most {MAX_CHARACTERISTICS} characteristics"),
            );
        }
        let mut characteristics: Vec<(&String, &String)> = req.characteristics.iter().collect();
        characteristics.sort();
        for (header, value) in &characteristics {
            if header.trim().is_empty() || value.is_empty() {
                v.add(
                    format!("characteristics[{header:?}]"),
                    "a header and a value are both required",
                );
            }
        }
        let changed_since = match &req.changed_since {
            None => None,
            Some(t) => match DateTime::<Utc>::from_timestamp(t.seconds, t.nanos.max(0) as u32) {
                Some(t) => Some(t),
                None => {
                    v.add("changed_since", "not a valid time");
                    None
                }
            },
        };
        let size = page_size(req.page_size, &mut v);
        // A token is only good for the filters it was issued with.
        let fingerprint = format!(
            "{}|{:?}|{}|{}|{:?}|{:?}|{}",
            req.supplier_id,
            status,
            req.sku,
            req.name_contains,
            characteristics,
            changed_since,
            req.include_discontinued
        );
        let fingerprint = format!("{fingerprint}|{}", reach.fingerprint());
        let after = if req.page_token.is_empty() {
            (0, String::new())
        } else {
            match self
                .page_tokens
                .decode("ListSupplierItems", &fingerprint, &req.page_token)
                .and_then(|c| {
                    let (id, sku) = c.split_once('\t')?;
                    Some((id.parse::<i64>().ok()?, sku.to_owned()))
                }) {
                Some(cursor) => cursor,
                None => {
                    v.add(
                        "page_token",
                        "not a page token of this call with these filters",
                    );
                    (0, String::new())
                }
            }
        };
        v.into_result(DOMAIN)?;

        let mut sql = format!(
            "SELECT {ITEM_COLUMNS} FROM {ITEMS_WITH_PRICES} \
             WHERE ($1 = 0 OR i.supplier_id = $1) AND ($2 = '' OR i.status = $2) \
               AND ($3 = '' OR i.sku = $3) AND ($4 = '' OR i.name ILIKE $4) \
               AND ($5 OR i.discontinued_at IS NULL) \
               AND (i.supplier_id, i.sku) > ($6, $7) \
               AND ($8::timestamptz IS NULL OR i.created_at >= $8 OR i.discontinued_at >= $8 \
                    OR i.status_changed_at >= $8 OR p.valid_from >= $8) \
               AND ($10::int8 IS NULL OR i.supplier_id IN \
                    (SELECT w.id FROM supplier_feed.suppliers w WHERE w.workspace_id = $10))"
        );
        let mut alternatives = Vec::new();
        for (header, value) in &characteristics {
            let any: Vec<String> = characteristic_alternatives(header, value)
                .into_iter()
                .map(|a| {
                    alternatives.push(a);
                    format!("i.characteristics @> ${}", 10 + alternatives.len())
                })
                .collect();
            sql.push_str(&format!(" AND ({})", any.join(" OR ")));
        }
        sql.push_str(" ORDER BY i.supplier_id, i.sku LIMIT $9");

        let (supplier, status) = (req.supplier_id, status.unwrap_or("").to_owned());
        let (sku, name) = (
            req.sku.trim().to_owned(),
            contains_pattern(&req.name_contains).unwrap_or_default(),
        );
        let include_discontinued = req.include_discontinued;
        let workspace = self.filter(reach).map(WorkspaceId::get);
        let mut rows: Vec<ItemRow> = self
            .read(reach, move |conn| {
                let mut query = diesel::sql_query(sql)
                    .into_boxed::<Pg>()
                    .bind::<BigInt, _>(supplier)
                    .bind::<Text, _>(status)
                    .bind::<Text, _>(sku)
                    .bind::<Text, _>(name)
                    .bind::<Bool, _>(include_discontinued)
                    .bind::<BigInt, _>(after.0)
                    .bind::<Text, _>(after.1)
                    .bind::<Nullable<Timestamptz>, _>(changed_since)
                    .bind::<BigInt, _>(size + 1)
                    .bind::<Nullable<BigInt>, _>(workspace);
                for a in alternatives {
                    query = query.bind::<Jsonb, _>(a);
                }
                query.load(conn).map_err(Error::from)
            })
            .await?;
        let next_page_token = if rows.len() as i64 > size {
            rows.truncate(size as usize);
            let last = rows.last().expect("a full page");
            self.page_tokens.encode(
                "ListSupplierItems",
                &fingerprint,
                &format!("{}\t{}", last.supplier_id, last.sku),
            )
        } else {
            String::new()
        };
        Ok(ListSupplierItemsResponse {
            items: rows.into_iter().map(ItemRow::into_proto).collect(),
            next_page_token,
        })
    }

    pub(crate) async fn get_item_price_history(
        &self,
        req: GetItemPriceHistoryRequest,
        reach: Reach,
    ) -> Result<GetItemPriceHistoryResponse, Error> {
        let mut v = FieldViolations::new();
        if req.supplier_id <= 0 {
            v.add("supplier_id", "required: a positive id");
        }
        let sku = req.sku.trim().to_owned();
        if sku.is_empty() {
            v.add("sku", "required");
        }
        v.into_result(DOMAIN)?;
        let supplier = req.supplier_id;
        let workspace = self.filter(reach);
        let (item, versions) = self
            .read(reach, move |conn| {
                // Another workspace's supplier has no items, as far as this caller knows.
                if !supplier_exists(conn, supplier, workspace)? {
                    return Ok((None, Vec::new()));
                }
                let item: Option<ItemRow> = prepared_sql(format!(
                    "SELECT {ITEM_COLUMNS} FROM {ITEMS_WITH_PRICES} \
                     WHERE i.supplier_id = $1 AND i.sku = $2"
                ))
                .bind::<BigInt, _>(supplier)
                .bind::<Text, _>(&sku)
                .get_result(conn)
                .optional()?;
                let versions: Vec<VersionRow> = prepared_sql(
                    "SELECT price::text AS price, currency, includes_tax, \
                            effective_from::text AS effective_from, valid_from, valid_to \
                     FROM supplier_feed.prices WHERE supplier_id = $1 AND sku = $2 \
                     ORDER BY valid_from",
                )
                .bind::<BigInt, _>(supplier)
                .bind::<Text, _>(&sku)
                .load(conn)?;
                Ok::<_, Error>((item, versions))
            })
            .await?;
        let item = item.ok_or_else(|| {
            Error::from(error_status(
                Code::NotFound,
                format!(
                    "supplier {} has no item {:?}",
                    req.supplier_id,
                    req.sku.trim()
                ),
                DOMAIN,
                "NOT_FOUND",
                &[
                    ("resource", "supplier_item".to_owned()),
                    ("supplier_id", req.supplier_id.to_string()),
                    ("sku", req.sku.trim().to_owned()),
                ],
            ))
        })?;
        Ok(GetItemPriceHistoryResponse {
            item: Some(item.into_proto()),
            versions: versions
                .into_iter()
                .map(|r| PriceVersion {
                    price: Some(Money {
                        currency_code: r.currency,
                        amount: r.price,
                    }),
                    includes_tax: r.includes_tax,
                    effective_from: r.effective_from.unwrap_or_default(),
                    valid_from: Some(timestamp(r.valid_from)),
                    valid_to: r.valid_to.map(timestamp),
                })
                .collect(),
        })
    }
}

#[derive(QueryableByName)]
struct VersionRow {
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
    #[diesel(sql_type = Nullable<Timestamptz>)]
    valid_to: Option<DateTime<Utc>>,
}

//! ListPriceChanges: a supplier's items whose price at the end of a period differs
//! from their price before it, largest relative change first. Computed from the price
//! history: the version current just before the period against the one current at its
//! end (several changes within the period count as one, from first to last).

use adsync_db::prepared_sql;
use adsync_proto::reporting::{
    ListPriceChangesRequest, ListPriceChangesResponse, Money, PriceChange,
};
use adsync_server::Reach;
use adsync_server::{FieldViolations, timestamp};
use chrono::{DateTime, NaiveTime, TimeDelta, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};

use super::{no_supplier, supplier_exists};
use crate::error::{DOMAIN, Error};
use crate::request::date_range;
use crate::service::ReportingApi;

/// Changes returned when the request says 0, and at most.
const LIMIT: (i64, i64) = (20, 500);

/// The longest period, in days.
const MAX_DAYS: u32 = 366;

#[derive(QueryableByName)]
struct ChangeRow {
    #[diesel(sql_type = Text)]
    sku: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    currency: String,
    #[diesel(sql_type = Text)]
    old_price: String,
    #[diesel(sql_type = Text)]
    new_price: String,
    #[diesel(sql_type = Text)]
    change: String,
    #[diesel(sql_type = Nullable<Text>)]
    change_percent: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    change_time: DateTime<Utc>,
}

impl ReportingApi {
    pub(crate) async fn list_price_changes(
        &self,
        req: ListPriceChangesRequest,
        reach: Reach,
    ) -> Result<ListPriceChangesResponse, Error> {
        let mut v = FieldViolations::new();
        if req.supplier_id <= 0 {
            v.add("supplier_id", "required: a positive id");
        }
        let range = date_range(&req.start_date, &req.end_date, MAX_DAYS, &mut v);
        let limit = match i64::from(req.limit) {
            0 => LIMIT.0,
            n if (1..=LIMIT.1).contains(&n) => n,
            _ => {
                v.add("limit", format!("0 (meaning {}) to {}", LIMIT.0, LIMIT.1));
                LIMIT.0
            }
        };
        v.into_result(DOMAIN)?;
        let range = range.expect("checked above");
        let from = range.start.and_time(NaiveTime::MIN).and_utc();
        let until = (range.end + TimeDelta::days(1))
            .and_time(NaiveTime::MIN)
            .and_utc();
        let supplier = req.supplier_id;
        let workspace = self.filter(reach);
        let (exists, rows) = self.read(reach, move |conn| {
                let exists = supplier_exists(conn, supplier, workspace)?;
                // Versions opened within the period name the items that changed; for
                // each, the version current just before it and the one current at its end.
                let rows: Vec<ChangeRow> = prepared_sql(
                    "WITH changed AS ( \
                         SELECT sku, max(valid_from) AS change_time FROM supplier_feed.prices \
                         WHERE supplier_id = $1 AND valid_from >= $2 AND valid_from < $3 \
                         GROUP BY sku), \
                     moved AS ( \
                         SELECT c.sku, c.change_time, b.currency, b.price AS old_price, a.price AS new_price \
                         FROM changed c \
                         JOIN supplier_feed.prices b ON b.supplier_id = $1 AND b.sku = c.sku \
                              AND b.valid_from < $2 AND (b.valid_to IS NULL OR b.valid_to >= $2) \
                         JOIN supplier_feed.prices a ON a.supplier_id = $1 AND a.sku = c.sku \
                              AND a.valid_from < $3 AND (a.valid_to IS NULL OR a.valid_to >= $3) \
                         WHERE a.currency = b.currency AND a.price <> b.price) \
                     SELECT m.sku, i.name, m.currency, m.old_price::text AS old_price, \
                            m.new_price::text AS new_price, (m.new_price - m.old_price)::text AS change, \
                            CASE WHEN m.old_price > 0 THEN \
                                round((m.new_price - m.old_price) * 100 / m.old_price, 4)::text END \
                                AS change_percent, \
                            m.change_time \
                     FROM moved m JOIN supplier_feed.items i ON i.supplier_id = $1 AND i.sku = m.sku \
                     ORDER BY abs((m.new_price - m.old_price) / NULLIF(m.old_price, 0)) DESC NULLS FIRST, \
                              abs(m.new_price - m.old_price) DESC, m.sku \
                     LIMIT $4",
                )
                .bind::<BigInt, _>(supplier)
                .bind::<Timestamptz, _>(from)
                .bind::<Timestamptz, _>(until)
                .bind::<BigInt, _>(limit)
                .load(conn)?;
                Ok::<_, Error>((exists, rows))
            })
            .await?;
        if !exists {
            return Err(no_supplier(supplier));
        }
        Ok(ListPriceChangesResponse {
            changes: rows
                .into_iter()
                .map(|r| PriceChange {
                    sku: r.sku,
                    name: r.name,
                    old_price: Some(Money {
                        currency_code: r.currency.clone(),
                        amount: r.old_price,
                    }),
                    new_price: Some(Money {
                        currency_code: r.currency,
                        amount: r.new_price,
                    }),
                    change: r.change,
                    change_percent: r.change_percent,
                    change_time: Some(timestamp(r.change_time)),
                })
                .collect(),
        })
    }
}

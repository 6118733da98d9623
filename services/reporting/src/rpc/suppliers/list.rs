//! ListSuppliers: the supplier feeds with their item counts, last committed sync and the
//! rows the last read of their list refused, keyset pages by id.

use adsync_proto::reporting::{ListSuppliersRequest, ListSuppliersResponse, Supplier};
use adsync_server::{FieldViolations, Reach, WorkspaceId, timestamp};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};

use crate::error::{DOMAIN, Error};
use crate::request::IdPage;
use crate::service::ReportingApi;

use super::last_read_run;

#[derive(QueryableByName)]
struct SupplierRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = BigInt)]
    draft: i64,
    #[diesel(sql_type = BigInt)]
    active: i64,
    #[diesel(sql_type = BigInt)]
    archived: i64,
    #[diesel(sql_type = BigInt)]
    discontinued: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    last_sync: Option<DateTime<Utc>>,
    #[diesel(sql_type = BigInt)]
    refused: i64,
}

impl ReportingApi {
    pub(crate) async fn list_suppliers(
        &self,
        req: ListSuppliersRequest,
        reach: Reach,
    ) -> Result<ListSuppliersResponse, Error> {
        let mut v = FieldViolations::new();
        let page = IdPage::parse(
            "ListSuppliers",
            &self.page_tokens,
            reach,
            String::new(),
            req.page_size,
            &req.page_token,
            &mut v,
        );
        v.into_result(DOMAIN)?;
        let (after, limit) = (page.after, page.limit());
        let workspace = self.filter(reach).map(WorkspaceId::get);
        let mut rows: Vec<SupplierRow> = self.read(reach, move |conn| {
                diesel::sql_query(format!(
                    "SELECT s.id, s.name, s.kind, \
                            COALESCE(c.draft, 0) AS draft, COALESCE(c.active, 0) AS active, \
                            COALESCE(c.archived, 0) AS archived, \
                            COALESCE(c.discontinued, 0) AS discontinued, \
                            r.finished_at AS last_sync, COALESCE(l.error_count, 0) AS refused \
                     FROM supplier_feed.suppliers s \
                     LEFT JOIN LATERAL ( \
                         SELECT count(*) FILTER (WHERE discontinued_at IS NULL AND status = 'draft') AS draft, \
                                count(*) FILTER (WHERE discontinued_at IS NULL AND status = 'active') AS active, \
                                count(*) FILTER (WHERE discontinued_at IS NULL AND status = 'archived') AS archived, \
                                count(*) FILTER (WHERE discontinued_at IS NOT NULL) AS discontinued \
                         FROM supplier_feed.items WHERE supplier_id = s.id) c ON true \
                     LEFT JOIN LATERAL ( \
                         SELECT finished_at, error_count FROM sync_runs \
                         WHERE source = 'supplier_feed' AND account_id = s.id \
                           AND status IN ('success', 'partial') \
                         ORDER BY finished_at DESC LIMIT 1) r ON true \
                     LEFT JOIN LATERAL (SELECT error_count FROM sync_runs WHERE id = \
                         (SELECT id FROM sync_runs lr WHERE {LAST_READ})) l ON true \
                     WHERE s.id > $1 AND ($3::int8 IS NULL OR s.workspace_id = $3) \
                     ORDER BY s.id LIMIT $2",
                    LAST_READ = last_read_run("s.id"),
                ))
                .bind::<BigInt, _>(after)
                .bind::<BigInt, _>(limit)
                .bind::<Nullable<BigInt>, _>(workspace)
                .load(conn)
                .map_err(Error::from)
            })
            .await?;
        let next_page_token = page.finish(&mut rows, |r| r.id);
        Ok(ListSuppliersResponse {
            suppliers: rows
                .into_iter()
                .map(|r| Supplier {
                    supplier_id: r.id,
                    name: r.name,
                    location: match r.kind.as_str() {
                        "sheet" => "google_sheet".into(),
                        _ => "uploaded_files".into(),
                    },
                    draft_items: r.draft,
                    active_items: r.active,
                    archived_items: r.archived,
                    discontinued_items: r.discontinued,
                    last_sync_time: r.last_sync.map(timestamp),
                    last_sync_refused_rows: r.refused,
                })
                .collect(),
            next_page_token,
        })
    }
}

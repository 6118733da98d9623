//! ListParsingErrors: the rows a supplier's sync refused (its parsing log), by row,
//! keyset pages by the log's id.

use adsync_db::prepared_sql;
use adsync_proto::reporting::{ListParsingErrorsRequest, ListParsingErrorsResponse, ParsingError};
use adsync_server::Reach;
use adsync_server::{FieldViolations, error_status};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Uuid as SqlUuid};
use tonic::Code;
use uuid::Uuid;

use super::{last_read_run, no_supplier, supplier_exists};
use crate::error::{DOMAIN, Error};
use crate::request::IdPage;
use crate::service::ReportingApi;

#[derive(QueryableByName)]
struct ErrorRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    row_number: i64,
    #[diesel(sql_type = Text)]
    sheet: String,
    #[diesel(sql_type = Text)]
    header: String,
    #[diesel(sql_type = Text)]
    raw_value: String,
    #[diesel(sql_type = Text)]
    reason: String,
    #[diesel(sql_type = Nullable<Text>)]
    sku: Option<String>,
}

#[derive(QueryableByName)]
struct RunRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

impl ReportingApi {
    pub(crate) async fn list_parsing_errors(
        &self,
        req: ListParsingErrorsRequest,
        reach: Reach,
    ) -> Result<ListParsingErrorsResponse, Error> {
        let mut v = FieldViolations::new();
        if req.supplier_id <= 0 {
            v.add("supplier_id", "required: a positive id");
        }
        let run = match req.run_id.trim() {
            "" => None,
            raw => match Uuid::parse_str(raw) {
                Ok(id) => Some(id),
                Err(_) => {
                    v.add(
                        "run_id",
                        "a run id (a UUID), or empty for the last sync that read the list",
                    );
                    None
                }
            },
        };
        let page = IdPage::parse(
            "ListParsingErrors",
            &self.page_tokens,
            reach,
            format!("{}|{:?}", req.supplier_id, run),
            req.page_size,
            &req.page_token,
            &mut v,
        );
        v.into_result(DOMAIN)?;
        let (supplier, after, limit) = (req.supplier_id, page.after, page.limit());
        let workspace = self.filter(reach);
        let found = self.read(reach, move |conn| {
                if !supplier_exists(conn, supplier, workspace)? {
                    return Err(no_supplier(supplier));
                }
                let run: Option<RunRow> = match run {
                    Some(id) => prepared_sql(
                        "SELECT id FROM sync_runs \
                         WHERE id = $1 AND source = 'supplier_feed' AND account_id = $2",
                    )
                    .bind::<SqlUuid, _>(id)
                    .bind::<BigInt, _>(supplier)
                    .get_result(conn)
                    .optional()?,
                    None => prepared_sql(format!(
                        "SELECT lr.id FROM sync_runs lr WHERE {}",
                        last_read_run("$1")
                    ))
                    .bind::<BigInt, _>(supplier)
                    .get_result(conn)
                    .optional()?,
                };
                let Some(run) = run else {
                    return Ok::<_, Error>(None);
                };
                let rows: Vec<ErrorRow> = prepared_sql(
                    "SELECT id, COALESCE((raw->>'row')::bigint, 0) AS row_number, \
                            COALESCE(raw->>'sheet', '') AS sheet, COALESCE(raw->>'column', '') AS header, \
                            COALESCE(raw->>'value', '') AS raw_value, reason, upstream_id AS sku \
                     FROM sync_errors WHERE run_id = $1 AND id > $2 ORDER BY id LIMIT $3",
                )
                .bind::<SqlUuid, _>(run.id)
                .bind::<BigInt, _>(after)
                .bind::<BigInt, _>(limit)
                .load(conn)?;
                Ok(Some((run.id, rows)))
            })
            .await?;
        let (run_id, mut rows) = match (found, run) {
            (Some(found), _) => found,
            (None, None) => {
                return Ok(ListParsingErrorsResponse::default());
            }
            (None, Some(id)) => {
                return Err(error_status(
                    Code::NotFound,
                    format!("supplier {supplier} has no run {id}"),
                    DOMAIN,
                    "NOT_FOUND",
                    &[("resource", "run".to_owned()), ("run_id", id.to_string())],
                )
                .into());
            }
        };
        let next_page_token = page.finish(&mut rows, |r| r.id);
        Ok(ListParsingErrorsResponse {
            run_id: run_id.to_string(),
            errors: rows
                .into_iter()
                .map(|r| ParsingError {
                    row: r.row_number as i32,
                    sheet: r.sheet,
                    column: r.header,
                    raw_value: r.raw_value,
                    reason: r.reason,
                    sku: r.sku.unwrap_or_default(),
                })
                .collect(),
            next_page_token,
        })
    }
}

//! Files uploaded for a feed of uploaded files, in `supplier_feed.uploads`: every upload
//! kept (the record of what a supplier sent), the newest one what a sync reads.

use adsync_proto::ingestion::SupplierUpload;
use adsync_server::timestamp;
use adsync_warehouse::schema::supplier_feed::uploads;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::files::FileFormat;

/// An upload without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = uploads)]
pub(crate) struct Upload {
    pub(crate) id: Uuid,
    pub(crate) supplier_id: i64,
    pub(crate) file_name: String,
    pub(crate) format: String,
    pub(crate) size_bytes: i64,
    pub(crate) sha256: String,
    pub(crate) uploaded_at: DateTime<Utc>,
}

impl Upload {
    pub(crate) fn file_format(&self) -> Option<FileFormat> {
        FileFormat::parse(&self.format)
    }

    pub(crate) fn to_proto(&self) -> SupplierUpload {
        SupplierUpload {
            upload_id: self.id.to_string(),
            supplier_id: self.supplier_id,
            file_name: self.file_name.clone(),
            format: self.file_format().map_or(0, |f| f.proto() as i32),
            size_bytes: self.size_bytes,
            sha256: self.sha256.clone(),
            upload_time: Some(timestamp(self.uploaded_at)),
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = uploads)]
struct NewUpload<'a> {
    id: Uuid,
    supplier_id: i64,
    format: &'a str,
    file_name: &'a str,
    bytes: &'a [u8],
    size_bytes: i64,
    sha256: &'a str,
    uploaded_at: DateTime<Utc>,
}

/// Stores `bytes` as `supplier_id`'s newest upload.
pub(crate) fn insert(
    conn: &mut PgConnection,
    supplier_id: i64,
    file_name: &str,
    format: FileFormat,
    bytes: &[u8],
    sha256: &str,
    now: DateTime<Utc>,
) -> QueryResult<Upload> {
    diesel::insert_into(uploads::table)
        .values(NewUpload {
            id: Uuid::now_v7(),
            supplier_id,
            format: format.as_str(),
            file_name,
            bytes,
            size_bytes: bytes.len() as i64,
            sha256,
            uploaded_at: now,
        })
        .returning(Upload::as_returning())
        .get_result(conn)
}

/// The newest upload of `supplier_id`, with its bytes.
pub(crate) fn newest(
    conn: &mut PgConnection,
    supplier_id: i64,
) -> QueryResult<Option<(Upload, Vec<u8>)>> {
    uploads::table
        .filter(uploads::supplier_id.eq(supplier_id))
        .order((uploads::uploaded_at.desc(), uploads::id.desc()))
        .select((Upload::as_select(), uploads::bytes))
        .first(conn)
        .optional()
}

/// Every upload of `supplier_id`, newest first, without bytes.
pub(crate) fn list(conn: &mut PgConnection, supplier_id: i64) -> QueryResult<Vec<Upload>> {
    uploads::table
        .filter(uploads::supplier_id.eq(supplier_id))
        .order((uploads::uploaded_at.desc(), uploads::id.desc()))
        .select(Upload::as_select())
        .load(conn)
}

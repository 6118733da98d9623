//! Price list files uploaded for a feed of uploaded files: a client stream (a start
//! message, then the bytes), refused whole when it is too large, cut short or not
//! readable as its format, so a stored upload is always one a sync can read.

use adsync_proto::ingestion::{
    FileFormat as FileFormatProto, ListSupplierUploadsRequest, ListSupplierUploadsResponse,
    UploadStart, UploadSupplierFileRequest, UploadSupplierFileResponse,
    upload_supplier_file_request::Part,
};
use adsync_server::{FieldViolations, Reach, error_status, invalid_field};
use sha2::{Digest, Sha256};
use tonic::{Code, Streaming};

use crate::error::{DOMAIN, Error};
use crate::service::IngestionApi;
use crate::sources::supplier_feed::feed::Location;
use crate::sources::supplier_feed::files::{FileFormat, read_file};
use crate::sources::supplier_feed::read::file_reading;
use crate::sources::supplier_feed::uploads;
use adsync_warehouse::row_security::read_for;

/// The most bytes one message may carry (below tonic's 4 MiB message limit).
const MAX_CHUNK_BYTES: usize = 1024 * 1024;

fn invalid(field: &str, why: impl Into<String>) -> Error {
    invalid_field(DOMAIN, field, why).into()
}

/// The start message checked: the supplier, the file name and its format.
fn checked_start(start: &UploadStart) -> Result<(String, FileFormat), Error> {
    let mut v = FieldViolations::new();
    if start.supplier_id <= 0 {
        v.add("start.supplier_id", "required");
    }
    let name = start.file_name.trim();
    if name.is_empty() || name.chars().count() > 255 || name.chars().any(char::is_control) {
        v.add(
            "start.file_name",
            "required: 1 to 255 characters, no control characters",
        );
    }
    let format = match FileFormatProto::try_from(start.format) {
        Ok(FileFormatProto::Unspecified) => FileFormat::of_file_name(name),
        Ok(f) => FileFormat::from_proto(f),
        Err(_) => None,
    };
    if format.is_none() {
        v.add(
            "start.format",
            "CSV, XLSX or ODS (unspecified: from the file name's extension .csv, .xlsx or .ods)",
        );
    }
    v.into_result(DOMAIN)?;
    Ok((name.to_owned(), format.expect("checked above")))
}

impl IngestionApi {
    pub(crate) async fn upload_supplier_file(
        &self,
        mut stream: Streaming<UploadSupplierFileRequest>,
        reach: Reach,
    ) -> Result<UploadSupplierFileResponse, Error> {
        let source = self.feeds()?.clone();
        let start = match stream.message().await?.and_then(|m| m.part) {
            Some(Part::Start(start)) => start,
            _ => {
                return Err(invalid(
                    "start",
                    "required: the first message names the supplier and the file",
                ));
            }
        };
        let (file_name, format) = checked_start(&start)?;
        let feed = self
            .stored_feed(start.supplier_id, "start.supplier_id", reach)
            .await?;
        if matches!(feed.config.location, Location::Sheet { .. }) {
            return Err(error_status(
                Code::FailedPrecondition,
                format!(
                    "supplier {} reads a Google Sheet; files are uploaded for a feed of uploaded files",
                    feed.id
                ),
                DOMAIN,
                "NOT_A_FILE_FEED",
                &[("supplier_id", feed.id.to_string())],
            )
            .into());
        }

        let max = source.max_upload_bytes;
        let mut bytes = Vec::new();
        while let Some(message) = stream.message().await? {
            match message.part {
                Some(Part::Chunk(chunk)) => {
                    if chunk.len() > MAX_CHUNK_BYTES {
                        return Err(invalid(
                            "chunk",
                            format!("at most {MAX_CHUNK_BYTES} bytes per message"),
                        ));
                    }
                    if bytes.len() + chunk.len() > max {
                        return Err(invalid(
                            "chunk",
                            format!(
                                "the file is larger than this deployment accepts ({max} bytes)"
                            ),
                        ));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Some(Part::Start(_)) => {
                    return Err(invalid("start", "only the first message names the file"));
                }
                None => {}
            }
        }
        if bytes.is_empty() {
            return Err(invalid("chunk", "the file is empty"));
        }

        let sha256 = hex::encode(Sha256::digest(&bytes));
        // Read it as a sync will, so an unreadable file is refused now, not at sync time.
        let (checked, bytes) = {
            let (feed, name) = (feed.clone(), file_name.clone());
            tokio::task::spawn_blocking(move || {
                let grid = read_file(format, &name, &bytes, file_reading(&feed));
                (grid, bytes)
            })
            .await
            .map_err(|e| Error::Internal(format!("checking an upload: {e}")))?
        };
        let grid = checked.map_err(|why| invalid("chunk", why))?;
        let now = self.platform.clock.now();
        let (id, name) = (feed.id, file_name.clone());
        let upload = source
            .db
            .run(move |conn| {
                uploads::insert(conn, id, &name, format, &bytes, &sha256, now).map_err(Error::from)
            })
            .await?;
        tracing::info!(
            supplier_id = id,
            upload_id = %upload.id,
            size_bytes = upload.size_bytes,
            format = format.as_str(),
            "supplier file uploaded"
        );
        Ok(UploadSupplierFileResponse {
            upload: Some(upload.to_proto()),
            sheet_title: grid.sheet,
            rows: grid.rows.len() as i32,
        })
    }

    pub(crate) async fn list_supplier_uploads(
        &self,
        req: ListSupplierUploadsRequest,
        reach: Reach,
    ) -> Result<ListSupplierUploadsResponse, Error> {
        let feed = self
            .stored_feed(req.supplier_id, "supplier_id", reach)
            .await?;
        let id = feed.id;
        let listed = read_for(&self.feeds()?.db, reach, move |conn| {
            uploads::list(conn, id).map_err(Error::from)
        })
        .await?;
        Ok(ListSupplierUploadsResponse {
            uploads: listed.iter().map(uploads::Upload::to_proto).collect(),
        })
    }
}

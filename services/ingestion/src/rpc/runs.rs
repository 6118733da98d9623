//! ListSyncRuns (AIP-158) and SubscribeSyncEvents (every run's events, resumable).

use std::time::Duration;

use adsync_proto::ingestion::{
    ListSyncRunsRequest, ListSyncRunsResponse, SubscribeSyncEventsRequest,
    SubscribeSyncEventsResponse, SyncEvent, SyncStatus, SyncTrigger,
};
use adsync_server::{FieldViolations, decode_page_token, encode_page_token, invalid_field};
use prost::Message;

use crate::error::{DOMAIN, Error};
use crate::service::{EventStream, IngestionApi};
use crate::sync::{self, events, runs};

fn status_name(s: SyncStatus) -> Option<&'static str> {
    Some(match s {
        SyncStatus::Running => "running",
        SyncStatus::Success => "success",
        SyncStatus::Partial => "partial",
        SyncStatus::Failed => "failed",
        SyncStatus::Skipped => "skipped",
        SyncStatus::Unspecified => return None,
    })
}

impl IngestionApi {
    pub(crate) async fn list_sync_runs(
        &self,
        req: ListSyncRunsRequest,
    ) -> Result<ListSyncRunsResponse, Error> {
        let mut v = FieldViolations::new();
        if req.page_size < 0 {
            v.add("page_size", "must not be negative");
        }
        if req.account_id < 0 {
            v.add("account_id", "must not be negative");
        }
        let mut statuses = Vec::new();
        for (i, raw) in req.statuses.iter().enumerate() {
            match SyncStatus::try_from(*raw).ok().and_then(status_name) {
                Some(name) => statuses.push(name.to_owned()),
                None => {
                    v.add(format!("statuses[{i}]"), format!("unknown status {raw}"));
                }
            }
        }
        let trigger = match SyncTrigger::try_from(req.trigger) {
            Ok(SyncTrigger::Unspecified) => None,
            Ok(t) => Some(sync::trigger_name(t)),
            Err(_) => {
                v.add("trigger", format!("unknown trigger {}", req.trigger));
                None
            }
        };
        v.into_result(DOMAIN)?;
        let limit = if req.page_size == 0 {
            50
        } else {
            i64::from(req.page_size).min(200)
        };
        let fingerprint = format!("{}|{statuses:?}|{trigger:?}", req.account_id);
        let after = if req.page_token.is_empty() {
            None
        } else {
            let cursor = decode_page_token("ListSyncRuns", &fingerprint, &req.page_token)
                .and_then(|c| {
                    let (t, id) = c.split_once('|')?;
                    Some((
                        chrono::DateTime::parse_from_rfc3339(t)
                            .ok()?
                            .with_timezone(&chrono::Utc),
                        uuid::Uuid::parse_str(id).ok()?,
                    ))
                })
                .ok_or_else(|| {
                    invalid_field(
                        DOMAIN,
                        "page_token",
                        "not a page token of this call with these filters",
                    )
                })?;
            Some(cursor)
        };
        let account = (req.account_id > 0).then_some(req.account_id);
        let mut rows = self
            .db
            .run(move |conn| {
                runs::list(conn, after, account, &statuses, trigger, limit + 1).map_err(Error::from)
            })
            .await?;
        let next_page_token = if rows.len() as i64 > limit {
            rows.truncate(limit as usize);
            let last = rows.last().expect("not empty");
            encode_page_token(
                "ListSyncRuns",
                &fingerprint,
                &format!("{}|{}", last.created_at.to_rfc3339(), last.id),
            )
        } else {
            String::new()
        };
        Ok(ListSyncRunsResponse {
            sync_runs: rows.iter().map(sync::run_proto).collect(),
            next_page_token,
        })
    }

    pub(crate) async fn subscribe_sync_events(
        &self,
        req: SubscribeSyncEventsRequest,
    ) -> Result<EventStream<SubscribeSyncEventsResponse>, Error> {
        if let Some(bad) = req.account_ids.iter().find(|a| **a <= 0) {
            return Err(invalid_field(
                DOMAIN,
                "account_ids",
                format!("{bad} is not an account id"),
            )
            .into());
        }
        let start = if req.after_cursor.is_empty() {
            self.db
                .run(|conn| events::latest_id(conn).map_err(Error::from))
                .await?
        } else {
            decode_page_token("SubscribeSyncEvents", "", &req.after_cursor)
                .and_then(|c| c.parse::<i64>().ok())
                .ok_or_else(|| {
                    invalid_field(DOMAIN, "after_cursor", "not a cursor this service issued")
                })?
        };
        let api = self.clone();
        let accounts = req.account_ids;
        let stream = async_stream::try_stream! {
            let mut last = start;
            loop {
                let bell = api.bell.clone();
                let notified = bell.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                let accounts = accounts.clone();
                let batch = api
                    .db
                    .run(move |conn| events::feed(conn, last, &accounts).map_err(Error::from))
                    .await
                    .map_err(tonic::Status::from)?;
                for stored in batch {
                    last = stored.id;
                    let event = SyncEvent::decode(stored.payload.as_slice())
                        .map_err(|e| tonic::Status::internal(format!("stored event does not decode: {e}")))?;
                    yield SubscribeSyncEventsResponse {
                        event: Some(event),
                        cursor: encode_page_token("SubscribeSyncEvents", "", &stored.id.to_string()),
                    };
                }
                let _ = tokio::time::timeout(Duration::from_millis(250), notified).await;
            }
        };
        Ok(Box::pin(stream))
    }
}

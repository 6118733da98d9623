//! ListSyncRuns (AIP-158) and SubscribeSyncEvents (every run's events, resumable).

use adsync_proto::ingestion::{
    ListSyncRunsRequest, ListSyncRunsResponse, SubscribeSyncEventsRequest,
    SubscribeSyncEventsResponse, SyncStatus, SyncTrigger,
};
use adsync_server::{FieldViolations, Reach, invalid_field};

use super::{Unspecified, source_of};
use crate::error::{DOMAIN, Error};
use crate::runs::{self, RunStatus, Trigger, events, store};
use crate::service::{EventStream, IngestionApi};
use adsync_warehouse::row_security::read_for;

/// The run statuses there are: a status filter is at most this long.
const MAX_STATUSES: usize = 5;
/// The most accounts one event subscription names.
const MAX_SUBSCRIBED_ACCOUNTS: usize = 1_000;

impl IngestionApi {
    pub(crate) async fn list_sync_runs(
        &self,
        req: ListSyncRunsRequest,
        reach: Reach,
    ) -> Result<ListSyncRunsResponse, Error> {
        let mut v = FieldViolations::new();
        if req.page_size < 0 {
            v.add("page_size", "must not be negative");
        }
        if req.account_id < 0 {
            v.add("account_id", "must not be negative");
        }
        // An account id names an account of one source: LinkedIn's when unspecified.
        let unspecified = if req.account_id > 0 {
            Unspecified::Linkedin
        } else {
            Unspecified::Every
        };
        let source = source_of(&self.platform, req.source, unspecified, &mut v);
        let mut statuses = Vec::new();
        // A filter lists each status at most once: a longer list is refused whole.
        let listed = if req.statuses.len() > MAX_STATUSES {
            v.add(
                "statuses",
                format!(
                    "{} statuses listed; there are {MAX_STATUSES}",
                    req.statuses.len()
                ),
            );
            &[][..]
        } else {
            &req.statuses[..]
        };
        for (i, raw) in listed.iter().enumerate() {
            match SyncStatus::try_from(*raw)
                .ok()
                .and_then(RunStatus::from_proto)
            {
                Some(status) => statuses.push(status),
                None => {
                    v.add(format!("statuses[{i}]"), format!("unknown status {raw}"));
                }
            }
        }
        let trigger = match SyncTrigger::try_from(req.trigger) {
            Ok(SyncTrigger::Unspecified) => None,
            Ok(t) => Some(Trigger::from_proto(t)),
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
        let filter = store::RunFilter {
            workspace: reach.workspace(),
            source: source.map(|s| s.name()),
            account_id: (req.account_id > 0).then_some(req.account_id),
            statuses,
            trigger,
        };
        let fingerprint = format!(
            "{:?}|{}|{:?}|{:?}|{}",
            filter.source.as_ref().map(|s| s.as_str()),
            req.account_id,
            filter.statuses,
            filter.trigger,
            reach.fingerprint()
        );
        let after = if req.page_token.is_empty() {
            None
        } else {
            let cursor = self
                .page_tokens
                .decode("ListSyncRuns", &fingerprint, &req.page_token)
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
        let mut rows = read_for(&self.platform.db, reach, move |conn| {
            store::list(conn, after, &filter, limit + 1).map_err(Error::from)
        })
        .await?;
        let next_page_token = if rows.len() as i64 > limit {
            rows.truncate(limit as usize);
            let last = rows.last().expect("not empty");
            self.page_tokens.encode(
                "ListSyncRuns",
                &fingerprint,
                &format!("{}|{}", last.created_at.to_rfc3339(), last.id),
            )
        } else {
            String::new()
        };
        Ok(ListSyncRunsResponse {
            sync_runs: rows
                .iter()
                .map(|r| runs::run_proto(&self.platform, r))
                .collect(),
            next_page_token,
        })
    }

    pub(crate) async fn subscribe_sync_events(
        &self,
        req: SubscribeSyncEventsRequest,
        reach: Reach,
    ) -> Result<EventStream<SubscribeSyncEventsResponse>, Error> {
        let mut v = FieldViolations::new();
        if req.account_ids.len() > MAX_SUBSCRIBED_ACCOUNTS {
            v.add(
                "account_ids",
                format!(
                    "{} accounts named; at most {MAX_SUBSCRIBED_ACCOUNTS} (none: every account)",
                    req.account_ids.len()
                ),
            );
        } else if let Some(bad) = req.account_ids.iter().find(|a| **a <= 0) {
            v.add("account_ids", format!("{bad} is not an account id"));
        }
        let unspecified = if req.account_ids.is_empty() {
            Unspecified::Every
        } else {
            Unspecified::Linkedin
        };
        let source = source_of(&self.platform, req.source, unspecified, &mut v).map(|s| s.name());
        v.into_result(DOMAIN)?;
        let start = if req.after_cursor.is_empty() {
            self.platform
                .db
                .run(|conn| events::latest_id(conn).map_err(Error::from))
                .await?
        } else {
            self.page_tokens
                .decode(
                    "SubscribeSyncEvents",
                    &reach.fingerprint(),
                    &req.after_cursor,
                )
                .and_then(|c| c.parse::<i64>().ok())
                .ok_or_else(|| {
                    invalid_field(DOMAIN, "after_cursor", "not a cursor this service issued")
                })?
        };
        let platform = self.platform.clone();
        let accounts = req.account_ids;
        let workspace = reach.workspace();
        let cursor_binding = reach.fingerprint();
        let page_tokens = self.page_tokens.clone();
        let stream = async_stream::try_stream! {
            let mut last = start;
            let mut closing = platform.closing.subscribe();
            loop {
                let notified = platform.bell.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                let (accounts, source) = (accounts.clone(), source.clone());
                let batch = read_for(&platform.db, reach, move |conn| events::feed(conn, last, workspace, source.as_ref(), &accounts).map_err(Error::from))
                    .await
                    .map_err(tonic::Status::from)?;
                for stored in batch {
                    last = stored.id;
                    let event = runs::decode_event(&stored.payload).map_err(tonic::Status::from)?;
                    yield SubscribeSyncEventsResponse {
                        event: Some(event),
                        cursor: page_tokens.encode("SubscribeSyncEvents", &cursor_binding, &stored.id.to_string()),
                    };
                }
                runs::wait_for_events(&mut closing, notified).await.map_err(tonic::Status::from)?;
            }
        };
        Ok(Box::pin(stream))
    }
}

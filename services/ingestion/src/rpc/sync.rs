//! StartSync, TriggerSync, WatchSync, GetSyncRun and CheckFreshness.

use adsync_proto::ingestion::{
    CheckFreshnessRequest, CheckFreshnessResponse, DateRange, GetSyncRunRequest,
    GetSyncRunResponse, StartSyncRequest, StartSyncResponse, SyncTrigger, TriggerSyncRequest,
    TriggerSyncResponse, WatchSyncRequest, WatchSyncResponse,
};
use adsync_server::FieldViolations;
use chrono::NaiveDate;
use tokio_stream::StreamExt;

use super::timestamp;
use crate::error::{DOMAIN, Error};
use crate::service::{EventStream, IngestionApi};
use crate::sync::{self, SyncRequest, runs};

/// Checks a sync request; every problem is named at once and no run is created.
fn validate(
    account_id: i64,
    trigger: i32,
    force: bool,
    range: Option<&DateRange>,
    max_days: u32,
) -> Result<SyncRequest, Error> {
    let mut v = FieldViolations::new();
    if account_id <= 0 {
        v.add("account_id", "required: the LinkedIn ad account id");
    }
    let trigger = match SyncTrigger::try_from(trigger) {
        Ok(SyncTrigger::Unspecified) => SyncTrigger::OnDemand,
        Ok(t) => t,
        Err(_) => {
            v.add("trigger", format!("unknown trigger {trigger}"));
            SyncTrigger::OnDemand
        }
    };
    let mut parsed = None;
    if let Some(r) = range.filter(|r| !r.start_date.is_empty() || !r.end_date.is_empty()) {
        let day = |field: &str, s: &str, v: &mut FieldViolations| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| {
                    v.add(
                        format!("date_range.{field}"),
                        "must be a date as YYYY-MM-DD",
                    )
                })
                .ok()
        };
        let start = day("start_date", &r.start_date, &mut v);
        let end = day("end_date", &r.end_date, &mut v);
        if let (Some(start), Some(end)) = (start, end) {
            if end < start {
                v.add("date_range", "end_date is before start_date");
            } else if (end - start).num_days() + 1 > i64::from(max_days) {
                v.add("date_range", format!("at most {max_days} days"));
            } else {
                parsed = Some((start, end));
            }
        }
    }
    v.into_result(DOMAIN)?;
    Ok(SyncRequest {
        account_id,
        trigger,
        force,
        range: parsed,
    })
}

fn run_id(raw: &str) -> Result<uuid::Uuid, Error> {
    uuid::Uuid::parse_str(raw).map_err(|_| {
        Error::from(adsync_server::invalid_field(
            DOMAIN,
            "run_id",
            "must be a run id (a UUID)",
        ))
    })
}

impl IngestionApi {
    pub(crate) async fn start_sync(
        &self,
        req: StartSyncRequest,
    ) -> Result<EventStream<StartSyncResponse>, Error> {
        let request = validate(
            req.account_id,
            req.trigger,
            req.force,
            req.date_range.as_ref(),
            self.settings.max_range_days,
        )?;
        let started = sync::start(self, request).await?;
        let events = sync::watch(self.clone(), started.run_id, 0)
            .map(|e| e.map(|event| StartSyncResponse { event: Some(event) }));
        Ok(Box::pin(events))
    }

    pub(crate) async fn trigger_sync(
        &self,
        req: TriggerSyncRequest,
    ) -> Result<TriggerSyncResponse, Error> {
        let request = validate(
            req.account_id,
            req.trigger,
            req.force,
            req.date_range.as_ref(),
            self.settings.max_range_days,
        )?;
        let started = sync::start(self, request).await?;
        let run_id = started.run_id;
        let row = match started.row {
            Some(row) => Some(row),
            None => {
                self.db
                    .run(move |conn| runs::get(conn, run_id).map_err(Error::from))
                    .await?
            }
        };
        Ok(TriggerSyncResponse {
            run_id: run_id.to_string(),
            joined_existing: started.joined,
            run: row.as_ref().map(sync::run_proto),
        })
    }

    pub(crate) fn watch_sync(
        &self,
        req: WatchSyncRequest,
    ) -> Result<EventStream<WatchSyncResponse>, Error> {
        let id = run_id(&req.run_id)?;
        if req.after_sequence < 0 {
            return Err(adsync_server::invalid_field(
                DOMAIN,
                "after_sequence",
                "must not be negative",
            )
            .into());
        }
        let api = self.clone();
        let events = async_stream::try_stream! {
            let exists = api.db.run(move |conn| runs::get(conn, id).map_err(Error::from)).await.map_err(tonic::Status::from)?;
            if exists.is_none() {
                Err(tonic::Status::from(Error::NotFound { kind: "run", id: id.to_string() }))?;
            }
            let mut inner = sync::watch(api.clone(), id, req.after_sequence);
            while let Some(event) = inner.next().await {
                yield WatchSyncResponse { event: Some(event?) };
            }
        };
        Ok(Box::pin(events))
    }

    pub(crate) async fn get_sync_run(
        &self,
        req: GetSyncRunRequest,
    ) -> Result<GetSyncRunResponse, Error> {
        let id = run_id(&req.run_id)?;
        let row = self
            .db
            .run(move |conn| runs::get(conn, id).map_err(Error::from))
            .await?;
        let row = row.ok_or(Error::NotFound {
            kind: "run",
            id: req.run_id,
        })?;
        Ok(GetSyncRunResponse {
            run: Some(sync::run_proto(&row)),
        })
    }

    pub(crate) async fn check_freshness(
        &self,
        req: CheckFreshnessRequest,
    ) -> Result<CheckFreshnessResponse, Error> {
        if req.account_id <= 0 {
            return Err(adsync_server::invalid_field(
                DOMAIN,
                "account_id",
                "required: the LinkedIn ad account id",
            )
            .into());
        }
        let account_id = req.account_id;
        let (account, last, running) = self
            .db
            .run(move |conn| {
                Ok::<_, Error>((
                    crate::accounts::find(conn, account_id)?,
                    runs::last_success(conn, account_id)?,
                    runs::running(conn, account_id)?,
                ))
            })
            .await?;
        if account.is_none() {
            return Err(Error::NotFound {
                kind: "account",
                id: account_id.to_string(),
            });
        }
        let now = self.clock.now();
        let ttl = self.settings.freshness_ttl;
        let finished = last.as_ref().and_then(|r| r.finished_at);
        let age = finished.map(|f| now - f);
        let fresh = age.is_some_and(|a| a < ttl);
        let duration = |d: chrono::TimeDelta| prost_types::Duration {
            seconds: d.num_seconds(),
            nanos: 0,
        };
        Ok(CheckFreshnessResponse {
            account_id,
            fresh,
            reason: match age {
                None => "never synced successfully".to_owned(),
                Some(a) => format!(
                    "last success {}m ago, ttl {}m",
                    a.num_minutes(),
                    ttl.num_minutes()
                ),
            },
            last_success_run_id: last.as_ref().map(|r| r.id.to_string()).unwrap_or_default(),
            last_success_time: finished.map(timestamp),
            age: age.map(duration),
            ttl: Some(duration(ttl)),
            fresh_until: finished.filter(|_| fresh).map(|f| timestamp(f + ttl)),
            running_run_id: running.map(|r| r.id.to_string()).unwrap_or_default(),
        })
    }
}

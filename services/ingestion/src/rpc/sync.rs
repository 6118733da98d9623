//! StartSync, TriggerSync, WatchSync, GetSyncRun and CheckFreshness.

use adsync_proto::ingestion::{
    CheckFreshnessRequest, CheckFreshnessResponse, DateRange, GetSyncRunRequest,
    GetSyncRunResponse, StartSyncRequest, StartSyncResponse, SyncTrigger, TriggerSyncRequest,
    TriggerSyncResponse, WatchSyncRequest, WatchSyncResponse,
};
use adsync_server::{FieldViolations, Reach, timestamp};
use chrono::NaiveDate;
use tokio_stream::StreamExt;

use super::{Unspecified, source_of};
use crate::error::{DOMAIN, Error};
use crate::runs::{self, SyncRequest, Trigger, accounts, store};
use crate::service::{EventStream, IngestionApi};
use adsync_warehouse::row_security::read_for;

/// What StartSync and TriggerSync both carry.
struct Asked<'a> {
    reach: Reach,
    source: i32,
    account_id: i64,
    trigger: i32,
    force: bool,
    range: Option<&'a DateRange>,
}

impl IngestionApi {
    /// Checks a sync request; every problem is named at once and no run is created.
    fn validate(&self, asked: Asked<'_>) -> Result<SyncRequest, Error> {
        let mut v = FieldViolations::new();
        let source = source_of(&self.platform, asked.source, Unspecified::Linkedin, &mut v);
        if asked.account_id <= 0 {
            v.add("account_id", "required: the account's id at its source");
        }
        let trigger = match SyncTrigger::try_from(asked.trigger) {
            Ok(t) => Trigger::from_proto(t),
            Err(_) => {
                v.add("trigger", format!("unknown trigger {}", asked.trigger));
                Trigger::OnDemand
            }
        };
        let max_days = self.platform.settings.max_range_days;
        let mut parsed = None;
        if let Some(r) = asked
            .range
            .filter(|r| !r.start_date.is_empty() || !r.end_date.is_empty())
        {
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
                // No account's day after the latest UTC+14 date is complete yet.
                let latest =
                    (self.platform.clock.now() + chrono::TimeDelta::hours(14)).date_naive();
                if end < start {
                    v.add("date_range", "end_date is before start_date");
                } else if end >= latest {
                    v.add(
                        "date_range.end_date",
                        format!("{end} is not a complete day yet anywhere"),
                    );
                } else if (end - start).num_days() + 1 > i64::from(max_days) {
                    v.add("date_range", format!("at most {max_days} days"));
                } else {
                    parsed = Some((start, end));
                }
            }
        }
        v.into_result(DOMAIN)?;
        Ok(SyncRequest {
            reach: asked.reach,
            source: source.expect("a source when there is no violation"),
            account_id: asked.account_id,
            trigger,
            force: asked.force,
            range: parsed,
        })
    }

    pub(crate) async fn start_sync(
        &self,
        req: StartSyncRequest,
        reach: Reach,
    ) -> Result<EventStream<StartSyncResponse>, Error> {
        let request = self.validate(Asked {
            reach,
            source: req.source,
            account_id: req.account_id,
            trigger: req.trigger,
            force: req.force,
            range: req.date_range.as_ref(),
        })?;
        let started = runs::start(&self.platform, request).await?;
        let events = runs::watch(self.platform.clone(), started.run_id, 0).map(|e| {
            e.map(|event| StartSyncResponse { event: Some(event) })
                .map_err(tonic::Status::from)
        });
        Ok(Box::pin(events))
    }

    pub(crate) async fn trigger_sync(
        &self,
        req: TriggerSyncRequest,
        reach: Reach,
    ) -> Result<TriggerSyncResponse, Error> {
        let request = self.validate(Asked {
            reach,
            source: req.source,
            account_id: req.account_id,
            trigger: req.trigger,
            force: req.force,
            range: req.date_range.as_ref(),
        })?;
        let started = runs::start(&self.platform, request).await?;
        Ok(TriggerSyncResponse {
            run_id: started.run_id.to_string(),
            joined_existing: started.joined,
            run: Some(runs::run_proto(&self.platform, &started.row)),
        })
    }

    pub(crate) fn watch_sync(
        &self,
        req: WatchSyncRequest,
        reach: Reach,
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
        let platform = self.platform.clone();
        let events = async_stream::try_stream! {
            let exists = read_for(&platform.db, reach, move |conn| store::get_in_reach(conn, id, reach).map_err(Error::from)).await?;
            if exists.is_none() {
                Err(Error::NotFound { kind: "run", id: id.to_string() })?;
            }
            let mut inner = runs::watch(platform.clone(), id, req.after_sequence);
            while let Some(event) = inner.next().await {
                yield WatchSyncResponse { event: Some(event?) };
            }
        };
        Ok(Box::pin(
            events.map(|e: Result<_, Error>| e.map_err(tonic::Status::from)),
        ))
    }

    pub(crate) async fn get_sync_run(
        &self,
        req: GetSyncRunRequest,
        reach: Reach,
    ) -> Result<GetSyncRunResponse, Error> {
        let id = run_id(&req.run_id)?;
        let row = read_for(&self.platform.db, reach, move |conn| {
            store::get_in_reach(conn, id, reach).map_err(Error::from)
        })
        .await?;
        let row = row.ok_or(Error::NotFound {
            kind: "run",
            id: req.run_id,
        })?;
        Ok(GetSyncRunResponse {
            run: Some(runs::run_proto(&self.platform, &row)),
        })
    }

    pub(crate) async fn check_freshness(
        &self,
        req: CheckFreshnessRequest,
        reach: Reach,
    ) -> Result<CheckFreshnessResponse, Error> {
        let mut v = FieldViolations::new();
        let source = source_of(&self.platform, req.source, Unspecified::Linkedin, &mut v);
        if req.account_id <= 0 {
            v.add("account_id", "required: the account's id at its source");
        }
        v.into_result(DOMAIN)?;
        let source = source.expect("a source when there is no violation");
        let account_id = req.account_id;
        let name = source.name();
        let (account, last, running) = read_for(&self.platform.db, reach, move |conn| {
            let Some(account) = accounts::find_in_reach(conn, &name, account_id, reach)? else {
                return Ok::<_, Error>((None, None, None));
            };
            Ok::<_, Error>((
                Some(account),
                store::last_success(conn, &name, account_id)?,
                store::running(conn, &name, account_id, false)?,
            ))
        })
        .await?;
        if account.is_none() {
            return Err(Error::NotFound {
                kind: "account",
                id: account_id.to_string(),
            });
        }
        let now = self.platform.clock.now();
        let ttl = self.platform.settings.freshness_ttl;
        let finished = last.as_ref().and_then(|r| r.finished_at);
        let age = finished.map(|f| now - f);
        let fresh = age.is_some_and(|a| a < ttl);
        let duration = |d: chrono::TimeDelta| prost_types::Duration {
            seconds: d.num_seconds(),
            nanos: 0,
        };
        Ok(CheckFreshnessResponse {
            account_id,
            source: source.proto() as i32,
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

fn run_id(raw: &str) -> Result<uuid::Uuid, Error> {
    uuid::Uuid::parse_str(raw).map_err(|_| {
        Error::from(adsync_server::invalid_field(
            DOMAIN,
            "run_id",
            "must be a run id (a UUID)",
        ))
    })
}

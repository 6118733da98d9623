//! A source that exists only in this crate's tests: it asks a fake upstream for a report
//! that takes a while, records the request as a durable upstream job before waiting, and
//! stages the report's rows into `testing.items`. Its test restarts the platform between
//! the request and the report's completion and checks that the job is resumed, not asked
//! for twice.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use adsync_proto::auth::Provider;
use adsync_proto::ingestion::{Source as SourceProto, SyncEntity, SyncStage};
use chrono::{Days, NaiveDate};
use futures::future::BoxFuture;
use serde_json::{Value, json};

use crate::error::Error;
use crate::runs::jobs::{JobState, JobUpdate};
use crate::runs::{Discovered, RunContext, SourceName};
use crate::store::{CopyBuffer, MergeMode, TableSpec};
use crate::upstream::{CallCounter, Request, TokenSource, UpstreamClient, UpstreamError};

pub(crate) const NAME: SourceName = SourceName::new("testing");

/// The table the source writes; its test creates it.
pub(crate) const CREATE_TABLE: &str = "CREATE SCHEMA testing; \
    CREATE TABLE testing.items (account_id BIGINT NOT NULL, item TEXT NOT NULL, value BIGINT NOT NULL, \
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(), fetched_at TIMESTAMPTZ NOT NULL DEFAULT now(), \
        PRIMARY KEY (account_id, item))";

diesel::table! {
    stage_items (account_id, item) {
        account_id -> BigInt,
        item -> Text,
        value -> BigInt,
    }
}

static ITEMS: TableSpec = TableSpec {
    table: "testing.items",
    stage: "stage_items",
    key: &["account_id", "item"],
    data: &["value"],
    parent: None,
    sum: &[],
    account: "account_id",
    mode: MergeMode::Upsert,
    replaces_window: None,
    marks_missing: None,
    entity: SyncEntity::Account,
    copy: crate::copy_fn!(stage_items::table),
};

static TABLES: &[&TableSpec] = &[&ITEMS];

/// Asks `base_url` for reports (`POST /reports`, then `GET /reports/{id}` until done).
pub(crate) struct ReportSource {
    pub(crate) upstream: UpstreamClient,
    pub(crate) base_url: String,
}

impl ReportSource {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        calls: &CallCounter,
    ) -> Result<Value, UpstreamError> {
        let url = format!("{}{path}", self.base_url);
        let build = |http: &reqwest::Client, _: Option<&str>| http.request(method.clone(), &url);
        self.upstream
            .send_json(&Request {
                what: path,
                build: &build,
                tokens: None,
                counter: calls,
            })
            .await
    }
}

impl crate::sources::Source for ReportSource {
    fn name(&self) -> SourceName {
        NAME
    }

    fn proto(&self) -> SourceProto {
        SourceProto::Unspecified
    }

    fn provider(&self) -> Provider {
        Provider::Unspecified
    }

    fn tables(&self) -> &'static [&'static TableSpec] {
        TABLES
    }

    fn window(&self, today: NaiveDate, _: Option<NaiveDate>) -> (NaiveDate, NaiveDate) {
        let yesterday = today - Days::new(1);
        (yesterday, yesterday)
    }

    fn discover<'a>(
        &'a self,
        _: &'a dyn TokenSource,
    ) -> BoxFuture<'a, Result<Vec<Discovered>, Error>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    fn fetch<'a>(&'a self, run: &'a mut RunContext) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(self.report(run))
    }
}

impl ReportSource {
    /// Asks for the report (or resumes waiting on the one asked for earlier), waits for
    /// it, and stages its rows.
    async fn report(&self, run: &mut RunContext) -> Result<(), Error> {
        run.stage_started(SyncStage::Plan).await?;
        let (start, end) = run.window();
        let fingerprint = format!("items {} {start} {end}", run.account_id());
        let calls = run.calls();
        let mut job = match run.find_job("report", &fingerprint).await? {
            Some(job) => {
                let message = format!(
                    "report {} asked for at {}, polled {} times; waiting on it again",
                    job.upstream_id, job.created_at, job.polls
                );
                run.warn("JOB_RESUMED", message, SyncEntity::Account)
                    .await?;
                job
            }
            None => {
                let created = self.call(reqwest::Method::POST, "/reports", &calls).await?;
                let id = created["id"].as_str().unwrap_or_default().to_owned();
                run.record_job("report", &fingerprint, &id, json!({}), run.now())
                    .await?
            }
        };
        while job.state == JobState::Pending {
            let wait = (job.next_poll_at - run.now()).to_std().unwrap_or_default();
            tokio::time::sleep(wait).await;
            let status = self
                .call(
                    reqwest::Method::GET,
                    &format!("/reports/{}", job.upstream_id),
                    &calls,
                )
                .await?;
            let update = match status["status"].as_str() {
                Some("DONE") => JobUpdate::Completed {
                    detail: json!({"location": status["location"]}),
                },
                Some("FAILED") => JobUpdate::Ended {
                    state: JobState::Failed,
                    reason: status["reason"].as_str().unwrap_or_default().to_owned(),
                },
                _ => JobUpdate::Polled {
                    // Back off: 10, 20, 40, then every 80 ms.
                    next_poll_at: run.now()
                        + chrono::TimeDelta::milliseconds(10 << job.polls.min(3)),
                },
            };
            job = run.update_job(&job, update).await?;
        }
        if job.state == JobState::Failed {
            return Err(Error::Upstream(UpstreamError::Rejected {
                status: 200,
                message: format!("report {} failed upstream", job.upstream_id),
                body: String::new(),
            }));
        }
        let location = job.detail["location"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let rows = self.call(reqwest::Method::GET, &location, &calls).await?;
        let mut buffer = CopyBuffer::default();
        for row in rows.as_array().into_iter().flatten() {
            run.count(SyncEntity::Account).fetched += 1;
            buffer
                .row()
                .int(run.account_id())
                .text(row["item"].as_str().unwrap_or_default())
                .int(row["value"].as_i64().unwrap_or_default())
                .end_row();
        }
        run.stage(&ITEMS, buffer).await?;
        run.loads_job(&job);
        Ok(())
    }
}

/// A fake upstream generating reports: each is pending until released, then done (or
/// failed, when told to fail).
#[derive(Debug, Default)]
pub(crate) struct FakeReports {
    pub(crate) created: AtomicU64,
    pub(crate) polled: AtomicU64,
    pub(crate) released: AtomicBool,
    pub(crate) failing: AtomicBool,
}

impl FakeReports {
    /// Serves on `127.0.0.1:0` from the current runtime; its base URL.
    pub(crate) async fn serve(self: &Arc<FakeReports>) -> String {
        use axum::extract::{Path, State};
        use axum::routing::{get, post};
        let app = axum::Router::new()
            .route(
                "/reports",
                post(|State(fake): State<Arc<FakeReports>>| async move {
                    let n = fake.created.fetch_add(1, Ordering::SeqCst) + 1;
                    axum::Json(json!({"id": format!("r{n}")}))
                }),
            )
            .route(
                "/reports/{id}",
                get(|State(fake): State<Arc<FakeReports>>, Path(id): Path<String>| async move {
                    fake.polled.fetch_add(1, Ordering::SeqCst);
                    if fake.failing.load(Ordering::SeqCst) {
                        axum::Json(json!({"status": "FAILED", "reason": "the upstream gave up"}))
                    } else if fake.released.load(Ordering::SeqCst) {
                        axum::Json(json!({"status": "DONE", "location": format!("/reports/{id}/rows")}))
                    } else {
                        axum::Json(json!({"status": "PENDING"}))
                    }
                }),
            )
            .route(
                "/reports/{id}/rows",
                get(|| async {
                    axum::Json(json!([{"item": "a", "value": 1}, {"item": "b", "value": 2}]))
                }),
            )
            .with_state(self.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{addr}")
    }
}

#[cfg(test)]
mod tests {
    use adsync_test_harness::TestDatabase;
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    use diesel::sql_types::{BigInt, Text};

    use std::time::Duration;

    use super::*;
    use crate::runs::{self, RunStatus, SyncRequest, Trigger};
    use crate::sources::Registry;

    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    fn count(db: &TestDatabase, sql: &str) -> i64 {
        diesel::sql_query(sql)
            .get_result::<N>(&mut db.connect())
            .expect(sql)
            .n
    }

    /// A platform on `db` serving the report source at `base_url`, as a process would
    /// open it (presence, start-up reaping).
    async fn open(
        db: &TestDatabase,
        base_url: &str,
    ) -> (Arc<runs::Platform>, runs::presence::Presence) {
        let config = crate::Config::from_flags([
            "--database-url",
            db.url(),
            "--auth-url",
            "http://127.0.0.1:1",
            "--service-token",
            "adsync_unused",
        ])
        .expect("flags");
        let source = ReportSource {
            upstream: UpstreamClient::new(config.upstream.settings()),
            base_url: base_url.to_owned(),
        };
        let pool = adsync_db::Db::connect(adsync_db::DbConfig::new(db.url(), "test"))
            .await
            .expect("pool");
        crate::open_platform(&config, pool, Registry::of(vec![Arc::new(source)]))
            .await
            .expect("platform")
    }

    async fn sync(platform: &Arc<runs::Platform>) -> runs::Started {
        let source = platform.sources.get(&NAME).expect("registered").clone();
        runs::start(
            platform,
            SyncRequest {
                reach: adsync_server::Reach::Platform,
                source,
                account_id: 7,
                trigger: Trigger::OnDemand,
                force: false,
                range: None,
            },
        )
        .await
        .expect("started")
    }

    #[test]
    fn a_job_recorded_before_a_restart_is_resumed_not_requested_again() {
        let db = TestDatabase::migrated(&[&adsync_warehouse::MIGRATIONS]);
        db.connect()
            .batch_execute(&format!(
                "{CREATE_TABLE}; INSERT INTO sync_accounts (source, account_id, connection_id, name, status, workspace_id) \
                 VALUES ('testing', 7, 'conn-test', 'Test', 'ACTIVE', 1)"
            ))
            .expect("arrange");
        // The upstream outlives both processes.
        let upstream = tokio::runtime::Runtime::new().expect("runtime");
        let fake = Arc::new(FakeReports::default());
        let base_url = upstream.block_on(fake.serve());

        // The first process asks for the report and waits on it...
        let first = tokio::runtime::Runtime::new().expect("runtime");
        let (platform, presence, first_run) = first.block_on(async {
            let (platform, presence) = open(&db, &base_url).await;
            let started = sync(&platform).await;
            while count(
                &db,
                "SELECT count(*) AS n FROM upstream_jobs WHERE state = 'pending'",
            ) == 0
            {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            (platform, presence, started.run_id)
        });
        let owner = presence.owner;
        // ...and dies: every task stops where it is and its connections close.
        first.shutdown_background();
        drop((platform, presence));
        let lock_held = format!(
            "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = {} AND objid = {owner}",
            crate::runs::presence::CLASS
        );
        while count(&db, &lock_held) > 0 {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(fake.created.load(Ordering::SeqCst), 1);

        // A new process fails the dead run at start-up; the report is ready now; a new
        // sync resumes the recorded job.
        let second = tokio::runtime::Runtime::new().expect("runtime");
        second.block_on(async {
            let (platform, _presence) = open(&db, &base_url).await;
            let dead = platform
                .db
                .run(move |conn| runs::store::get(conn, first_run).map_err(Error::from))
                .await
                .expect("read")
                .expect("the first run");
            assert_eq!(dead.status, RunStatus::Failed);
            assert!(dead.reason.contains("stopped"), "{}", dead.reason);
            fake.released.store(true, Ordering::SeqCst);
            let started = sync(&platform).await;
            let mut events = runs::watch(platform.clone(), started.run_id, 0);
            let mut resumed = false;
            while let Some(event) = futures::StreamExt::next(&mut events).await {
                if let Some(adsync_proto::ingestion::sync_event::Payload::Warning(w)) =
                    event.expect("event").payload
                {
                    resumed |= w.code == "JOB_RESUMED";
                }
            }
            assert!(resumed, "the run said it resumed the job");
            let run = platform
                .db
                .run(move |conn| runs::store::get(conn, started.run_id).map_err(Error::from))
                .await
                .expect("read")
                .expect("the run");
            assert_eq!(run.status, RunStatus::Success, "{}", run.reason);
        });
        assert_eq!(
            fake.created.load(Ordering::SeqCst),
            1,
            "the report was asked for once"
        );
        assert_eq!(count(&db, "SELECT count(*) AS n FROM testing.items"), 2);
        assert_eq!(
            count(
                &db,
                "SELECT count(*) AS n FROM upstream_jobs WHERE state = 'consumed'"
            ),
            1
        );
        #[derive(QueryableByName)]
        struct Schema {
            #[diesel(sql_type = Text)]
            nspname: String,
        }
        let left: Vec<Schema> = diesel::sql_query(
            "SELECT nspname::text AS nspname FROM pg_namespace WHERE nspname LIKE 'sync_run_%'",
        )
        .load(&mut db.connect())
        .expect("schemas");
        assert!(
            left.is_empty(),
            "staging left behind: {:?}",
            left.iter().map(|s| &s.nspname).collect::<Vec<_>>()
        );
    }

    /// Syncs the account on `platform` to its end; the run as it ended.
    async fn sync_to_end(platform: &Arc<runs::Platform>) -> runs::RunRow {
        let started = sync(platform).await;
        let mut events = runs::watch(platform.clone(), started.run_id, 0);
        while futures::StreamExt::next(&mut events).await.is_some() {}
        let id = started.run_id;
        platform
            .db
            .run(move |conn| runs::store::get(conn, id).map_err(Error::from))
            .await
            .expect("read")
            .expect("the run")
    }

    #[tokio::test]
    async fn a_report_the_upstream_fails_fails_the_run_and_the_next_run_asks_again() {
        let db = TestDatabase::migrated(&[&adsync_warehouse::MIGRATIONS]);
        db.connect()
            .batch_execute(&format!(
                "{CREATE_TABLE}; INSERT INTO sync_accounts (source, account_id, connection_id, name, status, workspace_id) \
                 VALUES ('testing', 7, 'conn-test', 'Test', 'ACTIVE', 1)"
            ))
            .expect("arrange");
        let fake = Arc::new(FakeReports::default());
        let base_url = fake.serve().await;
        let (platform, _presence) = open(&db, &base_url).await;

        fake.failing.store(true, Ordering::SeqCst);
        let failed = sync_to_end(&platform).await;
        assert_eq!(failed.status, RunStatus::Failed);
        assert!(
            failed.reason.contains("failed upstream"),
            "{}",
            failed.reason
        );
        assert_eq!(
            count(
                &db,
                "SELECT count(*) AS n FROM upstream_jobs WHERE state = 'failed'"
            ),
            1
        );

        fake.failing.store(false, Ordering::SeqCst);
        fake.released.store(true, Ordering::SeqCst);
        let succeeded = sync_to_end(&platform).await;
        assert_eq!(succeeded.status, RunStatus::Success, "{}", succeeded.reason);
        assert_eq!(
            fake.created.load(Ordering::SeqCst),
            2,
            "a failed report is asked for again"
        );
        assert_eq!(count(&db, "SELECT count(*) AS n FROM testing.items"), 2);
    }
}

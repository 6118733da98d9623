//! A database at the single-source schema (the fixture `linkedin-warehouse-v1`: a
//! `pg_dump` of a synced stack, made by the code of that schema) is migrated by today's
//! services at start-up, and reporting answers every question exactly as it did before
//! the migration (the fixture's `answers.txt`, recorded from that code).

use std::path::PathBuf;
use std::process::Command;

use adsync_e2e::{Stack, bearer};
use adsync_linkedin_sandbox::SandboxConfig;
use adsync_proto::reporting::reporting_service_client::ReportingServiceClient;
use adsync_proto::reporting::*;
use adsync_test_harness::TestDatabase;

const FROM: &str = "2026-10-22";
const TO: &str = "2026-11-29";
const ACCOUNTS: [i64; 2] = [510_000_000, 510_000_001];
/// When the answers were recorded: reporting's clock is set back to it (audits and
/// freshness read the time).
const RECORDED_AT: &str = "2026-12-02T11:36:48Z";

fn fixture(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/linkedin-warehouse-v1")
        .join(file)
}

#[tokio::test]
async fn a_database_at_the_single_source_schema_migrates_and_reporting_answers_the_same() {
    let db = TestDatabase::empty();
    let restored = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-o", "/dev/null", "-f"])
        .arg(fixture("dump.sql"))
        .arg(db.url())
        .status()
        .expect("psql runs");
    assert!(restored.success(), "the fixture restores");
    assert!(
        db.tables().contains(&"campaign_daily_metrics".to_owned()),
        "the restored database is at the old schema"
    );

    // Starting the services migrates it (before they answer).
    let stack = Stack::start_on(db, SandboxConfig::default(), None).await;
    let recorded = chrono::DateTime::parse_from_rfc3339(RECORDED_AT)
        .expect("a time")
        .to_utc();
    stack.clock.advance(recorded - stack.clock.now());

    let expected = std::fs::read_to_string(fixture("answers.txt")).expect("answers");
    let answers = ask_everything(&stack).await;
    assert!(
        stack
            .db
            .tables()
            .contains(&"linkedin.campaign_daily_metrics".to_owned()),
        "migrated: {:?}",
        stack.db.tables()
    );
    let (expected, answers): (Vec<&str>, Vec<&str>) =
        (expected.lines().collect(), answers.lines().collect());
    assert_eq!(
        answers.len(),
        expected.len(),
        "the same questions were asked"
    );
    for (i, (got, want)) in answers.iter().zip(&expected).enumerate() {
        assert_eq!(got, want, "answer line {} differs", i + 1);
    }
}

/// The questions the fixture's answers were recorded for, in the same order and form:
/// one `== Rpc` line, then the response's `Debug` form.
async fn ask_everything(stack: &Stack) -> String {
    let token = &stack.admin;
    let mut r =
        ReportingServiceClient::new(stack.reporting.channel()).max_decoding_message_size(64 << 20);
    let mut out = String::new();
    let (from, to) = (FROM.to_owned(), TO.to_owned());
    macro_rules! ask {
        ($name:literal, $call:ident, $req:expr) => {{
            let response = r
                .$call(bearer($req, token))
                .await
                .unwrap_or_else(|s| panic!("{}: {s:?}", $name))
                .into_inner();
            out.push_str(&format!("== {}\n{:?}\n", $name, response));
            response
        }};
    }
    ask!(
        "ListAccounts",
        list_accounts,
        ListAccountsRequest {
            page_size: 100,
            ..Default::default()
        }
    );
    for account in ACCOUNTS {
        let campaigns = ask!(
            "ListCampaigns",
            list_campaigns,
            ListCampaignsRequest {
                account_id: account,
                page_size: 100,
                ..Default::default()
            }
        );
        ask!(
            "ListCreatives",
            list_creatives,
            ListCreativesRequest {
                account_id: account,
                page_size: 100,
                ..Default::default()
            }
        );
        ask!(
            "GetAccountSummary",
            get_account_summary,
            GetAccountSummaryRequest {
                account_id: account,
                start_date: from.clone(),
                end_date: to.clone(),
                top_campaigns: 10,
            }
        );
        for granularity in [Granularity::Day, Granularity::Week, Granularity::Month] {
            ask!(
                "GetCampaignMetrics",
                get_campaign_metrics,
                GetCampaignMetricsRequest {
                    campaign_ids: campaigns.campaigns.iter().map(|c| c.campaign_id).collect(),
                    start_date: from.clone(),
                    end_date: to.clone(),
                    granularity: granularity as i32,
                }
            );
        }
        for pivot in [
            DemographicPivot::JobTitle,
            DemographicPivot::Seniority,
            DemographicPivot::Country,
        ] {
            ask!(
                "GetDemographics",
                get_demographics,
                GetDemographicsRequest {
                    account_id: account,
                    pivot: pivot as i32,
                    start_date: from.clone(),
                    end_date: to.clone(),
                    ..Default::default()
                }
            );
        }
    }
    ask!(
        "AuditCampaigns",
        audit_campaigns,
        AuditCampaignsRequest {
            page_size: 100,
            include_clean: true,
            ..Default::default()
        }
    );
    let mut status = r
        .get_sync_status(bearer(GetSyncStatusRequest::default(), token))
        .await
        .expect("GetSyncStatus")
        .into_inner();
    for account in &mut status.accounts {
        account.age = None;
        account.fresh = false;
    }
    out.push_str(&format!("== GetSyncStatus\n{status:?}\n"));
    out
}

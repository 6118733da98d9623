//! `EXPLAIN ANALYZE` of the hot report queries, with the very SQL the RPCs run, so the
//! benchmark can show which indexes they use.

use chrono::NaiveDate;
use diesel::pg::PgConnection;
use diesel::sql_types::Text;
use diesel::{QueryResult, QueryableByName};

/// One line of `EXPLAIN` output.
#[derive(QueryableByName)]
pub(crate) struct PlanLine {
    #[diesel(sql_type = Text)]
    #[diesel(column_name = "QUERY PLAN")]
    line: String,
}

/// `sql` prefixed so that running it returns its plan, as executed.
pub(crate) fn explained(sql: &str) -> String {
    format!("EXPLAIN (ANALYZE, BUFFERS) {sql}")
}

/// The plan's lines as one text.
pub(crate) fn text(lines: Vec<PlanLine>) -> String {
    lines
        .into_iter()
        .map(|l| l.line)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The executed plans of the hot queries, by name: a one-campaign DAY series and the
/// account summary's ranking of campaigns, over `start..=end`.
pub fn explain_hot_queries(
    conn: &mut PgConnection,
    campaign_id: i64,
    account_id: i64,
    start: NaiveDate,
    end: NaiveDate,
) -> QueryResult<Vec<(&'static str, String)>> {
    let series = crate::rpc::metrics::explain_series(conn, campaign_id, start, end)?;
    let summary = crate::rpc::summary::explain(conn, account_id, start, end)?;
    Ok(vec![
        ("GetCampaignMetrics: one campaign, by day", series),
        (
            "GetAccountSummary: cost and impressions per campaign",
            summary,
        ),
    ])
}

//! The run vocabulary, typed: sources' names, statuses, triggers, counts, and a run as
//! stored. Each type reads and writes its column itself, so a value the code does not
//! know is an error where it is read, never a silent default.

use std::borrow::Cow;
use std::collections::BTreeMap;

use adsync_proto::ingestion::{EntityCount, SyncEntity, SyncStatus, SyncTrigger};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{BigInt, Bool, Date, Integer, Jsonb, Nullable, Text, Timestamptz};
use serde::{Deserialize, Serialize};

/// A source's name, as stored with everything it syncs (`sync_runs.source`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub(crate) struct SourceName(Cow<'static, str>);

impl SourceName {
    pub(crate) const fn new(name: &'static str) -> SourceName {
        SourceName(Cow::Borrowed(name))
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for SourceName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromSql<Text, Pg> for SourceName {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        let name = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
        Ok(SourceName(Cow::Owned(name)))
    }
}

impl ToSql<Text, Pg> for SourceName {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <str as ToSql<Text, Pg>>::to_sql(self.as_str(), out)
    }
}

/// Implements the Text column mapping of an enum with `as_str` and `parse`.
macro_rules! text_column {
    ($ty:ty, $what:literal) => {
        impl FromSql<Text, Pg> for $ty {
            fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
                let text = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
                <$ty>::parse(&text).ok_or_else(|| format!("unknown {} {text:?}", $what).into())
            }
        }
        impl ToSql<Text, Pg> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <str as ToSql<Text, Pg>>::to_sql(self.as_str(), out)
            }
        }
    };
}

/// Where a run is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub(crate) enum RunStatus {
    Running,
    /// Every record fetched was valid and stored.
    Success,
    /// Stored, but some records were invalid and skipped.
    Partial,
    /// Nothing was stored.
    Failed,
    /// The freshness gate skipped it.
    Skipped,
}

impl RunStatus {
    pub(crate) const ALL: [RunStatus; 5] = [
        RunStatus::Running,
        RunStatus::Success,
        RunStatus::Partial,
        RunStatus::Failed,
        RunStatus::Skipped,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Success => "success",
            RunStatus::Partial => "partial",
            RunStatus::Failed => "failed",
            RunStatus::Skipped => "skipped",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<RunStatus> {
        RunStatus::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub(crate) fn to_proto(self) -> SyncStatus {
        match self {
            RunStatus::Running => SyncStatus::Running,
            RunStatus::Success => SyncStatus::Success,
            RunStatus::Partial => SyncStatus::Partial,
            RunStatus::Failed => SyncStatus::Failed,
            RunStatus::Skipped => SyncStatus::Skipped,
        }
    }

    /// `None` for UNSPECIFIED.
    pub(crate) fn from_proto(status: SyncStatus) -> Option<RunStatus> {
        RunStatus::ALL.into_iter().find(|v| v.to_proto() == status)
    }
}

text_column!(RunStatus, "run status");

/// Why a run was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub(crate) enum Trigger {
    /// The scheduler (or an operator acting as one): the freshness gate applies.
    Scheduled,
    /// A person or a service asked: the gate does not apply.
    OnDemand,
}

impl Trigger {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Trigger::Scheduled => "scheduled",
            Trigger::OnDemand => "on_demand",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Trigger> {
        [Trigger::Scheduled, Trigger::OnDemand]
            .into_iter()
            .find(|v| v.as_str() == s)
    }

    pub(crate) fn to_proto(self) -> SyncTrigger {
        match self {
            Trigger::Scheduled => SyncTrigger::Scheduled,
            Trigger::OnDemand => SyncTrigger::OnDemand,
        }
    }

    /// UNSPECIFIED is ON_DEMAND.
    pub(crate) fn from_proto(trigger: SyncTrigger) -> Trigger {
        match trigger {
            SyncTrigger::Scheduled => Trigger::Scheduled,
            SyncTrigger::OnDemand | SyncTrigger::Unspecified => Trigger::OnDemand,
        }
    }
}

text_column!(Trigger, "run trigger");

/// An entity's name as stored in counts and sync errors: its proto name without the
/// prefix, lower case (`SYNC_ENTITY_CAMPAIGN_DAILY_METRIC` is `campaign_daily_metric`).
pub(crate) fn entity_name(entity: SyncEntity) -> String {
    entity
        .as_str_name()
        .trim_start_matches("SYNC_ENTITY_")
        .to_ascii_lowercase()
}

fn parse_entity(name: &str) -> Option<SyncEntity> {
    SyncEntity::from_str_name(&format!("SYNC_ENTITY_{}", name.to_ascii_uppercase()))
        .filter(|e| *e != SyncEntity::Unspecified)
}

/// One entity's counts in one run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Counts {
    /// Records received from the upstream.
    pub(crate) fetched: i64,
    /// Rows inserted or changed.
    pub(crate) written: i64,
    /// Rows already stored with the same values.
    pub(crate) unchanged: i64,
    /// Records skipped as invalid (each in the run's sync errors).
    pub(crate) invalid: i64,
}

/// A run's counts per entity, stored as `{"campaign": {"fetched": 3, ...}, ...}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = Jsonb)]
pub(crate) struct RunCounts(BTreeMap<SyncEntity, Counts>);

impl RunCounts {
    pub(crate) fn entry(&mut self, entity: SyncEntity) -> &mut Counts {
        self.0.entry(entity).or_default()
    }

    /// As the proto lists them, in entity order.
    pub(crate) fn to_proto(&self) -> Vec<EntityCount> {
        self.0
            .iter()
            .map(|(entity, c)| EntityCount {
                entity: *entity as i32,
                fetched: c.fetched,
                written: c.written,
                unchanged: c.unchanged,
                invalid: c.invalid,
            })
            .collect()
    }

    fn to_json(&self) -> serde_json::Value {
        let map: BTreeMap<String, Counts> =
            self.0.iter().map(|(e, c)| (entity_name(*e), *c)).collect();
        serde_json::to_value(map).expect("counts serialise")
    }

    fn from_json(value: serde_json::Value) -> Result<RunCounts, String> {
        let map: BTreeMap<String, Counts> =
            serde_json::from_value(value).map_err(|e| format!("run counts: {e}"))?;
        map.into_iter()
            .map(|(name, c)| {
                parse_entity(&name)
                    .map(|e| (e, c))
                    .ok_or_else(|| format!("run counts: unknown entity {name:?}"))
            })
            .collect::<Result<_, _>>()
            .map(RunCounts)
    }
}

impl FromSql<Jsonb, Pg> for RunCounts {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        let value = <serde_json::Value as FromSql<Jsonb, Pg>>::from_sql(bytes)?;
        Ok(RunCounts::from_json(value)?)
    }
}

impl ToSql<Jsonb, Pg> for RunCounts {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <serde_json::Value as ToSql<Jsonb, Pg>>::to_sql(&self.to_json(), &mut out.reborrow())
    }
}

/// A run as stored.
#[derive(Debug, Clone, diesel::QueryableByName)]
pub(crate) struct RunRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub(crate) id: uuid::Uuid,
    #[diesel(sql_type = Text)]
    pub(crate) source: SourceName,
    #[diesel(sql_type = BigInt)]
    pub(crate) account_id: i64,
    #[diesel(sql_type = Text)]
    pub(crate) trigger: Trigger,
    #[diesel(sql_type = Text)]
    pub(crate) status: RunStatus,
    #[diesel(sql_type = Text)]
    pub(crate) reason: String,
    #[diesel(sql_type = Bool)]
    pub(crate) force: bool,
    #[diesel(sql_type = Nullable<Date>)]
    pub(crate) window_start: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Date>)]
    pub(crate) window_end: Option<NaiveDate>,
    #[diesel(sql_type = Text)]
    pub(crate) worker: String,
    /// The process running it (see `runs::presence`); `None` when no process does.
    #[diesel(sql_type = Nullable<Integer>)]
    pub(crate) owner: Option<i32>,
    #[diesel(sql_type = Jsonb)]
    pub(crate) counts: RunCounts,
    #[diesel(sql_type = BigInt)]
    pub(crate) upstream_calls: i64,
    #[diesel(sql_type = BigInt)]
    pub(crate) error_count: i64,
    #[diesel(sql_type = BigInt)]
    pub(crate) last_sequence: i64,
    #[diesel(sql_type = Timestamptz)]
    pub(crate) created_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub(crate) finished_at: Option<DateTime<Utc>>,
}

impl RunRow {
    /// The metrics window; `None` for skipped runs.
    pub(crate) fn window(&self) -> Option<(NaiveDate, NaiveDate)> {
        self.window_start.zip(self.window_end)
    }
}

/// How a run ended.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub(crate) status: RunStatus,
    pub(crate) reason: String,
    pub(crate) counts: RunCounts,
    pub(crate) upstream_calls: i64,
    pub(crate) error_count: i64,
    pub(crate) finished_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_stored_by_entity_name_and_unknown_names_are_refused() {
        let mut counts = RunCounts::default();
        counts.entry(SyncEntity::CampaignDailyMetric).fetched = 3;
        counts.entry(SyncEntity::Account).written = 1;
        let json = counts.to_json();
        assert_eq!(
            json,
            serde_json::json!({
                "account": {"fetched": 0, "written": 1, "unchanged": 0, "invalid": 0},
                "campaign_daily_metric": {"fetched": 3, "written": 0, "unchanged": 0, "invalid": 0},
            })
        );
        assert_eq!(RunCounts::from_json(json), Ok(counts));
        assert!(RunCounts::from_json(serde_json::json!({"nonsense": {}})).is_err());
        assert!(RunCounts::from_json(serde_json::json!({"account": {"fetched": "many"}})).is_err());
    }

    #[test]
    fn statuses_and_triggers_round_trip_through_their_names() {
        for status in RunStatus::ALL {
            assert_eq!(RunStatus::parse(status.as_str()), Some(status));
            assert_eq!(RunStatus::from_proto(status.to_proto()), Some(status));
        }
        assert_eq!(RunStatus::parse("Running"), None);
        assert_eq!(Trigger::parse("on_demand"), Some(Trigger::OnDemand));
        assert_eq!(
            Trigger::from_proto(SyncTrigger::Unspecified),
            Trigger::OnDemand
        );
    }
}

//! [`GroundTruth`]: what the sandbox's data is, so tests can assert exact numbers — and
//! which records it serves malformed, so tests know what must be skipped.

use chrono::NaiveDate;

use crate::State;
use crate::data::{self, Metrics, Pivot, Tag, hash, unit};
use crate::world::{Account, Campaign, Creative, Group};

/// A record the malformed-records fault may corrupt. Keys do not depend on how a client
/// batches its requests: the same record is malformed in every response that holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MalformedKey {
    Group(i64),
    Campaign(i64),
    Creative(i64),
    /// (campaign id, first day of the row's period)
    CampaignMetric(i64, NaiveDate),
    /// (creative id, first day of the row's period)
    CreativeMetric(i64, NaiveDate),
    /// (pivot, segment value, first day of the row's period)
    Demographic(Pivot, u32, NaiveDate),
}

/// The corruption variant of a malformed record; `None` when it is served intact.
pub(crate) fn malformed_variant(state: &State, key: MalformedKey) -> Option<u64> {
    let ratio = state.faults.read().expect("lock").malformed_ratio;
    if ratio <= 0.0 {
        return None;
    }
    let parts: Vec<i64> = match key {
        MalformedKey::Group(id) => vec![1, id],
        MalformedKey::Campaign(id) => vec![2, id],
        MalformedKey::Creative(id) => vec![3, id],
        MalformedKey::CampaignMetric(id, d) => vec![4, id, data::day_number(d)],
        MalformedKey::CreativeMetric(id, d) => vec![5, id, data::day_number(d)],
        MalformedKey::Demographic(p, s, d) => vec![6, p as i64, i64::from(s), data::day_number(d)],
    };
    let h = hash(state.config.seed, Tag::Malformed, &parts);
    (unit(h) < ratio).then_some(h >> 32)
}

/// The hostile variant of an entity record; `None` when it is served as it is.
pub(crate) fn hostile_variant(state: &State, key: MalformedKey) -> Option<u64> {
    let ratio = state.faults.read().expect("lock").hostile_ratio;
    if ratio <= 0.0 {
        return None;
    }
    let parts: Vec<i64> = match key {
        MalformedKey::Group(id) => vec![11, id],
        MalformedKey::Campaign(id) => vec![12, id],
        MalformedKey::Creative(id) => vec![13, id],
        _ => return None,
    };
    let h = hash(state.config.seed, Tag::Malformed, &parts);
    (unit(h) < ratio).then_some(h >> 32)
}

/// Read access to the sandbox's data as of its clock.
#[derive(Debug, Clone, Copy)]
pub struct GroundTruth<'a> {
    state: &'a State,
}

impl<'a> GroundTruth<'a> {
    pub(crate) fn new(state: &'a State) -> Self {
        GroundTruth { state }
    }

    /// The sandbox's today (UTC).
    pub fn today(&self) -> NaiveDate {
        self.state.world.today()
    }

    /// The first day with history.
    pub fn first_day(&self) -> NaiveDate {
        self.state.world.epoch
    }

    pub fn accounts(&self) -> Vec<Account> {
        (0..self.state.world.account_count())
            .filter_map(|a| self.state.world.account(a))
            .collect()
    }

    pub fn groups(&self, account_id: i64) -> Vec<Group> {
        let Some(a) = data::account_index(account_id) else {
            return vec![];
        };
        (0..self.state.config.size.campaign_groups_per_account.max(1))
            .filter_map(|g| self.state.world.group(a, g))
            .collect()
    }

    pub fn campaigns(&self, account_id: i64) -> Vec<Campaign> {
        let Some(a) = data::account_index(account_id) else {
            return vec![];
        };
        (0..self.state.world.campaign_count(a))
            .filter_map(|c| self.state.world.campaign(a, c))
            .collect()
    }

    pub fn creatives(&self, campaign_id: i64) -> Vec<Creative> {
        let Some((a, c)) = data::campaign_index(campaign_id) else {
            return vec![];
        };
        (0..self.state.config.size.creatives_per_campaign)
            .filter_map(|k| self.state.world.creative(a, c, k))
            .collect()
    }

    pub fn campaign_day(&self, campaign_id: i64, day: NaiveDate) -> Option<Metrics> {
        let (a, c) = data::campaign_index(campaign_id)?;
        self.state.world.campaign_day(a, c, day)
    }

    pub fn creative_day(&self, creative_id: i64, day: NaiveDate) -> Option<Metrics> {
        let (a, c, k) = data::creative_index(creative_id)?;
        self.state.world.creative_day(a, c, k, day)
    }

    /// A campaign's sums over `start..=end`.
    pub fn campaign_total(&self, campaign_id: i64, start: NaiveDate, end: NaiveDate) -> Metrics {
        let mut total = Metrics::default();
        for day in start.iter_days().take_while(|d| *d <= end) {
            if let Some(m) = self.campaign_day(campaign_id, day) {
                total.add(&m);
            }
        }
        total
    }

    /// An account's demographic segments for one calendar month, over all its campaigns:
    /// (segment value, metrics), in segment order; segments without members are left out.
    pub fn demographics(
        &self,
        account_id: i64,
        pivot: Pivot,
        month: NaiveDate,
    ) -> Vec<(String, Metrics)> {
        let Some(a) = data::account_index(account_id) else {
            return vec![];
        };
        crate::rest::demographic_segments(&self.state.world, a, None, pivot, month)
            .into_iter()
            .map(|(s, m)| (pivot.segment(s), m))
            .collect()
    }

    /// Whether the sandbox serves this record malformed under the current faults.
    pub fn is_malformed(&self, key: MalformedKey) -> bool {
        malformed_variant(self.state, key).is_some()
    }
}

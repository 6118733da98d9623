//! The sandbox's world: its entities and their metrics at the current sandbox time, plus
//! the changes an admin made (clock moved, days restated, campaigns added or paused).

use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};

use crate::data::{self, Metrics, Pivot, Size, Tag, hash, unit};

/// The sandbox clock: the real time at start, moved by an admin-controlled offset.
#[derive(Debug)]
pub struct Clock {
    start: DateTime<Utc>,
    real_start: std::time::Instant,
    offset_secs: AtomicI64,
}

impl Clock {
    pub fn new(start: DateTime<Utc>) -> Clock {
        Clock {
            start,
            real_start: std::time::Instant::now(),
            offset_secs: AtomicI64::new(0),
        }
    }

    /// Sandbox now: `start` plus the real time elapsed plus the admin offset.
    pub fn now(&self) -> DateTime<Utc> {
        let elapsed = TimeDelta::from_std(self.real_start.elapsed()).unwrap_or_default();
        self.start + elapsed + TimeDelta::seconds(self.offset_secs.load(Ordering::SeqCst))
    }

    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    pub fn advance(&self, by: TimeDelta) {
        self.offset_secs
            .fetch_add(by.num_seconds(), Ordering::SeqCst);
    }
}

/// A campaign as the generator defines it.
#[derive(Debug, Clone)]
pub struct Campaign {
    pub id: i64,
    pub account_id: i64,
    pub group_id: i64,
    pub index: (u32, u32),
    pub name: String,
    pub status: &'static str,
    pub kind: &'static str,
    pub cost_type: &'static str,
    pub objective: &'static str,
    pub optimization_target: &'static str,
    pub daily_budget_micros: Option<i64>,
    pub total_budget_micros: Option<i64>,
    pub unit_cost_micros: Option<i64>,
    pub offsite_delivery: bool,
    pub audience_expansion: bool,
    pub schedule_start: NaiveDate,
    pub schedule_end: Option<NaiveDate>,
    /// Set when an admin paused it: no delivery from that day on.
    pub paused_on: Option<NaiveDate>,
}

/// A creative as the generator defines it.
#[derive(Debug, Clone)]
pub struct Creative {
    pub id: i64,
    pub campaign_id: i64,
    pub account_id: i64,
    pub index: (u32, u32, u32),
    pub intended_status: &'static str,
    pub is_serving: bool,
    pub serving_hold_reasons: Vec<&'static str>,
    pub content_reference: String,
    pub created_ms: i64,
    pub modified_ms: i64,
}

/// Admin changes on top of the generated data.
#[derive(Debug, Default)]
struct Changes {
    /// Campaigns added per account (beyond the generated ones).
    added_campaigns: HashMap<u32, u32>,
    paused: HashMap<i64, NaiveDate>,
    /// Each restatement bumps the version of the days it covers, changing their metrics.
    restatements: Vec<(NaiveDate, NaiveDate)>,
}

/// All data, as of the clock.
#[derive(Debug)]
pub struct World {
    pub seed: u64,
    pub size: Size,
    /// The first day with history.
    pub epoch: NaiveDate,
    pub clock: Clock,
    changes: RwLock<Changes>,
}

impl World {
    pub fn new(seed: u64, size: Size, start: DateTime<Utc>) -> World {
        let epoch = start.date_naive() - Days::new(u64::from(size.days.max(1) - 1));
        World {
            seed,
            size,
            epoch,
            clock: Clock::new(start),
            changes: RwLock::new(Changes::default()),
        }
    }

    pub fn today(&self) -> NaiveDate {
        self.clock.today()
    }

    pub fn account_count(&self) -> u32 {
        self.size.accounts
    }

    pub fn campaign_count(&self, a: u32) -> u32 {
        let added = self
            .changes
            .read()
            .expect("lock")
            .added_campaigns
            .get(&a)
            .copied()
            .unwrap_or(0);
        self.size.campaigns_per_account + added
    }

    pub fn account(&self, a: u32) -> Option<Account> {
        (a < self.size.accounts).then(|| {
            let h = hash(self.seed, Tag::Account, &[i64::from(a)]);
            Account {
                id: data::account_id(a),
                name: format!("Sandbox Account {}", a + 1),
                currency: ["USD", "EUR", "GBP"][(h % 3) as usize],
                status: "ACTIVE",
                test: a % 4 == 3,
            }
        })
    }

    pub fn group(&self, a: u32, g: u32) -> Option<Group> {
        (a < self.size.accounts && g < self.size.campaign_groups_per_account.max(1)).then(|| {
            let h = hash(self.seed, Tag::Group, &[i64::from(a), i64::from(g)]);
            Group {
                id: data::group_id(a, g),
                account_id: data::account_id(a),
                name: format!("Group {}-{}", a + 1, g + 1),
                status: if h.is_multiple_of(5) {
                    "PAUSED"
                } else {
                    "ACTIVE"
                },
                total_budget_micros: h
                    .is_multiple_of(3)
                    .then_some(((h >> 8) % 50_000 + 1_000) as i64 * 1_000_000),
                start: self.epoch,
            }
        })
    }

    pub fn campaign(&self, a: u32, c: u32) -> Option<Campaign> {
        if a >= self.size.accounts || c >= self.campaign_count(a) {
            return None;
        }
        let h = |n: i64| hash(self.seed, Tag::Campaign, &[i64::from(a), i64::from(c), n]);
        let days = i64::from(self.size.days.max(1));
        let added = c >= self.size.campaigns_per_account;
        // Added campaigns start on the day they were added (today when asked).
        let schedule_start = if added {
            self.today()
        } else {
            self.epoch + Days::new(h(1) % (days as u64 / 2 + 1))
        };
        let schedule_end = (!added && unit(h(2)) < 0.3)
            .then(|| schedule_start + Days::new(20 + h(3) % (days as u64).max(21)));
        let status = if added {
            "ACTIVE"
        } else {
            match schedule_end {
                Some(end) if end < self.today() => "COMPLETED",
                _ => data::pick_status(h(4)),
            }
        };
        let id = data::campaign_id(a, c);
        let paused_on = self.changes.read().expect("lock").paused.get(&id).copied();
        let cost_type = ["CPM", "CPC", "CPC", "CPV"][(h(5) % 4) as usize];
        Some(Campaign {
            id,
            account_id: data::account_id(a),
            group_id: data::group_id(a, c % self.size.campaign_groups_per_account.max(1)),
            index: (a, c),
            name: format!("Campaign {}-{}", a + 1, c + 1),
            status: if paused_on.is_some() {
                "PAUSED"
            } else {
                status
            },
            kind: ["SPONSORED_UPDATES", "TEXT_AD", "SPONSORED_INMAILS"][(h(6) % 3) as usize],
            cost_type,
            objective: [
                "WEBSITE_VISIT",
                "LEAD_GENERATION",
                "BRAND_AWARENESS",
                "ENGAGEMENT",
            ][(h(7) % 4) as usize],
            optimization_target: if cost_type == "CPM" {
                "MAX_REACH"
            } else {
                "MAX_CLICK"
            },
            daily_budget_micros: (h(8) % 4 != 0)
                .then_some(((h(9) % 490 + 10) * 1_000_000 + (h(9) >> 20) % 100 * 10_000) as i64),
            total_budget_micros: (h(10) % 3 == 0)
                .then_some(((h(11) % 20_000 + 500) * 1_000_000) as i64),
            unit_cost_micros: (h(12) % 2 == 0)
                .then_some(((h(13) % 12 + 2) * 1_000_000 + (h(13) >> 16) % 1_000_000) as i64),
            offsite_delivery: h(14) % 3 == 0,
            audience_expansion: h(15) % 4 == 0,
            schedule_start,
            schedule_end,
            paused_on,
        })
    }

    pub fn creative(&self, a: u32, c: u32, k: u32) -> Option<Creative> {
        let campaign = self.campaign(a, c)?;
        if k >= self.size.creatives_per_campaign {
            return None;
        }
        let h = |n: i64| {
            hash(
                self.seed,
                Tag::Creative,
                &[i64::from(a), i64::from(c), i64::from(k), n],
            )
        };
        let kind = ["share", "ugcPost", "adInMailContent", "share"][(h(1) % 4) as usize];
        let serving = campaign.status == "ACTIVE" && h(2) % 5 != 0;
        let created = campaign
            .schedule_start
            .and_hms_opt(9, 0, 0)
            .expect("valid")
            .and_utc()
            .timestamp_millis();
        Some(Creative {
            id: data::creative_id(a, c, k),
            campaign_id: campaign.id,
            account_id: campaign.account_id,
            index: (a, c, k),
            intended_status: if campaign.status == "ACTIVE" {
                "ACTIVE"
            } else {
                "PAUSED"
            },
            is_serving: serving,
            serving_hold_reasons: if serving || campaign.status != "ACTIVE" {
                vec![]
            } else {
                vec!["UNDER_REVIEW"]
            },
            content_reference: format!(
                "urn:li:{kind}:{}",
                7_000_000_000_000_000_000u64 + h(3) % 1_000_000_000_000
            ),
            created_ms: created,
            modified_ms: created + (h(4) % 86_400_000) as i64,
        })
    }

    /// Whether the campaign delivers on `day`.
    fn delivers(&self, campaign: &Campaign, day: NaiveDate) -> bool {
        campaign.status != "DRAFT"
            && day >= campaign.schedule_start
            && day >= self.epoch
            && day <= self.today()
            && campaign.schedule_end.is_none_or(|end| day <= end)
            && campaign.paused_on.is_none_or(|p| day < p)
    }

    /// How many times `day` has been restated.
    fn version(&self, day: NaiveDate) -> i64 {
        self.changes
            .read()
            .expect("lock")
            .restatements
            .iter()
            .filter(|(s, e)| *s <= day && day <= *e)
            .count() as i64
    }

    /// One creative's metrics on one day; `None` for a day without activity.
    pub fn creative_day(&self, a: u32, c: u32, k: u32, day: NaiveDate) -> Option<Metrics> {
        let campaign = self.campaign(a, c)?;
        if k >= self.size.creatives_per_campaign || !self.delivers(&campaign, day) {
            return None;
        }
        let v = self.version(day);
        let parts = [
            i64::from(a),
            i64::from(c),
            i64::from(k),
            data::day_number(day),
            v,
        ];
        let h = |n: i64| {
            let mut p = parts.to_vec();
            p.push(n);
            hash(self.seed, Tag::Metric, &p)
        };
        // Sparse days: about a quarter of days have no activity at all (no row). Whether a
        // day had activity does not change with restatements; only its numbers do.
        let active = hash(
            self.seed,
            Tag::Metric,
            &[
                i64::from(a),
                i64::from(c),
                i64::from(k),
                data::day_number(day),
                -1,
            ],
        );
        if unit(active) < 0.25 {
            return None;
        }
        let impressions = 20 + (h(1) % 4_000) as i64;
        let clicks = impressions * (2 + (h(2) % 20) as i64) / 1_000;
        let cost_micros = match campaign.cost_type {
            "CPM" => impressions * (4_000 + (h(3) % 9_000) as i64) + (h(4) % 1_000) as i64,
            _ => clicks * (1_500_000 + (h(3) % 9_000_000) as i64) + (h(4) % 1_000) as i64,
        };
        let m = |n: i64, of: i64, per_mille: u64| of * (h(n) % per_mille) as i64 / 1_000;
        Some(Metrics {
            impressions,
            clicks,
            cost_micros,
            landing_page_clicks: m(5, clicks, 900),
            external_website_conversions: m(6, clicks, 120),
            one_click_leads: m(7, clicks, 80),
            likes: m(8, impressions, 6),
            comments: m(9, impressions, 2),
            shares: m(10, impressions, 2),
            follows: m(11, impressions, 2),
            opens: if campaign.kind == "SPONSORED_INMAILS" {
                m(12, impressions, 300)
            } else {
                0
            },
            sends: if campaign.kind == "SPONSORED_INMAILS" {
                m(13, impressions, 500)
            } else {
                0
            },
        })
    }

    /// A campaign's metrics on one day: the sum of its creatives'.
    pub fn campaign_day(&self, a: u32, c: u32, day: NaiveDate) -> Option<Metrics> {
        let mut total: Option<Metrics> = None;
        for k in 0..self.size.creatives_per_campaign {
            if let Some(m) = self.creative_day(a, c, k, day) {
                total.get_or_insert_with(Metrics::default).add(&m);
            }
        }
        total
    }

    /// One campaign's demographic segment for one calendar month; `None` when the
    /// campaign did not deliver that month or the segment had no members reached.
    pub fn demographic_month(
        &self,
        a: u32,
        c: u32,
        pivot: Pivot,
        segment: u32,
        month: NaiveDate,
    ) -> Option<Metrics> {
        let campaign = self.campaign(a, c)?;
        let first = data::month_start(month);
        let last = data::month_end(month).min(self.today());
        if campaign.status == "DRAFT"
            || last < campaign.schedule_start.max(self.epoch)
            || campaign.schedule_end.is_some_and(|e| e < first)
        {
            return None;
        }
        let h = |n: i64| {
            hash(
                self.seed,
                Tag::Demographic,
                &[
                    i64::from(a),
                    i64::from(c),
                    pivot as i64,
                    i64::from(segment),
                    data::day_number(first),
                    self.version(first),
                    n,
                ],
            )
        };
        // Popular segments are reached more often and more heavily.
        let weight = 1.0 / (1.0 + f64::from(segment) * 0.15);
        if unit(h(0)) > 0.35 + 0.6 * weight {
            return None;
        }
        let impressions = 3 + ((h(1) % 20_000) as f64 * weight) as i64;
        let clicks = impressions * (h(2) % 15) as i64 / 1_000;
        Some(Metrics {
            impressions,
            clicks,
            cost_micros: impressions * (3_000 + (h(3) % 8_000) as i64),
            ..Metrics::default()
        })
    }

    pub fn add_campaign(&self, a: u32) -> Option<i64> {
        if a >= self.size.accounts {
            return None;
        }
        let c = self.campaign_count(a);
        *self
            .changes
            .write()
            .expect("lock")
            .added_campaigns
            .entry(a)
            .or_default() += 1;
        Some(data::campaign_id(a, c))
    }

    pub fn pause_campaign(&self, id: i64) -> bool {
        let Some((a, c)) = data::campaign_index(id) else {
            return false;
        };
        if self.campaign(a, c).is_none() {
            return false;
        }
        let today = self.today();
        self.changes.write().expect("lock").paused.insert(id, today);
        true
    }

    pub fn restate(&self, start: NaiveDate, end: NaiveDate) {
        self.changes
            .write()
            .expect("lock")
            .restatements
            .push((start, end));
    }
}

#[derive(Debug, Clone)]
pub struct Account {
    pub id: i64,
    pub name: String,
    pub currency: &'static str,
    pub status: &'static str,
    pub test: bool,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub status: &'static str,
    pub total_budget_micros: Option<i64>,
    pub start: NaiveDate,
}

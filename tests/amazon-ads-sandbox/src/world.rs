//! The sandbox's world: profiles and their Sponsored Products entities, and each
//! targeting clause's daily metrics, at the current sandbox time — plus the changes an
//! admin made (clock moved, days restated).
//!
//! Metrics are generated per *atom*: one keyword or target of one ad group on one day.
//! An ad group's day is the sum of its atoms, a campaign's the sum of its ad groups; an
//! ad group's day is split exactly across its product ads (advertised products) and an
//! atom's across the search terms that matched it. Conversions (purchases, sales, units)
//! of a day keep arriving for [`RESTATEMENT_DAYS`] after it: what the sandbox reports is
//! the share counted by the reading time, so a later report of the same day says more.

use std::sync::RwLock;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;

use crate::data::{
    self, Child, MARKETPLACES, Marketplace, RESTATEMENT_DAYS, Region, Size, Tag, hash, unit,
};

/// The sandbox clock: the start time, plus the real time elapsed, plus an offset an
/// admin moves.
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

    pub fn now(&self) -> DateTime<Utc> {
        let elapsed = TimeDelta::from_std(self.real_start.elapsed()).unwrap_or_default();
        self.start + elapsed + TimeDelta::seconds(self.offset_secs.load(Ordering::SeqCst))
    }

    pub fn advance(&self, by: TimeDelta) {
        self.offset_secs
            .fetch_add(by.num_seconds(), Ordering::SeqCst);
    }
}

/// An advertising profile: one advertiser in one marketplace.
#[derive(Debug, Clone)]
pub struct Profile {
    pub id: i64,
    pub index: u32,
    pub marketplace: Marketplace,
    /// `seller` or `vendor`.
    pub kind: &'static str,
    pub name: String,
    /// `accountInfo.id`: "ENTITY…" for sellers, "A…" for vendors.
    pub account_id: String,
    pub valid_payment_method: bool,
}

impl Profile {
    pub fn region(&self) -> Region {
        self.marketplace.region
    }

    pub fn timezone(&self) -> Tz {
        self.marketplace
            .timezone
            .parse()
            .expect("the marketplaces' time zones are IANA names")
    }
}

#[derive(Debug, Clone)]
pub struct Campaign {
    pub id: i64,
    pub profile_id: i64,
    pub index: (u32, u32),
    pub name: String,
    /// AUTO or MANUAL.
    pub targeting_type: &'static str,
    /// ENABLED, PAUSED or ARCHIVED.
    pub state: &'static str,
    pub budget_cents: i64,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub portfolio_id: Option<i64>,
    /// LEGACY_FOR_SALES, AUTO_FOR_SALES or MANUAL.
    pub bidding_strategy: &'static str,
    /// Top-of-search placement adjustment, in percent.
    pub top_of_search_percentage: Option<u32>,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct AdGroup {
    pub id: i64,
    pub campaign_id: i64,
    pub index: (u32, u32, u32),
    pub name: String,
    pub state: &'static str,
    pub default_bid_cents: i64,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
}

/// A keyword or a product target: what an ad group bids on.
#[derive(Debug, Clone)]
pub struct Targeting {
    pub id: i64,
    pub ad_group_id: i64,
    pub campaign_id: i64,
    pub index: (Child, u32, u32, u32, u32),
    pub state: &'static str,
    /// Absent: the ad group's default bid applies.
    pub bid_cents: Option<i64>,
    pub kind: TargetingKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetingKind {
    /// `matchType` EXACT, PHRASE or BROAD.
    Keyword {
        text: String,
        match_type: &'static str,
    },
    /// An expression such as `asinSameAs="B07…"` (MANUAL) or `close-match` (AUTO).
    Target {
        expression_type: &'static str,
        predicate: &'static str,
        value: Option<String>,
    },
}

impl Targeting {
    /// How reports name it in `targeting`: the keyword text, or the expression.
    pub fn targeting_text(&self) -> String {
        match &self.kind {
            TargetingKind::Keyword { text, .. } => text.clone(),
            TargetingKind::Target {
                predicate, value, ..
            } => match value {
                Some(v) => format!("{predicate}=\"{v}\""),
                None => (*predicate).to_owned(),
            },
        }
    }
}

#[derive(Debug, Clone)]
pub struct NegativeKeyword {
    pub id: i64,
    pub ad_group_id: i64,
    pub campaign_id: i64,
    pub text: String,
    pub match_type: &'static str,
    pub state: &'static str,
}

#[derive(Debug, Clone)]
pub struct ProductAd {
    pub id: i64,
    pub ad_group_id: i64,
    pub campaign_id: i64,
    pub index: (u32, u32, u32, u32),
    pub asin: String,
    pub sku: String,
    pub state: &'static str,
}

/// What a report says of one grain (atom, ad group, campaign, product ad or search term)
/// over a day or a period. Money in cents; conversions per attribution window
/// (1, 7, 14, 30 days).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Metrics {
    pub impressions: i64,
    pub clicks: i64,
    pub cost_cents: i64,
    pub purchases: [i64; 4],
    pub sales_cents: [i64; 4],
    pub units: [i64; 4],
}

impl Metrics {
    pub fn add(&mut self, o: &Metrics) {
        self.impressions += o.impressions;
        self.clicks += o.clicks;
        self.cost_cents += o.cost_cents;
        for w in 0..4 {
            self.purchases[w] += o.purchases[w];
            self.sales_cents[w] += o.sales_cents[w];
            self.units[w] += o.units[w];
        }
    }

    /// The conversions counted `age` days after the day (see `data::restated_share`).
    fn as_counted_after(mut self, age: i64) -> Metrics {
        let share = data::restated_share(age);
        for w in 0..4 {
            self.purchases[w] = self.purchases[w] * share / RESTATEMENT_DAYS;
            self.sales_cents[w] = self.sales_cents[w] * share / RESTATEMENT_DAYS;
            self.units[w] = self.units[w] * share / RESTATEMENT_DAYS;
        }
        self
    }

    /// Parts proportional to `weights` that add up to this exactly, field by field.
    pub fn split(&self, weights: &[u64]) -> Vec<Metrics> {
        let mut parts = vec![Metrics::default(); weights.len()];
        let mut field = |total: i64, set: &mut dyn FnMut(&mut Metrics, i64)| {
            for (part, v) in parts.iter_mut().zip(data::split(total, weights)) {
                set(part, v);
            }
        };
        field(self.impressions, &mut |m, v| m.impressions = v);
        field(self.clicks, &mut |m, v| m.clicks = v);
        field(self.cost_cents, &mut |m, v| m.cost_cents = v);
        for w in 0..4 {
            field(self.purchases[w], &mut |m, v| m.purchases[w] = v);
            field(self.sales_cents[w], &mut |m, v| m.sales_cents[w] = v);
            field(self.units[w], &mut |m, v| m.units[w] = v);
        }
        parts
    }
}

/// Admin changes on top of the generated data.
#[derive(Debug, Default)]
struct Changes {
    /// Each restatement bumps the version of the days it covers, changing their numbers.
    restatements: Vec<(NaiveDate, NaiveDate)>,
}

const ADJECTIVES: [&str; 12] = [
    "organic",
    "stainless",
    "wireless",
    "waterproof",
    "kids",
    "bamboo",
    "ceramic",
    "vegan",
    "portable",
    "ergonomic",
    "vintage",
    "compact",
];
const NOUNS: [&str; 12] = [
    "water bottle",
    "yoga mat",
    "coffee grinder",
    "desk lamp",
    "running shoes",
    "phone case",
    "dog leash",
    "tea set",
    "backpack",
    "cutting board",
    "headphones",
    "plant pot",
];

/// All data, as of the clock.
#[derive(Debug)]
pub struct World {
    pub seed: u64,
    pub size: Size,
    pub clock: Clock,
    changes: RwLock<Changes>,
}

impl World {
    pub fn new(seed: u64, size: Size, start: DateTime<Utc>) -> World {
        World {
            seed,
            size,
            clock: Clock::new(start),
            changes: RwLock::new(Changes::default()),
        }
    }

    /// Today in the profile's time zone: reports and their limits count days there.
    pub fn today(&self, profile: &Profile) -> NaiveDate {
        self.clock
            .now()
            .with_timezone(&profile.timezone())
            .date_naive()
    }

    /// The first day with history of a profile.
    pub fn epoch(&self, profile: &Profile) -> NaiveDate {
        self.first_day_of(self.today_at_start(profile))
    }

    /// The profile's day when the sandbox started (history is anchored there, so moving
    /// the clock adds days rather than shifting the history).
    fn today_at_start(&self, profile: &Profile) -> NaiveDate {
        self.clock
            .start
            .with_timezone(&profile.timezone())
            .date_naive()
    }

    fn first_day_of(&self, today: NaiveDate) -> NaiveDate {
        today - Days::new(u64::from(self.size.days.max(1) - 1))
    }

    pub fn profiles(&self) -> Vec<Profile> {
        (0..self.size.profiles)
            .filter_map(|p| self.profile(p))
            .collect()
    }

    pub fn profile(&self, p: u32) -> Option<Profile> {
        (p < self.size.profiles).then(|| {
            let marketplace = MARKETPLACES[p as usize % MARKETPLACES.len()];
            let vendor = p % 4 == 3;
            let h = hash(self.seed, Tag::Profile, &[i64::from(p)]);
            Profile {
                id: data::profile_id(p),
                index: p,
                marketplace,
                kind: if vendor { "vendor" } else { "seller" },
                name: format!("Sandbox {} {}", marketplace.country_code, p + 1),
                account_id: if vendor {
                    format!("A{:013X}", h % 0xF_FFFF_FFFF_FFFF)
                } else {
                    format!("ENTITY{:013X}", h % 0xF_FFFF_FFFF_FFFF)
                },
                valid_payment_method: !h.is_multiple_of(7),
            }
        })
    }

    pub fn profile_by_id(&self, id: i64) -> Option<Profile> {
        self.profile(data::profile_index(id)?)
    }

    pub fn campaign(&self, p: u32, c: u32) -> Option<Campaign> {
        let profile = self.profile(p)?;
        if c >= self.size.campaigns_per_profile {
            return None;
        }
        let h = |n: i64| hash(self.seed, Tag::Campaign, &[i64::from(p), i64::from(c), n]);
        let epoch = self.epoch(&profile);
        let days = u64::from(self.size.days.max(1));
        let start_date = epoch + Days::new(h(1) % (days / 3 + 1));
        let end_date = (unit(h(2)) < 0.2).then(|| start_date + Days::new(15 + h(3) % days));
        let state = match unit(h(4)) {
            u if u < 0.7 => "ENABLED",
            u if u < 0.9 => "PAUSED",
            _ => "ARCHIVED",
        };
        let created = start_date
            .and_hms_opt(8, 0, 0)
            .expect("a valid time")
            .and_utc();
        Some(Campaign {
            id: data::campaign_id(p, c),
            profile_id: profile.id,
            index: (p, c),
            name: format!("SP {} campaign {}", profile.marketplace.country_code, c + 1),
            targeting_type: if h(5) % 4 == 0 { "AUTO" } else { "MANUAL" },
            state,
            budget_cents: ((h(6) % 490 + 10) * 100 + (h(6) >> 20) % 100) as i64,
            start_date,
            end_date,
            portfolio_id: (h(7) % 3 == 0).then(|| 900_000_000_000 + (h(7) >> 12) as i64 % 1_000),
            bidding_strategy: ["LEGACY_FOR_SALES", "AUTO_FOR_SALES", "MANUAL"][(h(8) % 3) as usize],
            top_of_search_percentage: (h(9) % 2 == 0).then(|| (h(9) >> 8) as u32 % 90 + 10),
            created,
            updated: created + TimeDelta::seconds((h(10) % 86_400) as i64),
        })
    }

    pub fn campaigns(&self, p: u32) -> impl Iterator<Item = Campaign> + '_ {
        (0..self.size.campaigns_per_profile).filter_map(move |c| self.campaign(p, c))
    }

    pub fn ad_group(&self, p: u32, c: u32, g: u32) -> Option<AdGroup> {
        let campaign = self.campaign(p, c)?;
        if g >= self.size.ad_groups_per_campaign {
            return None;
        }
        let h = |n: i64| {
            hash(
                self.seed,
                Tag::AdGroup,
                &[i64::from(p), i64::from(c), i64::from(g), n],
            )
        };
        Some(AdGroup {
            id: data::ad_group_id(p, c, g),
            campaign_id: campaign.id,
            index: (p, c, g),
            name: format!("{} / ad group {}", campaign.name, g + 1),
            state: if campaign.state == "ARCHIVED" || h(1) % 6 != 0 {
                campaign.state
            } else {
                "PAUSED"
            },
            default_bid_cents: (h(2) % 250 + 20) as i64,
            created: campaign.created,
            updated: campaign.updated + TimeDelta::seconds((h(3) % 3_600) as i64),
        })
    }

    pub fn ad_groups(&self, p: u32, c: u32) -> impl Iterator<Item = AdGroup> + '_ {
        (0..self.size.ad_groups_per_campaign).filter_map(move |g| self.ad_group(p, c, g))
    }

    /// The `k`th keyword (`Child::Keyword`) or target (`Child::Target`) of an ad group.
    pub fn targeting(&self, kind: Child, p: u32, c: u32, g: u32, k: u32) -> Option<Targeting> {
        let group = self.ad_group(p, c, g)?;
        let count = match kind {
            Child::Keyword => self.size.keywords_per_ad_group,
            Child::Target => self.size.targets_per_ad_group,
            _ => return None,
        };
        if k >= count {
            return None;
        }
        let tag = if kind == Child::Keyword {
            Tag::Keyword
        } else {
            Tag::Target
        };
        let h = |n: i64| {
            hash(
                self.seed,
                tag,
                &[i64::from(p), i64::from(c), i64::from(g), i64::from(k), n],
            )
        };
        let campaign = self.campaign(p, c)?;
        let kind_of = match kind {
            Child::Keyword => TargetingKind::Keyword {
                text: format!(
                    "{} {}",
                    ADJECTIVES[(h(1) % ADJECTIVES.len() as u64) as usize],
                    NOUNS[((h(2) + u64::from(k)) % NOUNS.len() as u64) as usize]
                ),
                match_type: ["EXACT", "PHRASE", "BROAD"][(h(3) % 3) as usize],
            },
            _ if campaign.targeting_type == "AUTO" => TargetingKind::Target {
                expression_type: "AUTO",
                predicate: ["close-match", "loose-match", "substitutes", "complements"]
                    [(k % 4) as usize],
                value: None,
            },
            _ => TargetingKind::Target {
                expression_type: "MANUAL",
                predicate: "asinSameAs",
                value: Some(format!("B0{:08X}", h(4) % 0xFFFF_FFFF)),
            },
        };
        Some(Targeting {
            id: data::child_id(kind, p, c, g, k),
            ad_group_id: group.id,
            campaign_id: group.campaign_id,
            index: (kind, p, c, g, k),
            state: if group.state == "ARCHIVED" || h(5) % 8 != 0 {
                group.state
            } else {
                "PAUSED"
            },
            bid_cents: (h(6) % 3 != 0).then_some((h(7) % 300 + 15) as i64),
            kind: kind_of,
        })
    }

    /// Every keyword and target of an ad group, keywords first.
    pub fn targetings(&self, p: u32, c: u32, g: u32) -> Vec<Targeting> {
        let keywords = (0..self.size.keywords_per_ad_group)
            .filter_map(|k| self.targeting(Child::Keyword, p, c, g, k));
        let targets = (0..self.size.targets_per_ad_group)
            .filter_map(|k| self.targeting(Child::Target, p, c, g, k));
        keywords.chain(targets).collect()
    }

    /// Negative keywords: one per two keywords of the ad group.
    pub fn negative_keywords(&self, p: u32, c: u32, g: u32) -> Vec<NegativeKeyword> {
        let Some(group) = self.ad_group(p, c, g) else {
            return Vec::new();
        };
        (0..self.size.keywords_per_ad_group / 2)
            .map(|k| {
                let h = hash(
                    self.seed,
                    Tag::Negative,
                    &[i64::from(p), i64::from(c), i64::from(g), i64::from(k)],
                );
                NegativeKeyword {
                    id: data::child_id(Child::NegativeKeyword, p, c, g, k),
                    ad_group_id: group.id,
                    campaign_id: group.campaign_id,
                    text: format!("free {}", NOUNS[(h % NOUNS.len() as u64) as usize]),
                    match_type: if h.is_multiple_of(2) {
                        "NEGATIVE_EXACT"
                    } else {
                        "NEGATIVE_PHRASE"
                    },
                    state: if group.state == "ARCHIVED" {
                        "ARCHIVED"
                    } else {
                        "ENABLED"
                    },
                }
            })
            .collect()
    }

    pub fn product_ads(&self, p: u32, c: u32, g: u32) -> Vec<ProductAd> {
        let Some(group) = self.ad_group(p, c, g) else {
            return Vec::new();
        };
        (0..self.size.product_ads_per_ad_group)
            .map(|k| {
                let h = hash(
                    self.seed,
                    Tag::ProductAd,
                    &[i64::from(p), i64::from(c), i64::from(g), i64::from(k)],
                );
                ProductAd {
                    id: data::child_id(Child::ProductAd, p, c, g, k),
                    ad_group_id: group.id,
                    campaign_id: group.campaign_id,
                    index: (p, c, g, k),
                    asin: format!("B0{:08X}", h % 0xFFFF_FFFF),
                    sku: format!("SKU-{:06}", (h >> 32) % 1_000_000),
                    state: if group.state == "ARCHIVED" || !h.is_multiple_of(9) {
                        group.state
                    } else {
                        "PAUSED"
                    },
                }
            })
            .collect()
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

    /// Changes the final numbers of every day in `start..=end` (a correction).
    pub fn restate(&self, start: NaiveDate, end: NaiveDate) {
        self.changes
            .write()
            .expect("lock")
            .restatements
            .push((start, end));
    }

    /// Whether the campaign delivers on `day`, a day of its profile, as of `today`.
    fn delivers(&self, campaign: &Campaign, day: NaiveDate, today: NaiveDate) -> bool {
        day >= campaign.start_date && day <= today && campaign.end_date.is_none_or(|end| day <= end)
    }

    /// One keyword's or target's metrics on one day, with the conversions counted by
    /// `as_of` (a day of the profile); `None` for a day without activity.
    pub fn atom_day(&self, t: &Targeting, day: NaiveDate, as_of: NaiveDate) -> Option<Metrics> {
        let (kind, p, c, g, k) = t.index;
        let campaign = self.campaign(p, c)?;
        if !self.delivers(&campaign, day, as_of) {
            return None;
        }
        let slot = i64::from(k) + if kind == Child::Target { 10_000 } else { 0 };
        let base = [
            i64::from(p),
            i64::from(c),
            i64::from(g),
            slot,
            data::day_number(day),
        ];
        // About a quarter of atom-days see no activity at all (no row); whether a day
        // had activity does not change with restatements, only its numbers do.
        if unit(hash(self.seed, Tag::Metric, &base)) < 0.25 {
            return None;
        }
        let v = self.version(day);
        let h = |n: i64| {
            let mut parts = base.to_vec();
            parts.extend([v, n]);
            hash(self.seed, Tag::Metric, &parts)
        };
        let impressions = 30 + (h(1) % 3_000) as i64;
        let clicks = impressions * (h(2) % 25) as i64 / 1_000;
        let cpc_cents = 20 + (h(3) % 180) as i64;
        let cost_cents = clicks * cpc_cents + (h(4) % 50) as i64 * i64::from(clicks > 0);
        let purchases_30 = clicks * (h(5) % 30) as i64 / 100;
        let mut m = Metrics {
            impressions,
            clicks,
            cost_cents,
            ..Metrics::default()
        };
        // Longer windows count at least what shorter ones do.
        let shares = [55, 80, 92, 100];
        let price_cents = 599 + (h(6) % 8_000) as i64;
        for (w, share) in shares.iter().enumerate() {
            m.purchases[w] = purchases_30 * share / 100;
            m.units[w] = m.purchases[w] + m.purchases[w] * (h(7) % 3) as i64 / 4;
            m.sales_cents[w] = m.units[w] * price_cents;
        }
        Some(m.as_counted_after((as_of - day).num_days()))
    }

    /// An ad group's metrics on `day` (the sum of its keywords and targets).
    pub fn ad_group_day(
        &self,
        p: u32,
        c: u32,
        g: u32,
        day: NaiveDate,
        as_of: NaiveDate,
    ) -> Option<Metrics> {
        let mut total = None::<Metrics>;
        for t in self.targetings(p, c, g) {
            if let Some(m) = self.atom_day(&t, day, as_of) {
                total.get_or_insert_with(Metrics::default).add(&m);
            }
        }
        total
    }

    /// A campaign's metrics on `day` (the sum of its ad groups).
    pub fn campaign_day(
        &self,
        p: u32,
        c: u32,
        day: NaiveDate,
        as_of: NaiveDate,
    ) -> Option<Metrics> {
        let mut total = None::<Metrics>;
        for g in 0..self.size.ad_groups_per_campaign {
            if let Some(m) = self.ad_group_day(p, c, g, day, as_of) {
                total.get_or_insert_with(Metrics::default).add(&m);
            }
        }
        total
    }

    /// The ad group's day split across its product ads (exactly: the parts add up to
    /// the ad group's day), as (product ad, its part).
    pub fn product_ad_days(
        &self,
        p: u32,
        c: u32,
        g: u32,
        day: NaiveDate,
        as_of: NaiveDate,
    ) -> Vec<(ProductAd, Metrics)> {
        let ads = self.product_ads(p, c, g);
        let Some(total) = self.ad_group_day(p, c, g, day, as_of) else {
            return Vec::new();
        };
        let weights: Vec<u64> = ads
            .iter()
            .map(|a| 1 + hash(self.seed, Tag::ProductAd, &[a.id, data::day_number(day)]) % 5)
            .collect();
        ads.into_iter().zip(total.split(&weights)).collect()
    }

    /// The search terms customers typed that matched `t` on `day`, with their part of
    /// the atom's metrics — only terms with at least one click, as Amazon reports them.
    pub fn search_terms(
        &self,
        t: &Targeting,
        day: NaiveDate,
        as_of: NaiveDate,
    ) -> Vec<(String, Metrics)> {
        let Some(atom) = self.atom_day(t, day, as_of) else {
            return Vec::new();
        };
        let h = |n: i64| {
            hash(
                self.seed,
                Tag::SearchTerm,
                &[t.id, data::day_number(day), n],
            )
        };
        let base = match &t.kind {
            TargetingKind::Keyword { text, .. } => text.clone(),
            TargetingKind::Target {
                value: Some(asin), ..
            } => asin.to_ascii_lowercase(),
            TargetingKind::Target { .. } => NOUNS[(h(0) % NOUNS.len() as u64) as usize].to_owned(),
        };
        let terms = [
            base.clone(),
            format!("{base} for women"),
            format!("best {base}"),
        ];
        let n = 1 + (h(1) % 3) as usize;
        let weights: Vec<u64> = (0..n).map(|i| 1 + h(2 + i as i64) % 7).collect();
        terms
            .into_iter()
            .take(n)
            .zip(atom.split(&weights))
            .filter(|(_, m)| m.clicks >= 1)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world() -> World {
        let start = DateTime::parse_from_rfc3339("2026-11-30T12:00:00Z")
            .unwrap()
            .to_utc();
        World::new(7, Size::SMALL, start)
    }

    #[test]
    fn campaign_days_are_the_sums_of_their_parts() {
        let w = world();
        let profile = w.profile(0).unwrap();
        let today = w.today(&profile);
        for day in [today - Days::new(3), today - Days::new(20)] {
            for c in 0..w.size.campaigns_per_profile {
                let Some(campaign) = w.campaign_day(0, c, day, today) else {
                    continue;
                };
                let mut ads = Metrics::default();
                for g in 0..w.size.ad_groups_per_campaign {
                    for (_, m) in w.product_ad_days(0, c, g, day, today) {
                        ads.add(&m);
                    }
                }
                assert_eq!(ads, campaign, "product ads add up to the campaign");
            }
        }
    }

    #[test]
    fn later_readings_count_more_conversions_and_never_fewer() {
        let w = world();
        let profile = w.profile(1).unwrap();
        let today = w.today(&profile);
        let day = today - Days::new(2);
        let t = w.targetings(1, 0, 0).remove(0);
        let (Some(early), Some(late)) = (
            w.atom_day(&t, day, day),
            w.atom_day(&t, day, day + Days::new(40)),
        ) else {
            return;
        };
        assert_eq!(
            (early.impressions, early.clicks),
            (late.impressions, late.clicks)
        );
        for win in 0..4 {
            assert!(early.purchases[win] <= late.purchases[win]);
            assert!(early.sales_cents[win] <= late.sales_cents[win]);
        }
        for win in 0..3 {
            assert!(late.purchases[win] <= late.purchases[win + 1]);
        }
    }

    #[test]
    fn profiles_span_every_region_with_their_own_time_zones() {
        let w = world();
        let regions: std::collections::BTreeSet<_> =
            w.profiles().iter().map(|p| p.region()).collect();
        assert_eq!(regions.len(), 3);
        let tokyo = w.profile(2).unwrap();
        let la = w.profile(0).unwrap();
        // 2026-11-30 12:00 UTC is already the evening in Tokyo, still morning in LA.
        assert_eq!(
            w.today(&tokyo),
            NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
        );
        assert_eq!(w.today(&la), NaiveDate::from_ymd_opt(2026, 11, 30).unwrap());
    }
}

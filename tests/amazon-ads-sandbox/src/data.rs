//! The sandbox's vocabulary and generator primitives: its size, the regions and
//! marketplaces, ids, a deterministic hash, and money in integer cents.
//!
//! Every value the sandbox serves is a pure function of (seed, ids, day, clock), so the
//! same seed and size always give the same data, any subset can be produced without the
//! rest, and a sandbox of millions of report rows costs no memory.

use chrono::{Datelike, NaiveDate};

/// How much data a sandbox holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    /// Advertising profiles, spread over the regions' marketplaces.
    pub profiles: u32,
    pub campaigns_per_profile: u32,
    pub ad_groups_per_campaign: u32,
    /// Keywords per ad group (each ad group also has targets and product ads).
    pub keywords_per_ad_group: u32,
    pub targets_per_ad_group: u32,
    pub product_ads_per_ad_group: u32,
    /// Days of history up to (and including) the first day of the clock.
    pub days: u32,
}

impl Size {
    /// A small sandbox for quick tests: 4 profiles (NA, EU, FE and a second NA) × 3
    /// campaigns × 2 ad groups × 3 keywords × 2 targets × 2 product ads × 40 days.
    pub const SMALL: Size = Size {
        profiles: 4,
        campaigns_per_profile: 3,
        ad_groups_per_campaign: 2,
        keywords_per_ad_group: 3,
        targets_per_ad_group: 2,
        product_ads_per_ad_group: 2,
        days: 40,
    };

    /// Ids are dense numbers per level: a size beyond a level's id space would make two
    /// records share an id.
    pub fn check(&self) -> Result<(), String> {
        let limits = [
            ("profiles", i64::from(self.profiles), MAX_PROFILES),
            (
                "campaigns per profile",
                i64::from(self.campaigns_per_profile),
                MAX_CAMPAIGNS,
            ),
            (
                "ad groups per campaign",
                i64::from(self.ad_groups_per_campaign),
                MAX_AD_GROUPS,
            ),
            (
                "keywords per ad group",
                i64::from(self.keywords_per_ad_group),
                MAX_PER_AD_GROUP,
            ),
            (
                "targets per ad group",
                i64::from(self.targets_per_ad_group),
                MAX_PER_AD_GROUP,
            ),
            (
                "product ads per ad group",
                i64::from(self.product_ads_per_ad_group),
                MAX_PER_AD_GROUP,
            ),
        ];
        for (what, n, max) in limits {
            if n > max {
                return Err(format!("{what}: {n} is above {max}"));
            }
        }
        if self.days == 0 {
            return Err("days: at least 1".into());
        }
        Ok(())
    }
}

/// The three regions of the Amazon Ads API, each with its own API host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Region {
    /// advertising-api.amazon.com
    Na,
    /// advertising-api-eu.amazon.com
    Eu,
    /// advertising-api-fe.amazon.com
    Fe,
}

impl Region {
    pub const ALL: [Region; 3] = [Region::Na, Region::Eu, Region::Fe];

    /// The path segment of the region's API base in the sandbox (`/na`, `/eu`, `/fe`).
    pub fn path(self) -> &'static str {
        match self {
            Region::Na => "na",
            Region::Eu => "eu",
            Region::Fe => "fe",
        }
    }

    pub fn from_path(s: &str) -> Option<Region> {
        Region::ALL.into_iter().find(|r| r.path() == s)
    }
}

/// A marketplace: where a profile sells, in which currency and time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marketplace {
    pub country_code: &'static str,
    pub currency_code: &'static str,
    pub timezone: &'static str,
    pub marketplace_id: &'static str,
    pub region: Region,
}

/// Profiles cycle through these; the first three are one per region, so any sandbox of
/// three profiles or more spans every region.
pub const MARKETPLACES: [Marketplace; 8] = [
    Marketplace {
        country_code: "US",
        currency_code: "USD",
        timezone: "America/Los_Angeles",
        marketplace_id: "ATVPDKIKX0DER",
        region: Region::Na,
    },
    Marketplace {
        country_code: "DE",
        currency_code: "EUR",
        timezone: "Europe/Berlin",
        marketplace_id: "A1PA6795UKMFR9",
        region: Region::Eu,
    },
    Marketplace {
        country_code: "JP",
        currency_code: "JPY",
        timezone: "Asia/Tokyo",
        marketplace_id: "A1VC38T7YXB528",
        region: Region::Fe,
    },
    Marketplace {
        country_code: "CA",
        currency_code: "CAD",
        timezone: "America/Toronto",
        marketplace_id: "A2EUQ1WTGCTBG2",
        region: Region::Na,
    },
    Marketplace {
        country_code: "UK",
        currency_code: "GBP",
        timezone: "Europe/London",
        marketplace_id: "A1F83G8C2ARO7P",
        region: Region::Eu,
    },
    Marketplace {
        country_code: "AU",
        currency_code: "AUD",
        timezone: "Australia/Sydney",
        marketplace_id: "A39IBJ37TRP1C6",
        region: Region::Fe,
    },
    Marketplace {
        country_code: "FR",
        currency_code: "EUR",
        timezone: "Europe/Paris",
        marketplace_id: "A13V1IB3VIYZZH",
        region: Region::Eu,
    },
    Marketplace {
        country_code: "MX",
        currency_code: "MXN",
        timezone: "America/Mexico_City",
        marketplace_id: "A1AM78C64UM0Y8",
        region: Region::Na,
    },
];

/// Ids of each level live in ranges of their own; all fit a JSON number exactly (below
/// 2^53), since reports carry them as numbers while lists carry them as strings.
pub const PROFILE_BASE: i64 = 1_000_000_000_000;
const CAMPAIGN_BASE: i64 = 200_000_000_000_000;
const AD_GROUP_BASE: i64 = 300_000_000_000_000;
const KEYWORD_BASE: i64 = 400_000_000_000_000;
const TARGET_BASE: i64 = 500_000_000_000_000;
const NEGATIVE_BASE: i64 = 600_000_000_000_000;
const PRODUCT_AD_BASE: i64 = 700_000_000_000_000;
const MAX_PROFILES: i64 = 1_000;
const MAX_CAMPAIGNS: i64 = 100_000;
const MAX_AD_GROUPS: i64 = 100;
const MAX_PER_AD_GROUP: i64 = 1_000;
/// A profile's number is spread so that profile ids do not look like indexes.
const PROFILE_STEP: i64 = 7_919;

pub fn profile_id(p: u32) -> i64 {
    PROFILE_BASE + i64::from(p) * PROFILE_STEP
}

pub fn profile_index(id: i64) -> Option<u32> {
    let rel = id.checked_sub(PROFILE_BASE)?;
    (rel >= 0 && rel % PROFILE_STEP == 0)
        .then(|| u32::try_from(rel / PROFILE_STEP).ok())
        .flatten()
}

fn campaign_number(p: u32, c: u32) -> i64 {
    i64::from(p) * MAX_CAMPAIGNS + i64::from(c)
}

fn ad_group_number(p: u32, c: u32, g: u32) -> i64 {
    campaign_number(p, c) * MAX_AD_GROUPS + i64::from(g)
}

pub fn campaign_id(p: u32, c: u32) -> i64 {
    CAMPAIGN_BASE + campaign_number(p, c)
}

pub fn ad_group_id(p: u32, c: u32, g: u32) -> i64 {
    AD_GROUP_BASE + ad_group_number(p, c, g)
}

/// The id of the `k`th child of kind `kind` of ad group (p, c, g).
pub fn child_id(kind: Child, p: u32, c: u32, g: u32, k: u32) -> i64 {
    kind.base() + ad_group_number(p, c, g) * MAX_PER_AD_GROUP + i64::from(k)
}

/// The things an ad group holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Child {
    Keyword,
    Target,
    NegativeKeyword,
    ProductAd,
}

impl Child {
    fn base(self) -> i64 {
        match self {
            Child::Keyword => KEYWORD_BASE,
            Child::Target => TARGET_BASE,
            Child::NegativeKeyword => NEGATIVE_BASE,
            Child::ProductAd => PRODUCT_AD_BASE,
        }
    }
}

/// (profile, campaign) of a campaign id.
pub fn campaign_index(id: i64) -> Option<(u32, u32)> {
    let n = id.checked_sub(CAMPAIGN_BASE).filter(|n| *n >= 0)?;
    Some((
        u32::try_from(n / MAX_CAMPAIGNS).ok()?,
        u32::try_from(n % MAX_CAMPAIGNS).ok()?,
    ))
}

/// (profile, campaign, ad group) of an ad group id.
pub fn ad_group_index(id: i64) -> Option<(u32, u32, u32)> {
    let n = id.checked_sub(AD_GROUP_BASE).filter(|n| *n >= 0)?;
    let (p, c) = campaign_index(CAMPAIGN_BASE + n / MAX_AD_GROUPS)?;
    Some((p, c, u32::try_from(n % MAX_AD_GROUPS).ok()?))
}

/// (kind, profile, campaign, ad group, index) of a keyword, target, negative keyword or
/// product ad id.
pub fn child_index(id: i64) -> Option<(Child, u32, u32, u32, u32)> {
    let kind = [
        Child::Keyword,
        Child::Target,
        Child::NegativeKeyword,
        Child::ProductAd,
    ]
    .into_iter()
    .find(|k| id >= k.base() && id < k.base() + 100_000_000_000_000)?;
    let n = id - kind.base();
    let (p, c, g) = ad_group_index(AD_GROUP_BASE + n / MAX_PER_AD_GROUP)?;
    Some((kind, p, c, g, u32::try_from(n % MAX_PER_AD_GROUP).ok()?))
}

/// Domain tags keep the hash streams of different things independent.
#[derive(Debug, Clone, Copy)]
#[repr(u64)]
pub enum Tag {
    Profile = 1,
    Campaign = 2,
    AdGroup = 3,
    Keyword = 4,
    Target = 5,
    ProductAd = 6,
    Metric = 7,
    SearchTerm = 8,
    Fault = 9,
    Malformed = 10,
    Negative = 11,
}

/// SplitMix64: small, fast, and good enough to look random.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A deterministic hash of the seed, a tag and some integers.
pub fn hash(seed: u64, tag: Tag, parts: &[i64]) -> u64 {
    parts.iter().fold(
        mix(seed ^ (tag as u64).wrapping_mul(0xA24B_AED4_963E_E407)),
        |h, p| mix(h ^ (*p as u64)),
    )
}

/// A hash as a number in [0, 1).
pub fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// Days since the common era, as a hash input.
pub fn day_number(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce())
}

/// 1234 cents is "12.34"; -5 is "-0.05". Money is exact: integer cents in, a decimal
/// written digit by digit out.
pub fn cents_to_decimal(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}

/// The attribution windows Amazon reports conversions for, in days.
pub const WINDOWS: [u32; 4] = [1, 7, 14, 30];

/// Conversions keep arriving after the day they are attributed to: a day's final numbers
/// are known only this many days later. Until then a report shows the share counted so
/// far (see [`restated_share`]).
pub const RESTATEMENT_DAYS: i64 = 28;

/// The share (numerator over [`RESTATEMENT_DAYS`]) of a day's final conversions counted
/// `age` days after it: half on the day itself, then a little more each day, all of it
/// after 28 days. Never decreases with age.
pub fn restated_share(age: i64) -> i64 {
    if age < 0 {
        0
    } else {
        (RESTATEMENT_DAYS / 2 + age / 2).min(RESTATEMENT_DAYS)
    }
}

/// Splits `total` into `weights.len()` integer parts proportional to `weights` that add
/// up to `total` exactly (largest remainder).
pub fn split(total: i64, weights: &[u64]) -> Vec<i64> {
    let sum: u128 = weights.iter().map(|w| u128::from(*w)).sum();
    if weights.is_empty() {
        return Vec::new();
    }
    if sum == 0 {
        let mut parts = vec![0; weights.len()];
        parts[0] = total;
        return parts;
    }
    let sign = total.signum();
    let t = u128::from(total.unsigned_abs());
    let mut parts: Vec<(usize, u128, u128)> = weights
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let exact = t * u128::from(*w);
            (i, exact / sum, exact % sum)
        })
        .collect();
    let given: u128 = parts.iter().map(|p| p.1).sum();
    let mut left = t - given;
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|a, b| parts[*b].2.cmp(&parts[*a].2).then(a.cmp(b)));
    for i in order {
        if left == 0 {
            break;
        }
        parts[i].1 += 1;
        left -= 1;
    }
    parts.sort_by_key(|p| p.0);
    parts
        .into_iter()
        .map(|p| sign * i64::try_from(p.1).expect("a part of an i64"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_stay_below_two_to_the_53() {
        assert_eq!(profile_index(profile_id(7)), Some(7));
        assert_eq!(profile_index(profile_id(7) + 1), None);
        assert_eq!(campaign_index(campaign_id(3, 99_999)), Some((3, 99_999)));
        assert_eq!(ad_group_index(ad_group_id(999, 5, 99)), Some((999, 5, 99)));
        for kind in [
            Child::Keyword,
            Child::Target,
            Child::NegativeKeyword,
            Child::ProductAd,
        ] {
            let id = child_id(kind, 999, 99_999, 99, 999);
            assert!(id < 1 << 53, "{kind:?} {id}");
            assert_eq!(child_index(id), Some((kind, 999, 99_999, 99, 999)));
        }
    }

    #[test]
    fn splits_add_up_exactly() {
        assert_eq!(split(10, &[1, 1, 1]), [4, 3, 3]);
        assert_eq!(split(-7, &[3, 1]), [-5, -2]);
        assert_eq!(split(5, &[0, 0]), [5, 0]);
        let parts = split(1_000_003, &[17, 5, 9, 1]);
        assert_eq!(parts.iter().sum::<i64>(), 1_000_003);
    }

    #[test]
    fn money_is_written_exactly_and_shares_only_grow() {
        assert_eq!(cents_to_decimal(1234), "12.34");
        assert_eq!(cents_to_decimal(-5), "-0.05");
        assert_eq!(cents_to_decimal(0), "0.00");
        let shares: Vec<i64> = (0..40).map(restated_share).collect();
        assert!(shares.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(restated_share(0), RESTATEMENT_DAYS / 2);
        assert_eq!(restated_share(RESTATEMENT_DAYS), RESTATEMENT_DAYS);
    }
}

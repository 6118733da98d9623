//! The sandbox's advertising data, generated on demand from a seed — never stored.
//!
//! Every value is a pure function of (seed, ids, day, restatement version), so the same
//! seed and size always give the same data, any subset can be produced without building
//! the rest, and a sandbox of millions of metric rows costs no memory. Campaign metrics
//! are the exact sums of their creatives' metrics; money is kept in integer micros, so
//! every total the sandbox reports as ground truth is exact.

use chrono::{Datelike, Days, NaiveDate};

/// How much data a sandbox holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub accounts: u32,
    pub campaign_groups_per_account: u32,
    pub campaigns_per_account: u32,
    pub creatives_per_campaign: u32,
    /// Days of history before (and including) the first day of the clock.
    pub days: u32,
}

impl Size {
    /// Ids are dense numbers per level: a size beyond a level's id space would make two
    /// records share an id.
    pub fn check(&self) -> Result<(), String> {
        let limits = [
            (
                "campaigns per account",
                i64::from(self.campaigns_per_account),
                MAX_CAMPAIGNS,
            ),
            (
                "creatives per campaign",
                i64::from(self.creatives_per_campaign),
                MAX_CREATIVES,
            ),
            (
                "campaign groups per account",
                i64::from(self.campaign_groups_per_account),
                MAX_GROUPS,
            ),
        ];
        for (what, n, max) in limits {
            if n > max {
                return Err(format!("{what}: {n} is above {max}"));
            }
        }
        Ok(())
    }

    /// A small sandbox for quick tests: 2 accounts × 3 campaigns × 2 creatives × 30 days.
    pub const SMALL: Size = Size {
        accounts: 2,
        campaign_groups_per_account: 2,
        campaigns_per_account: 3,
        creatives_per_campaign: 2,
        days: 30,
    };
}

/// Ids stay in ranges that cannot be confused, and campaign and creative ids exceed
/// `i32::MAX` on purpose: a client that stores them as int4 breaks at once.
pub const ACCOUNT_BASE: i64 = 510_000_000;
pub const GROUP_BASE: i64 = 610_000_000;
pub const CAMPAIGN_BASE: i64 = 3_100_000_000;
pub const CREATIVE_BASE: i64 = 7_200_000_000;
const MAX_CAMPAIGNS: i64 = 100_000;
const MAX_CREATIVES: i64 = 100;
const MAX_GROUPS: i64 = 1_000;

pub fn account_id(a: u32) -> i64 {
    ACCOUNT_BASE + i64::from(a)
}
pub fn group_id(a: u32, g: u32) -> i64 {
    GROUP_BASE + i64::from(a) * MAX_GROUPS + i64::from(g)
}
pub fn campaign_id(a: u32, c: u32) -> i64 {
    CAMPAIGN_BASE + i64::from(a) * MAX_CAMPAIGNS + i64::from(c)
}
pub fn creative_id(a: u32, c: u32, k: u32) -> i64 {
    CREATIVE_BASE + (i64::from(a) * MAX_CAMPAIGNS + i64::from(c)) * MAX_CREATIVES + i64::from(k)
}

/// (account index) of an account id.
pub fn account_index(id: i64) -> Option<u32> {
    u32::try_from(id - ACCOUNT_BASE).ok()
}
/// (account index, campaign index) of a campaign id.
pub fn campaign_index(id: i64) -> Option<(u32, u32)> {
    let rel = id.checked_sub(CAMPAIGN_BASE).filter(|r| *r >= 0)?;
    Some((
        u32::try_from(rel / MAX_CAMPAIGNS).ok()?,
        u32::try_from(rel % MAX_CAMPAIGNS).ok()?,
    ))
}
/// (account, campaign, creative) indexes of a creative id.
pub fn creative_index(id: i64) -> Option<(u32, u32, u32)> {
    let rel = id.checked_sub(CREATIVE_BASE).filter(|r| *r >= 0)?;
    let campaign = rel / MAX_CREATIVES;
    Some((
        u32::try_from(campaign / MAX_CAMPAIGNS).ok()?,
        u32::try_from(campaign % MAX_CAMPAIGNS).ok()?,
        u32::try_from(rel % MAX_CREATIVES).ok()?,
    ))
}

/// Domain tags keep the hash streams of different things independent.
#[derive(Debug, Clone, Copy)]
#[repr(u64)]
pub enum Tag {
    Campaign = 1,
    Group = 2,
    Creative = 3,
    Metric = 4,
    Demographic = 5,
    Malformed = 6,
    Fault = 7,
    Account = 8,
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

/// The metrics LinkedIn reports for one pivot value on one day (or period).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Metrics {
    pub impressions: i64,
    pub clicks: i64,
    /// costInLocalCurrency in millionths.
    pub cost_micros: i64,
    pub landing_page_clicks: i64,
    pub external_website_conversions: i64,
    pub one_click_leads: i64,
    pub likes: i64,
    pub comments: i64,
    pub shares: i64,
    pub follows: i64,
    pub opens: i64,
    pub sends: i64,
}

impl Metrics {
    pub fn add(&mut self, o: &Metrics) {
        self.impressions += o.impressions;
        self.clicks += o.clicks;
        self.cost_micros += o.cost_micros;
        self.landing_page_clicks += o.landing_page_clicks;
        self.external_website_conversions += o.external_website_conversions;
        self.one_click_leads += o.one_click_leads;
        self.likes += o.likes;
        self.comments += o.comments;
        self.shares += o.shares;
        self.follows += o.follows;
        self.opens += o.opens;
        self.sends += o.sends;
    }

    /// The cost as LinkedIn writes it: a decimal string, e.g. "19.91833".
    pub fn cost_string(&self) -> String {
        micros_to_decimal(self.cost_micros)
    }
}

/// 19_918_330 micros is "19.91833"; 0 is "0.0".
pub fn micros_to_decimal(micros: i64) -> String {
    let sign = if micros < 0 { "-" } else { "" };
    let m = micros.unsigned_abs();
    let frac = format!("{:06}", m % 1_000_000);
    let frac = frac.trim_end_matches('0');
    format!(
        "{sign}{}.{}",
        m / 1_000_000,
        if frac.is_empty() { "0" } else { frac }
    )
}

/// Campaign statuses, with how often the generator picks them.
const STATUSES: &[(&str, f64)] = &[
    ("ACTIVE", 0.55),
    ("PAUSED", 0.2),
    ("COMPLETED", 0.1),
    ("ARCHIVED", 0.05),
    ("CANCELED", 0.03),
    ("DRAFT", 0.07),
];

pub fn pick_status(h: u64) -> &'static str {
    let mut u = unit(h);
    for (status, p) in STATUSES {
        if u < *p {
            return status;
        }
        u -= p;
    }
    "ACTIVE"
}

/// The member demographic pivots and the segment values each can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pivot {
    JobTitle,
    JobFunction,
    Industry,
    Seniority,
    CompanySize,
    Country,
}

impl Pivot {
    pub const ALL: [Pivot; 6] = [
        Pivot::JobTitle,
        Pivot::JobFunction,
        Pivot::Industry,
        Pivot::Seniority,
        Pivot::CompanySize,
        Pivot::Country,
    ];

    pub fn api_name(self) -> &'static str {
        match self {
            Pivot::JobTitle => "MEMBER_JOB_TITLE",
            Pivot::JobFunction => "MEMBER_JOB_FUNCTION",
            Pivot::Industry => "MEMBER_INDUSTRY",
            Pivot::Seniority => "MEMBER_SENIORITY",
            Pivot::CompanySize => "MEMBER_COMPANY_SIZE",
            Pivot::Country => "MEMBER_COUNTRY_V2",
        }
    }

    pub fn from_api_name(name: &str) -> Option<Pivot> {
        Pivot::ALL.into_iter().find(|p| p.api_name() == name)
    }

    /// How many distinct segments the pivot has in the sandbox.
    pub fn segment_count(self) -> u32 {
        match self {
            Pivot::JobTitle => 120,
            Pivot::JobFunction => 26,
            Pivot::Industry => 40,
            Pivot::Seniority => 10,
            Pivot::CompanySize => 9,
            Pivot::Country => 30,
        }
    }

    /// The value LinkedIn reports for segment `i`, as a URN (company size as LinkedIn's
    /// range URN, job titles with ids above i32::MAX like the real ones).
    pub fn segment(self, i: u32) -> String {
        match self {
            Pivot::JobTitle => format!("urn:li:title:{}", 2_500_000_000u64 + u64::from(i) * 7),
            Pivot::JobFunction => format!("urn:li:function:{}", i + 1),
            Pivot::Industry => format!("urn:li:industry:{}", i * 3 + 1),
            Pivot::Seniority => format!("urn:li:seniority:{}", i + 1),
            Pivot::CompanySize => format!("urn:li:companySizeRange:{}", (b'A' + i as u8) as char),
            Pivot::Country => format!("urn:li:geo:{}", 100_000_000 + i * 101),
        }
    }
}

/// The first day of `date`'s month.
pub fn month_start(date: NaiveDate) -> NaiveDate {
    date.with_day(1).expect("day 1 exists")
}

/// The last day of `date`'s month.
pub fn month_end(date: NaiveDate) -> NaiveDate {
    let first = month_start(date);
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .expect("in range");
    next - Days::new(1)
}

/// Days since 1970-01-01, as a hash input.
pub fn day_number(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce())
}

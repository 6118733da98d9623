//! [`GroundTruth`]: what the sandbox's data is, for exact assertions — every entity, and
//! the daily metrics of every campaign, ad group, keyword, target and product ad as a
//! report completed now would state them.

use chrono::NaiveDate;

use crate::State;
use crate::data::{self, Child, Region};
use crate::world::{AdGroup, Campaign, Metrics, NegativeKeyword, ProductAd, Profile, Targeting};

/// A read-only view of the sandbox's data.
pub struct GroundTruth<'a> {
    state: &'a State,
}

impl<'a> GroundTruth<'a> {
    pub(crate) fn new(state: &'a State) -> GroundTruth<'a> {
        GroundTruth { state }
    }

    pub fn profiles(&self) -> Vec<Profile> {
        self.state.world.profiles()
    }

    /// The profiles a region's host lists.
    pub fn profiles_in(&self, region: Region) -> Vec<Profile> {
        self.profiles()
            .into_iter()
            .filter(|p| p.region() == region)
            .collect()
    }

    pub fn profile(&self, profile_id: i64) -> Option<Profile> {
        self.state.world.profile_by_id(profile_id)
    }

    /// Today in the profile's time zone.
    pub fn today(&self, profile_id: i64) -> Option<NaiveDate> {
        Some(self.state.world.today(&self.profile(profile_id)?))
    }

    /// The profile's first day with history.
    pub fn first_day(&self, profile_id: i64) -> Option<NaiveDate> {
        Some(self.state.world.epoch(&self.profile(profile_id)?))
    }

    pub fn campaigns(&self, profile_id: i64) -> Vec<Campaign> {
        data::profile_index(profile_id)
            .map(|p| self.state.world.campaigns(p).collect())
            .unwrap_or_default()
    }

    pub fn ad_groups(&self, campaign_id: i64) -> Vec<AdGroup> {
        data::campaign_index(campaign_id)
            .map(|(p, c)| self.state.world.ad_groups(p, c).collect())
            .unwrap_or_default()
    }

    /// The keywords and targets of an ad group, keywords first.
    pub fn targetings(&self, ad_group_id: i64) -> Vec<Targeting> {
        data::ad_group_index(ad_group_id)
            .map(|(p, c, g)| self.state.world.targetings(p, c, g))
            .unwrap_or_default()
    }

    pub fn negative_keywords(&self, ad_group_id: i64) -> Vec<NegativeKeyword> {
        data::ad_group_index(ad_group_id)
            .map(|(p, c, g)| self.state.world.negative_keywords(p, c, g))
            .unwrap_or_default()
    }

    pub fn product_ads(&self, ad_group_id: i64) -> Vec<ProductAd> {
        data::ad_group_index(ad_group_id)
            .map(|(p, c, g)| self.state.world.product_ads(p, c, g))
            .unwrap_or_default()
    }

    fn today_of(&self, p: u32) -> Option<NaiveDate> {
        Some(self.state.world.today(&self.state.world.profile(p)?))
    }

    /// A campaign's metrics on `day`, as a report completed now states them.
    pub fn campaign_day(&self, campaign_id: i64, day: NaiveDate) -> Option<Metrics> {
        let (p, c) = data::campaign_index(campaign_id)?;
        self.state.world.campaign_day(p, c, day, self.today_of(p)?)
    }

    pub fn ad_group_day(&self, ad_group_id: i64, day: NaiveDate) -> Option<Metrics> {
        let (p, c, g) = data::ad_group_index(ad_group_id)?;
        self.state
            .world
            .ad_group_day(p, c, g, day, self.today_of(p)?)
    }

    /// A keyword's or target's metrics on `day`.
    pub fn targeting_day(&self, id: i64, day: NaiveDate) -> Option<Metrics> {
        let (kind, p, c, g, k) = data::child_index(id)?;
        if !matches!(kind, Child::Keyword | Child::Target) {
            return None;
        }
        let t = self.state.world.targeting(kind, p, c, g, k)?;
        self.state.world.atom_day(&t, day, self.today_of(p)?)
    }

    pub fn product_ad_day(&self, ad_id: i64, day: NaiveDate) -> Option<Metrics> {
        let (kind, p, c, g, _) = data::child_index(ad_id)?;
        if kind != Child::ProductAd {
            return None;
        }
        let today = self.today_of(p)?;
        self.state
            .world
            .product_ad_days(p, c, g, day, today)
            .into_iter()
            .find(|(ad, _)| ad.id == ad_id)
            .map(|(_, m)| m)
    }

    /// The search terms that matched a keyword or target on `day` (clicks ≥ 1 only).
    pub fn search_terms(&self, id: i64, day: NaiveDate) -> Vec<(String, Metrics)> {
        let Some((kind, p, c, g, k)) = data::child_index(id) else {
            return Vec::new();
        };
        let (Some(t), Some(today)) = (
            self.state.world.targeting(kind, p, c, g, k),
            self.today_of(p),
        ) else {
            return Vec::new();
        };
        self.state.world.search_terms(&t, day, today)
    }
}

DROP INDEX amazon_ads.targets_profile;
CREATE INDEX targets_profile ON amazon_ads.targets (profile_id);
DROP INDEX amazon_ads.keywords_profile;
CREATE INDEX keywords_profile ON amazon_ads.keywords (profile_id);
DROP INDEX amazon_ads.ad_groups_profile;
CREATE INDEX ad_groups_profile ON amazon_ads.ad_groups (profile_id);
DROP INDEX amazon_ads.campaigns_profile;
CREATE INDEX campaigns_profile ON amazon_ads.campaigns (profile_id);

-- Amazon Ads entities listed for one profile are read in id order: an index on
-- (profile_id, id) hands them over in that order from the page's cursor on. With the
-- profile alone, the plan a prepared list statement keeps walks the primary key from the
-- cursor and drops every other profile's rows (1,800 of 1,901 read for the last of ten
-- profiles' campaigns), since its estimate cannot see that one profile's ids sit together.
-- Each replaces the profile-only index: it serves every lookup by profile as well.
DROP INDEX amazon_ads.campaigns_profile;
CREATE INDEX campaigns_profile ON amazon_ads.campaigns (profile_id, id);
DROP INDEX amazon_ads.ad_groups_profile;
CREATE INDEX ad_groups_profile ON amazon_ads.ad_groups (profile_id, id);
DROP INDEX amazon_ads.keywords_profile;
CREATE INDEX keywords_profile ON amazon_ads.keywords (profile_id, id);
DROP INDEX amazon_ads.targets_profile;
CREATE INDEX targets_profile ON amazon_ads.targets (profile_id, id);

DROP TABLE audience_demographics;
DROP TABLE creative_daily_metrics;
DROP TABLE campaign_daily_metrics;
DROP TABLE creatives;
DROP TABLE campaigns;
DROP TABLE campaign_groups;
DROP TABLE ad_accounts;

ALTER TABLE linkedin.creative_daily_metrics ADD CONSTRAINT creative_daily_metrics_creative_id_fkey
    FOREIGN KEY (creative_id) REFERENCES linkedin.creatives (id);
ALTER TABLE linkedin.campaign_daily_metrics ADD CONSTRAINT campaign_daily_metrics_campaign_id_fkey
    FOREIGN KEY (campaign_id) REFERENCES linkedin.campaigns (id);

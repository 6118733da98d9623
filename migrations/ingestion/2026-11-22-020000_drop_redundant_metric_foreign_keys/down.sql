ALTER TABLE campaign_daily_metrics ADD CONSTRAINT campaign_daily_metrics_account_id_fkey FOREIGN KEY (account_id) REFERENCES ad_accounts (id);
ALTER TABLE creative_daily_metrics ADD CONSTRAINT creative_daily_metrics_campaign_id_fkey FOREIGN KEY (campaign_id) REFERENCES campaigns (id);
ALTER TABLE creative_daily_metrics ADD CONSTRAINT creative_daily_metrics_account_id_fkey FOREIGN KEY (account_id) REFERENCES ad_accounts (id);

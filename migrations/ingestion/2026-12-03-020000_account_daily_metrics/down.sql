DROP INDEX linkedin.campaign_daily_metrics_account_date;
CREATE INDEX campaign_daily_metrics_account_date ON linkedin.campaign_daily_metrics (account_id, date);
DROP TRIGGER account_days_roll_up_inserts ON linkedin.campaign_daily_metrics;
DROP TRIGGER account_days_roll_up_deletes ON linkedin.campaign_daily_metrics;
DROP TRIGGER account_days_roll_up_updates ON linkedin.campaign_daily_metrics;
DROP TRIGGER account_days_roll_up_truncates ON linkedin.campaign_daily_metrics;
DROP FUNCTION linkedin.roll_up_account_days();
DROP TABLE linkedin.account_daily_metrics;

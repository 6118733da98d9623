-- Metric rows keep one foreign key: to the entity they measure (campaign or creative).
-- Their account_id / campaign_id are copies of that entity's own, written by the same sync
-- from the same records, so checking them again on every row (millions per backfill) buys
-- nothing; the writer only merges rows whose entity is stored.
ALTER TABLE campaign_daily_metrics DROP CONSTRAINT campaign_daily_metrics_account_id_fkey;
ALTER TABLE creative_daily_metrics DROP CONSTRAINT creative_daily_metrics_campaign_id_fkey;
ALTER TABLE creative_daily_metrics DROP CONSTRAINT creative_daily_metrics_account_id_fkey;

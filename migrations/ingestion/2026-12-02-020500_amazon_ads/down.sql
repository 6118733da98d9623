DROP SCHEMA amazon_ads CASCADE;
DELETE FROM account_row_counts WHERE source = 'amazon_ads';
ALTER TABLE sync_accounts DROP COLUMN time_zone;

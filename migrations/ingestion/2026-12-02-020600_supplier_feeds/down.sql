DROP SCHEMA supplier_feed CASCADE;
ALTER TABLE sync_accounts DROP COLUMN content_hash;
ALTER TABLE sync_accounts DROP COLUMN upstream_version;

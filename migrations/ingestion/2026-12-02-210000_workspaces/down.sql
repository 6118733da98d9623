ALTER TABLE supplier_feed.suppliers DROP CONSTRAINT suppliers_workspace_name_key;
ALTER TABLE supplier_feed.suppliers ADD CONSTRAINT suppliers_name_key UNIQUE (name);
ALTER TABLE supplier_feed.suppliers DROP COLUMN workspace_id;
DROP INDEX sync_accounts_workspace;
ALTER TABLE sync_accounts DROP COLUMN workspace_id;

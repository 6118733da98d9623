-- Workspaces: every account (an ad account, a profile, a supplier feed) belongs to the
-- workspace of the connection it was found through (or of the caller that configured
-- it). Its runs, events, errors, upstream jobs and warehouse rows are that workspace's.
-- Everything synced before workspaces belongs to the default workspace, 1. The ids come
-- from the auth service, which may keep its tables in another database: no foreign key.
ALTER TABLE sync_accounts ADD COLUMN workspace_id BIGINT NOT NULL DEFAULT 1 CHECK (workspace_id > 0);
ALTER TABLE sync_accounts ALTER COLUMN workspace_id DROP DEFAULT;
CREATE INDEX sync_accounts_workspace ON sync_accounts (workspace_id, source, account_id);
COMMENT ON COLUMN sync_accounts.workspace_id IS 'The workspace that owns the account and everything synced from it; never changed by a discovery through another workspace''s connection.';

-- A supplier's name is unique within its workspace: another workspace may use it too.
ALTER TABLE supplier_feed.suppliers ADD COLUMN workspace_id BIGINT NOT NULL DEFAULT 1 CHECK (workspace_id > 0);
ALTER TABLE supplier_feed.suppliers ALTER COLUMN workspace_id DROP DEFAULT;
ALTER TABLE supplier_feed.suppliers DROP CONSTRAINT suppliers_name_key;
ALTER TABLE supplier_feed.suppliers ADD CONSTRAINT suppliers_workspace_name_key UNIQUE (workspace_id, name);

-- The ownership policies read the session's workspace in place rather than through
-- adsync_current_workspace(). That function is SQL, so the planner inlines it, and
-- inlining parses its body again: every planning of every query a workspace caller runs
-- (PostgreSQL plans a series' statements anew at every call) paid a parse for it. With the
-- reporting benchmark's single-campaign series, workspace token, three alternated pairs:
-- 814 / 735 / 723 against 751 / 708 / 659 requests/s at saturation. Same rows pass.
ALTER POLICY workspace_rows ON sync_accounts
    USING (workspace_id = nullif(current_setting('adsync.workspace_id', true), '')::bigint);
ALTER POLICY workspace_rows ON supplier_feed.suppliers
    USING (workspace_id = nullif(current_setting('adsync.workspace_id', true), '')::bigint);

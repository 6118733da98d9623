ALTER POLICY workspace_rows ON sync_accounts
    USING (workspace_id = adsync_current_workspace());
ALTER POLICY workspace_rows ON supplier_feed.suppliers
    USING (workspace_id = adsync_current_workspace());

-- Row-level security: the database's own backstop for workspaces. Reporting reads a
-- workspace caller's answers as the role adsync_workspace_reader, with the caller's
-- workspace in the transaction's setting `adsync.workspace_id`: every workspace-owned
-- table shows that role only that workspace's rows, so a query that forgot its
-- workspace filter finds nothing of another workspace. A transaction without the
-- setting sees nothing at all. The tables' owner (the services' own login, which runs
-- the migrations and answers platform callers) is not subject to these policies.
--
-- Roles belong to the whole cluster: the role is made once (several databases of one
-- cluster may migrate at the same moment). Where the migrating login may not create
-- roles, an administrator creates it first: CREATE ROLE adsync_workspace_reader NOLOGIN.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'adsync_workspace_reader') THEN
        BEGIN
            CREATE ROLE adsync_workspace_reader NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
    -- The services' login switches to it per transaction (SET LOCAL ROLE).
    IF NOT pg_has_role(current_user, 'adsync_workspace_reader', 'MEMBER') THEN
        EXECUTE format('GRANT adsync_workspace_reader TO %I', current_user);
    END IF;
END $$;

-- The workspace the current transaction reads for; NULL when it names none.
CREATE FUNCTION adsync_current_workspace() RETURNS BIGINT LANGUAGE sql STABLE AS
$$ SELECT nullif(current_setting('adsync.workspace_id', true), '')::bigint $$;

GRANT USAGE ON SCHEMA public, linkedin, amazon_ads, supplier_feed TO adsync_workspace_reader;
GRANT EXECUTE ON FUNCTION adsync_current_workspace() TO adsync_workspace_reader;

-- Ownership itself: accounts and suppliers carry their workspace.
GRANT SELECT ON sync_accounts TO adsync_workspace_reader;
ALTER TABLE sync_accounts ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_rows ON sync_accounts FOR SELECT TO adsync_workspace_reader
    USING (workspace_id = adsync_current_workspace());
GRANT SELECT ON supplier_feed.suppliers TO adsync_workspace_reader;
ALTER TABLE supplier_feed.suppliers ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_rows ON supplier_feed.suppliers FOR SELECT TO adsync_workspace_reader
    USING (workspace_id = adsync_current_workspace());

-- The run bookkeeping: rows of the workspace's accounts (those it can see).
GRANT SELECT ON sync_runs TO adsync_workspace_reader;
ALTER TABLE sync_runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_rows ON sync_runs FOR SELECT TO adsync_workspace_reader
    USING ((source, account_id) IN (SELECT a.source, a.account_id FROM sync_accounts a));
GRANT SELECT ON sync_events TO adsync_workspace_reader;
ALTER TABLE sync_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_rows ON sync_events FOR SELECT TO adsync_workspace_reader
    USING ((source, account_id) IN (SELECT a.source, a.account_id FROM sync_accounts a));
GRANT SELECT ON sync_errors TO adsync_workspace_reader;
ALTER TABLE sync_errors ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_rows ON sync_errors FOR SELECT TO adsync_workspace_reader
    USING ((source, account_id) IN (SELECT a.source, a.account_id FROM sync_accounts a));
GRANT SELECT ON account_row_counts TO adsync_workspace_reader;
ALTER TABLE account_row_counts ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_rows ON account_row_counts FOR SELECT TO adsync_workspace_reader
    USING ((source, account_id) IN (SELECT a.source, a.account_id FROM sync_accounts a));
GRANT SELECT ON upstream_jobs TO adsync_workspace_reader;
ALTER TABLE upstream_jobs ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_rows ON upstream_jobs FOR SELECT TO adsync_workspace_reader
    USING ((source, account_id) IN (SELECT a.source, a.account_id FROM sync_accounts a));

-- Each source's warehouse: rows of the workspace's accounts of that source.
GRANT SELECT ON linkedin.ad_accounts TO adsync_workspace_reader;
ALTER TABLE linkedin.ad_accounts ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_rows ON linkedin.ad_accounts FOR SELECT TO adsync_workspace_reader
    USING (id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'linkedin'));
GRANT SELECT ON linkedin.campaign_groups TO adsync_workspace_reader;
ALTER TABLE linkedin.campaign_groups ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_rows ON linkedin.campaign_groups FOR SELECT TO adsync_workspace_reader
    USING (account_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'linkedin'));
GRANT SELECT ON linkedin.campaigns TO adsync_workspace_reader;
ALTER TABLE linkedin.campaigns ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_rows ON linkedin.campaigns FOR SELECT TO adsync_workspace_reader
    USING (account_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'linkedin'));
GRANT SELECT ON linkedin.creatives TO adsync_workspace_reader;
ALTER TABLE linkedin.creatives ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_rows ON linkedin.creatives FOR SELECT TO adsync_workspace_reader
    USING (account_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'linkedin'));
GRANT SELECT ON linkedin.campaign_daily_metrics TO adsync_workspace_reader;
ALTER TABLE linkedin.campaign_daily_metrics ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_rows ON linkedin.campaign_daily_metrics FOR SELECT TO adsync_workspace_reader
    USING (account_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'linkedin'));
GRANT SELECT ON linkedin.campaign_monthly_metrics TO adsync_workspace_reader;
ALTER TABLE linkedin.campaign_monthly_metrics ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_rows ON linkedin.campaign_monthly_metrics FOR SELECT TO adsync_workspace_reader
    USING (account_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'linkedin'));
GRANT SELECT ON linkedin.creative_daily_metrics TO adsync_workspace_reader;
ALTER TABLE linkedin.creative_daily_metrics ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_rows ON linkedin.creative_daily_metrics FOR SELECT TO adsync_workspace_reader
    USING (account_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'linkedin'));
GRANT SELECT ON linkedin.audience_demographics TO adsync_workspace_reader;
ALTER TABLE linkedin.audience_demographics ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_rows ON linkedin.audience_demographics FOR SELECT TO adsync_workspace_reader
    USING (account_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'linkedin'));
GRANT SELECT ON amazon_ads.profiles TO adsync_workspace_reader;
ALTER TABLE amazon_ads.profiles ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_rows ON amazon_ads.profiles FOR SELECT TO adsync_workspace_reader
    USING (id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'amazon_ads'));
GRANT SELECT ON amazon_ads.campaigns TO adsync_workspace_reader;
ALTER TABLE amazon_ads.campaigns ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_rows ON amazon_ads.campaigns FOR SELECT TO adsync_workspace_reader
    USING (profile_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'amazon_ads'));
GRANT SELECT ON amazon_ads.ad_groups TO adsync_workspace_reader;
ALTER TABLE amazon_ads.ad_groups ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_rows ON amazon_ads.ad_groups FOR SELECT TO adsync_workspace_reader
    USING (profile_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'amazon_ads'));
GRANT SELECT ON amazon_ads.keywords TO adsync_workspace_reader;
ALTER TABLE amazon_ads.keywords ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_rows ON amazon_ads.keywords FOR SELECT TO adsync_workspace_reader
    USING (profile_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'amazon_ads'));
GRANT SELECT ON amazon_ads.negative_keywords TO adsync_workspace_reader;
ALTER TABLE amazon_ads.negative_keywords ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_rows ON amazon_ads.negative_keywords FOR SELECT TO adsync_workspace_reader
    USING (profile_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'amazon_ads'));
GRANT SELECT ON amazon_ads.targets TO adsync_workspace_reader;
ALTER TABLE amazon_ads.targets ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_rows ON amazon_ads.targets FOR SELECT TO adsync_workspace_reader
    USING (profile_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'amazon_ads'));
GRANT SELECT ON amazon_ads.product_ads TO adsync_workspace_reader;
ALTER TABLE amazon_ads.product_ads ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_rows ON amazon_ads.product_ads FOR SELECT TO adsync_workspace_reader
    USING (profile_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'amazon_ads'));
GRANT SELECT ON amazon_ads.campaign_daily_metrics TO adsync_workspace_reader;
ALTER TABLE amazon_ads.campaign_daily_metrics ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_rows ON amazon_ads.campaign_daily_metrics FOR SELECT TO adsync_workspace_reader
    USING (profile_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'amazon_ads'));
GRANT SELECT ON amazon_ads.targeting_daily_metrics TO adsync_workspace_reader;
ALTER TABLE amazon_ads.targeting_daily_metrics ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_rows ON amazon_ads.targeting_daily_metrics FOR SELECT TO adsync_workspace_reader
    USING (profile_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'amazon_ads'));
GRANT SELECT ON amazon_ads.search_term_daily_metrics TO adsync_workspace_reader;
ALTER TABLE amazon_ads.search_term_daily_metrics ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_rows ON amazon_ads.search_term_daily_metrics FOR SELECT TO adsync_workspace_reader
    USING (profile_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'amazon_ads'));
GRANT SELECT ON amazon_ads.product_ad_daily_metrics TO adsync_workspace_reader;
ALTER TABLE amazon_ads.product_ad_daily_metrics ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_rows ON amazon_ads.product_ad_daily_metrics FOR SELECT TO adsync_workspace_reader
    USING (profile_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'amazon_ads'));
GRANT SELECT ON supplier_feed.items TO adsync_workspace_reader;
ALTER TABLE supplier_feed.items ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_rows ON supplier_feed.items FOR SELECT TO adsync_workspace_reader
    USING (supplier_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'supplier_feed'));
GRANT SELECT ON supplier_feed.prices TO adsync_workspace_reader;
ALTER TABLE supplier_feed.prices ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_rows ON supplier_feed.prices FOR SELECT TO adsync_workspace_reader
    USING (supplier_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'supplier_feed'));
GRANT SELECT ON supplier_feed.uploads TO adsync_workspace_reader;
ALTER TABLE supplier_feed.uploads ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_rows ON supplier_feed.uploads FOR SELECT TO adsync_workspace_reader
    USING (supplier_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'supplier_feed'));

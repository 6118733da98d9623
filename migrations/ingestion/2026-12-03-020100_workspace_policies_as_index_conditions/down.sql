ALTER POLICY workspace_rows ON linkedin.ad_accounts
    USING (id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'linkedin'));
ALTER POLICY workspace_rows ON linkedin.campaign_groups
    USING (account_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'linkedin'));
ALTER POLICY workspace_rows ON linkedin.campaigns
    USING (account_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'linkedin'));
ALTER POLICY workspace_rows ON linkedin.creatives
    USING (account_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'linkedin'));
ALTER POLICY workspace_rows ON linkedin.campaign_daily_metrics
    USING (account_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'linkedin'));
ALTER POLICY workspace_rows ON linkedin.campaign_monthly_metrics
    USING (account_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'linkedin'));
ALTER POLICY workspace_rows ON linkedin.account_daily_metrics
    USING (account_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'linkedin'));
ALTER POLICY workspace_rows ON linkedin.creative_daily_metrics
    USING (account_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'linkedin'));
ALTER POLICY workspace_rows ON linkedin.audience_demographics
    USING (account_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'linkedin'));
ALTER POLICY workspace_rows ON amazon_ads.profiles
    USING (id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'amazon_ads'));
ALTER POLICY workspace_rows ON amazon_ads.campaigns
    USING (profile_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'amazon_ads'));
ALTER POLICY workspace_rows ON amazon_ads.ad_groups
    USING (profile_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'amazon_ads'));
ALTER POLICY workspace_rows ON amazon_ads.keywords
    USING (profile_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'amazon_ads'));
ALTER POLICY workspace_rows ON amazon_ads.negative_keywords
    USING (profile_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'amazon_ads'));
ALTER POLICY workspace_rows ON amazon_ads.targets
    USING (profile_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'amazon_ads'));
ALTER POLICY workspace_rows ON amazon_ads.product_ads
    USING (profile_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'amazon_ads'));
ALTER POLICY workspace_rows ON amazon_ads.campaign_daily_metrics
    USING (profile_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'amazon_ads'));
ALTER POLICY workspace_rows ON amazon_ads.targeting_daily_metrics
    USING (profile_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'amazon_ads'));
ALTER POLICY workspace_rows ON amazon_ads.search_term_daily_metrics
    USING (profile_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'amazon_ads'));
ALTER POLICY workspace_rows ON amazon_ads.product_ad_daily_metrics
    USING (profile_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'amazon_ads'));
ALTER POLICY workspace_rows ON supplier_feed.items
    USING (supplier_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'supplier_feed'));
ALTER POLICY workspace_rows ON supplier_feed.prices
    USING (supplier_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'supplier_feed'));
ALTER POLICY workspace_rows ON supplier_feed.uploads
    USING (supplier_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'supplier_feed'));

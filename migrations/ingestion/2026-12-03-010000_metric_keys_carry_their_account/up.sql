-- A workspace caller reads under row-level security, whose policies name each metric
-- row's account. With the account in the primary key's index beside the metrics, a
-- series or a summary read for such a caller stays an index-only scan; without it, every
-- row it reads visits the heap to check the policy (one heap page per day of a series).
ALTER TABLE linkedin.campaign_daily_metrics
    DROP CONSTRAINT campaign_daily_metrics_pkey,
    ADD CONSTRAINT campaign_daily_metrics_pkey PRIMARY KEY (campaign_id, date)
        INCLUDE (account_id, impressions, clicks, cost, landing_page_clicks,
                 external_website_conversions, one_click_leads, likes, comments, shares,
                 follows, opens, sends);

ALTER TABLE linkedin.creative_daily_metrics
    DROP CONSTRAINT creative_daily_metrics_pkey,
    ADD CONSTRAINT creative_daily_metrics_pkey PRIMARY KEY (creative_id, date)
        INCLUDE (account_id, impressions, clicks, cost, landing_page_clicks,
                 external_website_conversions, one_click_leads, likes, comments, shares,
                 follows, opens, sends);

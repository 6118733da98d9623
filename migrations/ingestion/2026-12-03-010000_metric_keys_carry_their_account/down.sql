ALTER TABLE linkedin.creative_daily_metrics
    DROP CONSTRAINT creative_daily_metrics_pkey,
    ADD CONSTRAINT creative_daily_metrics_pkey PRIMARY KEY (creative_id, date)
        INCLUDE (impressions, clicks, cost, landing_page_clicks, external_website_conversions,
                 one_click_leads, likes, comments, shares, follows, opens, sends);

ALTER TABLE linkedin.campaign_daily_metrics
    DROP CONSTRAINT campaign_daily_metrics_pkey,
    ADD CONSTRAINT campaign_daily_metrics_pkey PRIMARY KEY (campaign_id, date)
        INCLUDE (impressions, clicks, cost, landing_page_clicks, external_website_conversions,
                 one_click_leads, likes, comments, shares, follows, opens, sends);

-- A series reads one campaign's (or creative's) days in order. With every metric in the
-- primary key's index, that read is an index-only scan of a few adjacent index pages
-- instead of one heap page per day (a day's rows of all campaigns are written together,
-- so one campaign's days are scattered over the heap). The key is unchanged.
ALTER TABLE campaign_daily_metrics
    DROP CONSTRAINT campaign_daily_metrics_pkey,
    ADD CONSTRAINT campaign_daily_metrics_pkey PRIMARY KEY (campaign_id, date)
        INCLUDE (impressions, clicks, cost, landing_page_clicks, external_website_conversions,
                 one_click_leads, likes, comments, shares, follows, opens, sends);

ALTER TABLE creative_daily_metrics
    DROP CONSTRAINT creative_daily_metrics_pkey,
    ADD CONSTRAINT creative_daily_metrics_pkey PRIMARY KEY (creative_id, date)
        INCLUDE (impressions, clicks, cost, landing_page_clicks, external_website_conversions,
                 one_click_leads, likes, comments, shares, follows, opens, sends);

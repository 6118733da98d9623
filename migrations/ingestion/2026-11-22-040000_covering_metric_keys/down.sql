ALTER TABLE creative_daily_metrics
    DROP CONSTRAINT creative_daily_metrics_pkey,
    ADD CONSTRAINT creative_daily_metrics_pkey PRIMARY KEY (creative_id, date);

ALTER TABLE campaign_daily_metrics
    DROP CONSTRAINT campaign_daily_metrics_pkey,
    ADD CONSTRAINT campaign_daily_metrics_pkey PRIMARY KEY (campaign_id, date);

-- GetAccountSummary answers an account's totals over a range, its top campaigns by cost
-- and how many campaigns delivered. Summing every metric of every campaign's days (a
-- 30-day summary of 500 campaigns: over 11,000 rows, twelve sums each) was most of its
-- cost. Two things make it cheap:
--
-- * Each account's metrics per day, summed over its campaigns: the totals of a range
--   are then one row a day. Statement triggers on campaign_daily_metrics apply each
--   change as a difference, as for the months, so a day is always exactly the sum of its
--   stored campaign rows, whatever writes them.
-- * The (account, date) index carries each row's campaign, impressions and cost: the
--   ranking (cost and impressions per campaign over the range) is then one index-only
--   range scan, not one descent of the primary key per campaign.
CREATE TABLE linkedin.account_daily_metrics (
    account_id                    BIGINT NOT NULL,
    date                          DATE NOT NULL,
    -- How many campaign rows are summed here; the row goes when the last one does.
    campaigns                     BIGINT NOT NULL,
    impressions                   BIGINT NOT NULL,
    clicks                        BIGINT NOT NULL,
    cost                          NUMERIC NOT NULL,
    landing_page_clicks           BIGINT NOT NULL,
    external_website_conversions  BIGINT NOT NULL,
    one_click_leads               BIGINT NOT NULL,
    likes                         BIGINT NOT NULL,
    comments                      BIGINT NOT NULL,
    shares                        BIGINT NOT NULL,
    follows                       BIGINT NOT NULL,
    opens                         BIGINT NOT NULL,
    sends                         BIGINT NOT NULL,
    PRIMARY KEY (account_id, date)
);

COMMENT ON TABLE linkedin.account_daily_metrics IS
    'Sums of campaign_daily_metrics per account and day, kept exact by linkedin.roll_up_account_days().';

-- Each statement's change is added to the days it touched: + each row it wrote, - each
-- row it replaced or deleted (the months' roll-up, per account and day).
CREATE FUNCTION linkedin.roll_up_account_days() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    plus TEXT := 'SELECT account_id, date, 1 AS campaigns,
        impressions, clicks, cost, landing_page_clicks,
        external_website_conversions, one_click_leads, likes, comments,
        shares, follows, opens, sends FROM new_rows';
    minus TEXT := 'SELECT account_id, date, -1 AS campaigns,
        -impressions AS impressions, -clicks AS clicks, -cost AS cost,
        -landing_page_clicks AS landing_page_clicks,
        -external_website_conversions AS external_website_conversions,
        -one_click_leads AS one_click_leads, -likes AS likes, -comments AS comments,
        -shares AS shares, -follows AS follows, -opens AS opens, -sends AS sends
        FROM old_rows';
    changed TEXT := CASE TG_OP
        WHEN 'INSERT' THEN plus
        WHEN 'DELETE' THEN minus
        ELSE plus || ' UNION ALL ' || minus
    END;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM linkedin.account_daily_metrics;
        RETURN NULL;
    END IF;
    EXECUTE format($sql$
        INSERT INTO linkedin.account_daily_metrics AS r (account_id, date, campaigns,
            impressions, clicks, cost, landing_page_clicks,
            external_website_conversions, one_click_leads, likes, comments,
            shares, follows, opens, sends)
        SELECT account_id, date, sum(campaigns),
               sum(impressions), sum(clicks), sum(cost), sum(landing_page_clicks),
               sum(external_website_conversions), sum(one_click_leads), sum(likes), sum(comments),
               sum(shares), sum(follows), sum(opens), sum(sends)
        FROM (%s) changed
        GROUP BY 1, 2
        ON CONFLICT (account_id, date) DO UPDATE SET
            campaigns = r.campaigns + EXCLUDED.campaigns,
            impressions = r.impressions + EXCLUDED.impressions,
            clicks = r.clicks + EXCLUDED.clicks,
            cost = r.cost + EXCLUDED.cost,
            landing_page_clicks = r.landing_page_clicks + EXCLUDED.landing_page_clicks,
            external_website_conversions =
                r.external_website_conversions + EXCLUDED.external_website_conversions,
            one_click_leads = r.one_click_leads + EXCLUDED.one_click_leads,
            likes = r.likes + EXCLUDED.likes,
            comments = r.comments + EXCLUDED.comments,
            shares = r.shares + EXCLUDED.shares,
            follows = r.follows + EXCLUDED.follows,
            opens = r.opens + EXCLUDED.opens,
            sends = r.sends + EXCLUDED.sends
    $sql$, changed);
    IF TG_OP <> 'INSERT' THEN
        -- Days whose last stored campaign row went.
        DELETE FROM linkedin.account_daily_metrics r
        USING (SELECT DISTINCT account_id, date FROM old_rows) o
        WHERE r.campaigns = 0 AND (r.account_id, r.date) = (o.account_id, o.date);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER account_days_roll_up_inserts AFTER INSERT ON linkedin.campaign_daily_metrics
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION linkedin.roll_up_account_days();
CREATE TRIGGER account_days_roll_up_deletes AFTER DELETE ON linkedin.campaign_daily_metrics
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION linkedin.roll_up_account_days();
CREATE TRIGGER account_days_roll_up_updates AFTER UPDATE ON linkedin.campaign_daily_metrics
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION linkedin.roll_up_account_days();
CREATE TRIGGER account_days_roll_up_truncates AFTER TRUNCATE ON linkedin.campaign_daily_metrics
    FOR EACH STATEMENT EXECUTE FUNCTION linkedin.roll_up_account_days();

-- The days stored so far (the triggers above already hold writers off until commit).
INSERT INTO linkedin.account_daily_metrics (account_id, date, campaigns,
    impressions, clicks, cost, landing_page_clicks,
    external_website_conversions, one_click_leads, likes, comments,
    shares, follows, opens, sends)
SELECT account_id, date, count(*),
       sum(impressions), sum(clicks), sum(cost), sum(landing_page_clicks),
       sum(external_website_conversions), sum(one_click_leads), sum(likes), sum(comments),
       sum(shares), sum(follows), sum(opens), sum(sends)
FROM linkedin.campaign_daily_metrics
GROUP BY 1, 2;

DROP INDEX linkedin.campaign_daily_metrics_account_date;
CREATE INDEX campaign_daily_metrics_account_date ON linkedin.campaign_daily_metrics (account_id, date)
    INCLUDE (campaign_id, impressions, cost);

-- A workspace caller sees its own accounts' days, as every other warehouse table.
GRANT SELECT ON linkedin.account_daily_metrics TO adsync_workspace_reader;
ALTER TABLE linkedin.account_daily_metrics ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_rows ON linkedin.account_daily_metrics FOR SELECT TO adsync_workspace_reader
    USING (account_id IN (SELECT a.account_id FROM sync_accounts a WHERE a.source = 'linkedin'));

-- Each campaign's metrics per calendar month, for GetAccountSummary: a year of an
-- account is then twelve rows per campaign instead of 365, plus the days of the two
-- months the range cuts. Statement triggers on campaign_daily_metrics apply each change
-- as a difference, so a month is always exactly the sum of its stored days, whatever
-- writes them (a sync, a restated day, an operator's DELETE).
CREATE TABLE campaign_monthly_metrics (
    account_id                    BIGINT NOT NULL,
    -- The month's first day.
    month                         DATE NOT NULL,
    campaign_id                   BIGINT NOT NULL,
    -- How many daily rows are summed here; the row goes when the last one does.
    days                          BIGINT NOT NULL,
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
    -- An account's months in order: the summary reads a range of them.
    PRIMARY KEY (account_id, month, campaign_id)
);
-- A campaign's months in order: a MONTH series reads a range of them.
CREATE INDEX campaign_monthly_metrics_campaign ON campaign_monthly_metrics (campaign_id, month);

COMMENT ON TABLE campaign_monthly_metrics IS
    'Sums of campaign_daily_metrics per calendar month, kept exact by roll_up_campaign_months().';

-- Each statement's change is added to the months it touched: + each row it wrote,
-- - each row it replaced or deleted. A trigger sees only its own event's transition
-- tables, so the signed rows are named per event and the one upsert runs dynamically.
CREATE FUNCTION roll_up_campaign_months() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    plus TEXT := 'SELECT account_id, date, campaign_id, 1 AS days,
        impressions, clicks, cost, landing_page_clicks,
        external_website_conversions, one_click_leads, likes, comments,
        shares, follows, opens, sends FROM new_rows';
    minus TEXT := 'SELECT account_id, date, campaign_id, -1 AS days,
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
        DELETE FROM campaign_monthly_metrics;
        RETURN NULL;
    END IF;
    EXECUTE format($sql$
        INSERT INTO campaign_monthly_metrics AS r (account_id, month, campaign_id, days,
            impressions, clicks, cost, landing_page_clicks,
            external_website_conversions, one_click_leads, likes, comments,
            shares, follows, opens, sends)
        SELECT account_id, date_trunc('month', date::timestamp)::date, campaign_id, sum(days),
               sum(impressions), sum(clicks), sum(cost), sum(landing_page_clicks),
               sum(external_website_conversions), sum(one_click_leads), sum(likes), sum(comments),
               sum(shares), sum(follows), sum(opens), sum(sends)
        FROM (%s) changed
        GROUP BY 1, 2, 3
        ON CONFLICT (account_id, month, campaign_id) DO UPDATE SET
            days = r.days + EXCLUDED.days,
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
        -- Months whose last stored day went.
        DELETE FROM campaign_monthly_metrics r
        USING (SELECT DISTINCT account_id, date_trunc('month', date::timestamp)::date AS month,
                      campaign_id
               FROM old_rows) o
        WHERE r.days = 0
          AND (r.account_id, r.month, r.campaign_id) = (o.account_id, o.month, o.campaign_id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER campaign_daily_metrics_roll_up_inserts AFTER INSERT ON campaign_daily_metrics
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION roll_up_campaign_months();
CREATE TRIGGER campaign_daily_metrics_roll_up_deletes AFTER DELETE ON campaign_daily_metrics
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION roll_up_campaign_months();
CREATE TRIGGER campaign_daily_metrics_roll_up_updates AFTER UPDATE ON campaign_daily_metrics
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION roll_up_campaign_months();
CREATE TRIGGER campaign_daily_metrics_roll_up_truncates AFTER TRUNCATE ON campaign_daily_metrics
    FOR EACH STATEMENT EXECUTE FUNCTION roll_up_campaign_months();

-- The days stored so far (the triggers above already hold writers off until commit).
INSERT INTO campaign_monthly_metrics (account_id, month, campaign_id, days,
    impressions, clicks, cost, landing_page_clicks,
    external_website_conversions, one_click_leads, likes, comments,
    shares, follows, opens, sends)
SELECT account_id, date_trunc('month', date::timestamp)::date, campaign_id, count(*),
       sum(impressions), sum(clicks), sum(cost), sum(landing_page_clicks),
       sum(external_website_conversions), sum(one_click_leads), sum(likes), sum(comments),
       sum(shares), sum(follows), sum(opens), sum(sends)
FROM campaign_daily_metrics
GROUP BY 1, 2, 3;

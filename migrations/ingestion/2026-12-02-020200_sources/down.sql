-- Back to one source: rows of any other source cannot be represented and go first.
DELETE FROM sync_errors WHERE source <> 'linkedin';
DELETE FROM sync_events WHERE source <> 'linkedin';
DELETE FROM sync_runs WHERE source <> 'linkedin';
DELETE FROM sync_accounts WHERE source <> 'linkedin';
DELETE FROM account_row_counts WHERE source <> 'linkedin';

DO $$
DECLARE
    t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY['campaign_groups', 'campaigns', 'creatives',
                             'campaign_daily_metrics', 'creative_daily_metrics',
                             'audience_demographics'] LOOP
        EXECUTE format('DROP TRIGGER %1$s_count_inserts ON linkedin.%1$I', t);
        EXECUTE format('DROP TRIGGER %1$s_count_deletes ON linkedin.%1$I', t);
        EXECUTE format('DROP TRIGGER %1$s_count_updates ON linkedin.%1$I', t);
        EXECUTE format('DROP TRIGGER %1$s_count_truncates ON linkedin.%1$I', t);
        EXECUTE format('CREATE TRIGGER %1$s_count_inserts AFTER INSERT ON linkedin.%1$I '
                       'REFERENCING NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION count_account_rows()', t);
        EXECUTE format('CREATE TRIGGER %1$s_count_deletes AFTER DELETE ON linkedin.%1$I '
                       'REFERENCING OLD TABLE AS old_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION count_account_rows()', t);
        EXECUTE format('CREATE TRIGGER %1$s_count_updates AFTER UPDATE ON linkedin.%1$I '
                       'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION count_account_rows()', t);
        EXECUTE format('CREATE TRIGGER %1$s_count_truncates AFTER TRUNCATE ON linkedin.%1$I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION count_account_rows()', t);
    END LOOP;
END $$;

ALTER TABLE account_row_counts DROP CONSTRAINT account_row_counts_pkey;
ALTER TABLE account_row_counts DROP COLUMN source;
ALTER TABLE account_row_counts ADD PRIMARY KEY (account_id, table_name);

CREATE OR REPLACE FUNCTION count_account_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO account_row_counts AS c (account_id, table_name, row_count)
        SELECT account_id, TG_TABLE_NAME, count(*) FROM new_rows GROUP BY account_id
        ON CONFLICT (account_id, table_name)
            DO UPDATE SET row_count = c.row_count + EXCLUDED.row_count;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE account_row_counts c SET row_count = c.row_count - d.n
        FROM (SELECT account_id, count(*) AS n FROM old_rows GROUP BY account_id) d
        WHERE c.account_id = d.account_id AND c.table_name = TG_TABLE_NAME;
    ELSIF TG_OP = 'UPDATE' THEN
        -- Only rows moved to another account change a count: down for the accounts
        -- they left (an UPDATE: a negative count would fail the check as an INSERT),
        -- up for the ones they joined.
        WITH moved AS (
            SELECT account_id, sum(n) AS n
            FROM (SELECT account_id, 1 AS n FROM new_rows
                  UNION ALL SELECT account_id, -1 FROM old_rows) changed
            GROUP BY account_id HAVING sum(n) <> 0
        ), left_behind AS (
            UPDATE account_row_counts c SET row_count = c.row_count + m.n
            FROM moved m
            WHERE m.n < 0 AND c.account_id = m.account_id AND c.table_name = TG_TABLE_NAME
        )
        INSERT INTO account_row_counts AS c (account_id, table_name, row_count)
        SELECT account_id, TG_TABLE_NAME, n FROM moved WHERE n > 0
        ON CONFLICT (account_id, table_name)
            DO UPDATE SET row_count = c.row_count + EXCLUDED.row_count;
    ELSE
        DELETE FROM account_row_counts WHERE table_name = TG_TABLE_NAME;
    END IF;
    RETURN NULL;
END $$;

DROP INDEX sync_errors_account_id;
ALTER TABLE sync_errors DROP COLUMN source;
CREATE INDEX sync_errors_account_id ON sync_errors (account_id, id);

DROP INDEX sync_events_account_id;
ALTER TABLE sync_events DROP COLUMN source;
CREATE INDEX sync_events_account_id ON sync_events (account_id, id);

DROP INDEX sync_runs_running;
DROP INDEX sync_runs_last_success;
DROP INDEX sync_runs_account_created;
DROP INDEX sync_runs_one_running_per_account;
ALTER TABLE sync_runs DROP COLUMN owner;
ALTER TABLE sync_runs DROP COLUMN source;
CREATE UNIQUE INDEX sync_runs_one_running_per_account ON sync_runs (account_id) WHERE status = 'running';
CREATE INDEX sync_runs_account_created ON sync_runs (account_id, created_at DESC, id DESC);
CREATE INDEX sync_runs_last_success ON sync_runs (account_id, finished_at DESC)
    WHERE status IN ('success', 'partial');

ALTER TABLE sync_accounts DROP CONSTRAINT sync_accounts_pkey;
ALTER TABLE sync_accounts DROP COLUMN source;
ALTER TABLE sync_accounts ADD PRIMARY KEY (account_id);

ALTER FUNCTION linkedin.roll_up_campaign_months() SET SCHEMA public;
CREATE OR REPLACE FUNCTION roll_up_campaign_months() RETURNS trigger LANGUAGE plpgsql AS $$
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

ALTER TABLE linkedin.campaign_monthly_metrics SET SCHEMA public;
ALTER TABLE linkedin.audience_demographics SET SCHEMA public;
ALTER TABLE linkedin.creative_daily_metrics SET SCHEMA public;
ALTER TABLE linkedin.campaign_daily_metrics SET SCHEMA public;
ALTER TABLE linkedin.creatives SET SCHEMA public;
ALTER TABLE linkedin.campaigns SET SCHEMA public;
ALTER TABLE linkedin.campaign_groups SET SCHEMA public;
ALTER TABLE linkedin.ad_accounts SET SCHEMA public;
DROP SCHEMA linkedin;

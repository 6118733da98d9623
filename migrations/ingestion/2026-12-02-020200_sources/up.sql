-- Sources. adsync syncs several upstreams (sources), so everything it syncs is identified
-- by (source, upstream account id), and each source's warehouse tables live in a
-- PostgreSQL schema of their own: the LinkedIn tables move to `linkedin`, with their
-- rows, indexes and triggers. The run bookkeeping (`sync_*`) stays in `public`, shared by
-- every source. Existing rows are LinkedIn's.

CREATE SCHEMA linkedin;
COMMENT ON SCHEMA linkedin IS 'LinkedIn Ads as synced by adsync (source "linkedin").';

ALTER TABLE ad_accounts SET SCHEMA linkedin;
ALTER TABLE campaign_groups SET SCHEMA linkedin;
ALTER TABLE campaigns SET SCHEMA linkedin;
ALTER TABLE creatives SET SCHEMA linkedin;
ALTER TABLE campaign_daily_metrics SET SCHEMA linkedin;
ALTER TABLE creative_daily_metrics SET SCHEMA linkedin;
ALTER TABLE audience_demographics SET SCHEMA linkedin;
ALTER TABLE campaign_monthly_metrics SET SCHEMA linkedin;

-- The monthly roll-up belongs to the LinkedIn tables; its body names its table in full,
-- so it works whatever the session's search_path.
ALTER FUNCTION roll_up_campaign_months() SET SCHEMA linkedin;
CREATE OR REPLACE FUNCTION linkedin.roll_up_campaign_months() RETURNS trigger LANGUAGE plpgsql AS $$
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
        DELETE FROM linkedin.campaign_monthly_metrics;
        RETURN NULL;
    END IF;
    EXECUTE format($sql$
        INSERT INTO linkedin.campaign_monthly_metrics AS r (account_id, month, campaign_id, days,
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
        DELETE FROM linkedin.campaign_monthly_metrics r
        USING (SELECT DISTINCT account_id, date_trunc('month', date::timestamp)::date AS month,
                      campaign_id
               FROM old_rows) o
        WHERE r.days = 0
          AND (r.account_id, r.month, r.campaign_id) = (o.account_id, o.month, o.campaign_id);
    END IF;
    RETURN NULL;
END $$;

-- The run bookkeeping, keyed by source. A column added with a constant default fills
-- existing rows without rewriting the table.
ALTER TABLE sync_accounts ADD COLUMN source TEXT NOT NULL DEFAULT 'linkedin';
ALTER TABLE sync_accounts ALTER COLUMN source DROP DEFAULT;
ALTER TABLE sync_accounts DROP CONSTRAINT sync_accounts_pkey;
ALTER TABLE sync_accounts ADD PRIMARY KEY (source, account_id);
COMMENT ON COLUMN sync_accounts.source IS 'The upstream (e.g. linkedin); account_id is that upstream''s own id.';

ALTER TABLE sync_runs ADD COLUMN source TEXT NOT NULL DEFAULT 'linkedin';
ALTER TABLE sync_runs ALTER COLUMN source DROP DEFAULT;
-- The ingestion process running the run: it holds the session advisory lock
-- (class 1937337939, owner) while it lives, so any replica can tell a run whose process
-- died at once, without waiting for a heartbeat to age. NULL: no process (skipped runs,
-- and runs from before owners were recorded).
ALTER TABLE sync_runs ADD COLUMN owner INTEGER;
DROP INDEX sync_runs_one_running_per_account;
CREATE UNIQUE INDEX sync_runs_one_running_per_account ON sync_runs (source, account_id)
    WHERE status = 'running';
DROP INDEX sync_runs_account_created;
CREATE INDEX sync_runs_account_created ON sync_runs (source, account_id, created_at DESC, id DESC);
DROP INDEX sync_runs_last_success;
CREATE INDEX sync_runs_last_success ON sync_runs (source, account_id, finished_at DESC)
    WHERE status IN ('success', 'partial');
CREATE INDEX sync_runs_running ON sync_runs (owner) WHERE status = 'running';

ALTER TABLE sync_events ADD COLUMN source TEXT NOT NULL DEFAULT 'linkedin';
ALTER TABLE sync_events ALTER COLUMN source DROP DEFAULT;
DROP INDEX sync_events_account_id;
CREATE INDEX sync_events_account_id ON sync_events (source, account_id, id);

ALTER TABLE sync_errors ADD COLUMN source TEXT NOT NULL DEFAULT 'linkedin';
ALTER TABLE sync_errors ALTER COLUMN source DROP DEFAULT;
DROP INDEX sync_errors_account_id;
CREATE INDEX sync_errors_account_id ON sync_errors (source, account_id, id);

-- Row counts per (source, account, table). A source's tables pass their source to the
-- trigger function; sync_errors, shared by every source, is counted by each row's own.
ALTER TABLE account_row_counts ADD COLUMN source TEXT NOT NULL DEFAULT 'linkedin';
ALTER TABLE account_row_counts ALTER COLUMN source DROP DEFAULT;
ALTER TABLE account_row_counts DROP CONSTRAINT account_row_counts_pkey;
ALTER TABLE account_row_counts ADD PRIMARY KEY (source, account_id, table_name);

CREATE OR REPLACE FUNCTION count_account_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    -- The rows' source: the trigger's argument, else each row's `source` column.
    src TEXT := CASE WHEN TG_NARGS > 0 THEN quote_literal(TG_ARGV[0]) ELSE 'source' END;
BEGIN
    IF TG_OP = 'INSERT' THEN
        EXECUTE format($q$
            INSERT INTO public.account_row_counts AS c (source, account_id, table_name, row_count)
            SELECT %s, account_id, %L, count(*) FROM new_rows GROUP BY 1, 2
            ON CONFLICT (source, account_id, table_name)
                DO UPDATE SET row_count = c.row_count + EXCLUDED.row_count
        $q$, src, TG_TABLE_NAME);
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE format($q$
            UPDATE public.account_row_counts c SET row_count = c.row_count - d.n
            FROM (SELECT %s AS source, account_id, count(*) AS n FROM old_rows GROUP BY 1, 2) d
            WHERE (c.source, c.account_id, c.table_name) = (d.source, d.account_id, %L)
        $q$, src, TG_TABLE_NAME);
    ELSIF TG_OP = 'UPDATE' THEN
        -- Only rows moved to another account change a count: down for the accounts
        -- they left (an UPDATE: a negative count would fail the check as an INSERT),
        -- up for the ones they joined.
        EXECUTE format($q$
            WITH moved AS (
                SELECT source, account_id, sum(n) AS n
                FROM (SELECT %1$s AS source, account_id, 1 AS n FROM new_rows
                      UNION ALL SELECT %1$s, account_id, -1 FROM old_rows) changed
                GROUP BY 1, 2 HAVING sum(n) <> 0
            ), left_behind AS (
                UPDATE public.account_row_counts c SET row_count = c.row_count + m.n
                FROM moved m
                WHERE m.n < 0 AND (c.source, c.account_id, c.table_name) = (m.source, m.account_id, %2$L)
            )
            INSERT INTO public.account_row_counts AS c (source, account_id, table_name, row_count)
            SELECT source, account_id, %2$L, n FROM moved WHERE n > 0
            ON CONFLICT (source, account_id, table_name)
                DO UPDATE SET row_count = c.row_count + EXCLUDED.row_count
        $q$, src, TG_TABLE_NAME);
    ELSIF TG_NARGS > 0 THEN
        DELETE FROM public.account_row_counts
        WHERE source = TG_ARGV[0] AND table_name = TG_TABLE_NAME;
    ELSE
        DELETE FROM public.account_row_counts WHERE table_name = TG_TABLE_NAME;
    END IF;
    RETURN NULL;
END $$;

-- The LinkedIn tables' count triggers now say their source.
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
                       'FOR EACH STATEMENT EXECUTE FUNCTION count_account_rows(''linkedin'')', t);
        EXECUTE format('CREATE TRIGGER %1$s_count_deletes AFTER DELETE ON linkedin.%1$I '
                       'REFERENCING OLD TABLE AS old_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION count_account_rows(''linkedin'')', t);
        EXECUTE format('CREATE TRIGGER %1$s_count_updates AFTER UPDATE ON linkedin.%1$I '
                       'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION count_account_rows(''linkedin'')', t);
        EXECUTE format('CREATE TRIGGER %1$s_count_truncates AFTER TRUNCATE ON linkedin.%1$I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION count_account_rows(''linkedin'')', t);
    END LOOP;
END $$;

-- Amazon Ads Sponsored Products (source "amazon_ads"). An account is an advertising
-- profile (profileId); every table carries it as `profile_id`. Ids are Amazon's (strings
-- of digits in the entity lists, numbers in reports), stored as BIGINT. Money is NUMERIC,
-- exact as Amazon writes it. Daily metric keys carry every grain id and the report's
-- `date` (the day, in the profile's time zone), never a slice's end date.

-- The day an account's "today" is in: a sync's window ends the day before it.
ALTER TABLE sync_accounts ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
COMMENT ON COLUMN sync_accounts.time_zone IS 'IANA time zone the source reports days in (UTC for LinkedIn, the profile''s for Amazon Ads).';

CREATE SCHEMA amazon_ads;
COMMENT ON SCHEMA amazon_ads IS 'Amazon Ads Sponsored Products as synced by adsync (source "amazon_ads").';

CREATE TABLE amazon_ads.profiles (
    id                      BIGINT PRIMARY KEY,
    region                  TEXT NOT NULL CHECK (region IN ('na', 'eu', 'fe')),
    country_code            TEXT NOT NULL,
    currency_code           TEXT NOT NULL,
    time_zone               TEXT NOT NULL,
    marketplace_id          TEXT NOT NULL,
    account_id              TEXT NOT NULL,
    account_type            TEXT NOT NULL,
    account_name            TEXT NOT NULL,
    created_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    fetched_at              TIMESTAMPTZ NOT NULL DEFAULT now()
);
COMMENT ON COLUMN amazon_ads.profiles.account_type IS 'seller, vendor or agency.';

CREATE TABLE amazon_ads.campaigns (
    id                      BIGINT PRIMARY KEY,
    profile_id              BIGINT NOT NULL REFERENCES amazon_ads.profiles (id),
    name                    TEXT NOT NULL,
    state                   TEXT NOT NULL,
    targeting_type          TEXT,
    budget                  NUMERIC,
    budget_type             TEXT,
    bidding_strategy        TEXT,
    top_of_search_percentage INTEGER,
    portfolio_id            BIGINT,
    start_date              DATE,
    end_date                DATE,
    created_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    fetched_at              TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX campaigns_profile ON amazon_ads.campaigns (profile_id);

CREATE TABLE amazon_ads.ad_groups (
    id                      BIGINT PRIMARY KEY,
    profile_id              BIGINT NOT NULL,
    campaign_id             BIGINT NOT NULL REFERENCES amazon_ads.campaigns (id),
    name                    TEXT NOT NULL,
    state                   TEXT NOT NULL,
    default_bid             NUMERIC,
    created_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    fetched_at              TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ad_groups_profile ON amazon_ads.ad_groups (profile_id);

CREATE TABLE amazon_ads.keywords (
    id                      BIGINT PRIMARY KEY,
    profile_id              BIGINT NOT NULL,
    campaign_id             BIGINT NOT NULL,
    ad_group_id             BIGINT NOT NULL REFERENCES amazon_ads.ad_groups (id),
    keyword_text            TEXT NOT NULL,
    match_type              TEXT NOT NULL,
    state                   TEXT NOT NULL,
    bid                     NUMERIC,
    created_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    fetched_at              TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX keywords_profile ON amazon_ads.keywords (profile_id);
COMMENT ON COLUMN amazon_ads.keywords.bid IS 'NULL: the ad group''s default bid applies.';

CREATE TABLE amazon_ads.negative_keywords (
    id                      BIGINT PRIMARY KEY,
    profile_id              BIGINT NOT NULL,
    campaign_id             BIGINT NOT NULL,
    ad_group_id             BIGINT NOT NULL REFERENCES amazon_ads.ad_groups (id),
    keyword_text            TEXT NOT NULL,
    match_type              TEXT NOT NULL,
    state                   TEXT NOT NULL,
    created_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    fetched_at              TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX negative_keywords_profile ON amazon_ads.negative_keywords (profile_id);

CREATE TABLE amazon_ads.targets (
    id                      BIGINT PRIMARY KEY,
    profile_id              BIGINT NOT NULL,
    campaign_id             BIGINT NOT NULL,
    ad_group_id             BIGINT NOT NULL REFERENCES amazon_ads.ad_groups (id),
    expression_type         TEXT NOT NULL,
    expression              JSONB NOT NULL,
    resolved_expression     JSONB,
    state                   TEXT NOT NULL,
    bid                     NUMERIC,
    created_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    fetched_at              TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX targets_profile ON amazon_ads.targets (profile_id);

CREATE TABLE amazon_ads.product_ads (
    id                      BIGINT PRIMARY KEY,
    profile_id              BIGINT NOT NULL,
    campaign_id             BIGINT NOT NULL,
    ad_group_id             BIGINT NOT NULL REFERENCES amazon_ads.ad_groups (id),
    asin                    TEXT,
    sku                     TEXT,
    state                   TEXT NOT NULL,
    created_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    fetched_at              TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX product_ads_profile ON amazon_ads.product_ads (profile_id);

-- The daily metrics of the four reports. Only the counts and amounts Amazon reports are
-- stored; ratios (CTR, CPC, ACOS, ROAS) are derived from them when read. The merge
-- stores a row only when its campaign is stored for the same profile.
CREATE TABLE amazon_ads.campaign_daily_metrics (
    profile_id              BIGINT NOT NULL,
    campaign_id             BIGINT NOT NULL,
    date                    DATE NOT NULL,
    impressions             BIGINT NOT NULL,
    clicks                  BIGINT NOT NULL,
    cost                    NUMERIC NOT NULL,
    purchases_1d            BIGINT NOT NULL,
    purchases_7d            BIGINT NOT NULL,
    purchases_14d           BIGINT NOT NULL,
    purchases_30d           BIGINT NOT NULL,
    sales_1d                NUMERIC NOT NULL,
    sales_7d                NUMERIC NOT NULL,
    sales_14d               NUMERIC NOT NULL,
    sales_30d               NUMERIC NOT NULL,
    units_sold_clicks_1d    BIGINT NOT NULL,
    units_sold_clicks_7d    BIGINT NOT NULL,
    units_sold_clicks_14d   BIGINT NOT NULL,
    units_sold_clicks_30d   BIGINT NOT NULL,
    created_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    fetched_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (profile_id, campaign_id, date)
);

CREATE TABLE amazon_ads.targeting_daily_metrics (
    profile_id              BIGINT NOT NULL,
    campaign_id             BIGINT NOT NULL,
    ad_group_id             BIGINT NOT NULL,
    targeting_id            BIGINT NOT NULL,
    date                    DATE NOT NULL,
    targeting               TEXT,
    keyword_type            TEXT,
    impressions             BIGINT NOT NULL,
    clicks                  BIGINT NOT NULL,
    cost                    NUMERIC NOT NULL,
    purchases_1d            BIGINT NOT NULL,
    purchases_7d            BIGINT NOT NULL,
    purchases_14d           BIGINT NOT NULL,
    purchases_30d           BIGINT NOT NULL,
    sales_1d                NUMERIC NOT NULL,
    sales_7d                NUMERIC NOT NULL,
    sales_14d               NUMERIC NOT NULL,
    sales_30d               NUMERIC NOT NULL,
    units_sold_clicks_1d    BIGINT NOT NULL,
    units_sold_clicks_7d    BIGINT NOT NULL,
    units_sold_clicks_14d   BIGINT NOT NULL,
    units_sold_clicks_30d   BIGINT NOT NULL,
    created_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    fetched_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (profile_id, campaign_id, ad_group_id, targeting_id, date)
);
COMMENT ON COLUMN amazon_ads.targeting_daily_metrics.targeting_id IS 'A keyword id (amazon_ads.keywords) or a target id (amazon_ads.targets): the report''s keywordId.';

CREATE TABLE amazon_ads.search_term_daily_metrics (
    profile_id              BIGINT NOT NULL,
    campaign_id             BIGINT NOT NULL,
    ad_group_id             BIGINT NOT NULL,
    targeting_id            BIGINT NOT NULL,
    search_term             TEXT NOT NULL,
    date                    DATE NOT NULL,
    keyword_type            TEXT,
    impressions             BIGINT NOT NULL,
    clicks                  BIGINT NOT NULL,
    cost                    NUMERIC NOT NULL,
    purchases_1d            BIGINT NOT NULL,
    purchases_7d            BIGINT NOT NULL,
    purchases_14d           BIGINT NOT NULL,
    purchases_30d           BIGINT NOT NULL,
    sales_1d                NUMERIC NOT NULL,
    sales_7d                NUMERIC NOT NULL,
    sales_14d               NUMERIC NOT NULL,
    sales_30d               NUMERIC NOT NULL,
    units_sold_clicks_1d    BIGINT NOT NULL,
    units_sold_clicks_7d    BIGINT NOT NULL,
    units_sold_clicks_14d   BIGINT NOT NULL,
    units_sold_clicks_30d   BIGINT NOT NULL,
    created_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    fetched_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (profile_id, campaign_id, ad_group_id, targeting_id, search_term, date)
);
COMMENT ON TABLE amazon_ads.search_term_daily_metrics IS 'What customers searched, per keyword or target and day; Amazon reports only terms with at least one click.';

CREATE TABLE amazon_ads.product_ad_daily_metrics (
    profile_id              BIGINT NOT NULL,
    campaign_id             BIGINT NOT NULL,
    ad_group_id             BIGINT NOT NULL,
    ad_id                   BIGINT NOT NULL,
    date                    DATE NOT NULL,
    advertised_asin         TEXT,
    advertised_sku          TEXT,
    impressions             BIGINT NOT NULL,
    clicks                  BIGINT NOT NULL,
    cost                    NUMERIC NOT NULL,
    purchases_1d            BIGINT NOT NULL,
    purchases_7d            BIGINT NOT NULL,
    purchases_14d           BIGINT NOT NULL,
    purchases_30d           BIGINT NOT NULL,
    sales_1d                NUMERIC NOT NULL,
    sales_7d                NUMERIC NOT NULL,
    sales_14d               NUMERIC NOT NULL,
    sales_30d               NUMERIC NOT NULL,
    units_sold_clicks_1d    BIGINT NOT NULL,
    units_sold_clicks_7d    BIGINT NOT NULL,
    units_sold_clicks_14d   BIGINT NOT NULL,
    units_sold_clicks_30d   BIGINT NOT NULL,
    created_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    fetched_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (profile_id, campaign_id, ad_group_id, ad_id, date)
);

-- Row counts per profile, as for LinkedIn's tables. A row never moves to another
-- profile, so only inserts, deletes and truncates change a count.
CREATE FUNCTION amazon_ads.count_profile_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        EXECUTE format($q$
            INSERT INTO public.account_row_counts AS c (source, account_id, table_name, row_count)
            SELECT 'amazon_ads', profile_id, %L, count(*) FROM new_rows GROUP BY 2
            ON CONFLICT (source, account_id, table_name)
                DO UPDATE SET row_count = c.row_count + EXCLUDED.row_count
        $q$, TG_TABLE_NAME);
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE format($q$
            UPDATE public.account_row_counts c SET row_count = c.row_count - d.n
            FROM (SELECT profile_id, count(*) AS n FROM old_rows GROUP BY 1) d
            WHERE (c.source, c.account_id, c.table_name) = ('amazon_ads', d.profile_id, %L)
        $q$, TG_TABLE_NAME);
    ELSE
        DELETE FROM public.account_row_counts
        WHERE source = 'amazon_ads' AND table_name = TG_TABLE_NAME;
    END IF;
    RETURN NULL;
END $$;

DO $$
DECLARE
    t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY['campaigns', 'ad_groups', 'keywords', 'negative_keywords',
                             'targets', 'product_ads', 'campaign_daily_metrics',
                             'targeting_daily_metrics', 'search_term_daily_metrics',
                             'product_ad_daily_metrics'] LOOP
        EXECUTE format('CREATE TRIGGER %1$s_count_inserts AFTER INSERT ON amazon_ads.%1$I '
                       'REFERENCING NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION amazon_ads.count_profile_rows()', t);
        EXECUTE format('CREATE TRIGGER %1$s_count_deletes AFTER DELETE ON amazon_ads.%1$I '
                       'REFERENCING OLD TABLE AS old_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION amazon_ads.count_profile_rows()', t);
        EXECUTE format('CREATE TRIGGER %1$s_count_truncates AFTER TRUNCATE ON amazon_ads.%1$I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION amazon_ads.count_profile_rows()', t);
    END LOOP;
END $$;

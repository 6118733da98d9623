-- The LinkedIn Ads data as synced. Ids are LinkedIn's numeric ids (BIGINT: they exceed int4).
-- Every table keeps `created_at` (first stored, never changed) and `fetched_at` (when the
-- stored values were last written; a re-sync that changes nothing does not touch the row).
-- Money is NUMERIC, exactly as LinkedIn sent it.

CREATE TABLE ad_accounts (
    id                    BIGINT PRIMARY KEY,
    name                  TEXT NOT NULL,
    status                TEXT NOT NULL,
    currency              TEXT,
    type                  TEXT,
    is_test               BOOLEAN NOT NULL DEFAULT false,
    upstream_created_at   TIMESTAMPTZ,
    upstream_modified_at  TIMESTAMPTZ,
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    fetched_at            TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE campaign_groups (
    id                    BIGINT PRIMARY KEY,
    account_id            BIGINT NOT NULL REFERENCES ad_accounts (id),
    name                  TEXT NOT NULL,
    status                TEXT NOT NULL,
    total_budget          NUMERIC,
    total_budget_currency TEXT,
    run_schedule_start    TIMESTAMPTZ,
    run_schedule_end      TIMESTAMPTZ,
    upstream_created_at   TIMESTAMPTZ,
    upstream_modified_at  TIMESTAMPTZ,
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    fetched_at            TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX campaign_groups_account_id ON campaign_groups (account_id);

CREATE TABLE campaigns (
    id                          BIGINT PRIMARY KEY,
    account_id                  BIGINT NOT NULL REFERENCES ad_accounts (id),
    -- No foreign key: a campaign stays even when its group record was invalid.
    campaign_group_id           BIGINT,
    name                        TEXT NOT NULL,
    status                      TEXT NOT NULL,
    type                        TEXT,
    objective_type              TEXT,
    format                      TEXT,
    cost_type                   TEXT,
    optimization_target_type    TEXT,
    creative_selection          TEXT,
    daily_budget                NUMERIC,
    daily_budget_currency       TEXT,
    total_budget                NUMERIC,
    total_budget_currency       TEXT,
    unit_cost                   NUMERIC,
    unit_cost_currency          TEXT,
    offsite_delivery_enabled    BOOLEAN NOT NULL DEFAULT false,
    audience_expansion_enabled  BOOLEAN NOT NULL DEFAULT false,
    run_schedule_start          TIMESTAMPTZ,
    run_schedule_end            TIMESTAMPTZ,
    upstream_created_at         TIMESTAMPTZ,
    upstream_modified_at        TIMESTAMPTZ,
    created_at                  TIMESTAMPTZ NOT NULL DEFAULT now(),
    fetched_at                  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX campaigns_account_id ON campaigns (account_id, id);
CREATE INDEX campaigns_campaign_group_id ON campaigns (campaign_group_id);
COMMENT ON COLUMN campaigns.offsite_delivery_enabled IS 'LinkedIn Audience Network.';
COMMENT ON COLUMN campaigns.optimization_target_type IS 'The bid strategy LinkedIn optimises for.';

CREATE TABLE creatives (
    id                    BIGINT PRIMARY KEY,
    campaign_id           BIGINT NOT NULL REFERENCES campaigns (id),
    account_id            BIGINT NOT NULL REFERENCES ad_accounts (id),
    intended_status       TEXT,
    is_serving            BOOLEAN NOT NULL DEFAULT false,
    serving_hold_reasons  TEXT[] NOT NULL DEFAULT '{}',
    content_reference     TEXT,
    content_name          TEXT,
    upstream_created_at   TIMESTAMPTZ,
    upstream_modified_at  TIMESTAMPTZ,
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    fetched_at            TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX creatives_campaign_id ON creatives (campaign_id, id);
CREATE INDEX creatives_account_id ON creatives (account_id, id);
COMMENT ON COLUMN creatives.id IS 'The N of urn:li:sponsoredCreative:N.';
COMMENT ON COLUMN creatives.content_name IS 'A readable label derived from content_reference, e.g. "Sponsored Post #456789".';

-- Daily metrics, keyed by every dimension of the pivot. Days without activity have no row.
CREATE TABLE campaign_daily_metrics (
    campaign_id                   BIGINT NOT NULL REFERENCES campaigns (id),
    date                          DATE NOT NULL,
    account_id                    BIGINT NOT NULL REFERENCES ad_accounts (id),
    impressions                   BIGINT NOT NULL DEFAULT 0,
    clicks                        BIGINT NOT NULL DEFAULT 0,
    cost                          NUMERIC NOT NULL DEFAULT 0,
    landing_page_clicks           BIGINT NOT NULL DEFAULT 0,
    external_website_conversions  BIGINT NOT NULL DEFAULT 0,
    one_click_leads               BIGINT NOT NULL DEFAULT 0,
    likes                         BIGINT NOT NULL DEFAULT 0,
    comments                      BIGINT NOT NULL DEFAULT 0,
    shares                        BIGINT NOT NULL DEFAULT 0,
    follows                       BIGINT NOT NULL DEFAULT 0,
    opens                         BIGINT NOT NULL DEFAULT 0,
    sends                         BIGINT NOT NULL DEFAULT 0,
    created_at                    TIMESTAMPTZ NOT NULL DEFAULT now(),
    fetched_at                    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (campaign_id, date)
);
CREATE INDEX campaign_daily_metrics_account_date ON campaign_daily_metrics (account_id, date);
COMMENT ON COLUMN campaign_daily_metrics.cost IS 'costInLocalCurrency, exact.';

CREATE TABLE creative_daily_metrics (
    creative_id                   BIGINT NOT NULL REFERENCES creatives (id),
    date                          DATE NOT NULL,
    campaign_id                   BIGINT NOT NULL REFERENCES campaigns (id),
    account_id                    BIGINT NOT NULL REFERENCES ad_accounts (id),
    impressions                   BIGINT NOT NULL DEFAULT 0,
    clicks                        BIGINT NOT NULL DEFAULT 0,
    cost                          NUMERIC NOT NULL DEFAULT 0,
    landing_page_clicks           BIGINT NOT NULL DEFAULT 0,
    external_website_conversions  BIGINT NOT NULL DEFAULT 0,
    one_click_leads               BIGINT NOT NULL DEFAULT 0,
    likes                         BIGINT NOT NULL DEFAULT 0,
    comments                      BIGINT NOT NULL DEFAULT 0,
    shares                        BIGINT NOT NULL DEFAULT 0,
    follows                       BIGINT NOT NULL DEFAULT 0,
    opens                         BIGINT NOT NULL DEFAULT 0,
    sends                         BIGINT NOT NULL DEFAULT 0,
    created_at                    TIMESTAMPTZ NOT NULL DEFAULT now(),
    fetched_at                    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (creative_id, date)
);
CREATE INDEX creative_daily_metrics_campaign_date ON creative_daily_metrics (campaign_id, date);
CREATE INDEX creative_daily_metrics_account_date ON creative_daily_metrics (account_id, date);

-- Member demographics per account and calendar month (a stable period: daily syncs
-- rewrite the same rows instead of piling up copies). `segment` is the value LinkedIn
-- reported (a URN or an enum); readable names are resolved when reading.
CREATE TABLE audience_demographics (
    account_id    BIGINT NOT NULL REFERENCES ad_accounts (id),
    pivot         TEXT NOT NULL CHECK (pivot IN ('job_title', 'job_function', 'industry',
                                                 'seniority', 'company_size', 'country')),
    segment       TEXT NOT NULL,
    date_start    DATE NOT NULL CHECK (extract(day FROM date_start) = 1),
    date_end      DATE NOT NULL,
    impressions   BIGINT NOT NULL DEFAULT 0,
    clicks        BIGINT NOT NULL DEFAULT 0,
    cost          NUMERIC NOT NULL DEFAULT 0,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    fetched_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, pivot, segment, date_start),
    CHECK (date_end >= date_start)
);
COMMENT ON COLUMN audience_demographics.date_start IS 'First day of the calendar month the row covers.';

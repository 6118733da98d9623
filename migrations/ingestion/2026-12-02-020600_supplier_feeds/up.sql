-- Supplier price feeds (source "supplier_feed"). A supplier is configured through the
-- API with where its price list is (a Google Sheet, or files uploaded to adsync) and how
-- to read it; its id is the sync platform's account id. Items are keyed by (supplier,
-- SKU); prices keep every version with its validity; items no longer listed are marked
-- discontinued, never deleted. Money is NUMERIC, exact as the list writes it.

-- What the upstream said at the last committed sync, for a source whose upstream can
-- say "nothing changed" (a spreadsheet's Drive version, then the hash of its content).
ALTER TABLE sync_accounts ADD COLUMN upstream_version TEXT;
ALTER TABLE sync_accounts ADD COLUMN content_hash TEXT;
COMMENT ON COLUMN sync_accounts.upstream_version IS 'The upstream''s version of the account''s data at the last committed sync (Drive''s version of a spreadsheet).';
COMMENT ON COLUMN sync_accounts.content_hash IS 'A hash of the content (and the reading settings) the last committed sync read.';

CREATE SCHEMA supplier_feed;
COMMENT ON SCHEMA supplier_feed IS 'Supplier price lists as imported by adsync (source "supplier_feed").';

CREATE TABLE supplier_feed.suppliers (
    id                    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                  TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
    -- Where the price list is read from.
    kind                  TEXT NOT NULL CHECK (kind IN ('sheet', 'file')),
    connection_id         TEXT,
    spreadsheet_id        TEXT,
    sheet_title           TEXT,
    range_a1              TEXT,
    header_row            INTEGER CHECK (header_row >= 1),
    -- How it is read.
    mapping               JSONB NOT NULL DEFAULT '{}',
    decimal_separator     TEXT NOT NULL CHECK (decimal_separator IN ('.', ',')),
    thousands_separator   TEXT NOT NULL CHECK (thousands_separator IN ('', ',', '.', ' ', '''')),
    default_currency      TEXT NOT NULL CHECK (default_currency ~ '^[A-Z]{3}$'),
    prices_include_tax    BOOLEAN NOT NULL,
    price_decimals        SMALLINT NOT NULL DEFAULT 2 CHECK (price_decimals BETWEEN 0 AND 6),
    csv_delimiter         TEXT NOT NULL DEFAULT ',',
    csv_encoding          TEXT NOT NULL DEFAULT 'utf-8',
    -- Moves on every configuration change: a changed configuration re-reads the content.
    config_version        INTEGER NOT NULL DEFAULT 1,
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (decimal_separator <> thousands_separator),
    CHECK (kind <> 'sheet' OR (connection_id IS NOT NULL AND spreadsheet_id IS NOT NULL))
);
COMMENT ON COLUMN supplier_feed.suppliers.mapping IS 'Explicit column choices: field name -> header text; they win over the proposed mapping.';
COMMENT ON COLUMN supplier_feed.suppliers.header_row IS '1-based row of the header; NULL: the first row of the range, or found by the required headers.';

-- Files uploaded for a file feed; the newest is what a sync of the supplier reads.
CREATE TABLE supplier_feed.uploads (
    id             UUID PRIMARY KEY,
    supplier_id    BIGINT NOT NULL REFERENCES supplier_feed.suppliers (id) ON DELETE CASCADE,
    format         TEXT NOT NULL CHECK (format IN ('csv', 'xlsx', 'ods')),
    file_name      TEXT NOT NULL,
    bytes          BYTEA NOT NULL,
    sha256         TEXT NOT NULL,
    uploaded_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX uploads_supplier ON supplier_feed.uploads (supplier_id, uploaded_at DESC);

CREATE TABLE supplier_feed.items (
    supplier_id        BIGINT NOT NULL REFERENCES supplier_feed.suppliers (id),
    sku                TEXT NOT NULL,
    name               TEXT NOT NULL,
    -- Columns the mapping does not use, by header: kept, queryable by containment.
    characteristics    JSONB NOT NULL DEFAULT '{}',
    -- Set when a sync no longer finds the item; cleared when it comes back.
    discontinued_at    TIMESTAMPTZ,
    -- The product's life, changed only through the API: items arrive as drafts.
    status             TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'archived')),
    status_changed_at  TIMESTAMPTZ,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    fetched_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (supplier_id, sku)
);
CREATE INDEX items_characteristics ON supplier_feed.items USING GIN (characteristics jsonb_path_ops);
CREATE INDEX items_supplier_fetched ON supplier_feed.items (supplier_id, fetched_at);

-- Every price an item has had: a change closes the current version (valid_to) and
-- opens a new one (valid_from), both the time of the sync that saw it.
CREATE TABLE supplier_feed.prices (
    supplier_id        BIGINT NOT NULL,
    sku                TEXT NOT NULL,
    price              NUMERIC NOT NULL CHECK (price >= 0),
    currency           TEXT NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    includes_tax       BOOLEAN NOT NULL,
    -- The date the supplier's list gives the price, if it gives one.
    effective_from     DATE,
    valid_from         TIMESTAMPTZ NOT NULL,
    valid_to           TIMESTAMPTZ,
    fetched_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (supplier_id, sku, valid_from),
    FOREIGN KEY (supplier_id, sku) REFERENCES supplier_feed.items (supplier_id, sku),
    CHECK (valid_to IS NULL OR valid_to > valid_from)
);
CREATE UNIQUE INDEX prices_current ON supplier_feed.prices (supplier_id, sku) WHERE valid_to IS NULL;
CREATE INDEX prices_supplier_valid_from ON supplier_feed.prices (supplier_id, valid_from);

-- Caller tokens: only a SHA-256 of the secret is stored; the secret is shown once at issue.
CREATE TABLE api_tokens (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL CHECK (name <> ''),
    token_hash      BYTEA NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    display_prefix  TEXT NOT NULL,
    scopes          TEXT[] NOT NULL CHECK (cardinality(scopes) > 0),
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at      TIMESTAMPTZ NOT NULL,
    revoked_at      TIMESTAMPTZ
);
COMMENT ON TABLE api_tokens IS 'Bearer tokens that callers of adsync present; looked up by hash.';
COMMENT ON COLUMN api_tokens.token_hash IS 'SHA-256 of the full secret token.';
COMMENT ON COLUMN api_tokens.display_prefix IS 'Non-secret start of the token, for recognising it in listings.';

-- Upstream OAuth connections. Tokens are sealed with an AEAD: nonce || ciphertext, under key `key_id`.
CREATE TABLE oauth_connections (
    id                        TEXT PRIMARY KEY,
    provider                  TEXT NOT NULL CHECK (provider IN ('linkedin')),
    display_name              TEXT NOT NULL,
    scopes                    TEXT[] NOT NULL,
    key_id                    TEXT,
    access_token_sealed       BYTEA,
    refresh_token_sealed      BYTEA,
    access_token_expires_at   TIMESTAMPTZ,
    refresh_token_expires_at  TIMESTAMPTZ,
    last_refreshed_at         TIMESTAMPTZ,
    needs_reauth              BOOLEAN NOT NULL DEFAULT false,
    last_error                TEXT,
    created_at                TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at                TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at                TIMESTAMPTZ,
    -- A live connection always has a sealed access token; a revoked one has none.
    CHECK ((revoked_at IS NULL) = (access_token_sealed IS NOT NULL)),
    CHECK ((access_token_sealed IS NULL) OR (key_id IS NOT NULL))
);
COMMENT ON COLUMN oauth_connections.access_token_sealed IS 'AEAD nonce || ciphertext of the access token; AAD binds it to the row and column.';

-- OAuth `state` values: random, single-use, short-lived. Only their hash is stored.
CREATE TABLE oauth_states (
    state_hash      BYTEA PRIMARY KEY CHECK (length(state_hash) = 32),
    provider        TEXT NOT NULL CHECK (provider IN ('linkedin')),
    scopes          TEXT[] NOT NULL,
    display_name    TEXT NOT NULL,
    connection_id   TEXT REFERENCES oauth_connections (id),
    redirect_uri    TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at      TIMESTAMPTZ NOT NULL,
    consumed_at     TIMESTAMPTZ
);
CREATE INDEX oauth_states_expires_at ON oauth_states (expires_at);

COMMENT ON COLUMN oauth_connections.refresh_token_sealed IS NULL;
DELETE FROM oauth_connections WHERE provider = 'google';
ALTER TABLE oauth_connections DROP CONSTRAINT oauth_connections_provider_check;
ALTER TABLE oauth_connections ADD CONSTRAINT oauth_connections_provider_check
    CHECK (provider IN ('linkedin', 'amazon_ads'));

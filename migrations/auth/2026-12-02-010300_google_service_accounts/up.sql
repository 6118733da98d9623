-- Google service accounts (provider `google`) as upstream connections. Their "refresh
-- token" is the sealed key file: access tokens are minted from it with the JWT-bearer
-- grant. They have no region and never pass through an OAuth state.
ALTER TABLE oauth_connections DROP CONSTRAINT oauth_connections_provider_check;
ALTER TABLE oauth_connections ADD CONSTRAINT oauth_connections_provider_check
    CHECK (provider IN ('linkedin', 'amazon_ads', 'google'));
COMMENT ON COLUMN oauth_connections.refresh_token_sealed IS
    'The sealed refresh token; for provider google, the sealed service-account key file.';

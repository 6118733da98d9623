-- Login with Amazon (provider `amazon_ads`) beside LinkedIn. An Amazon connection
-- belongs to one region (na, eu, fe): the authorization page its user signed in on, and
-- the API host its profiles are read from. LinkedIn connections have no region.
ALTER TABLE oauth_connections DROP CONSTRAINT oauth_connections_provider_check;
ALTER TABLE oauth_connections ADD CONSTRAINT oauth_connections_provider_check
    CHECK (provider IN ('linkedin', 'amazon_ads'));
ALTER TABLE oauth_connections ADD COLUMN region TEXT CHECK (region IN ('na', 'eu', 'fe'));
ALTER TABLE oauth_connections ADD CONSTRAINT oauth_connections_region_of_provider
    CHECK ((provider = 'amazon_ads') = (region IS NOT NULL));

ALTER TABLE oauth_states DROP CONSTRAINT oauth_states_provider_check;
ALTER TABLE oauth_states ADD CONSTRAINT oauth_states_provider_check
    CHECK (provider IN ('linkedin', 'amazon_ads'));
ALTER TABLE oauth_states ADD COLUMN region TEXT CHECK (region IN ('na', 'eu', 'fe'));
ALTER TABLE oauth_states ADD CONSTRAINT oauth_states_region_of_provider
    CHECK ((provider = 'amazon_ads') = (region IS NOT NULL));

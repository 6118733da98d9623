-- Back to LinkedIn alone: Amazon connections and states cannot be represented.
DELETE FROM oauth_states WHERE provider <> 'linkedin';
DELETE FROM oauth_connections WHERE provider <> 'linkedin';

ALTER TABLE oauth_states DROP CONSTRAINT oauth_states_region_of_provider;
ALTER TABLE oauth_states DROP COLUMN region;
ALTER TABLE oauth_states DROP CONSTRAINT oauth_states_provider_check;
ALTER TABLE oauth_states ADD CONSTRAINT oauth_states_provider_check CHECK (provider IN ('linkedin'));

ALTER TABLE oauth_connections DROP CONSTRAINT oauth_connections_region_of_provider;
ALTER TABLE oauth_connections DROP COLUMN region;
ALTER TABLE oauth_connections DROP CONSTRAINT oauth_connections_provider_check;
ALTER TABLE oauth_connections ADD CONSTRAINT oauth_connections_provider_check CHECK (provider IN ('linkedin'));

ALTER TABLE oauth_connections DROP COLUMN refresh_lease_until;

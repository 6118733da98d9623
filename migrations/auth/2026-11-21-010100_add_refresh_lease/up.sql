-- One refresh of a connection at a time across replicas: a replica takes the lease
-- (a conditional UPDATE), refreshes upstream, stores the tokens and clears it. Others
-- wait for the new token instead of refreshing too. A crashed holder's lease expires.
ALTER TABLE oauth_connections ADD COLUMN refresh_lease_until TIMESTAMPTZ;

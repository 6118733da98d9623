DROP TABLE sync_errors;
DROP TABLE sync_events;
DROP TABLE sync_runs;
DROP TABLE sync_accounts;

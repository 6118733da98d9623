DROP TABLE upstream_jobs;

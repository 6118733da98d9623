-- Long-running upstream work (a report the upstream generates over minutes or hours),
-- recorded by the source before it waits on it. After a restart any replica finds the
-- job by its fingerprint and resumes waiting instead of asking the upstream again.
CREATE TABLE upstream_jobs (
    id            UUID PRIMARY KEY,
    source        TEXT NOT NULL,
    account_id    BIGINT NOT NULL,
    -- What kind of work, in the source's words (e.g. "report").
    kind          TEXT NOT NULL,
    -- Identifies the request (a hash of everything that shapes it): an identical request
    -- finds this job instead of asking again.
    fingerprint   TEXT NOT NULL,
    -- The upstream's id for the work (e.g. a report id).
    upstream_id   TEXT NOT NULL,
    state         TEXT NOT NULL
        CHECK (state IN ('pending', 'completed', 'failed', 'consumed', 'abandoned')),
    -- What the source keeps about it (e.g. where the result is), and why it failed.
    detail        JSONB NOT NULL DEFAULT '{}',
    reason        TEXT NOT NULL DEFAULT '',
    polls         INTEGER NOT NULL DEFAULT 0,
    next_poll_at  TIMESTAMPTZ NOT NULL,
    -- The run that asked for it, and the run that last waited on it.
    requested_by  UUID NOT NULL,
    run_id        UUID NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at   TIMESTAMPTZ,
    CHECK ((state IN ('pending', 'completed')) = (finished_at IS NULL))
);
-- At most one open job per request: the lookup a resuming run makes.
CREATE UNIQUE INDEX upstream_jobs_open ON upstream_jobs (source, account_id, kind, fingerprint)
    WHERE state IN ('pending', 'completed');
CREATE INDEX upstream_jobs_run ON upstream_jobs (run_id);
COMMENT ON COLUMN upstream_jobs.state IS
    'pending: asked, not ready; completed: ready to load; consumed: loaded by a committed run; '
    'failed: the upstream said it failed; abandoned: given up (e.g. unknown upstream id).';

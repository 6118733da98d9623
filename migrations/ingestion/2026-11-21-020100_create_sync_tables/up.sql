-- The accounts adsync syncs, through which upstream connection, and the scheduler's state.
CREATE TABLE sync_accounts (
    account_id              BIGINT PRIMARY KEY,
    connection_id           TEXT NOT NULL,
    name                    TEXT NOT NULL,
    status                  TEXT NOT NULL,
    schedule_enabled        BOOLEAN NOT NULL DEFAULT true,
    next_scheduled_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- The last day whose metrics a committed sync fetched; the next incremental
    -- window starts from it minus the restatement window.
    metrics_synced_through  DATE,
    discovered_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at              TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX sync_accounts_next_scheduled_at ON sync_accounts (next_scheduled_at) WHERE schedule_enabled;

-- Every sync run, skipped ones included.
CREATE TABLE sync_runs (
    id              UUID PRIMARY KEY,
    account_id      BIGINT NOT NULL,
    trigger         TEXT NOT NULL CHECK (trigger IN ('scheduled', 'on_demand')),
    status          TEXT NOT NULL CHECK (status IN ('running', 'success', 'partial', 'failed', 'skipped')),
    reason          TEXT NOT NULL DEFAULT '',
    force           BOOLEAN NOT NULL DEFAULT false,
    window_start    DATE,
    window_end      DATE,
    worker          TEXT NOT NULL,
    entity_counts   JSONB NOT NULL DEFAULT '{}',
    upstream_calls  BIGINT NOT NULL DEFAULT 0,
    error_count     BIGINT NOT NULL DEFAULT 0,
    last_sequence   BIGINT NOT NULL DEFAULT 0,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    heartbeat_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at     TIMESTAMPTZ,
    CHECK ((status = 'running') = (finished_at IS NULL)),
    CHECK (window_end IS NULL OR window_end >= window_start)
);
-- At most one running run per account, across every replica.
CREATE UNIQUE INDEX sync_runs_one_running_per_account ON sync_runs (account_id) WHERE status = 'running';
CREATE INDEX sync_runs_account_created ON sync_runs (account_id, created_at DESC, id DESC);
CREATE INDEX sync_runs_created ON sync_runs (created_at DESC, id DESC);
-- The freshness gate's lookup: the latest successful run of an account.
CREATE INDEX sync_runs_last_success ON sync_runs (account_id, finished_at DESC)
    WHERE status IN ('success', 'partial');
COMMENT ON COLUMN sync_runs.entity_counts IS 'Per entity: fetched, written, unchanged, invalid.';

-- Every event of every run, replayable. `id` is the global cursor: events are inserted
-- under a transaction-scoped advisory lock, so ids commit in order and a reader that
-- resumes after id N never misses a later-committed smaller id.
CREATE TABLE sync_events (
    id          BIGSERIAL PRIMARY KEY,
    run_id      UUID NOT NULL REFERENCES sync_runs (id) ON DELETE CASCADE,
    sequence    BIGINT NOT NULL CHECK (sequence > 0),
    account_id  BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    payload     BYTEA NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (run_id, sequence)
);
CREATE INDEX sync_events_account_id ON sync_events (account_id, id);
COMMENT ON COLUMN sync_events.payload IS 'The encoded adsync.ingestion.v1.SyncEvent.';

-- Upstream records that failed validation: skipped, never stored, kept here with the reason.
CREATE TABLE sync_errors (
    id           BIGSERIAL PRIMARY KEY,
    run_id       UUID NOT NULL REFERENCES sync_runs (id) ON DELETE CASCADE,
    account_id   BIGINT NOT NULL,
    entity       TEXT NOT NULL,
    upstream_id  TEXT,
    reason       TEXT NOT NULL,
    raw          JSONB NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX sync_errors_run_id ON sync_errors (run_id);
CREATE INDEX sync_errors_account_id ON sync_errors (account_id, id);

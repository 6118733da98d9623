-- How many rows each account holds in each table, for GetSyncStatus. Counting them on
-- every call reads every metric row of the account (hundreds of thousands); these counts
-- are changed instead by the very statements that change the rows, through statement
-- triggers, so they are exact whatever writes the tables: a sync, an operator's DELETE,
-- a restore. A statement adds one aggregate over the rows it changed, not one per row.
CREATE TABLE account_row_counts (
    account_id  BIGINT NOT NULL,
    table_name  TEXT   NOT NULL,
    row_count   BIGINT NOT NULL CHECK (row_count >= 0),
    PRIMARY KEY (account_id, table_name)
);

COMMENT ON TABLE account_row_counts IS
    'Rows per account and table, kept exact by count_account_rows() triggers.';

CREATE FUNCTION count_account_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO account_row_counts AS c (account_id, table_name, row_count)
        SELECT account_id, TG_TABLE_NAME, count(*) FROM new_rows GROUP BY account_id
        ON CONFLICT (account_id, table_name)
            DO UPDATE SET row_count = c.row_count + EXCLUDED.row_count;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE account_row_counts c SET row_count = c.row_count - d.n
        FROM (SELECT account_id, count(*) AS n FROM old_rows GROUP BY account_id) d
        WHERE c.account_id = d.account_id AND c.table_name = TG_TABLE_NAME;
    ELSIF TG_OP = 'UPDATE' THEN
        -- Only rows moved to another account change a count: down for the accounts
        -- they left (an UPDATE: a negative count would fail the check as an INSERT),
        -- up for the ones they joined.
        WITH moved AS (
            SELECT account_id, sum(n) AS n
            FROM (SELECT account_id, 1 AS n FROM new_rows
                  UNION ALL SELECT account_id, -1 FROM old_rows) changed
            GROUP BY account_id HAVING sum(n) <> 0
        ), left_behind AS (
            UPDATE account_row_counts c SET row_count = c.row_count + m.n
            FROM moved m
            WHERE m.n < 0 AND c.account_id = m.account_id AND c.table_name = TG_TABLE_NAME
        )
        INSERT INTO account_row_counts AS c (account_id, table_name, row_count)
        SELECT account_id, TG_TABLE_NAME, n FROM moved WHERE n > 0
        ON CONFLICT (account_id, table_name)
            DO UPDATE SET row_count = c.row_count + EXCLUDED.row_count;
    ELSE
        DELETE FROM account_row_counts WHERE table_name = TG_TABLE_NAME;
    END IF;
    RETURN NULL;
END $$;

-- The triggers lock each table against writes until this migration commits, so the
-- counts taken below miss nothing a concurrent writer adds.
DO $$
DECLARE
    t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY['campaign_groups', 'campaigns', 'creatives',
                             'campaign_daily_metrics', 'creative_daily_metrics',
                             'audience_demographics', 'sync_errors'] LOOP
        EXECUTE format('CREATE TRIGGER %1$s_count_inserts AFTER INSERT ON %1$I '
                       'REFERENCING NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION count_account_rows()', t);
        EXECUTE format('CREATE TRIGGER %1$s_count_deletes AFTER DELETE ON %1$I '
                       'REFERENCING OLD TABLE AS old_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION count_account_rows()', t);
        EXECUTE format('CREATE TRIGGER %1$s_count_updates AFTER UPDATE ON %1$I '
                       'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION count_account_rows()', t);
        EXECUTE format('CREATE TRIGGER %1$s_count_truncates AFTER TRUNCATE ON %1$I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION count_account_rows()', t);
        EXECUTE format('INSERT INTO account_row_counts (account_id, table_name, row_count) '
                       'SELECT account_id, %L, count(*) FROM %I GROUP BY account_id', t, t);
    END LOOP;
END $$;

DO $$
DECLARE
    t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY['campaign_groups', 'campaigns', 'creatives',
                             'campaign_daily_metrics', 'creative_daily_metrics',
                             'audience_demographics', 'sync_errors'] LOOP
        EXECUTE format('DROP TRIGGER %1$s_count_inserts ON %1$I', t);
        EXECUTE format('DROP TRIGGER %1$s_count_deletes ON %1$I', t);
        EXECUTE format('DROP TRIGGER %1$s_count_updates ON %1$I', t);
        EXECUTE format('DROP TRIGGER %1$s_count_truncates ON %1$I', t);
    END LOOP;
END $$;

DROP FUNCTION count_account_rows();
DROP TABLE account_row_counts;

// @generated automatically by Diesel CLI.

diesel::table! {
    account_row_counts (source, account_id, table_name) {
        account_id -> Int8,
        table_name -> Text,
        row_count -> Int8,
        source -> Text,
    }
}

diesel::table! {
    sync_accounts (source, account_id) {
        account_id -> Int8,
        connection_id -> Text,
        name -> Text,
        status -> Text,
        schedule_enabled -> Bool,
        next_scheduled_at -> Timestamptz,
        metrics_synced_through -> Nullable<Date>,
        discovered_at -> Timestamptz,
        updated_at -> Timestamptz,
        source -> Text,
        time_zone -> Text,
        upstream_version -> Nullable<Text>,
        content_hash -> Nullable<Text>,
        workspace_id -> Int8,
    }
}

diesel::table! {
    sync_errors (id) {
        id -> Int8,
        run_id -> Uuid,
        account_id -> Int8,
        entity -> Text,
        upstream_id -> Nullable<Text>,
        reason -> Text,
        raw -> Jsonb,
        created_at -> Timestamptz,
        source -> Text,
    }
}

diesel::table! {
    sync_events (id) {
        id -> Int8,
        run_id -> Uuid,
        sequence -> Int8,
        account_id -> Int8,
        kind -> Text,
        payload -> Bytea,
        created_at -> Timestamptz,
        source -> Text,
    }
}

diesel::table! {
    sync_runs (id) {
        id -> Uuid,
        account_id -> Int8,
        trigger -> Text,
        status -> Text,
        reason -> Text,
        force -> Bool,
        window_start -> Nullable<Date>,
        window_end -> Nullable<Date>,
        worker -> Text,
        entity_counts -> Jsonb,
        upstream_calls -> Int8,
        error_count -> Int8,
        last_sequence -> Int8,
        created_at -> Timestamptz,
        heartbeat_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
        source -> Text,
        owner -> Nullable<Int4>,
    }
}

diesel::table! {
    upstream_jobs (id) {
        id -> Uuid,
        source -> Text,
        account_id -> Int8,
        kind -> Text,
        fingerprint -> Text,
        upstream_id -> Text,
        state -> Text,
        detail -> Jsonb,
        reason -> Text,
        polls -> Int4,
        next_poll_at -> Timestamptz,
        requested_by -> Uuid,
        run_id -> Uuid,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(sync_errors -> sync_runs (run_id));
diesel::joinable!(sync_events -> sync_runs (run_id));

diesel::allow_tables_to_appear_in_same_query!(
    account_row_counts,
    sync_accounts,
    sync_errors,
    sync_events,
    sync_runs,
    upstream_jobs,
);

// @generated automatically by Diesel CLI.

diesel::table! {
    api_tokens (id) {
        id -> Text,
        name -> Text,
        token_hash -> Bytea,
        display_prefix -> Text,
        scopes -> Array<Nullable<Text>>,
        created_by -> Text,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        workspace_id -> Nullable<Int8>,
    }
}

diesel::table! {
    oauth_connections (id) {
        id -> Text,
        provider -> Text,
        display_name -> Text,
        scopes -> Array<Nullable<Text>>,
        key_id -> Nullable<Text>,
        access_token_sealed -> Nullable<Bytea>,
        refresh_token_sealed -> Nullable<Bytea>,
        access_token_expires_at -> Nullable<Timestamptz>,
        refresh_token_expires_at -> Nullable<Timestamptz>,
        last_refreshed_at -> Nullable<Timestamptz>,
        needs_reauth -> Bool,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        refresh_lease_until -> Nullable<Timestamptz>,
        region -> Nullable<Text>,
        workspace_id -> Int8,
    }
}

diesel::table! {
    oauth_states (state_hash) {
        state_hash -> Bytea,
        provider -> Text,
        scopes -> Array<Nullable<Text>>,
        display_name -> Text,
        connection_id -> Nullable<Text>,
        redirect_uri -> Text,
        created_by -> Text,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        consumed_at -> Nullable<Timestamptz>,
        region -> Nullable<Text>,
        workspace_id -> Int8,
    }
}

diesel::table! {
    workspaces (id) {
        id -> Int8,
        name -> Text,
        display_name -> Text,
        created_by -> Text,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(api_tokens -> workspaces (workspace_id));
diesel::joinable!(oauth_connections -> workspaces (workspace_id));
diesel::joinable!(oauth_states -> oauth_connections (connection_id));
diesel::joinable!(oauth_states -> workspaces (workspace_id));

diesel::allow_tables_to_appear_in_same_query!(
    api_tokens,
    oauth_connections,
    oauth_states,
    workspaces,
);

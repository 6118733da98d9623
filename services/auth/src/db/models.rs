//! Rows of the auth tables: read models (`Selectable`) and write models (`Insertable`).

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::schema::{api_tokens, oauth_connections, oauth_states, workspaces};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens, check_for_backend(diesel::pg::Pg))]
pub(crate) struct ApiTokenRow {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) display_prefix: String,
    pub(crate) scopes: Vec<Option<String>>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) expires_at: DateTime<Utc>,
    pub(crate) revoked_at: Option<DateTime<Utc>>,
    /// `None` for a platform token.
    pub(crate) workspace_id: Option<i64>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = api_tokens, check_for_backend(diesel::pg::Pg))]
pub(crate) struct NewApiToken<'a> {
    pub(crate) id: &'a str,
    pub(crate) name: &'a str,
    pub(crate) token_hash: &'a [u8],
    pub(crate) display_prefix: &'a str,
    pub(crate) scopes: Vec<&'a str>,
    pub(crate) created_by: &'a str,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) expires_at: DateTime<Utc>,
    pub(crate) workspace_id: Option<i64>,
}

/// A connection as stored; the sealed tokens stay sealed until opened by the keyring.
#[derive(Clone, Queryable, Selectable)]
#[diesel(table_name = oauth_connections, check_for_backend(diesel::pg::Pg))]
pub(crate) struct ConnectionRow {
    pub(crate) id: String,
    /// `linkedin` or `amazon_ads` (see `providers::ProviderKind`).
    pub(crate) provider: String,
    /// Amazon Ads connections: `na`, `eu` or `fe`.
    pub(crate) region: Option<String>,
    pub(crate) display_name: String,
    pub(crate) scopes: Vec<Option<String>>,
    pub(crate) key_id: Option<String>,
    pub(crate) access_token_sealed: Option<Vec<u8>>,
    pub(crate) refresh_token_sealed: Option<Vec<u8>>,
    pub(crate) access_token_expires_at: Option<DateTime<Utc>>,
    pub(crate) refresh_token_expires_at: Option<DateTime<Utc>>,
    pub(crate) last_refreshed_at: Option<DateTime<Utc>>,
    pub(crate) needs_reauth: bool,
    pub(crate) last_error: Option<String>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) revoked_at: Option<DateTime<Utc>>,
    pub(crate) workspace_id: i64,
}

impl std::fmt::Debug for ConnectionRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionRow")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// Freshly sealed tokens for a connection.
#[derive(Clone, AsChangeset, Insertable)]
#[diesel(table_name = oauth_connections, check_for_backend(diesel::pg::Pg), treat_none_as_null = true)]
pub(crate) struct SealedTokens {
    pub(crate) key_id: Option<String>,
    pub(crate) access_token_sealed: Option<Vec<u8>>,
    pub(crate) refresh_token_sealed: Option<Vec<u8>>,
    pub(crate) access_token_expires_at: Option<DateTime<Utc>>,
    pub(crate) refresh_token_expires_at: Option<DateTime<Utc>>,
    pub(crate) last_refreshed_at: Option<DateTime<Utc>>,
    pub(crate) needs_reauth: bool,
    pub(crate) last_error: Option<String>,
    pub(crate) updated_at: DateTime<Utc>,
    pub(crate) refresh_lease_until: Option<DateTime<Utc>>,
}

#[derive(Insertable)]
#[diesel(table_name = oauth_connections, check_for_backend(diesel::pg::Pg))]
pub(crate) struct NewConnection<'a> {
    pub(crate) id: &'a str,
    pub(crate) provider: &'a str,
    pub(crate) region: Option<&'a str>,
    pub(crate) display_name: &'a str,
    pub(crate) scopes: Vec<&'a str>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) workspace_id: i64,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = oauth_states, check_for_backend(diesel::pg::Pg))]
pub(crate) struct StateRow {
    pub(crate) provider: String,
    pub(crate) region: Option<String>,
    pub(crate) scopes: Vec<Option<String>>,
    pub(crate) display_name: String,
    pub(crate) connection_id: Option<String>,
    pub(crate) redirect_uri: String,
    pub(crate) consumed_at: Option<DateTime<Utc>>,
    pub(crate) workspace_id: i64,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = oauth_states, check_for_backend(diesel::pg::Pg))]
pub(crate) struct NewState<'a> {
    pub(crate) state_hash: &'a [u8],
    pub(crate) provider: &'a str,
    pub(crate) region: Option<&'a str>,
    pub(crate) scopes: Vec<&'a str>,
    pub(crate) display_name: &'a str,
    pub(crate) connection_id: Option<&'a str>,
    pub(crate) redirect_uri: &'a str,
    pub(crate) created_by: &'a str,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) expires_at: DateTime<Utc>,
    pub(crate) workspace_id: i64,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = workspaces, check_for_backend(diesel::pg::Pg))]
pub(crate) struct WorkspaceRow {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) display_name: String,
    pub(crate) created_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = workspaces, check_for_backend(diesel::pg::Pg))]
pub(crate) struct NewWorkspace<'a> {
    pub(crate) name: &'a str,
    pub(crate) display_name: &'a str,
    pub(crate) created_by: &'a str,
    pub(crate) created_at: DateTime<Utc>,
}

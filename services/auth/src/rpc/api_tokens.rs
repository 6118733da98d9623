//! IssueApiToken, RevokeApiToken, ListApiTokens and Authenticate: caller tokens. The
//! secret is returned once at issue; only its SHA-256 is stored and looked up.

use adsync_db::Db;
use adsync_proto::auth::{
    ApiToken, AuthenticateRequest, AuthenticateResponse, IssueApiTokenRequest,
    IssueApiTokenResponse, ListApiTokensRequest, ListApiTokensResponse, RevokeApiTokenRequest,
    RevokeApiTokenResponse, Scope,
};
use adsync_server::auth::{AuthFuture, parse_scope, scope_name};
use adsync_server::{
    Authenticator, Clock, FieldViolations, Identity, Reach, WorkspaceId, invalid_field,
};
use chrono::{DateTime, TimeDelta, Utc};
use diesel::PgConnection;

use super::{page_size, timestamp};
use crate::db::api_tokens;
use crate::db::models::{ApiTokenRow, NewApiToken};
use crate::error::{DOMAIN, Error, TokenProblem};
use crate::secrets;
use crate::service::AuthApi;

const DEFAULT_TTL: TimeDelta = TimeDelta::days(90);
const MAX_TTL: TimeDelta = TimeDelta::days(3650);

fn token_proto(row: &ApiTokenRow) -> ApiToken {
    ApiToken {
        token_id: row.id.clone(),
        name: row.name.clone(),
        scopes: crate::db::strings(row.scopes.clone())
            .iter()
            .filter_map(|s| parse_scope(s))
            .map(|s| s as i32)
            .collect(),
        create_time: Some(timestamp(row.created_at)),
        expire_time: Some(timestamp(row.expires_at)),
        revoke_time: row.revoked_at.map(timestamp),
        display_prefix: row.display_prefix.clone(),
        workspace_id: row.workspace_id.unwrap_or(0),
    }
}

/// Scopes only a platform token may carry: the platform's administrator and the
/// services' own rights.
const PLATFORM_SCOPES: [Scope; 3] = [Scope::Admin, Scope::Service, Scope::UpstreamTokens];

/// Why `scope` cannot sit on a token of `workspace` (`None`: a platform token).
pub(crate) fn scope_misplaced(scope: Scope, workspace: Option<WorkspaceId>) -> Option<String> {
    match workspace {
        Some(w) if PLATFORM_SCOPES.contains(&scope) => Some(format!(
            "`{}` is a platform scope; a token of workspace {w} cannot carry it",
            scope_name(scope)
        )),
        None if scope == Scope::WorkspaceAdmin => Some(
            "`workspace:admin` administers one workspace; give the token a workspace_id".to_owned(),
        ),
        _ => None,
    }
}

/// Creates a token of `workspace` (`None`: a platform token) and returns (secret,
/// stored row). Used by IssueApiToken and by the `bootstrap-token` command.
pub(crate) fn insert_api_token(
    conn: &mut PgConnection,
    name: &str,
    scopes: &[Scope],
    workspace: Option<WorkspaceId>,
    ttl: TimeDelta,
    created_by: &str,
    now: DateTime<Utc>,
) -> Result<(String, ApiTokenRow), Error> {
    let secret = secrets::new_api_token();
    let id = format!("tok_{}", uuid::Uuid::now_v7().simple());
    let row = api_tokens::insert(
        conn,
        &NewApiToken {
            id: &id,
            name,
            token_hash: &secrets::hash(&secret),
            display_prefix: &secrets::display_prefix(&secret),
            scopes: scopes.iter().map(|s| scope_name(*s)).collect(),
            created_by,
            created_at: now,
            expires_at: now + ttl,
            workspace_id: workspace.map(WorkspaceId::get),
        },
    )?;
    Ok((secret, row))
}

/// Checks a caller token against the database at `now`; returns who it is and until when.
async fn authenticate_token(
    db: &Db,
    clock: &Clock,
    token: &str,
) -> Result<(Identity, DateTime<Utc>), Error> {
    if !secrets::is_well_formed(token) {
        return Err(Error::Token(TokenProblem::Malformed));
    }
    let hash = secrets::hash(token);
    let row = db
        .run(move |conn| api_tokens::find_by_hash(conn, &hash).map_err(Error::from))
        .await?;
    let row = row.ok_or(Error::Token(TokenProblem::Unknown))?;
    if row.revoked_at.is_some() {
        return Err(Error::Token(TokenProblem::Revoked));
    }
    if row.expires_at <= clock.now() {
        return Err(Error::Token(TokenProblem::Expired));
    }
    let expires_at = row.expires_at;
    let identity = Identity {
        subject: format!("token:{}", row.id),
        scopes: crate::db::strings(row.scopes)
            .iter()
            .filter_map(|s| parse_scope(s))
            .collect(),
        token_id: row.id,
        name: row.name,
        expires_at: Some(std::time::SystemTime::from(expires_at)),
        workspace: row.workspace_id.and_then(WorkspaceId::new),
    };
    Ok((identity, expires_at))
}

/// The auth layer's authenticator inside the auth service: the database itself.
#[derive(Debug, Clone)]
pub(crate) struct LocalAuthenticator {
    pub(crate) db: Db,
    pub(crate) clock: Clock,
}

impl Authenticator for LocalAuthenticator {
    fn authenticate<'a>(&'a self, token: &'a str) -> AuthFuture<'a> {
        Box::pin(async move {
            authenticate_token(&self.db, &self.clock, token)
                .await
                .map(|(identity, _)| identity)
                .map_err(Into::into)
        })
    }
}

impl AuthApi {
    pub(crate) async fn issue_api_token(
        &self,
        req: IssueApiTokenRequest,
        created_by: &str,
        reach: Reach,
    ) -> Result<IssueApiTokenResponse, Error> {
        let workspace = self
            .workspace_of_request(reach, req.workspace_id, None)
            .await?;
        let mut v = FieldViolations::new();
        let name = req.name.trim().to_owned();
        if name.is_empty() {
            v.add("name", "required: what the token is for");
        } else if name.chars().count() > 100 {
            v.add("name", "at most 100 characters");
        }
        let mut scopes = Vec::new();
        for (i, raw) in req.scopes.iter().enumerate() {
            match Scope::try_from(*raw) {
                Ok(Scope::Unspecified) | Err(_) => {
                    v.add(format!("scopes[{i}]"), format!("unknown scope {raw}"));
                }
                Ok(scope) => {
                    if let Some(why) = scope_misplaced(scope, workspace) {
                        v.add(format!("scopes[{i}]"), why);
                    } else if !scopes.contains(&scope) {
                        scopes.push(scope);
                    }
                }
            }
        }
        if req.scopes.is_empty() {
            v.add("scopes", "at least one scope is required");
        }
        let ttl = match req.ttl {
            None => DEFAULT_TTL,
            Some(d) => {
                let ttl =
                    TimeDelta::seconds(d.seconds) + TimeDelta::nanoseconds(i64::from(d.nanos));
                if ttl <= TimeDelta::zero() {
                    v.add("ttl", "must be positive");
                } else if ttl > MAX_TTL {
                    v.add("ttl", "at most 3650 days");
                }
                ttl
            }
        };
        v.into_result(DOMAIN)?;

        let now = self.clock.now();
        let by = created_by.to_owned();
        let (secret, row) = self
            .db
            .run(move |conn| insert_api_token(conn, &name, &scopes, workspace, ttl, &by, now))
            .await?;
        tracing::info!(token_id = %row.id, workspace_id = row.workspace_id, "caller token issued");
        Ok(IssueApiTokenResponse {
            token: secret,
            api_token: Some(token_proto(&row)),
        })
    }

    pub(crate) async fn revoke_api_token(
        &self,
        req: RevokeApiTokenRequest,
        reach: Reach,
    ) -> Result<RevokeApiTokenResponse, Error> {
        if req.token_id.is_empty() {
            return Err(invalid_field(DOMAIN, "token_id", "required").into());
        }
        let (id, now) = (req.token_id.clone(), self.clock.now());
        let only = reach.workspace().map(WorkspaceId::get);
        let row = self
            .db
            .run(move |conn| api_tokens::revoke(conn, &id, only, now).map_err(Error::from))
            .await?;
        let row = row.ok_or(Error::NotFound {
            kind: "token",
            id: req.token_id,
        })?;
        tracing::info!(token_id = %row.id, "caller token revoked");
        Ok(RevokeApiTokenResponse {
            api_token: Some(token_proto(&row)),
        })
    }

    pub(crate) async fn list_api_tokens(
        &self,
        req: ListApiTokensRequest,
        reach: Reach,
    ) -> Result<ListApiTokensResponse, Error> {
        let limit = page_size(req.page_size, 50, 100)?;
        let fingerprint = format!(
            "include_revoked={} workspace={} {}",
            req.include_revoked,
            req.workspace_id,
            reach.fingerprint()
        );
        let after = self.page_cursor("ListApiTokens", &fingerprint, &req.page_token)?;
        let include_revoked = req.include_revoked;
        // Another workspace's id lists nothing, as if it had no tokens.
        let Ok(only) = reach.resolve(req.workspace_id, None) else {
            return Ok(ListApiTokensResponse::default());
        };
        let only = only.map(WorkspaceId::get);
        let mut rows = self
            .db
            .run(move |conn| {
                api_tokens::list(conn, only, after.as_deref(), include_revoked, limit + 1)
                    .map_err(Error::from)
            })
            .await?;
        let next_page_token =
            self.next_page(&mut rows, limit, "ListApiTokens", &fingerprint, |r| {
                r.id.clone()
            });
        Ok(ListApiTokensResponse {
            api_tokens: rows.iter().map(token_proto).collect(),
            next_page_token,
        })
    }

    pub(crate) async fn authenticate(
        &self,
        req: AuthenticateRequest,
    ) -> Result<AuthenticateResponse, Error> {
        if req.token.is_empty() {
            return Err(invalid_field(DOMAIN, "token", "required").into());
        }
        let (identity, expires_at) = authenticate_token(&self.db, &self.clock, &req.token).await?;
        Ok(AuthenticateResponse {
            subject: identity.subject,
            token_id: identity.token_id,
            name: identity.name,
            scopes: identity.scopes.iter().map(|s| *s as i32).collect(),
            expire_time: Some(timestamp(expires_at)),
            workspace_id: identity.workspace.map_or(0, WorkspaceId::get),
        })
    }
}

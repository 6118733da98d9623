//! CreateWorkspace and ListWorkspaces, and how a request's `workspace_id` is read from
//! the caller's reach.

use adsync_proto::auth::{
    CreateWorkspaceRequest, CreateWorkspaceResponse, ListWorkspacesRequest, ListWorkspacesResponse,
    Workspace,
};
use adsync_server::{FieldViolations, Reach, WorkspaceId};

use super::{page_size, timestamp};
use crate::db::models::{NewWorkspace, WorkspaceRow};
use crate::db::workspaces;
use crate::error::{DOMAIN, Error};
use crate::service::AuthApi;

fn workspace_proto(row: &WorkspaceRow) -> Workspace {
    Workspace {
        workspace_id: row.id,
        name: row.name.clone(),
        display_name: row.display_name.clone(),
        create_time: Some(timestamp(row.created_at)),
    }
}

/// Whether `name` is a workspace name: 2 to 63 lowercase ASCII letters, digits and
/// hyphens, starting with a letter (the table checks the same).
fn is_workspace_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && (2..=63).contains(&name.len())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

impl AuthApi {
    /// The workspace a request's `workspace_id` names for a caller of `reach` (0: the
    /// caller's own, or `platform_default` for platform callers). A workspace the caller
    /// cannot see, or that does not exist, is NOT_FOUND — never PERMISSION_DENIED, which
    /// would confirm that it exists.
    pub(crate) async fn workspace_of_request(
        &self,
        reach: Reach,
        requested: i64,
        platform_default: Option<WorkspaceId>,
    ) -> Result<Option<WorkspaceId>, Error> {
        let not_found = || Error::NotFound {
            kind: "workspace",
            id: requested.to_string(),
        };
        let workspace = reach
            .resolve(requested, platform_default)
            .map_err(|_| not_found())?;
        if let (Reach::Platform, Some(w)) = (reach, workspace)
            && requested != 0
        {
            let exists = self
                .db
                .run(move |conn| workspaces::exists(conn, w.get()).map_err(Error::from))
                .await?;
            if !exists {
                return Err(not_found());
            }
        }
        Ok(workspace)
    }

    pub(crate) async fn create_workspace(
        &self,
        req: CreateWorkspaceRequest,
        created_by: &str,
    ) -> Result<CreateWorkspaceResponse, Error> {
        let mut v = FieldViolations::new();
        let name = req.name.trim().to_owned();
        if !is_workspace_name(&name) {
            v.add(
                "name",
                "2 to 63 lowercase letters, digits and hyphens, starting with a letter",
            );
        }
        let display_name = match req.display_name.trim() {
            "" => name.clone(),
            given => given.to_owned(),
        };
        if display_name.chars().count() > 200 {
            v.add("display_name", "at most 200 characters");
        }
        v.into_result(DOMAIN)?;
        let (now, by, stored_name) = (self.clock.now(), created_by.to_owned(), name.clone());
        let row = self
            .db
            .run(move |conn| {
                workspaces::insert(
                    conn,
                    &NewWorkspace {
                        name: &stored_name,
                        display_name: &display_name,
                        created_by: &by,
                        created_at: now,
                    },
                )
                .map_err(Error::from)
            })
            .await?
            .ok_or(Error::AlreadyExists {
                kind: "workspace",
                id: name,
            })?;
        tracing::info!(workspace_id = row.id, name = %row.name, "workspace created");
        Ok(CreateWorkspaceResponse {
            workspace: Some(workspace_proto(&row)),
        })
    }

    pub(crate) async fn list_workspaces(
        &self,
        req: ListWorkspacesRequest,
        reach: Reach,
    ) -> Result<ListWorkspacesResponse, Error> {
        let limit = page_size(req.page_size, 50, 100)?;
        let fingerprint = reach.fingerprint();
        let after = self
            .page_cursor("ListWorkspaces", &fingerprint, &req.page_token)?
            .map(|c| c.parse::<i64>())
            .transpose()
            .map_err(|_| {
                Error::from(adsync_server::invalid_field(
                    DOMAIN,
                    "page_token",
                    "not a page token of this call; start again without it",
                ))
            })?;
        let only = reach.workspace().map(WorkspaceId::get);
        let mut rows = self
            .db
            .run(move |conn| workspaces::list(conn, only, after, limit + 1).map_err(Error::from))
            .await?;
        let next_page_token =
            self.next_page(&mut rows, limit, "ListWorkspaces", &fingerprint, |r| {
                r.id.to_string()
            });
        Ok(ListWorkspacesResponse {
            workspaces: rows.iter().map(workspace_proto).collect(),
            next_page_token,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::is_workspace_name;

    #[test]
    fn workspace_names_are_short_lowercase_slugs() {
        for good in ["default", "acme", "acme-eu-2", "ab"] {
            assert!(is_workspace_name(good), "{good}");
        }
        for bad in [
            "",
            "a",
            "Acme",
            "2acme",
            "-acme",
            "acme_eu",
            "acme eu",
            &"a".repeat(64),
        ] {
            assert!(!is_workspace_name(bad), "{bad}");
        }
    }
}

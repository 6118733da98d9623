//! `adsync workspace create|list`: the clients of one deployment, and how `--workspace`
//! (an id or a name) becomes the id the RPCs take.

use adsync_proto::auth::auth_service_client::AuthServiceClient;
use adsync_proto::auth::{CreateWorkspaceRequest, ListWorkspacesRequest, Workspace};
use tonic::transport::Channel;

use crate::endpoints::{Endpoints, Token};
use crate::failure::{Failure, Outcome};
use crate::output::{Table, json, print_json, time};

#[derive(Debug, clap::Subcommand)]
pub(crate) enum WorkspaceCommand {
    /// Create a workspace (needs a platform `admin` token).
    Create {
        /// 2 to 63 lowercase letters, digits and hyphens, starting with a letter.
        name: String,
        /// A longer name for people; defaults to the name.
        #[arg(long, default_value = "")]
        display_name: String,
    },
    /// The workspaces the token can see: every one for a platform token, else its own.
    List,
}

/// Every workspace the token sees (all pages).
async fn all(auth: &mut AuthServiceClient<Channel>, token: &Token) -> Outcome<Vec<Workspace>> {
    let mut workspaces = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = auth
            .list_workspaces(token.request(ListWorkspacesRequest {
                page_size: 100,
                page_token,
            }))
            .await?
            .into_inner();
        workspaces.extend(page.workspaces);
        if page.next_page_token.is_empty() {
            return Ok(workspaces);
        }
        page_token = page.next_page_token;
    }
}

/// The id `--workspace` names: a number as it is, a name looked up among the workspaces
/// the token sees.
pub(crate) async fn resolve(endpoints: &Endpoints, workspace: Option<&str>) -> Outcome<i64> {
    let Some(given) = workspace else {
        return Ok(0);
    };
    if let Ok(id) = given.parse::<i64>() {
        return Ok(id);
    }
    let token = endpoints.token()?;
    let mut auth = endpoints.auth().await?;
    all(&mut auth, &token)
        .await?
        .into_iter()
        .find(|w| w.name == given)
        .map(|w| w.workspace_id)
        .ok_or_else(|| {
            Failure::Status(tonic::Status::not_found(format!(
                "workspace {given:?} does not exist (or this token cannot see it)"
            )))
        })
}

pub(crate) async fn workspace(
    endpoints: &Endpoints,
    command: WorkspaceCommand,
    as_json: bool,
) -> Outcome {
    let token = endpoints.token()?;
    let mut auth = endpoints.auth().await?;
    match command {
        WorkspaceCommand::Create { name, display_name } => {
            let created = auth
                .create_workspace(token.request(CreateWorkspaceRequest { name, display_name }))
                .await?
                .into_inner();
            if as_json {
                print_json(&json(&created, "adsync.auth.v1.CreateWorkspaceResponse"));
            } else if let Some(w) = created.workspace {
                println!("workspace {} created: {}", w.workspace_id, w.name);
            }
        }
        WorkspaceCommand::List => {
            let workspaces = all(&mut auth, &token).await?;
            if as_json {
                let listed = adsync_proto::auth::ListWorkspacesResponse {
                    workspaces,
                    next_page_token: String::new(),
                };
                print_json(&json(&listed, "adsync.auth.v1.ListWorkspacesResponse"));
                return Ok(());
            }
            let mut table = Table::new(&["workspace", "name", "display name", "created"]);
            for w in &workspaces {
                table.row(vec![
                    w.workspace_id.to_string(),
                    w.name.clone(),
                    w.display_name.clone(),
                    time(w.create_time.as_ref()),
                ]);
            }
            table.print();
        }
    }
    Ok(())
}

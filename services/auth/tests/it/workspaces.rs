//! Workspaces in the auth service: a workspace admin manages only its workspace's tokens
//! and connections, another workspace's ids answer NOT_FOUND, lists show only the
//! caller's workspace, and only `upstream:tokens` fetches upstream access tokens.

use adsync_proto::auth::{
    AuthenticateRequest, CompleteAuthorizationRequest, CreateServiceAccountConnectionRequest,
    CreateWorkspaceRequest, GetAccessTokenRequest, IssueApiTokenRequest, ListApiTokensRequest,
    ListConnectionsRequest, ListWorkspacesRequest, RevokeApiTokenRequest, RevokeConnectionRequest,
    Scope, StartAuthorizationRequest,
};
use tonic::Code;
use tonic_types::StatusExt;

use crate::support::{Auth, authorize, bearer, reason};

/// The fields a refusal names, in order.
fn fields(status: &tonic::Status) -> Vec<String> {
    status
        .get_error_details()
        .bad_request()
        .map(|b| b.field_violations.iter().map(|v| v.field.clone()).collect())
        .unwrap_or_default()
}

impl Auth {
    async fn create_workspace(&self, name: &str) -> i64 {
        self.client()
            .create_workspace(bearer(
                CreateWorkspaceRequest {
                    name: name.to_owned(),
                    display_name: String::new(),
                },
                &self.admin,
            ))
            .await
            .expect("create workspace")
            .into_inner()
            .workspace
            .expect("workspace")
            .workspace_id
    }

    /// Issues a token of `workspace` (0: the issuer's own, or platform) as `issuer`.
    async fn issue(
        &self,
        issuer: &str,
        workspace_id: i64,
        scopes: &[Scope],
    ) -> Result<(String, String), tonic::Status> {
        let issued = self
            .client()
            .issue_api_token(bearer(
                IssueApiTokenRequest {
                    name: "t".into(),
                    scopes: scopes.iter().map(|s| *s as i32).collect(),
                    ttl: None,
                    workspace_id,
                },
                issuer,
            ))
            .await?
            .into_inner();
        Ok((issued.token, issued.api_token.expect("metadata").token_id))
    }

    /// The workspace of the token `token` (0 for a platform token), as services see it.
    async fn workspace_of(&self, token: &str) -> i64 {
        let checker = self.token("checker", &[Scope::Service]).await;
        self.client()
            .authenticate(bearer(
                AuthenticateRequest {
                    token: token.to_owned(),
                },
                &checker,
            ))
            .await
            .expect("authenticate")
            .into_inner()
            .workspace_id
    }

    /// Connects a LinkedIn sandbox member as `admin` (a workspace admin or a platform
    /// admin naming `workspace_id`); returns (connection id, its workspace).
    async fn connect_as(&self, admin: &str, workspace_id: i64) -> (String, i64) {
        let started = self
            .client()
            .start_authorization(bearer(
                StartAuthorizationRequest {
                    workspace_id,
                    ..Default::default()
                },
                admin,
            ))
            .await
            .expect("start")
            .into_inner();
        let (code, state) = authorize(&started.authorization_url).await;
        let connection = self
            .client()
            .complete_authorization(bearer(CompleteAuthorizationRequest { state, code }, admin))
            .await
            .expect("complete")
            .into_inner()
            .connection
            .expect("connection");
        (connection.connection_id, connection.workspace_id)
    }

    async fn token_ids(&self, caller: &str, workspace_id: i64) -> Vec<(String, i64)> {
        self.client()
            .list_api_tokens(bearer(
                ListApiTokensRequest {
                    page_size: 100,
                    workspace_id,
                    ..Default::default()
                },
                caller,
            ))
            .await
            .expect("list tokens")
            .into_inner()
            .api_tokens
            .into_iter()
            .map(|t| (t.token_id, t.workspace_id))
            .collect()
    }

    async fn connection_ids(&self, caller: &str, workspace_id: i64) -> Vec<(String, i64)> {
        self.client()
            .list_connections(bearer(
                ListConnectionsRequest {
                    page_size: 100,
                    workspace_id,
                    ..Default::default()
                },
                caller,
            ))
            .await
            .expect("list connections")
            .into_inner()
            .connections
            .into_iter()
            .map(|c| (c.connection_id, c.workspace_id))
            .collect()
    }
}

#[tokio::test]
async fn workspace_admins_manage_only_their_own_workspace_tokens() {
    let auth = Auth::start().await;
    let acme = auth.create_workspace("acme").await;
    let globex = auth.create_workspace("globex").await;
    assert!(acme > 1 && globex > acme, "the default workspace is 1");

    // Workspace names are unique slugs.
    let taken = auth
        .client()
        .create_workspace(bearer(
            CreateWorkspaceRequest {
                name: "acme".into(),
                display_name: String::new(),
            },
            &auth.admin,
        ))
        .await
        .unwrap_err();
    assert_eq!(taken.code(), Code::AlreadyExists, "{taken:?}");
    let bad = auth
        .client()
        .create_workspace(bearer(
            CreateWorkspaceRequest {
                name: "Acme Corp".into(),
                display_name: String::new(),
            },
            &auth.admin,
        ))
        .await
        .unwrap_err();
    assert_eq!(
        (bad.code(), fields(&bad)),
        (Code::InvalidArgument, vec!["name".to_owned()])
    );

    // Platform scopes stay on platform tokens, a workspace admin belongs to a workspace.
    let misplaced = auth
        .issue(&auth.admin, acme, &[Scope::ReportsRead, Scope::Admin])
        .await
        .unwrap_err();
    assert_eq!(
        (misplaced.code(), fields(&misplaced)),
        (Code::InvalidArgument, vec!["scopes[1]".to_owned()])
    );
    let homeless = auth
        .issue(&auth.admin, 0, &[Scope::WorkspaceAdmin])
        .await
        .unwrap_err();
    assert_eq!(homeless.code(), Code::InvalidArgument, "{homeless:?}");
    let nowhere = auth
        .issue(&auth.admin, 9_999, &[Scope::ReportsRead])
        .await
        .unwrap_err();
    assert_eq!(nowhere.code(), Code::NotFound, "{nowhere:?}");

    let (acme_admin, _) = auth
        .issue(&auth.admin, acme, &[Scope::WorkspaceAdmin])
        .await
        .unwrap();
    let (globex_admin, _) = auth
        .issue(&auth.admin, globex, &[Scope::WorkspaceAdmin])
        .await
        .unwrap();
    assert_eq!(auth.workspace_of(&acme_admin).await, acme);

    // A workspace admin issues its own workspace's tokens, and no other's.
    let (acme_reader, acme_reader_id) = auth
        .issue(&acme_admin, 0, &[Scope::ReportsRead])
        .await
        .unwrap();
    assert_eq!(auth.workspace_of(&acme_reader).await, acme);
    let (globex_reader, globex_reader_id) = auth
        .issue(&globex_admin, globex, &[Scope::ReportsRead])
        .await
        .unwrap();
    let foreign = auth
        .issue(&acme_admin, globex, &[Scope::ReportsRead])
        .await
        .unwrap_err();
    assert_eq!(
        (foreign.code(), reason(&foreign).as_str()),
        (Code::NotFound, "NOT_FOUND"),
        "another workspace is as unknown as one that does not exist"
    );
    let promoted = auth
        .issue(&acme_admin, 0, &[Scope::Admin])
        .await
        .unwrap_err();
    assert_eq!(promoted.code(), Code::InvalidArgument, "{promoted:?}");

    // Lists: a workspace admin sees its own tokens; asking for another's lists nothing.
    let acme_tokens = auth.token_ids(&acme_admin, 0).await;
    assert!(
        acme_tokens.iter().all(|(_, w)| *w == acme),
        "{acme_tokens:?}"
    );
    assert!(acme_tokens.iter().any(|(id, _)| *id == acme_reader_id));
    assert!(auth.token_ids(&acme_admin, globex).await.is_empty());
    let everything = auth.token_ids(&auth.admin, 0).await;
    assert!(everything.iter().any(|(id, _)| *id == globex_reader_id));
    assert!(
        everything.iter().any(|(_, w)| *w == 0),
        "platform tokens too"
    );
    assert_eq!(
        auth.token_ids(&auth.admin, globex)
            .await
            .iter()
            .map(|(_, w)| *w)
            .collect::<std::collections::BTreeSet<_>>(),
        [globex].into()
    );

    // A page token belongs to the caller that asked for it.
    let first = auth
        .client()
        .list_api_tokens(bearer(
            ListApiTokensRequest {
                page_size: 1,
                ..Default::default()
            },
            &acme_admin,
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(!first.next_page_token.is_empty());
    let replayed = auth
        .client()
        .list_api_tokens(bearer(
            ListApiTokensRequest {
                page_size: 1,
                page_token: first.next_page_token,
                ..Default::default()
            },
            &globex_admin,
        ))
        .await
        .unwrap_err();
    assert_eq!(replayed.code(), Code::InvalidArgument, "{replayed:?}");

    // Revoking another workspace's token: NOT_FOUND, and the token keeps working.
    let revoke = |caller: &str, token_id: &str| {
        let mut client = auth.client();
        let request = bearer(
            RevokeApiTokenRequest {
                token_id: token_id.to_owned(),
            },
            caller,
        );
        async move { client.revoke_api_token(request).await }
    };
    let refused = revoke(&acme_admin, &globex_reader_id).await.unwrap_err();
    assert_eq!(refused.code(), Code::NotFound, "{refused:?}");
    assert_eq!(auth.workspace_of(&globex_reader).await, globex);
    revoke(&acme_admin, &acme_reader_id)
        .await
        .expect("its own token");

    // Workspaces: only platform admins create them; a workspace token sees its own.
    let denied = auth
        .client()
        .create_workspace(bearer(
            CreateWorkspaceRequest {
                name: "initech".into(),
                display_name: String::new(),
            },
            &acme_admin,
        ))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied, "{denied:?}");
    assert!(denied.message().contains("`admin`"), "{}", denied.message());
    let (acme_syncer, _) = auth
        .issue(&acme_admin, 0, &[Scope::SyncRead])
        .await
        .unwrap();
    let listed = |caller: String| {
        let client = auth.client();
        async move {
            client
                .clone()
                .list_workspaces(bearer(ListWorkspacesRequest::default(), &caller))
                .await
                .unwrap()
                .into_inner()
                .workspaces
                .into_iter()
                .map(|w| (w.workspace_id, w.name))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(listed(acme_syncer).await, [(acme, "acme".to_owned())]);
    assert_eq!(
        listed(auth.admin.clone()).await,
        [
            (1, "default".to_owned()),
            (acme, "acme".to_owned()),
            (globex, "globex".to_owned())
        ]
    );
}

#[tokio::test]
async fn connections_belong_to_the_workspace_that_made_them() {
    let auth = Auth::start().await;
    let acme = auth.create_workspace("acme").await;
    let globex = auth.create_workspace("globex").await;
    let (acme_admin, _) = auth
        .issue(&auth.admin, acme, &[Scope::WorkspaceAdmin])
        .await
        .unwrap();
    let (globex_admin, _) = auth
        .issue(&auth.admin, globex, &[Scope::WorkspaceAdmin])
        .await
        .unwrap();

    let (acme_connection, owner) = auth.connect_as(&acme_admin, 0).await;
    assert_eq!(owner, acme);
    let (_, owner) = auth.connect_as(&auth.admin, 0).await;
    assert_eq!(
        owner, 1,
        "a platform admin's connection goes to the default workspace"
    );
    let (globex_connection, owner) = auth.connect_as(&auth.admin, globex).await;
    assert_eq!(owner, globex);

    // Lists show the caller's workspace; the platform sees all, or one on request.
    assert_eq!(
        auth.connection_ids(&acme_admin, 0).await,
        [(acme_connection.clone(), acme)]
    );
    assert!(auth.connection_ids(&acme_admin, globex).await.is_empty());
    assert_eq!(auth.connection_ids(&auth.admin, 0).await.len(), 3);
    assert_eq!(
        auth.connection_ids(&auth.admin, globex).await,
        [(globex_connection.clone(), globex)]
    );

    // Another workspace's connection is unknown: not revocable, not re-authorizable.
    let revoked = auth
        .client()
        .revoke_connection(bearer(
            RevokeConnectionRequest {
                connection_id: acme_connection.clone(),
            },
            &globex_admin,
        ))
        .await
        .unwrap_err();
    assert_eq!(revoked.code(), Code::NotFound, "{revoked:?}");
    // Re-authorizing acme's connection, or authorizing into acme.
    for request in [
        StartAuthorizationRequest {
            connection_id: acme_connection.clone(),
            ..Default::default()
        },
        StartAuthorizationRequest {
            workspace_id: acme,
            ..Default::default()
        },
    ] {
        let refused = auth
            .client()
            .start_authorization(bearer(request, &globex_admin))
            .await
            .unwrap_err();
        assert_eq!(refused.code(), Code::NotFound, "{refused:?}");
    }
    let key_elsewhere = auth
        .client()
        .create_service_account_connection(bearer(
            CreateServiceAccountConnectionRequest {
                key_file_json: "{}".into(),
                workspace_id: acme,
                ..Default::default()
            },
            &globex_admin,
        ))
        .await
        .unwrap_err();
    assert_eq!(key_elsewhere.code(), Code::NotFound, "{key_elsewhere:?}");

    // Another workspace's authorization cannot be completed, and stays usable by its own.
    let started = auth
        .client()
        .start_authorization(bearer(StartAuthorizationRequest::default(), &acme_admin))
        .await
        .unwrap()
        .into_inner();
    let (code, state) = authorize(&started.authorization_url).await;
    let complete = |caller: &str| {
        let mut client = auth.client();
        let request = bearer(
            CompleteAuthorizationRequest {
                state: state.clone(),
                code: code.clone(),
            },
            caller,
        );
        async move { client.complete_authorization(request).await }
    };
    let hijack = complete(&globex_admin).await.unwrap_err();
    assert_eq!(
        (hijack.code(), reason(&hijack).as_str()),
        (Code::FailedPrecondition, "STATE_UNKNOWN")
    );
    let completed = complete(&acme_admin).await.unwrap().into_inner();
    assert_eq!(completed.connection.unwrap().workspace_id, acme);

    // Upstream tokens go to `upstream:tokens` alone: not to reporting's `service`
    // token, not even to a platform admin.
    let ingestion = auth.token("ingestion", &[Scope::UpstreamTokens]).await;
    let reporting = auth.token("reporting", &[Scope::Service]).await;
    let get = |caller: &str| {
        let mut client = auth.client();
        let request = bearer(
            GetAccessTokenRequest {
                connection_id: acme_connection.clone(),
                force_refresh: false,
            },
            caller,
        );
        async move { client.get_access_token(request).await }
    };
    get(&ingestion).await.expect("ingestion fetches tokens");
    for caller in [&reporting, &auth.admin, &acme_admin] {
        let denied = get(caller).await.unwrap_err();
        assert_eq!(
            (denied.code(), reason(&denied).as_str()),
            (Code::PermissionDenied, "MISSING_SCOPE"),
            "{denied:?}"
        );
    }
    assert_eq!(
        auth.connection_ids(&ingestion, 0).await.len(),
        4,
        "ingestion syncs every workspace's connections"
    );
    let unlisted = auth
        .client()
        .list_connections(bearer(ListConnectionsRequest::default(), &reporting))
        .await
        .unwrap_err();
    assert_eq!(unlisted.code(), Code::PermissionDenied, "{unlisted:?}");
}

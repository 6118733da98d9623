//! DiscoverAccounts: ask each connection's upstream which accounts it reaches, and
//! record them so they can be synced and scheduled.

use adsync_proto::ingestion::{
    DiscoverAccountsRequest, DiscoverAccountsResponse, ForeignAccount, SyncAccount,
};
use adsync_server::{FieldViolations, Reach, WorkspaceId, timestamp};

use super::{Unspecified, source_of};
use crate::error::{DOMAIN, Error};
use crate::runs::accounts::{self, Recorded};
use crate::service::IngestionApi;
use crate::upstream::{UpstreamError, unusable};

impl IngestionApi {
    pub(crate) async fn discover_accounts(
        &self,
        req: DiscoverAccountsRequest,
        reach: Reach,
    ) -> Result<DiscoverAccountsResponse, Error> {
        let mut v = FieldViolations::new();
        let only = source_of(&self.platform, req.source, Unspecified::Every, &mut v);
        v.into_result(DOMAIN)?;
        // The caller's workspace's connections: another workspace's is unknown here.
        let connections: Vec<_> = self
            .platform
            .auth
            .connections()
            .await?
            .into_iter()
            .filter(|c| reach.sees_stored(c.workspace_id))
            .collect();
        let chosen: Vec<_> = if req.connection_id.is_empty() {
            connections
                .into_iter()
                .filter(|c| unusable(c).is_none())
                .collect()
        } else {
            let c = connections
                .into_iter()
                .find(|c| c.connection_id == req.connection_id)
                .ok_or_else(|| Error::NotFound {
                    kind: "connection",
                    id: req.connection_id.clone(),
                })?;
            if let Some(why) = unusable(&c) {
                return Err(Error::ConnectionUnusable(why));
            }
            if let Some(source) = only.as_ref().filter(|s| s.provider() != c.provider()) {
                let mut v = FieldViolations::new();
                v.add(
                    "connection_id",
                    format!(
                        "connection {:?} is a {} connection; {} needs a {} connection",
                        c.connection_id,
                        c.provider().as_str_name(),
                        source.proto().as_str_name(),
                        source.provider().as_str_name()
                    ),
                );
                v.into_result(DOMAIN)?;
            }
            vec![c]
        };

        let mut found = Vec::new();
        for connection in chosen {
            let tokens = self.platform.auth.tokens(&connection.connection_id);
            let sources = self
                .platform
                .sources
                .all()
                .iter()
                .filter(|s| s.provider() == connection.provider())
                .filter(|s| only.as_ref().is_none_or(|o| o.name() == s.name()));
            for source in sources {
                let accounts = match source.discover(&*tokens).await {
                    Ok(accounts) => accounts,
                    // Asked about every connection: one that turns out unusable (its grant
                    // was revoked upstream) is skipped, not a reason to discover nothing.
                    // (An auth outage still fails the call.)
                    Err(Error::Upstream(UpstreamError::ConnectionUnusable(why)))
                        if req.connection_id.is_empty() =>
                    {
                        tracing::warn!(connection_id = %connection.connection_id, reason = %why, "skipping a connection that cannot supply tokens");
                        continue;
                    }
                    Err(e) => return Err(e),
                };
                let Some(workspace) = WorkspaceId::new(connection.workspace_id) else {
                    continue;
                };
                for account in accounts {
                    found.push((
                        source.clone(),
                        connection.connection_id.clone(),
                        workspace,
                        account,
                    ));
                }
            }
        }

        let now = self.platform.clock.now();
        let rows = self
            .platform
            .db
            .run(move |conn| {
                let mut answer = DiscoverAccountsResponse::default();
                for (source, connection_id, workspace, account) in &found {
                    let recorded = accounts::upsert(
                        conn,
                        &source.name(),
                        connection_id,
                        *workspace,
                        account,
                        now,
                    )?;
                    match recorded {
                        Recorded::Owned(r) => answer.accounts.push(SyncAccount {
                            account_id: r.account_id,
                            source: source.proto() as i32,
                            name: r.name,
                            status: r.status,
                            connection_id: r.connection_id,
                            last_success_time: r.last_success_at.map(timestamp),
                            workspace_id: r.workspace_id,
                        }),
                        Recorded::OwnedElsewhere => {
                            tracing::warn!(source = %source.name(), account_id = account.account_id, %connection_id, "a connection reaches an account another workspace owns; it stays there");
                            answer.owned_elsewhere.push(ForeignAccount {
                                source: source.proto() as i32,
                                account_id: account.account_id,
                                connection_id: connection_id.clone(),
                            });
                        }
                    }
                }
                Ok::<_, Error>(answer)
            })
            .await?;
        tracing::info!(
            accounts = rows.accounts.len(),
            owned_elsewhere = rows.owned_elsewhere.len(),
            "accounts discovered"
        );
        Ok(rows)
    }
}

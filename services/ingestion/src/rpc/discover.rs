//! DiscoverAccounts: ask the upstream which ad accounts each connection reads, and record
//! them so they can be synced and scheduled.

use adsync_proto::ingestion::{DiscoverAccountsRequest, DiscoverAccountsResponse, SyncAccount};

use super::timestamp;
use crate::accounts;
use crate::error::Error;
use crate::linkedin::records::Account;
use crate::linkedin::{AuthTokenSource, CallCounter};
use crate::service::IngestionApi;

impl IngestionApi {
    pub(crate) async fn discover_accounts(
        &self,
        req: DiscoverAccountsRequest,
    ) -> Result<DiscoverAccountsResponse, Error> {
        let connections = crate::connections::list(&self.auth_channel, &self.service_token).await?;
        let chosen: Vec<_> = if req.connection_id.is_empty() {
            connections
                .into_iter()
                .filter(|c| crate::connections::unusable(c).is_none())
                .collect()
        } else {
            let c = connections
                .into_iter()
                .find(|c| c.connection_id == req.connection_id)
                .ok_or_else(|| Error::NotFound {
                    kind: "connection",
                    id: req.connection_id.clone(),
                })?;
            if let Some(why) = crate::connections::unusable(&c) {
                return Err(Error::ConnectionUnusable(why));
            }
            vec![c]
        };

        let mut found = Vec::new();
        for connection in chosen {
            let tokens = AuthTokenSource::new(
                self.auth_channel.clone(),
                self.service_token.clone(),
                connection.connection_id.clone(),
            );
            let counter = CallCounter::default();
            let mut raw = Vec::new();
            self.client
                .for_each_page("/adAccounts", "q=search", 1000, &tokens, &counter, |page| {
                    raw.extend(page)
                })
                .await?;
            for element in raw {
                match Account::parse(&element) {
                    Ok(account) => found.push((connection.connection_id.clone(), account)),
                    Err(invalid) => {
                        tracing::warn!(reason = %invalid.reason, "skipping an invalid ad account record")
                    }
                }
            }
        }

        let now = self.clock.now();
        let rows = self
            .db
            .run(move |conn| {
                found
                    .iter()
                    .map(|(connection_id, a)| {
                        accounts::upsert(conn, a.id, connection_id, &a.name, &a.status, now)
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(Error::from)
            })
            .await?;
        tracing::info!(accounts = rows.len(), "accounts discovered");
        Ok(DiscoverAccountsResponse {
            accounts: rows
                .into_iter()
                .map(|r| SyncAccount {
                    account_id: r.account_id,
                    name: r.name,
                    status: r.status,
                    connection_id: r.connection_id,
                    last_success_time: r.last_success_at.map(timestamp),
                })
                .collect(),
        })
    }
}

//! The gRPC face of the ingestion service: each RPC delegates to its module.

use std::pin::Pin;

use adsync_db::Db;
use adsync_proto::auth::Scope;
use adsync_proto::ingestion::ingestion_service_server::IngestionService;
use adsync_proto::ingestion::*;
use adsync_server::{Clock, MethodScopes};
use secrecy::SecretString;
use tonic::transport::Channel;

use crate::linkedin::LinkedInClient;
use tokio_stream::Stream;
use tonic::{Request, Response, Status};

/// The scopes each RPC accepts (`admin` is accepted everywhere).
pub(crate) const METHOD_SCOPES: MethodScopes = &[
    (
        "/adsync.ingestion.v1.IngestionService/StartSync",
        &[Scope::SyncWrite],
    ),
    (
        "/adsync.ingestion.v1.IngestionService/TriggerSync",
        &[Scope::SyncWrite],
    ),
    (
        "/adsync.ingestion.v1.IngestionService/DiscoverAccounts",
        &[Scope::SyncWrite],
    ),
    (
        "/adsync.ingestion.v1.IngestionService/WatchSync",
        &[Scope::SyncRead],
    ),
    (
        "/adsync.ingestion.v1.IngestionService/SubscribeSyncEvents",
        &[Scope::SyncRead],
    ),
    (
        "/adsync.ingestion.v1.IngestionService/GetSyncRun",
        &[Scope::SyncRead],
    ),
    (
        "/adsync.ingestion.v1.IngestionService/ListSyncRuns",
        &[Scope::SyncRead],
    ),
    (
        "/adsync.ingestion.v1.IngestionService/CheckFreshness",
        &[Scope::SyncRead],
    ),
];

/// A server stream of one RPC's responses.
type EventStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

/// Implements `adsync.ingestion.v1.IngestionService`. Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct IngestionApi {
    pub(crate) db: Db,
    pub(crate) client: LinkedInClient,
    pub(crate) auth_channel: Channel,
    pub(crate) service_token: SecretString,
    pub(crate) clock: Clock,
}

fn not_yet(rpc: &str) -> Status {
    Status::unimplemented(format!("{rpc} is not implemented yet"))
}

#[tonic::async_trait]
impl IngestionService for IngestionApi {
    type StartSyncStream = EventStream<StartSyncResponse>;
    type WatchSyncStream = EventStream<WatchSyncResponse>;
    type SubscribeSyncEventsStream = EventStream<SubscribeSyncEventsResponse>;

    async fn start_sync(
        &self,
        _: Request<StartSyncRequest>,
    ) -> Result<Response<Self::StartSyncStream>, Status> {
        Err(not_yet("StartSync"))
    }
    async fn trigger_sync(
        &self,
        _: Request<TriggerSyncRequest>,
    ) -> Result<Response<TriggerSyncResponse>, Status> {
        Err(not_yet("TriggerSync"))
    }
    async fn watch_sync(
        &self,
        _: Request<WatchSyncRequest>,
    ) -> Result<Response<Self::WatchSyncStream>, Status> {
        Err(not_yet("WatchSync"))
    }
    async fn subscribe_sync_events(
        &self,
        _: Request<SubscribeSyncEventsRequest>,
    ) -> Result<Response<Self::SubscribeSyncEventsStream>, Status> {
        Err(not_yet("SubscribeSyncEvents"))
    }
    async fn get_sync_run(
        &self,
        _: Request<GetSyncRunRequest>,
    ) -> Result<Response<GetSyncRunResponse>, Status> {
        Err(not_yet("GetSyncRun"))
    }
    async fn list_sync_runs(
        &self,
        _: Request<ListSyncRunsRequest>,
    ) -> Result<Response<ListSyncRunsResponse>, Status> {
        Err(not_yet("ListSyncRuns"))
    }
    async fn check_freshness(
        &self,
        _: Request<CheckFreshnessRequest>,
    ) -> Result<Response<CheckFreshnessResponse>, Status> {
        Err(not_yet("CheckFreshness"))
    }
    #[tracing::instrument(skip_all, fields(rpc = "DiscoverAccounts"))]
    async fn discover_accounts(
        &self,
        request: Request<DiscoverAccountsRequest>,
    ) -> Result<Response<DiscoverAccountsResponse>, Status> {
        Ok(Response::new(
            self.discover_accounts(request.into_inner()).await?,
        ))
    }
}

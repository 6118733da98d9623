//! The gRPC face of the ingestion service: each RPC delegates to its module.

use std::pin::Pin;
use std::sync::Arc;

use adsync_proto::auth::Scope;
use adsync_proto::ingestion::ingestion_service_server::IngestionService;
use adsync_proto::ingestion::*;
use adsync_server::{MethodScopes, caller_reach};
use tokio_stream::Stream;
use tonic::{Request, Response, Status};

use crate::runs::Platform;

/// The scopes each RPC accepts (`admin` implies every one, `workspace:admin` its
/// workspace's `sync:*`). Every RPC answers from the caller's workspace only.
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
    (
        "/adsync.ingestion.v1.IngestionService/CreateSupplierFeed",
        &[Scope::SyncWrite],
    ),
    (
        "/adsync.ingestion.v1.IngestionService/UpdateSupplierFeed",
        &[Scope::SyncWrite],
    ),
    (
        "/adsync.ingestion.v1.IngestionService/GetSupplierFeed",
        &[Scope::SyncRead],
    ),
    (
        "/adsync.ingestion.v1.IngestionService/ListSupplierFeeds",
        &[Scope::SyncRead],
    ),
    (
        "/adsync.ingestion.v1.IngestionService/PreviewSupplierFeed",
        &[Scope::SyncWrite],
    ),
    (
        "/adsync.ingestion.v1.IngestionService/SetItemStatus",
        &[Scope::SyncWrite],
    ),
    (
        "/adsync.ingestion.v1.IngestionService/UploadSupplierFile",
        &[Scope::SyncWrite],
    ),
    (
        "/adsync.ingestion.v1.IngestionService/ListSupplierUploads",
        &[Scope::SyncRead],
    ),
];

/// A server stream of one RPC's responses.
pub(crate) type EventStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

/// Implements `adsync.ingestion.v1.IngestionService` on the run platform. Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct IngestionApi {
    pub(crate) platform: Arc<Platform>,
    /// Signs and reads ListSyncRuns' page tokens and the event firehose's cursors.
    pub(crate) page_tokens: adsync_server::PageTokens,
}

#[tonic::async_trait]
impl IngestionService for IngestionApi {
    type StartSyncStream = EventStream<StartSyncResponse>;
    type WatchSyncStream = EventStream<WatchSyncResponse>;
    type SubscribeSyncEventsStream = EventStream<SubscribeSyncEventsResponse>;

    #[tracing::instrument(skip_all, fields(rpc = "StartSync"))]
    async fn start_sync(
        &self,
        request: Request<StartSyncRequest>,
    ) -> Result<Response<Self::StartSyncStream>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            self.start_sync(request.into_inner(), reach).await?,
        ))
    }
    #[tracing::instrument(skip_all, fields(rpc = "TriggerSync"))]
    async fn trigger_sync(
        &self,
        request: Request<TriggerSyncRequest>,
    ) -> Result<Response<TriggerSyncResponse>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            self.trigger_sync(request.into_inner(), reach).await?,
        ))
    }
    #[tracing::instrument(skip_all, fields(rpc = "WatchSync"))]
    async fn watch_sync(
        &self,
        request: Request<WatchSyncRequest>,
    ) -> Result<Response<Self::WatchSyncStream>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(self.watch_sync(request.into_inner(), reach)?))
    }
    #[tracing::instrument(skip_all, fields(rpc = "SubscribeSyncEvents"))]
    async fn subscribe_sync_events(
        &self,
        request: Request<SubscribeSyncEventsRequest>,
    ) -> Result<Response<Self::SubscribeSyncEventsStream>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            self.subscribe_sync_events(request.into_inner(), reach)
                .await?,
        ))
    }
    #[tracing::instrument(skip_all, fields(rpc = "GetSyncRun"))]
    async fn get_sync_run(
        &self,
        request: Request<GetSyncRunRequest>,
    ) -> Result<Response<GetSyncRunResponse>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            self.get_sync_run(request.into_inner(), reach).await?,
        ))
    }
    #[tracing::instrument(skip_all, fields(rpc = "ListSyncRuns"))]
    async fn list_sync_runs(
        &self,
        request: Request<ListSyncRunsRequest>,
    ) -> Result<Response<ListSyncRunsResponse>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            self.list_sync_runs(request.into_inner(), reach).await?,
        ))
    }
    #[tracing::instrument(skip_all, fields(rpc = "CheckFreshness", account_id = request.get_ref().account_id))]
    async fn check_freshness(
        &self,
        request: Request<CheckFreshnessRequest>,
    ) -> Result<Response<CheckFreshnessResponse>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            self.check_freshness(request.into_inner(), reach).await?,
        ))
    }
    #[tracing::instrument(skip_all, fields(rpc = "DiscoverAccounts"))]
    async fn discover_accounts(
        &self,
        request: Request<DiscoverAccountsRequest>,
    ) -> Result<Response<DiscoverAccountsResponse>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            self.discover_accounts(request.into_inner(), reach).await?,
        ))
    }
    #[tracing::instrument(skip_all, fields(rpc = "CreateSupplierFeed"))]
    async fn create_supplier_feed(
        &self,
        request: Request<CreateSupplierFeedRequest>,
    ) -> Result<Response<CreateSupplierFeedResponse>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            self.create_supplier_feed(request.into_inner(), reach)
                .await?,
        ))
    }
    #[tracing::instrument(skip_all, fields(rpc = "UpdateSupplierFeed"))]
    async fn update_supplier_feed(
        &self,
        request: Request<UpdateSupplierFeedRequest>,
    ) -> Result<Response<UpdateSupplierFeedResponse>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            self.update_supplier_feed(request.into_inner(), reach)
                .await?,
        ))
    }
    #[tracing::instrument(skip_all, fields(rpc = "GetSupplierFeed"))]
    async fn get_supplier_feed(
        &self,
        request: Request<GetSupplierFeedRequest>,
    ) -> Result<Response<GetSupplierFeedResponse>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            self.get_supplier_feed(request.into_inner(), reach).await?,
        ))
    }
    #[tracing::instrument(skip_all, fields(rpc = "ListSupplierFeeds"))]
    async fn list_supplier_feeds(
        &self,
        request: Request<ListSupplierFeedsRequest>,
    ) -> Result<Response<ListSupplierFeedsResponse>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            self.list_supplier_feeds(request.into_inner(), reach)
                .await?,
        ))
    }
    #[tracing::instrument(skip_all, fields(rpc = "PreviewSupplierFeed"))]
    async fn preview_supplier_feed(
        &self,
        request: Request<PreviewSupplierFeedRequest>,
    ) -> Result<Response<PreviewSupplierFeedResponse>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            self.preview_supplier_feed(request.into_inner(), reach)
                .await?,
        ))
    }
    #[tracing::instrument(skip_all, fields(rpc = "SetItemStatus"))]
    async fn set_item_status(
        &self,
        request: Request<SetItemStatusRequest>,
    ) -> Result<Response<SetItemStatusResponse>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            self.set_item_status(request.into_inner(), reach).await?,
        ))
    }
    #[tracing::instrument(skip_all, fields(rpc = "UploadSupplierFile"))]
    async fn upload_supplier_file(
        &self,
        request: Request<tonic::Streaming<UploadSupplierFileRequest>>,
    ) -> Result<Response<UploadSupplierFileResponse>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            self.upload_supplier_file(request.into_inner(), reach)
                .await?,
        ))
    }
    #[tracing::instrument(skip_all, fields(rpc = "ListSupplierUploads"))]
    async fn list_supplier_uploads(
        &self,
        request: Request<ListSupplierUploadsRequest>,
    ) -> Result<Response<ListSupplierUploadsResponse>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            self.list_supplier_uploads(request.into_inner(), reach)
                .await?,
        ))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_rpc_is_in_the_scope_table() {
        let missing = adsync_server::methods_missing_from(
            adsync_proto::INGESTION_SERVICE,
            super::METHOD_SCOPES,
        );
        assert!(
            missing.is_empty(),
            "not in METHOD_SCOPES (refused to everyone): {missing:?}"
        );
    }
}

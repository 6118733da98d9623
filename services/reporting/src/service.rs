//! The gRPC face of the reporting service: each RPC delegates to its module.

use adsync_db::Db;
use adsync_proto::auth::Scope;
use adsync_proto::reporting::reporting_service_server::ReportingService;
use adsync_proto::reporting::*;
use adsync_server::MethodScopes;
use tonic::{Request, Response, Status};

/// The scopes each RPC accepts (`admin` is accepted everywhere).
pub(crate) const METHOD_SCOPES: MethodScopes = &[
    (
        "/adsync.reporting.v1.ReportingService/ListAccounts",
        &[Scope::ReportsRead],
    ),
    (
        "/adsync.reporting.v1.ReportingService/ListCampaigns",
        &[Scope::ReportsRead],
    ),
    (
        "/adsync.reporting.v1.ReportingService/ListCreatives",
        &[Scope::ReportsRead],
    ),
    (
        "/adsync.reporting.v1.ReportingService/GetCampaignMetrics",
        &[Scope::ReportsRead],
    ),
    (
        "/adsync.reporting.v1.ReportingService/GetCreativeMetrics",
        &[Scope::ReportsRead],
    ),
    (
        "/adsync.reporting.v1.ReportingService/GetAccountSummary",
        &[Scope::ReportsRead],
    ),
    (
        "/adsync.reporting.v1.ReportingService/GetDemographics",
        &[Scope::ReportsRead],
    ),
    (
        "/adsync.reporting.v1.ReportingService/AuditCampaigns",
        &[Scope::ReportsRead],
    ),
    (
        "/adsync.reporting.v1.ReportingService/GetSyncStatus",
        &[Scope::ReportsRead],
    ),
];

/// Implements `adsync.reporting.v1.ReportingService`.
#[derive(Debug, Clone)]
pub(crate) struct ReportingApi {
    #[allow(dead_code)]
    db: Db,
}

impl ReportingApi {
    pub(crate) fn new(db: Db) -> Self {
        Self { db }
    }
}

fn not_yet(rpc: &str) -> Status {
    Status::unimplemented(format!("{rpc} is not implemented yet"))
}

#[tonic::async_trait]
impl ReportingService for ReportingApi {
    async fn list_accounts(
        &self,
        _: Request<ListAccountsRequest>,
    ) -> Result<Response<ListAccountsResponse>, Status> {
        Err(not_yet("ListAccounts"))
    }
    async fn list_campaigns(
        &self,
        _: Request<ListCampaignsRequest>,
    ) -> Result<Response<ListCampaignsResponse>, Status> {
        Err(not_yet("ListCampaigns"))
    }
    async fn list_creatives(
        &self,
        _: Request<ListCreativesRequest>,
    ) -> Result<Response<ListCreativesResponse>, Status> {
        Err(not_yet("ListCreatives"))
    }
    async fn get_campaign_metrics(
        &self,
        _: Request<GetCampaignMetricsRequest>,
    ) -> Result<Response<GetCampaignMetricsResponse>, Status> {
        Err(not_yet("GetCampaignMetrics"))
    }
    async fn get_creative_metrics(
        &self,
        _: Request<GetCreativeMetricsRequest>,
    ) -> Result<Response<GetCreativeMetricsResponse>, Status> {
        Err(not_yet("GetCreativeMetrics"))
    }
    async fn get_account_summary(
        &self,
        _: Request<GetAccountSummaryRequest>,
    ) -> Result<Response<GetAccountSummaryResponse>, Status> {
        Err(not_yet("GetAccountSummary"))
    }
    async fn get_demographics(
        &self,
        _: Request<GetDemographicsRequest>,
    ) -> Result<Response<GetDemographicsResponse>, Status> {
        Err(not_yet("GetDemographics"))
    }
    async fn audit_campaigns(
        &self,
        _: Request<AuditCampaignsRequest>,
    ) -> Result<Response<AuditCampaignsResponse>, Status> {
        Err(not_yet("AuditCampaigns"))
    }
    async fn get_sync_status(
        &self,
        _: Request<GetSyncStatusRequest>,
    ) -> Result<Response<GetSyncStatusResponse>, Status> {
        Err(not_yet("GetSyncStatus"))
    }
}

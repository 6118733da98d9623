//! The gRPC face of the reporting service: each RPC delegates to its module.

use adsync_db::Db;
use adsync_proto::auth::Scope;
use adsync_proto::reporting::reporting_service_server::ReportingService;
use adsync_proto::reporting::*;
use adsync_server::{Clock, MethodScopes, caller_reach};
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
    (
        "/adsync.reporting.v1.ReportingService/ListAmazonProfiles",
        &[Scope::ReportsRead],
    ),
    (
        "/adsync.reporting.v1.ReportingService/ListAmazonCampaigns",
        &[Scope::ReportsRead],
    ),
    (
        "/adsync.reporting.v1.ReportingService/ListAmazonAdGroups",
        &[Scope::ReportsRead],
    ),
    (
        "/adsync.reporting.v1.ReportingService/ListAmazonTargetings",
        &[Scope::ReportsRead],
    ),
    (
        "/adsync.reporting.v1.ReportingService/GetAmazonMetrics",
        &[Scope::ReportsRead],
    ),
    (
        "/adsync.reporting.v1.ReportingService/ListAmazonSearchTerms",
        &[Scope::ReportsRead],
    ),
    (
        "/adsync.reporting.v1.ReportingService/AuditAmazonWaste",
        &[Scope::ReportsRead],
    ),
    (
        "/adsync.reporting.v1.ReportingService/AuditAmazonHarvest",
        &[Scope::ReportsRead],
    ),
    (
        "/adsync.reporting.v1.ReportingService/GetDailySpend",
        &[Scope::ReportsRead],
    ),
    (
        "/adsync.reporting.v1.ReportingService/ListSuppliers",
        &[Scope::ReportsRead],
    ),
    (
        "/adsync.reporting.v1.ReportingService/ListSupplierItems",
        &[Scope::ReportsRead],
    ),
    (
        "/adsync.reporting.v1.ReportingService/GetItemPriceHistory",
        &[Scope::ReportsRead],
    ),
    (
        "/adsync.reporting.v1.ReportingService/ListPriceChanges",
        &[Scope::ReportsRead],
    ),
    (
        "/adsync.reporting.v1.ReportingService/ListParsingErrors",
        &[Scope::ReportsRead],
    ),
];

/// Implements `adsync.reporting.v1.ReportingService`: read-only queries of the warehouse.
#[derive(Debug, Clone)]
pub(crate) struct ReportingApi {
    pub(crate) db: Db,
    pub(crate) max_range_days: u32,
    pub(crate) freshness_ttl_minutes: i64,
    pub(crate) clock: Clock,
    /// Test builds only: reports skip their own workspace filter, leaving row-level
    /// security alone to keep workspaces apart (what a test of that backstop needs).
    pub(crate) workspace_filters_off: bool,
    /// Signs and reads the list RPCs' page tokens.
    pub(crate) page_tokens: adsync_server::PageTokens,
}

#[tonic::async_trait]
impl ReportingService for ReportingApi {
    async fn list_accounts(
        &self,
        request: Request<ListAccountsRequest>,
    ) -> Result<Response<ListAccountsResponse>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            ReportingApi::list_accounts(self, request.into_inner(), reach).await?,
        ))
    }
    async fn list_campaigns(
        &self,
        request: Request<ListCampaignsRequest>,
    ) -> Result<Response<ListCampaignsResponse>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            ReportingApi::list_campaigns(self, request.into_inner(), reach).await?,
        ))
    }
    async fn list_creatives(
        &self,
        request: Request<ListCreativesRequest>,
    ) -> Result<Response<ListCreativesResponse>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            ReportingApi::list_creatives(self, request.into_inner(), reach).await?,
        ))
    }
    async fn get_campaign_metrics(
        &self,
        request: Request<GetCampaignMetricsRequest>,
    ) -> Result<Response<GetCampaignMetricsResponse>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            ReportingApi::get_campaign_metrics(self, request.into_inner(), reach).await?,
        ))
    }
    async fn get_creative_metrics(
        &self,
        request: Request<GetCreativeMetricsRequest>,
    ) -> Result<Response<GetCreativeMetricsResponse>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            ReportingApi::get_creative_metrics(self, request.into_inner(), reach).await?,
        ))
    }
    async fn get_account_summary(
        &self,
        request: Request<GetAccountSummaryRequest>,
    ) -> Result<Response<GetAccountSummaryResponse>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            ReportingApi::get_account_summary(self, request.into_inner(), reach).await?,
        ))
    }
    async fn get_demographics(
        &self,
        request: Request<GetDemographicsRequest>,
    ) -> Result<Response<GetDemographicsResponse>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            ReportingApi::get_demographics(self, request.into_inner(), reach).await?,
        ))
    }
    async fn audit_campaigns(
        &self,
        request: Request<AuditCampaignsRequest>,
    ) -> Result<Response<AuditCampaignsResponse>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            ReportingApi::audit_campaigns(self, request.into_inner(), reach).await?,
        ))
    }
    async fn get_sync_status(
        &self,
        request: Request<GetSyncStatusRequest>,
    ) -> Result<Response<GetSyncStatusResponse>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            ReportingApi::get_sync_status(self, request.into_inner(), reach).await?,
        ))
    }
    async fn list_amazon_profiles(
        &self,
        request: Request<ListAmazonProfilesRequest>,
    ) -> Result<Response<ListAmazonProfilesResponse>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            ReportingApi::list_amazon_profiles(self, request.into_inner(), reach).await?,
        ))
    }
    async fn list_amazon_campaigns(
        &self,
        request: Request<ListAmazonCampaignsRequest>,
    ) -> Result<Response<ListAmazonCampaignsResponse>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            ReportingApi::list_amazon_campaigns(self, request.into_inner(), reach).await?,
        ))
    }
    async fn list_amazon_ad_groups(
        &self,
        request: Request<ListAmazonAdGroupsRequest>,
    ) -> Result<Response<ListAmazonAdGroupsResponse>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            ReportingApi::list_amazon_ad_groups(self, request.into_inner(), reach).await?,
        ))
    }
    async fn list_amazon_targetings(
        &self,
        request: Request<ListAmazonTargetingsRequest>,
    ) -> Result<Response<ListAmazonTargetingsResponse>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            ReportingApi::list_amazon_targetings(self, request.into_inner(), reach).await?,
        ))
    }
    async fn get_amazon_metrics(
        &self,
        request: Request<GetAmazonMetricsRequest>,
    ) -> Result<Response<GetAmazonMetricsResponse>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            ReportingApi::get_amazon_metrics(self, request.into_inner(), reach).await?,
        ))
    }
    async fn list_amazon_search_terms(
        &self,
        request: Request<ListAmazonSearchTermsRequest>,
    ) -> Result<Response<ListAmazonSearchTermsResponse>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            ReportingApi::list_amazon_search_terms(self, request.into_inner(), reach).await?,
        ))
    }
    async fn audit_amazon_waste(
        &self,
        request: Request<AuditAmazonWasteRequest>,
    ) -> Result<Response<AuditAmazonWasteResponse>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            ReportingApi::audit_amazon_waste(self, request.into_inner(), reach).await?,
        ))
    }
    async fn audit_amazon_harvest(
        &self,
        request: Request<AuditAmazonHarvestRequest>,
    ) -> Result<Response<AuditAmazonHarvestResponse>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            ReportingApi::audit_amazon_harvest(self, request.into_inner(), reach).await?,
        ))
    }
    async fn get_daily_spend(
        &self,
        request: Request<GetDailySpendRequest>,
    ) -> Result<Response<GetDailySpendResponse>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            ReportingApi::get_daily_spend(self, request.into_inner(), reach).await?,
        ))
    }
    async fn list_suppliers(
        &self,
        request: Request<ListSuppliersRequest>,
    ) -> Result<Response<ListSuppliersResponse>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            ReportingApi::list_suppliers(self, request.into_inner(), reach).await?,
        ))
    }
    async fn list_supplier_items(
        &self,
        request: Request<ListSupplierItemsRequest>,
    ) -> Result<Response<ListSupplierItemsResponse>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            ReportingApi::list_supplier_items(self, request.into_inner(), reach).await?,
        ))
    }
    async fn get_item_price_history(
        &self,
        request: Request<GetItemPriceHistoryRequest>,
    ) -> Result<Response<GetItemPriceHistoryResponse>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            ReportingApi::get_item_price_history(self, request.into_inner(), reach).await?,
        ))
    }
    async fn list_price_changes(
        &self,
        request: Request<ListPriceChangesRequest>,
    ) -> Result<Response<ListPriceChangesResponse>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            ReportingApi::list_price_changes(self, request.into_inner(), reach).await?,
        ))
    }
    async fn list_parsing_errors(
        &self,
        request: Request<ListParsingErrorsRequest>,
    ) -> Result<Response<ListParsingErrorsResponse>, Status> {
        let reach = caller_reach(&request)?;
        Ok(Response::new(
            ReportingApi::list_parsing_errors(self, request.into_inner(), reach).await?,
        ))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_rpc_is_in_the_scope_table() {
        let missing = adsync_server::methods_missing_from(
            adsync_proto::REPORTING_SERVICE,
            super::METHOD_SCOPES,
        );
        assert!(
            missing.is_empty(),
            "not in METHOD_SCOPES (refused to everyone): {missing:?}"
        );
    }
}

//! ListAccounts, ListCampaigns, ListCreatives: keyset pages by id with filters.

use adsync_db::prepared_sql;
use adsync_proto::reporting::{
    Account, Campaign, CampaignSettings, Creative, ListAccountsRequest, ListAccountsResponse,
    ListCampaignsRequest, ListCampaignsResponse, ListCreativesRequest, ListCreativesResponse,
};
use adsync_server::{FieldViolations, Reach, WorkspaceId, timestamp};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Nullable, Text, Timestamptz};

use crate::error::{DOMAIN, Error};
use crate::request::{IdPage, contains_pattern, id_keyset, name_filter, only_if, optional_id};
use crate::scope::in_workspace;
use crate::service::ReportingApi;
use crate::values::money;

/// The columns of [`AccountRow`], from `ad_accounts a`.
pub(crate) const ACCOUNT_COLUMNS: &str = "a.id AS account_id, a.name AS account_name, \
    a.status AS account_status, a.currency, a.type AS account_type, a.is_test, \
    a.created_at AS account_created_at, a.fetched_at AS account_fetched_at";

#[derive(Debug, QueryableByName)]
pub(crate) struct AccountRow {
    #[diesel(sql_type = BigInt)]
    pub(crate) account_id: i64,
    #[diesel(sql_type = Text)]
    account_name: String,
    #[diesel(sql_type = Text)]
    account_status: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) currency: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    account_type: Option<String>,
    #[diesel(sql_type = Bool)]
    is_test: bool,
    #[diesel(sql_type = Timestamptz)]
    account_created_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    account_fetched_at: DateTime<Utc>,
}

impl AccountRow {
    pub(crate) fn currency(&self) -> &str {
        self.currency.as_deref().unwrap_or_default()
    }

    pub(crate) fn to_proto(&self) -> Account {
        Account {
            account_id: self.account_id,
            name: self.account_name.clone(),
            status: self.account_status.clone(),
            currency: self.currency().to_owned(),
            r#type: self.account_type.clone().unwrap_or_default(),
            test: self.is_test,
            create_time: Some(timestamp(self.account_created_at)),
            // Unchanged rows are never rewritten, so this is when a sync last changed it.
            update_time: Some(timestamp(self.account_fetched_at)),
        }
    }
}

/// One account, or `None` when it has not been synced.
/// LinkedIn account `id`, if `workspace` owns it (any when `None`).
pub(crate) fn account(
    conn: &mut PgConnection,
    id: i64,
    workspace: Option<WorkspaceId>,
) -> QueryResult<Option<AccountRow>> {
    prepared_sql(format!(
        "SELECT {ACCOUNT_COLUMNS} FROM linkedin.ad_accounts a WHERE a.id = $1 AND {}",
        in_workspace("a.id", "linkedin", 2)
    ))
    .bind::<BigInt, _>(id)
    .bind::<Nullable<BigInt>, _>(workspace.map(WorkspaceId::get))
    .get_result(conn)
    .optional()
}

/// The columns of [`CampaignRow`], from `campaigns c` left-joined to `campaign_groups g`.
pub(crate) const CAMPAIGN_COLUMNS: &str = "c.id, c.account_id, c.campaign_group_id, \
    g.name AS group_name, c.name, c.status, c.type AS campaign_type, \
    trim_scale(c.daily_budget)::text AS daily_budget, c.daily_budget_currency, \
    trim_scale(c.total_budget)::text AS total_budget, c.total_budget_currency, \
    trim_scale(c.unit_cost)::text AS unit_cost, c.unit_cost_currency, c.cost_type, \
    c.optimization_target_type, c.creative_selection, c.offsite_delivery_enabled, \
    c.audience_expansion_enabled, c.run_schedule_start, c.run_schedule_end, \
    c.objective_type, c.format, c.created_at, c.fetched_at";

#[derive(Debug, QueryableByName)]
pub(crate) struct CampaignRow {
    #[diesel(sql_type = BigInt)]
    pub(crate) id: i64,
    #[diesel(sql_type = BigInt)]
    pub(crate) account_id: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    campaign_group_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    group_name: Option<String>,
    #[diesel(sql_type = Text)]
    pub(crate) name: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Nullable<Text>)]
    campaign_type: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) daily_budget: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    daily_budget_currency: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) total_budget: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    total_budget_currency: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    unit_cost: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    unit_cost_currency: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) cost_type: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) optimization_target_type: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    creative_selection: Option<String>,
    #[diesel(sql_type = Bool)]
    pub(crate) offsite_delivery_enabled: bool,
    #[diesel(sql_type = Bool)]
    pub(crate) audience_expansion_enabled: bool,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    run_schedule_start: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub(crate) run_schedule_end: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    objective_type: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    format: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    created_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    fetched_at: DateTime<Utc>,
}

impl CampaignRow {
    pub(crate) fn settings(&self) -> CampaignSettings {
        CampaignSettings {
            daily_budget: money(
                self.daily_budget.clone(),
                self.daily_budget_currency.clone(),
            ),
            total_budget: money(
                self.total_budget.clone(),
                self.total_budget_currency.clone(),
            ),
            unit_cost: money(self.unit_cost.clone(), self.unit_cost_currency.clone()),
            cost_type: self.cost_type.clone().unwrap_or_default(),
            bid_strategy: self.optimization_target_type.clone().unwrap_or_default(),
            creative_selection: self.creative_selection.clone().unwrap_or_default(),
            offsite_delivery_enabled: self.offsite_delivery_enabled,
            audience_expansion_enabled: self.audience_expansion_enabled,
            run_schedule_start_time: self.run_schedule_start.map(timestamp),
            run_schedule_end_time: self.run_schedule_end.map(timestamp),
            objective_type: self.objective_type.clone().unwrap_or_default(),
            format: self.format.clone().unwrap_or_default(),
        }
    }

    fn to_proto(&self) -> Campaign {
        Campaign {
            campaign_id: self.id,
            account_id: self.account_id,
            campaign_group_id: self.campaign_group_id.unwrap_or_default(),
            campaign_group_name: self.group_name.clone().unwrap_or_default(),
            name: self.name.clone(),
            status: self.status.clone(),
            r#type: self.campaign_type.clone().unwrap_or_default(),
            settings: Some(self.settings()),
            create_time: Some(timestamp(self.created_at)),
            update_time: Some(timestamp(self.fetched_at)),
        }
    }
}

#[derive(Debug, QueryableByName)]
struct CreativeRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    campaign_id: i64,
    #[diesel(sql_type = BigInt)]
    account_id: i64,
    #[diesel(sql_type = Text)]
    campaign_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    intended_status: Option<String>,
    #[diesel(sql_type = Bool)]
    is_serving: bool,
    #[diesel(sql_type = Array<Nullable<Text>>)]
    serving_hold_reasons: Vec<Option<String>>,
    #[diesel(sql_type = Nullable<Text>)]
    content_reference: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    content_name: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    upstream_created_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    upstream_modified_at: Option<DateTime<Utc>>,
}

impl CreativeRow {
    fn to_proto(&self) -> Creative {
        Creative {
            creative_id: self.id,
            campaign_id: self.campaign_id,
            account_id: self.account_id,
            campaign_name: self.campaign_name.clone(),
            intended_status: self.intended_status.clone().unwrap_or_default(),
            is_serving: self.is_serving,
            serving_hold_reasons: self
                .serving_hold_reasons
                .iter()
                .flatten()
                .cloned()
                .collect(),
            content_reference: self.content_reference.clone().unwrap_or_default(),
            content_name: self.content_name.clone().unwrap_or_default(),
            upstream_create_time: self.upstream_created_at.map(timestamp),
            upstream_update_time: self.upstream_modified_at.map(timestamp),
        }
    }
}

/// An exact-match text filter: empty means any.
fn text_filter(raw: &str) -> Option<String> {
    (!raw.is_empty()).then(|| raw.to_owned())
}

impl ReportingApi {
    pub(crate) async fn list_accounts(
        &self,
        req: ListAccountsRequest,
        reach: Reach,
    ) -> Result<ListAccountsResponse, Error> {
        let mut v = FieldViolations::new();
        name_filter("name_contains", &req.name_contains, &mut v);
        let fingerprint = format!("{:?}|{:?}", req.status, req.name_contains);
        let page = IdPage::parse(
            "ListAccounts",
            &self.page_tokens,
            reach,
            fingerprint,
            req.page_size,
            &req.page_token,
            &mut v,
        );
        v.into_result(DOMAIN)?;
        let (status, name) = (
            text_filter(&req.status),
            contains_pattern(&req.name_contains),
        );
        let limit = page.limit();
        let after = page.after;
        let workspace = self.filter(reach).map(WorkspaceId::get);
        let mut rows: Vec<AccountRow> = self
            .read(reach, move |conn| {
                prepared_sql(format!(
                    "SELECT {ACCOUNT_COLUMNS} FROM linkedin.ad_accounts a \
                     WHERE a.id > $1 AND {} AND {} AND {} \
                     ORDER BY a.id LIMIT $4",
                    only_if(status.is_some(), "a.status = $2"),
                    only_if(name.is_some(), "a.name ILIKE $3"),
                    in_workspace("a.id", "linkedin", 5)
                ))
                .bind::<BigInt, _>(after)
                .bind::<Nullable<Text>, _>(status)
                .bind::<Nullable<Text>, _>(name)
                .bind::<BigInt, _>(limit)
                .bind::<Nullable<BigInt>, _>(workspace)
                .load(conn)
                .map_err(Error::from)
            })
            .await?;
        let next_page_token = page.finish(&mut rows, |r| r.account_id);
        Ok(ListAccountsResponse {
            accounts: rows.iter().map(AccountRow::to_proto).collect(),
            next_page_token,
        })
    }

    pub(crate) async fn list_campaigns(
        &self,
        req: ListCampaignsRequest,
        reach: Reach,
    ) -> Result<ListCampaignsResponse, Error> {
        let mut v = FieldViolations::new();
        name_filter("name_contains", &req.name_contains, &mut v);
        let account = optional_id("account_id", req.account_id, &mut v);
        let group = optional_id("campaign_group_id", req.campaign_group_id, &mut v);
        let fingerprint = format!(
            "{account:?}|{group:?}|{:?}|{:?}",
            req.status, req.name_contains
        );
        let page = IdPage::parse(
            "ListCampaigns",
            &self.page_tokens,
            reach,
            fingerprint,
            req.page_size,
            &req.page_token,
            &mut v,
        );
        v.into_result(DOMAIN)?;
        let (status, name) = (
            text_filter(&req.status),
            contains_pattern(&req.name_contains),
        );
        let (after, limit) = (page.after, page.limit());
        let workspace = self.filter(reach).map(WorkspaceId::get);
        let mut rows: Vec<CampaignRow> = self.read(reach, move |conn| {
                let (from, order) = id_keyset(account.map(|_| ("c.account_id", 2)), "c.id", 1);
                prepared_sql(format!(
                    "SELECT {CAMPAIGN_COLUMNS} \
                     FROM linkedin.campaigns c LEFT JOIN linkedin.campaign_groups g ON g.id = c.campaign_group_id \
                     WHERE {from} AND {} AND {} \
                       AND {} AND {} AND {} \
                     ORDER BY {order} LIMIT $6",
                    only_if(account.is_some(), "c.account_id = $2"),
                    only_if(group.is_some(), "c.campaign_group_id = $3"),
                    only_if(status.is_some(), "c.status = $4"),
                    only_if(name.is_some(), "c.name ILIKE $5"),
                    in_workspace("c.account_id", "linkedin", 7)
                ))
                .bind::<BigInt, _>(after)
                .bind::<Nullable<BigInt>, _>(account)
                .bind::<Nullable<BigInt>, _>(group)
                .bind::<Nullable<Text>, _>(status)
                .bind::<Nullable<Text>, _>(name)
                .bind::<BigInt, _>(limit)
                .bind::<Nullable<BigInt>, _>(workspace)
                .load(conn)
                .map_err(Error::from)
            })
            .await?;
        let next_page_token = page.finish(&mut rows, |r| r.id);
        Ok(ListCampaignsResponse {
            campaigns: rows.iter().map(CampaignRow::to_proto).collect(),
            next_page_token,
        })
    }

    pub(crate) async fn list_creatives(
        &self,
        req: ListCreativesRequest,
        reach: Reach,
    ) -> Result<ListCreativesResponse, Error> {
        let mut v = FieldViolations::new();
        name_filter("name_contains", &req.name_contains, &mut v);
        let account = optional_id("account_id", req.account_id, &mut v);
        let campaign = optional_id("campaign_id", req.campaign_id, &mut v);
        let fingerprint = format!(
            "{account:?}|{campaign:?}|{:?}|{:?}",
            req.intended_status, req.name_contains
        );
        let page = IdPage::parse(
            "ListCreatives",
            &self.page_tokens,
            reach,
            fingerprint,
            req.page_size,
            &req.page_token,
            &mut v,
        );
        v.into_result(DOMAIN)?;
        let status = text_filter(&req.intended_status);
        let name = contains_pattern(&req.name_contains);
        let (after, limit) = (page.after, page.limit());
        let workspace = self.filter(reach).map(WorkspaceId::get);
        let mut rows: Vec<CreativeRow> = self
            .read(reach, move |conn| {
                // Both have an index (column, id); a campaign's is the narrower.
                let lead = match (campaign, account) {
                    (Some(_), _) => Some(("r.campaign_id", 3)),
                    (None, Some(_)) => Some(("r.account_id", 2)),
                    (None, None) => None,
                };
                let (from, order) = id_keyset(lead, "r.id", 1);
                prepared_sql(format!(
                    "SELECT r.id, r.campaign_id, r.account_id, c.name AS campaign_name, \
                            r.intended_status, r.is_serving, r.serving_hold_reasons, \
                            r.content_reference, r.content_name, r.upstream_created_at, \
                            r.upstream_modified_at \
                     FROM linkedin.creatives r JOIN linkedin.campaigns c ON c.id = r.campaign_id \
                     WHERE {from} AND {} AND {} \
                       AND {} AND {} AND {} \
                     ORDER BY {order} LIMIT $6",
                    only_if(account.is_some(), "r.account_id = $2"),
                    only_if(campaign.is_some(), "r.campaign_id = $3"),
                    only_if(status.is_some(), "r.intended_status = $4"),
                    only_if(name.is_some(), "r.content_name ILIKE $5"),
                    in_workspace("r.account_id", "linkedin", 7)
                ))
                .bind::<BigInt, _>(after)
                .bind::<Nullable<BigInt>, _>(account)
                .bind::<Nullable<BigInt>, _>(campaign)
                .bind::<Nullable<Text>, _>(status)
                .bind::<Nullable<Text>, _>(name)
                .bind::<BigInt, _>(limit)
                .bind::<Nullable<BigInt>, _>(workspace)
                .load(conn)
                .map_err(Error::from)
            })
            .await?;
        let next_page_token = page.finish(&mut rows, |r| r.id);
        Ok(ListCreativesResponse {
            creatives: rows.iter().map(CreativeRow::to_proto).collect(),
            next_page_token,
        })
    }
}

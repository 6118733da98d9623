//! AuditCampaigns: active campaigns whose settings or delivery deserve a second look.
//! Every rule is one boolean column of the query, so the filter (campaigns with at least
//! one finding) and the findings themselves can never disagree.

use adsync_db::prepared_sql;
use adsync_proto::reporting::{
    AuditCampaignsRequest, AuditCampaignsResponse, AuditFinding, AuditIssue, CampaignAudit,
};
use adsync_server::{FieldViolations, Reach, WorkspaceId};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Timestamptz};

use crate::error::{DOMAIN, Error};
use crate::request::{IdPage, only_if, optional_id};
use crate::rpc::entities::{CAMPAIGN_COLUMNS, CampaignRow};
use crate::scope::in_workspace;
use crate::service::ReportingApi;

/// How many of the account's last synced days "recent delivery" looks at.
const RECENT_DAYS: i32 = 7;

#[derive(Debug, QueryableByName)]
struct AuditRow {
    #[diesel(embed)]
    campaign: CampaignRow,
    #[diesel(sql_type = Bool)]
    audience_network: bool,
    #[diesel(sql_type = Bool)]
    audience_expansion: bool,
    #[diesel(sql_type = Bool)]
    maximum_delivery: bool,
    #[diesel(sql_type = Bool)]
    no_recent_delivery: bool,
    #[diesel(sql_type = Bool)]
    no_budget: bool,
    #[diesel(sql_type = Bool)]
    no_serving_creative: bool,
    #[diesel(sql_type = Bool)]
    schedule_ended: bool,
    #[diesel(sql_type = Nullable<diesel::sql_types::Date>)]
    last_metric_date: Option<NaiveDate>,
}

impl AuditRow {
    fn findings(&self) -> Vec<AuditFinding> {
        let c = &self.campaign;
        let mut out = Vec::new();
        let mut add = |on: bool, issue: AuditIssue, detail: String| {
            if on {
                out.push(AuditFinding {
                    issue: issue as i32,
                    detail,
                });
            }
        };
        add(
            self.audience_network,
            AuditIssue::AudienceNetworkEnabled,
            "ads also run offsite on the LinkedIn Audience Network".to_owned(),
        );
        add(
            self.audience_expansion,
            AuditIssue::AudienceExpansionEnabled,
            "LinkedIn widens the targeting beyond the chosen audience".to_owned(),
        );
        add(
            self.maximum_delivery,
            AuditIssue::MaximumDeliveryBidding,
            format!(
                "cost type {} with goal {}: pays per impression, not per result",
                c.cost_type.as_deref().unwrap_or("?"),
                c.optimization_target_type.as_deref().unwrap_or("none"),
            ),
        );
        add(
            self.no_recent_delivery,
            AuditIssue::NoRecentDelivery,
            format!(
                "no spend in the {RECENT_DAYS} synced days to {}",
                self.last_metric_date
                    .map_or_else(String::new, |d| d.to_string())
            ),
        );
        add(
            self.no_budget,
            AuditIssue::NoBudget,
            "neither a daily nor a total budget is set".to_owned(),
        );
        add(
            self.no_serving_creative,
            AuditIssue::NoServingCreative,
            "no creative of the campaign is serving".to_owned(),
        );
        add(
            self.schedule_ended,
            AuditIssue::ScheduleEnded,
            format!(
                "the run schedule ended {}",
                c.run_schedule_end
                    .map_or_else(String::new, |t| t.to_rfc3339())
            ),
        );
        out
    }
}

impl ReportingApi {
    pub(crate) async fn audit_campaigns(
        &self,
        req: AuditCampaignsRequest,
        reach: Reach,
    ) -> Result<AuditCampaignsResponse, Error> {
        let mut v = FieldViolations::new();
        let account = optional_id("account_id", req.account_id, &mut v);
        let fingerprint = format!("{account:?}|{}", req.include_clean);
        let page = IdPage::parse(
            "AuditCampaigns",
            &self.page_tokens,
            reach,
            fingerprint,
            req.page_size,
            &req.page_token,
            &mut v,
        );
        v.into_result(DOMAIN)?;
        let (after, limit, include_clean) = (page.after, page.limit(), req.include_clean);
        let now: DateTime<Utc> = self.clock.now();
        let workspace = self.filter(reach).map(WorkspaceId::get);
        // The recent window's first day (`since`) comes out of the aggregate, so the
        // recent-spend probe compares dates with a plain value: under row-level security
        // only leakproof conditions may bound an index scan, and `d - 7` is not one.
        let mut rows: Vec<AuditRow> = self.read(reach, move |conn| {
                prepared_sql(format!(
                    "SELECT * FROM ( \
                       SELECT {CAMPAIGN_COLUMNS}, \
                         c.offsite_delivery_enabled AS audience_network, \
                         c.audience_expansion_enabled AS audience_expansion, \
                         COALESCE(c.cost_type = 'CPM', false) AS maximum_delivery, \
                         (last.d IS NOT NULL AND NOT EXISTS ( \
                            SELECT 1 FROM linkedin.campaign_daily_metrics m \
                            WHERE m.campaign_id = c.id AND m.date > last.since \
                              AND m.date <= last.d AND m.cost > 0)) AS no_recent_delivery, \
                         (c.daily_budget IS NULL AND c.total_budget IS NULL) AS no_budget, \
                         NOT EXISTS (SELECT 1 FROM linkedin.creatives r \
                                     WHERE r.campaign_id = c.id AND r.is_serving) \
                           AS no_serving_creative, \
                         COALESCE(c.run_schedule_end < $3, false) AS schedule_ended, \
                         last.d AS last_metric_date \
                       FROM linkedin.campaigns c \
                       LEFT JOIN linkedin.campaign_groups g ON g.id = c.campaign_group_id \
                       CROSS JOIN LATERAL (SELECT max(m.date) AS d, max(m.date) - {RECENT_DAYS} AS since \
                                           FROM linkedin.campaign_daily_metrics m \
                                           WHERE m.account_id = c.account_id) last \
                       WHERE c.status = 'ACTIVE' AND c.id > $1 \
                         AND {account} AND {in_workspace} \
                     ) a \
                     WHERE $4 OR a.audience_network OR a.audience_expansion OR a.maximum_delivery \
                        OR a.no_recent_delivery OR a.no_budget OR a.no_serving_creative \
                        OR a.schedule_ended \
                     ORDER BY a.id LIMIT $5",
                    account = only_if(account.is_some(), "c.account_id = $2"),
                    in_workspace = in_workspace("c.account_id", "linkedin", 6)
                ))
                .bind::<BigInt, _>(after)
                .bind::<Nullable<BigInt>, _>(account)
                .bind::<Timestamptz, _>(now)
                .bind::<Bool, _>(include_clean)
                .bind::<BigInt, _>(limit)
                .bind::<Nullable<BigInt>, _>(workspace)
                .load(conn)
                .map_err(Error::from)
            })
            .await?;
        let next_page_token = page.finish(&mut rows, |r| r.campaign.id);
        Ok(AuditCampaignsResponse {
            campaign_audits: rows
                .iter()
                .map(|r| CampaignAudit {
                    campaign_id: r.campaign.id,
                    account_id: r.campaign.account_id,
                    name: r.campaign.name.clone(),
                    settings: Some(r.campaign.settings()),
                    findings: r.findings(),
                })
                .collect(),
            next_page_token,
        })
    }
}

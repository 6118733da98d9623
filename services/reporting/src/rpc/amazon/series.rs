//! GetAmazonMetrics: per-id series of campaigns, ad groups, or keywords and targets by
//! day, ISO week or month, every period present (zeros where nothing ran), with a total
//! over the range; conversions of the chosen attribution window.

use adsync_db::prepared_sql;
use adsync_server::{Reach, WorkspaceId};
use std::collections::HashMap;

use adsync_proto::reporting::{
    AmazonLevel, AmazonMetricPoint, AmazonMetricSeries, GetAmazonMetricsRequest,
    GetAmazonMetricsResponse,
};
use adsync_server::FieldViolations;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Date, Nullable, Text};

use super::{Attribution, Sums};
use crate::error::{DOMAIN, Error};
use crate::request::{date_range, ids};
use crate::rpc::metrics::{Grain, periods};
use crate::scope::in_workspace;
use crate::service::ReportingApi;

/// What a series is of: where its entities and its days are.
struct Level {
    kind: &'static str,
    /// `id, name, profile_id, campaign_id, currency` of the entities `$1` (of workspace
    /// `$2`'s profiles; every workspace's when NULL).
    entities: fn() -> String,
    /// The daily table and the column holding the level's id.
    table: &'static str,
    id_column: &'static str,
}

const CAMPAIGN: Level = Level {
    kind: "Amazon Ads campaign",
    entities: || {
        format!(
            "SELECT c.id, c.name, c.profile_id, c.id AS campaign_id, p.currency_code \
             FROM amazon_ads.campaigns c JOIN amazon_ads.profiles p ON p.id = c.profile_id \
             WHERE c.id = ANY($1) AND {}",
            in_workspace("c.profile_id", "amazon_ads", 2)
        )
    },
    table: "amazon_ads.campaign_daily_metrics",
    id_column: "campaign_id",
};

const AD_GROUP: Level = Level {
    kind: "Amazon Ads ad group",
    entities: || {
        format!(
            "SELECT g.id, g.name, g.profile_id, g.campaign_id, p.currency_code \
             FROM amazon_ads.ad_groups g JOIN amazon_ads.profiles p ON p.id = g.profile_id \
             WHERE g.id = ANY($1) AND {}",
            in_workspace("g.profile_id", "amazon_ads", 2)
        )
    },
    // An ad group's spend is all in its advertised products.
    table: "amazon_ads.product_ad_daily_metrics",
    id_column: "ad_group_id",
};

const TARGETING: Level = Level {
    kind: "Amazon Ads keyword or target",
    entities: || {
        format!(
            "SELECT k.id, k.keyword_text || ' (' || k.match_type || ')' AS name, k.profile_id, \
                    k.campaign_id, p.currency_code \
             FROM amazon_ads.keywords k JOIN amazon_ads.profiles p ON p.id = k.profile_id \
             WHERE k.id = ANY($1) AND {} \
             UNION ALL \
             SELECT x.id, x.expression::text, x.profile_id, x.campaign_id, p.currency_code \
             FROM amazon_ads.targets x JOIN amazon_ads.profiles p ON p.id = x.profile_id \
             WHERE x.id = ANY($1) AND {}",
            in_workspace("k.profile_id", "amazon_ads", 2),
            in_workspace("x.profile_id", "amazon_ads", 2)
        )
    },
    table: "amazon_ads.targeting_daily_metrics",
    id_column: "targeting_id",
};

#[derive(QueryableByName)]
struct EntityRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = BigInt)]
    profile_id: i64,
    #[diesel(sql_type = BigInt)]
    campaign_id: i64,
    #[diesel(sql_type = Text)]
    currency_code: String,
}

#[derive(QueryableByName)]
struct DayRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Date)]
    date: NaiveDate,
    #[diesel(embed)]
    sums: Sums,
}

impl ReportingApi {
    pub(crate) async fn get_amazon_metrics(
        &self,
        req: GetAmazonMetricsRequest,
        reach: Reach,
    ) -> Result<GetAmazonMetricsResponse, Error> {
        let mut v = FieldViolations::new();
        let level = match AmazonLevel::try_from(req.level) {
            Ok(AmazonLevel::Campaign) => Some(&CAMPAIGN),
            Ok(AmazonLevel::AdGroup) => Some(&AD_GROUP),
            Ok(AmazonLevel::Targeting) => Some(&TARGETING),
            Ok(AmazonLevel::Unspecified) => {
                v.add("level", "required: CAMPAIGN, AD_GROUP or TARGETING");
                None
            }
            Err(_) => {
                v.add("level", format!("unknown level {}", req.level));
                None
            }
        };
        let wanted = ids("ids", &req.ids, &mut v);
        let range = date_range(&req.start_date, &req.end_date, self.max_range_days, &mut v);
        let grain = Grain::parse(req.granularity, &mut v);
        let window = Attribution::parse(req.attribution_days, &mut v);
        v.into_result(DOMAIN)?;
        let (level, range) = (level.expect("checked"), range.expect("checked"));

        let ids = wanted.clone();
        let workspace = self.filter(reach);
        let (entities, days) = self
            .read(reach, move |conn| {
                // Another workspace's ids are as unknown as ids that do not exist.
                let entities: Vec<EntityRow> = prepared_sql((level.entities)())
                    .bind::<Array<BigInt>, _>(&ids)
                    .bind::<Nullable<BigInt>, _>(workspace.map(WorkspaceId::get))
                    .load(conn)?;
                let profiles: Vec<i64> = entities.iter().map(|e| e.profile_id).collect();
                let campaigns: Vec<i64> = entities.iter().map(|e| e.campaign_id).collect();
                // Profile and campaign lead every daily table's key: the read is a range
                // scan of it per id.
                let days: Vec<DayRow> = prepared_sql(format!(
                    "SELECT m.{id} AS id, m.date, {sums} FROM {table} m \
                     WHERE m.profile_id = ANY($4) AND m.campaign_id = ANY($5) AND m.{id} = ANY($1) \
                       AND m.date BETWEEN $2 AND $3 GROUP BY 1, 2",
                    id = level.id_column,
                    table = level.table,
                    sums = window.sum_columns(),
                ))
                .bind::<Array<BigInt>, _>(&ids)
                .bind::<Date, _>(range.start)
                .bind::<Date, _>(range.end)
                .bind::<Array<BigInt>, _>(&profiles)
                .bind::<Array<BigInt>, _>(&campaigns)
                .load(conn)?;
                Ok::<_, Error>((entities, days))
            })
            .await?;
        let missing: Vec<i64> = wanted
            .iter()
            .copied()
            .filter(|id| !entities.iter().any(|e| e.id == *id))
            .collect();
        if !missing.is_empty() {
            return Err(Error::NotFound {
                kind: level.kind,
                ids: missing,
            });
        }

        let periods = periods(range, grain);
        let slot: HashMap<NaiveDate, usize> = periods
            .iter()
            .enumerate()
            .map(|(i, p)| (p.key, i))
            .collect();
        let mut sums: HashMap<i64, Vec<Sums>> = wanted
            .iter()
            .map(|id| (*id, vec![Sums::default(); periods.len()]))
            .collect();
        for day in days {
            let i = slot[&grain.start(day.date)];
            if let Some(series) = sums.get_mut(&day.id) {
                series[i].add(&day.sums)?;
            }
        }
        let mut series = Vec::with_capacity(wanted.len());
        for id in wanted {
            let entity = entities.iter().find(|e| e.id == id).expect("found above");
            let mut total = Sums::default();
            let mut points = Vec::with_capacity(periods.len());
            for (p, s) in periods.iter().zip(&sums[&id]) {
                total.add(s)?;
                points.push(AmazonMetricPoint {
                    period_start: p.first.clone(),
                    period_end: p.last.clone(),
                    values: Some(s.to_proto(&entity.currency_code, window)?),
                });
            }
            series.push(AmazonMetricSeries {
                id,
                name: entity.name.clone(),
                profile_id: entity.profile_id,
                points,
                total: Some(total.to_proto(&entity.currency_code, window)?),
            });
        }
        Ok(GetAmazonMetricsResponse { series })
    }
}

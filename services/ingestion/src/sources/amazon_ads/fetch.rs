//! One Amazon Ads sync's fetch: the profile, then its Sponsored Products entities list by
//! list (every state, paged to the end), then its daily reports (see [`super::reports`]).
//! Each record is validated on its own; valid ones are staged as they arrive.

use adsync_proto::ingestion::{SyncEntity, SyncStage};
use serde_json::Value;

use super::AmazonAdsSource;
use super::client::ListEndpoint;
use super::records::{AdGroup, Campaign, Invalid, Keyword, ProductAd, Target};
use super::tables;
use crate::error::Error;
use crate::runs::RunContext;
use crate::store::{CopyBuffer, TableSpec};

const CAMPAIGNS: ListEndpoint = ListEndpoint {
    path: "campaigns",
    media_type: "application/vnd.spCampaign.v3+json",
    key: "campaigns",
};
const AD_GROUPS: ListEndpoint = ListEndpoint {
    path: "adGroups",
    media_type: "application/vnd.spAdGroup.v3+json",
    key: "adGroups",
};
const KEYWORDS: ListEndpoint = ListEndpoint {
    path: "keywords",
    media_type: "application/vnd.spKeyword.v3+json",
    key: "keywords",
};
const NEGATIVE_KEYWORDS: ListEndpoint = ListEndpoint {
    path: "negativeKeywords",
    media_type: "application/vnd.spNegativeKeyword.v3+json",
    key: "negativeKeywords",
};
const TARGETS: ListEndpoint = ListEndpoint {
    path: "targets",
    media_type: "application/vnd.spTargetingClause.v3+json",
    key: "targetingClauses",
};
const PRODUCT_ADS: ListEndpoint = ListEndpoint {
    path: "productAds",
    media_type: "application/vnd.spProductAd.v3+json",
    key: "productAds",
};

/// Fetches everything of the run's profile over its window into its staging.
pub(crate) async fn fetch(source: &AmazonAdsSource, run: &mut RunContext) -> Result<(), Error> {
    let profile_id = run.account_id();
    let (tokens, calls) = (run.tokens(), run.calls());

    run.stage_started(SyncStage::Profile).await?;
    let Some((profile, _)) = source.find_profile(profile_id, &*tokens, &calls).await? else {
        return Err(Error::NotFound {
            kind: "profile (upstream)",
            id: profile_id.to_string(),
        });
    };
    run.count(SyncEntity::Profile).fetched += 1;
    run.stage(
        &tables::PROFILES,
        tables::profiles(std::slice::from_ref(&profile)),
    )
    .await?;
    run.stage_completed(SyncStage::Profile, SyncEntity::Profile)
        .await?;
    let at = (profile.region, profile_id);

    let list = Lister { source, at };
    let campaigns = list
        .fetch(
            run,
            (SyncStage::Campaigns, SyncEntity::Campaign),
            CAMPAIGNS,
            Campaign::parse,
        )
        .await?;
    stage(
        run,
        &tables::CAMPAIGNS,
        tables::campaigns(profile_id, &campaigns),
    )
    .await?;
    run.stage_completed(SyncStage::Campaigns, SyncEntity::Campaign)
        .await?;
    drop(campaigns);

    let groups = list
        .fetch(
            run,
            (SyncStage::AdGroups, SyncEntity::AdGroup),
            AD_GROUPS,
            AdGroup::parse,
        )
        .await?;
    stage(
        run,
        &tables::AD_GROUPS,
        tables::ad_groups(profile_id, &groups),
    )
    .await?;
    run.stage_completed(SyncStage::AdGroups, SyncEntity::AdGroup)
        .await?;
    drop(groups);

    let keywords = list
        .fetch(
            run,
            (SyncStage::Keywords, SyncEntity::Keyword),
            KEYWORDS,
            Keyword::parse,
        )
        .await?;
    stage(
        run,
        &tables::KEYWORDS,
        tables::keywords(profile_id, &keywords, true),
    )
    .await?;
    run.stage_completed(SyncStage::Keywords, SyncEntity::Keyword)
        .await?;
    drop(keywords);

    let negatives = list
        .fetch(
            run,
            (SyncStage::NegativeKeywords, SyncEntity::NegativeKeyword),
            NEGATIVE_KEYWORDS,
            Keyword::parse,
        )
        .await?;
    stage(
        run,
        &tables::NEGATIVE_KEYWORDS,
        tables::keywords(profile_id, &negatives, false),
    )
    .await?;
    run.stage_completed(SyncStage::NegativeKeywords, SyncEntity::NegativeKeyword)
        .await?;
    drop(negatives);

    let targets = list
        .fetch(
            run,
            (SyncStage::Targets, SyncEntity::Target),
            TARGETS,
            Target::parse,
        )
        .await?;
    stage(run, &tables::TARGETS, tables::targets(profile_id, &targets)).await?;
    run.stage_completed(SyncStage::Targets, SyncEntity::Target)
        .await?;
    drop(targets);

    let ads = list
        .fetch(
            run,
            (SyncStage::ProductAds, SyncEntity::ProductAd),
            PRODUCT_ADS,
            ProductAd::parse,
        )
        .await?;
    stage(
        run,
        &tables::PRODUCT_ADS,
        tables::product_ads(profile_id, &ads),
    )
    .await?;
    run.stage_completed(SyncStage::ProductAds, SyncEntity::ProductAd)
        .await?;
    drop(ads);

    super::reports::load(source, run, at).await
}

/// Lists one profile's entities.
struct Lister<'a> {
    source: &'a AmazonAdsSource,
    at: (super::Region, i64),
}

impl Lister<'_> {
    /// Every record of `endpoint`, validated one by one (invalid ones kept as errors).
    async fn fetch<T>(
        &self,
        run: &mut RunContext,
        (stage, entity): (SyncStage, SyncEntity),
        endpoint: ListEndpoint,
        parse: fn(&Value) -> Result<T, Invalid>,
    ) -> Result<Vec<T>, Error> {
        run.stage_started(stage).await?;
        let (tokens, calls) = (run.tokens(), run.calls());
        let mut raw = Vec::new();
        self.source
            .client
            .for_each_page(self.at, endpoint, &*tokens, &calls, |page| raw.extend(page))
            .await?;
        let mut valid = Vec::with_capacity(raw.len());
        for record in raw {
            run.count(entity).fetched += 1;
            match parse(&record) {
                Ok(r) => valid.push(r),
                Err(invalid) => {
                    run.invalid(entity, invalid.upstream_id, invalid.reason, &record)
                        .await?
                }
            }
        }
        Ok(valid)
    }
}

async fn stage(
    run: &mut RunContext,
    spec: &'static TableSpec,
    rows: CopyBuffer,
) -> Result<(), Error> {
    run.stage(spec, rows).await.map(|_| ())
}

//! Workspaces across the services: two workspaces, each with its own connections and
//! synced data. A token of one never reaches the other's accounts, runs, events, feeds
//! or connections — another workspace's ids answer NOT_FOUND, and nothing of it appears
//! in any list or stream — while a platform token sees both.

use std::collections::BTreeSet;
use std::time::Duration;

use adsync_e2e::{Stack, bearer, finished, start_sync};
use adsync_linkedin_sandbox::{SandboxConfig, Size};
use adsync_proto::auth::{Provider, Region, Scope, StartAuthorizationRequest};
use adsync_proto::ingestion::ingestion_service_client::IngestionServiceClient;
use adsync_proto::ingestion::{
    CheckFreshnessRequest, CreateSupplierFeedRequest, DiscoverAccountsRequest,
    GetSupplierFeedRequest, GetSyncRunRequest, ItemStatus, ListSupplierFeedsRequest,
    ListSupplierUploadsRequest, ListSyncRunsRequest, PreviewSupplierFeedRequest,
    SetItemStatusRequest, Source, StartSyncRequest, SubscribeSyncEventsRequest, SupplierFeed,
    SyncStatus, SyncTrigger, TriggerSyncRequest, UploadStart, UploadSupplierFileRequest,
    UploadedFileLocation, WatchSyncRequest, preview_supplier_feed_request, supplier_feed,
    upload_supplier_file_request,
};
use adsync_proto::reporting::reporting_service_client::ReportingServiceClient;
use adsync_proto::reporting::{
    AccountRef, AdSource, AmazonLevel, AmazonPeriod, AuditAmazonHarvestRequest,
    AuditAmazonWasteRequest, AuditCampaignsRequest, DemographicPivot, GetAccountSummaryRequest,
    GetAmazonMetricsRequest, GetCampaignMetricsRequest, GetCreativeMetricsRequest,
    GetDailySpendRequest, GetDemographicsRequest, GetItemPriceHistoryRequest, GetSyncStatusRequest,
    ListAccountsRequest, ListAmazonAdGroupsRequest, ListAmazonCampaignsRequest,
    ListAmazonProfilesRequest, ListAmazonSearchTermsRequest, ListAmazonTargetingsRequest,
    ListCampaignsRequest, ListCreativesRequest, ListParsingErrorsRequest, ListPriceChangesRequest,
    ListSupplierItemsRequest, ListSuppliersRequest,
};
use tonic::Code;
use tonic::transport::Channel;

/// A workspace of the test: its id, its admin's token and what it synced.
struct Tenant {
    id: i64,
    admin: String,
    /// (source, account id) of every account it owns.
    accounts: BTreeSet<(i32, i64)>,
    /// The run it synced.
    run_id: String,
    supplier_id: i64,
}

fn ingestion(stack: &Stack) -> IngestionServiceClient<Channel> {
    IngestionServiceClient::new(stack.ingestion.channel())
}

async fn discover(
    stack: &Stack,
    token: &str,
    source: Source,
) -> adsync_proto::ingestion::DiscoverAccountsResponse {
    ingestion(stack)
        .discover_accounts(bearer(
            DiscoverAccountsRequest {
                source: source as i32,
                ..Default::default()
            },
            token,
        ))
        .await
        .expect("discover")
        .into_inner()
}

/// Creates a files feed named `name` as `token`; returns its supplier id.
async fn files_feed(stack: &Stack, token: &str, name: &str) -> i64 {
    let feed = ingestion(stack)
        .create_supplier_feed(bearer(
            CreateSupplierFeedRequest {
                feed: Some(SupplierFeed {
                    supplier: name.to_owned(),
                    location: Some(supplier_feed::Location::UploadedFiles(
                        UploadedFileLocation::default(),
                    )),
                    decimal_separator: ".".into(),
                    thousands_separator: ",".into(),
                    default_currency: "EUR".into(),
                    ..Default::default()
                }),
                workspace_id: 0,
            },
            token,
        ))
        .await
        .expect("create feed")
        .into_inner()
        .feed
        .expect("feed");
    feed.supplier_id
}

/// Syncs `account` of `source` as `token` to its end; returns the run id.
async fn sync(stack: &Stack, token: &str, source: Source, account: i64) -> String {
    let events = start_sync(
        &mut ingestion(stack),
        token,
        StartSyncRequest {
            account_id: account,
            source: source as i32,
            trigger: SyncTrigger::OnDemand as i32,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(finished(&events).status(), SyncStatus::Success);
    events[0].run_id.clone()
}

/// acme's event stream, opened before anything is synced.
type Events = tonic::Streaming<adsync_proto::ingestion::SubscribeSyncEventsResponse>;

/// Workspace `acme` syncs a LinkedIn ad account, `globex` an Amazon Ads profile (its
/// LinkedIn connection reaches acme's accounts, which stay acme's); both configure a
/// supplier feed of the same name. acme subscribes to sync events before anything syncs.
async fn two_workspaces(stack: &Stack) -> (Tenant, Tenant, Events) {
    let acme_id = stack.create_workspace("acme").await;
    let acme_admin = stack
        .workspace_token(acme_id, &[Scope::WorkspaceAdmin])
        .await;
    let globex_id = stack.create_workspace("globex").await;
    let globex_admin = stack
        .workspace_token(globex_id, &[Scope::WorkspaceAdmin])
        .await;
    let events = ingestion(stack)
        .subscribe_sync_events(bearer(SubscribeSyncEventsRequest::default(), &acme_admin))
        .await
        .expect("subscribe")
        .into_inner();

    let connection = stack.authorize_as(&acme_admin, Default::default()).await;
    assert_eq!(connection.workspace_id, acme_id);
    let found = discover(stack, &acme_admin, Source::Linkedin).await;
    assert!(found.owned_elsewhere.is_empty());
    assert!(found.accounts.iter().all(|a| a.workspace_id == acme_id));
    let acme_accounts: BTreeSet<_> = found
        .accounts
        .iter()
        .map(|a| (Source::Linkedin as i32, a.account_id))
        .collect();
    let linkedin_account = found.accounts[0].account_id;

    // Globex's own LinkedIn connection reaches the same member's accounts: they are
    // not claimed silently, they stay acme's and are named as someone else's.
    stack.authorize_as(&globex_admin, Default::default()).await;
    let contested = discover(stack, &globex_admin, Source::Linkedin).await;
    assert!(contested.accounts.is_empty(), "{:?}", contested.accounts);
    assert_eq!(
        contested
            .owned_elsewhere
            .iter()
            .map(|a| (a.source, a.account_id))
            .collect::<BTreeSet<_>>(),
        acme_accounts
    );
    let amazon = stack
        .authorize_as(
            &globex_admin,
            StartAuthorizationRequest {
                provider: Provider::AmazonAds as i32,
                region: Region::Eu as i32,
                ..Default::default()
            },
        )
        .await;
    assert_eq!(amazon.workspace_id, globex_id);
    let profiles = discover(stack, &globex_admin, Source::AmazonAds).await;
    let globex_accounts: BTreeSet<_> = profiles
        .accounts
        .iter()
        .map(|a| (Source::AmazonAds as i32, a.account_id))
        .collect();
    let profile = profiles.accounts[0].account_id;

    let acme_supplier = files_feed(stack, &acme_admin, "Shared Name GmbH").await;
    let globex_supplier = files_feed(stack, &globex_admin, "Shared Name GmbH").await;
    // Globex first: acme's stream passes its events before acme's own.
    let globex_run = sync(stack, &globex_admin, Source::AmazonAds, profile).await;
    let acme_run = sync(stack, &acme_admin, Source::Linkedin, linkedin_account).await;

    let with_supplier = |accounts: BTreeSet<(i32, i64)>, supplier: i64| {
        let mut all = accounts;
        all.insert((Source::SupplierFeed as i32, supplier));
        all
    };
    (
        Tenant {
            id: acme_id,
            admin: acme_admin,
            accounts: with_supplier(acme_accounts, acme_supplier),
            run_id: acme_run,
            supplier_id: acme_supplier,
        },
        Tenant {
            id: globex_id,
            admin: globex_admin,
            accounts: with_supplier(globex_accounts, globex_supplier),
            run_id: globex_run,
            supplier_id: globex_supplier,
        },
        events,
    )
}

#[tokio::test]
async fn a_workspace_reaches_none_of_another_workspaces_ingestion() {
    let stack = Stack::start(SandboxConfig {
        size: Size {
            accounts: 2,
            campaign_groups_per_account: 1,
            campaigns_per_account: 2,
            creatives_per_campaign: 1,
            days: 10,
        },
        ..Default::default()
    })
    .await;
    let (acme, globex, mut acme_events) = two_workspaces(&stack).await;
    let mut client = ingestion(&stack);
    let not_found = |status: tonic::Status| {
        assert_eq!(status.code(), Code::NotFound, "{status:?}");
    };
    // Every acme token sees the same: its admin's and a plain reader's.
    let acme_reader = stack
        .workspace_token(acme.id, &[Scope::SyncRead, Scope::SyncWrite])
        .await;

    for token in [&acme.admin, &acme_reader] {
        // Another workspace's accounts: not syncable, not checkable.
        for &(source, account) in &globex.accounts {
            let trigger = client
                .trigger_sync(bearer(
                    TriggerSyncRequest {
                        account_id: account,
                        source,
                        trigger: SyncTrigger::OnDemand as i32,
                        ..Default::default()
                    },
                    token,
                ))
                .await;
            not_found(trigger.unwrap_err());
            let started = client
                .start_sync(bearer(
                    StartSyncRequest {
                        account_id: account,
                        source,
                        ..Default::default()
                    },
                    token,
                ))
                .await;
            match started {
                Ok(_) => panic!("another workspace's account was synced"),
                Err(status) => not_found(status),
            }
            let fresh = client
                .check_freshness(bearer(
                    CheckFreshnessRequest {
                        account_id: account,
                        source,
                    },
                    token,
                ))
                .await;
            not_found(fresh.unwrap_err());
        }
        // Another workspace's run: not readable, not watchable.
        let run = client
            .get_sync_run(bearer(
                GetSyncRunRequest {
                    run_id: globex.run_id.clone(),
                },
                token,
            ))
            .await;
        not_found(run.unwrap_err());
        let mut watched = client
            .watch_sync(bearer(
                WatchSyncRequest {
                    run_id: globex.run_id.clone(),
                    after_sequence: 0,
                },
                token,
            ))
            .await
            .expect("the stream opens")
            .into_inner();
        not_found(watched.message().await.unwrap_err());
        // Lists: only acme's runs, accounts and feeds.
        let runs = client
            .list_sync_runs(bearer(
                ListSyncRunsRequest {
                    page_size: 200,
                    ..Default::default()
                },
                token,
            ))
            .await
            .unwrap()
            .into_inner()
            .sync_runs;
        assert!(runs.iter().any(|r| r.run_id == acme.run_id));
        for r in &runs {
            assert!(
                acme.accounts.contains(&(r.source, r.account_id)),
                "a run of another workspace: {r:?}"
            );
        }
        let feeds = client
            .list_supplier_feeds(bearer(ListSupplierFeedsRequest::default(), token))
            .await
            .unwrap()
            .into_inner()
            .feeds;
        assert_eq!(
            feeds.iter().map(|f| f.supplier_id).collect::<Vec<_>>(),
            [acme.supplier_id]
        );
        // Another workspace's supplier: unknown to every feed RPC.
        let id = globex.supplier_id;
        not_found(
            client
                .get_supplier_feed(bearer(GetSupplierFeedRequest { supplier_id: id }, token))
                .await
                .unwrap_err(),
        );
        not_found(
            client
                .list_supplier_uploads(bearer(
                    ListSupplierUploadsRequest { supplier_id: id },
                    token,
                ))
                .await
                .unwrap_err(),
        );
        not_found(
            client
                .preview_supplier_feed(bearer(
                    PreviewSupplierFeedRequest {
                        feed: Some(preview_supplier_feed_request::Feed::SupplierId(id)),
                        max_items: 0,
                    },
                    token,
                ))
                .await
                .unwrap_err(),
        );
        not_found(
            client
                .set_item_status(bearer(
                    SetItemStatusRequest {
                        supplier_id: id,
                        sku: "X-1".into(),
                        status: ItemStatus::Archived as i32,
                    },
                    token,
                ))
                .await
                .unwrap_err(),
        );
        let renamed = SupplierFeed {
            supplier_id: id,
            supplier: "Taken Over".into(),
            location: Some(supplier_feed::Location::UploadedFiles(
                UploadedFileLocation::default(),
            )),
            decimal_separator: ".".into(),
            thousands_separator: ",".into(),
            default_currency: "EUR".into(),
            ..Default::default()
        };
        not_found(
            client
                .update_supplier_feed(bearer(
                    adsync_proto::ingestion::UpdateSupplierFeedRequest {
                        feed: Some(renamed),
                    },
                    token,
                ))
                .await
                .unwrap_err(),
        );
        let upload = client
            .upload_supplier_file(bearer(
                tokio_stream::iter([
                    UploadSupplierFileRequest {
                        part: Some(upload_supplier_file_request::Part::Start(UploadStart {
                            supplier_id: id,
                            file_name: "prices.csv".into(),
                            format: 0,
                        })),
                    },
                    UploadSupplierFileRequest {
                        part: Some(upload_supplier_file_request::Part::Chunk(
                            b"SKU,Name,Price\nX-1,Shelf,1.00\n".to_vec(),
                        )),
                    },
                ]),
                token,
            ))
            .await;
        not_found(upload.unwrap_err());
        // A feed cannot be made in another workspace.
        let elsewhere = client
            .create_supplier_feed(bearer(
                CreateSupplierFeedRequest {
                    feed: Some(SupplierFeed {
                        supplier: "Elsewhere".into(),
                        location: Some(supplier_feed::Location::UploadedFiles(
                            UploadedFileLocation::default(),
                        )),
                        decimal_separator: ".".into(),
                        thousands_separator: ",".into(),
                        default_currency: "EUR".into(),
                        ..Default::default()
                    }),
                    workspace_id: globex.id,
                },
                token,
            ))
            .await;
        not_found(elsewhere.unwrap_err());
        // Discovery through acme's connections finds nothing of globex's.
        let found = discover(&stack, token, Source::Unspecified).await;
        for a in &found.accounts {
            assert!(acme.accounts.contains(&(a.source, a.account_id)), "{a:?}");
        }
    }

    // The event stream opened before the syncs carried acme's events and none of
    // globex's (whose run finished before acme's started).
    loop {
        let message = tokio::time::timeout(Duration::from_secs(30), acme_events.message())
            .await
            .expect("acme's events arrive")
            .expect("the stream stays open")
            .expect("an event");
        let event = message.event.expect("event");
        assert!(
            acme.accounts.contains(&(event.source, event.account_id)),
            "another workspace's event reached acme: {event:?}"
        );
        if event.run_id == acme.run_id
            && matches!(
                event.payload,
                Some(adsync_proto::ingestion::sync_event::Payload::RunFinished(_))
            )
        {
            break;
        }
    }

    // The platform sees both workspaces.
    let runs = client
        .list_sync_runs(bearer(
            ListSyncRunsRequest {
                page_size: 200,
                ..Default::default()
            },
            &stack.admin,
        ))
        .await
        .unwrap()
        .into_inner()
        .sync_runs;
    for run_id in [&acme.run_id, &globex.run_id] {
        assert!(runs.iter().any(|r| r.run_id == *run_id));
    }
    client
        .get_sync_run(bearer(
            GetSyncRunRequest {
                run_id: globex.run_id.clone(),
            },
            &stack.admin,
        ))
        .await
        .expect("the platform reads any run");
    // And globex, symmetrically, does not see acme's run.
    let hidden = client
        .get_sync_run(bearer(
            GetSyncRunRequest {
                run_id: acme.run_id.clone(),
            },
            &globex.admin,
        ))
        .await;
    not_found(hidden.unwrap_err());
}

/// What a workspace's reports could show of it: (LinkedIn campaign, creative and Amazon
/// campaign ids), as the platform reads them.
struct Reported {
    campaigns: Vec<i64>,
    creatives: Vec<i64>,
    amazon_campaigns: Vec<i64>,
}

async fn reported(
    stack: &Stack,
    tenant: &Tenant,
    period: &dyn Fn(i64) -> AmazonPeriod,
) -> Reported {
    let mut reporting = ReportingServiceClient::new(stack.reporting.channel());
    let admin = &stack.admin;
    let mut out = Reported {
        campaigns: Vec::new(),
        creatives: Vec::new(),
        amazon_campaigns: Vec::new(),
    };
    for &(source, account) in &tenant.accounts {
        if source == Source::Linkedin as i32 {
            let campaigns = reporting
                .list_campaigns(bearer(
                    ListCampaignsRequest {
                        account_id: account,
                        page_size: 500,
                        ..Default::default()
                    },
                    admin,
                ))
                .await
                .unwrap()
                .into_inner()
                .campaigns;
            out.campaigns
                .extend(campaigns.iter().map(|c| c.campaign_id));
            let creatives = reporting
                .list_creatives(bearer(
                    ListCreativesRequest {
                        account_id: account,
                        page_size: 500,
                        ..Default::default()
                    },
                    admin,
                ))
                .await
                .unwrap()
                .into_inner()
                .creatives;
            out.creatives
                .extend(creatives.iter().map(|c| c.creative_id));
        } else if source == Source::AmazonAds as i32 {
            let campaigns = reporting
                .list_amazon_campaigns(bearer(
                    ListAmazonCampaignsRequest {
                        period: Some(period(account)),
                        page_size: 500,
                        ..Default::default()
                    },
                    admin,
                ))
                .await;
            // Profiles discovered but never synced have nothing to report.
            let campaigns = match campaigns {
                Ok(listed) => listed.into_inner().campaigns,
                Err(status) if status.code() == Code::NotFound => Vec::new(),
                Err(status) => panic!("the platform lists a profile's campaigns: {status:?}"),
            };
            out.amazon_campaigns
                .extend(campaigns.iter().map(|c| c.campaign_id));
        }
    }
    out
}

/// Every reporting RPC, asked by `viewer` (a token of workspace `seer`) about workspace
/// `other`'s accounts, entities and suppliers: NOT_FOUND or empty, and no id of `other`
/// in any answer.
async fn assert_reports_isolated(
    reporting: Channel,
    viewer: &str,
    seer: &Tenant,
    other: &Tenant,
    other_reported: &Reported,
    period: &dyn Fn(i64) -> AmazonPeriod,
    (from, to): (String, String),
) {
    let mut client = ReportingServiceClient::new(reporting);
    let not_found = |rpc: &str, result: Result<String, tonic::Status>| match result {
        Err(status) => assert_eq!(status.code(), Code::NotFound, "{rpc}: {status:?}"),
        Ok(answer) => panic!("{rpc} answered another workspace's ids: {answer}"),
    };
    // Long ids only: a short one could appear in a date or an amount by chance.
    let mut other_ids: Vec<i64> = other.accounts.iter().map(|(_, a)| *a).collect();
    other_ids.extend(&other_reported.campaigns);
    other_ids.extend(&other_reported.creatives);
    other_ids.extend(&other_reported.amazon_campaigns);
    other_ids.retain(|id| *id >= 100_000);
    let clean = |rpc: &str, answer: String| {
        for id in &other_ids {
            assert!(
                !answer.contains(&id.to_string()),
                "{rpc} shows {id} of another workspace: {answer}"
            );
        }
        answer
    };
    let own_linkedin: Vec<i64> = seer
        .accounts
        .iter()
        .filter(|(s, _)| *s == Source::Linkedin as i32)
        .map(|(_, a)| *a)
        .collect();

    // Lists: only the viewer's own rows.
    let accounts = client
        .list_accounts(bearer(ListAccountsRequest::default(), viewer))
        .await
        .unwrap()
        .into_inner();
    for a in &accounts.accounts {
        assert!(own_linkedin.contains(&a.account_id), "ListAccounts: {a:?}");
    }
    clean("ListAccounts", format!("{accounts:?}"));
    let campaigns = client
        .list_campaigns(bearer(ListCampaignsRequest::default(), viewer))
        .await
        .unwrap()
        .into_inner();
    clean("ListCampaigns", format!("{campaigns:?}"));
    let creatives = client
        .list_creatives(bearer(ListCreativesRequest::default(), viewer))
        .await
        .unwrap()
        .into_inner();
    clean("ListCreatives", format!("{creatives:?}"));
    let audit = client
        .audit_campaigns(bearer(
            AuditCampaignsRequest {
                include_clean: true,
                ..Default::default()
            },
            viewer,
        ))
        .await
        .unwrap()
        .into_inner();
    clean("AuditCampaigns", format!("{audit:?}"));
    let status = client
        .get_sync_status(bearer(GetSyncStatusRequest::default(), viewer))
        .await
        .unwrap()
        .into_inner();
    for a in &status.accounts {
        let id = a.account.as_ref().map_or(0, |a| a.account_id);
        assert!(own_linkedin.contains(&id), "GetSyncStatus: {a:?}");
    }
    clean("GetSyncStatus", format!("{status:?}"));
    let profiles = client
        .list_amazon_profiles(bearer(ListAmazonProfilesRequest::default(), viewer))
        .await
        .unwrap()
        .into_inner();
    clean("ListAmazonProfiles", format!("{profiles:?}"));
    let suppliers = client
        .list_suppliers(bearer(ListSuppliersRequest::default(), viewer))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        suppliers
            .suppliers
            .iter()
            .map(|s| s.supplier_id)
            .collect::<Vec<_>>(),
        [seer.supplier_id],
        "ListSuppliers"
    );
    let items = client
        .list_supplier_items(bearer(
            ListSupplierItemsRequest {
                supplier_id: other.supplier_id,
                ..Default::default()
            },
            viewer,
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(items.items.is_empty(), "ListSupplierItems: {items:?}");

    // Another workspace's accounts, entities and suppliers: unknown.
    for &(source, account) in &other.accounts {
        if source == Source::Linkedin as i32 {
            let summary = client
                .get_account_summary(bearer(
                    GetAccountSummaryRequest {
                        account_id: account,
                        start_date: from.clone(),
                        end_date: to.clone(),
                        top_campaigns: 0,
                    },
                    viewer,
                ))
                .await;
            not_found("GetAccountSummary", summary.map(|r| format!("{r:?}")));
            let demographics = client
                .get_demographics(bearer(
                    GetDemographicsRequest {
                        account_id: account,
                        pivot: DemographicPivot::JobFunction as i32,
                        start_date: from.clone(),
                        end_date: to.clone(),
                        limit: 0,
                    },
                    viewer,
                ))
                .await;
            not_found("GetDemographics", demographics.map(|r| format!("{r:?}")));
            let status = client
                .get_sync_status(bearer(
                    GetSyncStatusRequest {
                        account_id: account,
                    },
                    viewer,
                ))
                .await;
            not_found("GetSyncStatus", status.map(|r| format!("{r:?}")));
            for (rpc, request) in [(
                "ListCampaigns",
                ListCampaignsRequest {
                    account_id: account,
                    ..Default::default()
                },
            )] {
                let listed = client
                    .list_campaigns(bearer(request, viewer))
                    .await
                    .unwrap()
                    .into_inner();
                assert!(listed.campaigns.is_empty(), "{rpc}: {listed:?}");
            }
        }
        let (ad_source, kind) = if source == Source::Linkedin as i32 {
            (AdSource::Linkedin, "linkedin")
        } else if source == Source::AmazonAds as i32 {
            (AdSource::AmazonAds, "amazon")
        } else {
            continue;
        };
        let spend = client
            .get_daily_spend(bearer(
                GetDailySpendRequest {
                    accounts: vec![AccountRef {
                        source: ad_source as i32,
                        account_id: account,
                    }],
                    start_date: from.clone(),
                    end_date: to.clone(),
                    attribution_days: 0,
                },
                viewer,
            ))
            .await;
        not_found(
            &format!("GetDailySpend {kind}"),
            spend.map(|r| format!("{r:?}")),
        );
        if ad_source == AdSource::AmazonAds {
            let p = || Some(period(account));
            let r = client
                .list_amazon_campaigns(bearer(
                    ListAmazonCampaignsRequest {
                        period: p(),
                        ..Default::default()
                    },
                    viewer,
                ))
                .await;
            not_found("ListAmazonCampaigns", r.map(|r| format!("{r:?}")));
            let r = client
                .list_amazon_ad_groups(bearer(
                    ListAmazonAdGroupsRequest {
                        period: p(),
                        ..Default::default()
                    },
                    viewer,
                ))
                .await;
            not_found("ListAmazonAdGroups", r.map(|r| format!("{r:?}")));
            let r = client
                .list_amazon_targetings(bearer(
                    ListAmazonTargetingsRequest {
                        period: p(),
                        ..Default::default()
                    },
                    viewer,
                ))
                .await;
            not_found("ListAmazonTargetings", r.map(|r| format!("{r:?}")));
            let r = client
                .list_amazon_search_terms(bearer(
                    ListAmazonSearchTermsRequest {
                        period: p(),
                        ..Default::default()
                    },
                    viewer,
                ))
                .await;
            not_found("ListAmazonSearchTerms", r.map(|r| format!("{r:?}")));
            let r = client
                .audit_amazon_waste(bearer(
                    AuditAmazonWasteRequest {
                        period: p(),
                        ..Default::default()
                    },
                    viewer,
                ))
                .await;
            not_found("AuditAmazonWaste", r.map(|r| format!("{r:?}")));
            let r = client
                .audit_amazon_harvest(bearer(
                    AuditAmazonHarvestRequest {
                        period: p(),
                        ..Default::default()
                    },
                    viewer,
                ))
                .await;
            not_found("AuditAmazonHarvest", r.map(|r| format!("{r:?}")));
        }
    }
    if !other_reported.campaigns.is_empty() {
        let r = client
            .get_campaign_metrics(bearer(
                GetCampaignMetricsRequest {
                    campaign_ids: other_reported.campaigns[..1].to_vec(),
                    start_date: from.clone(),
                    end_date: to.clone(),
                    granularity: 0,
                },
                viewer,
            ))
            .await;
        not_found("GetCampaignMetrics", r.map(|r| format!("{r:?}")));
    }
    if !other_reported.creatives.is_empty() {
        let r = client
            .get_creative_metrics(bearer(
                GetCreativeMetricsRequest {
                    creative_ids: other_reported.creatives[..1].to_vec(),
                    start_date: from.clone(),
                    end_date: to.clone(),
                    granularity: 0,
                },
                viewer,
            ))
            .await;
        not_found("GetCreativeMetrics", r.map(|r| format!("{r:?}")));
    }
    if !other_reported.amazon_campaigns.is_empty() {
        let r = client
            .get_amazon_metrics(bearer(
                GetAmazonMetricsRequest {
                    level: AmazonLevel::Campaign as i32,
                    ids: other_reported.amazon_campaigns[..1].to_vec(),
                    start_date: from.clone(),
                    end_date: to.clone(),
                    ..Default::default()
                },
                viewer,
            ))
            .await;
        not_found("GetAmazonMetrics", r.map(|r| format!("{r:?}")));
    }
    let supplier = other.supplier_id;
    let r = client
        .get_item_price_history(bearer(
            GetItemPriceHistoryRequest {
                supplier_id: supplier,
                sku: "X-1".into(),
            },
            viewer,
        ))
        .await;
    not_found("GetItemPriceHistory", r.map(|r| format!("{r:?}")));
    let r = client
        .list_price_changes(bearer(
            ListPriceChangesRequest {
                supplier_id: supplier,
                start_date: from.clone(),
                end_date: to.clone(),
                limit: 0,
            },
            viewer,
        ))
        .await;
    not_found("ListPriceChanges", r.map(|r| format!("{r:?}")));
    let r = client
        .list_parsing_errors(bearer(
            ListParsingErrorsRequest {
                supplier_id: supplier,
                ..Default::default()
            },
            viewer,
        ))
        .await;
    not_found("ListParsingErrors", r.map(|r| format!("{r:?}")));
}

/// The stack of the reporting tests, its two workspaces and what the platform reports
/// of each.
async fn reporting_stack() -> (Stack, Tenant, Tenant, Reported, Reported, (String, String)) {
    let stack = Stack::start(SandboxConfig {
        size: Size {
            accounts: 1,
            campaign_groups_per_account: 1,
            campaigns_per_account: 2,
            creatives_per_campaign: 1,
            days: 10,
        },
        ..Default::default()
    })
    .await;
    let (acme, globex, _) = two_workspaces(&stack).await;
    let today = stack.sandbox.now().date_naive();
    let range = (
        (today - chrono::Days::new(30)).to_string(),
        (today - chrono::Days::new(1)).to_string(),
    );
    let period = amazon_period(&range);
    let acme_reported = reported(&stack, &acme, &period).await;
    let globex_reported = reported(&stack, &globex, &period).await;
    assert!(!acme_reported.campaigns.is_empty() && !acme_reported.creatives.is_empty());
    assert!(!globex_reported.amazon_campaigns.is_empty());
    (stack, acme, globex, acme_reported, globex_reported, range)
}

fn amazon_period((from, to): &(String, String)) -> impl Fn(i64) -> AmazonPeriod + use<> {
    let (from, to) = (from.clone(), to.clone());
    move |profile_id| AmazonPeriod {
        profile_id,
        start_date: from.clone(),
        end_date: to.clone(),
        attribution_days: 0,
    }
}

#[tokio::test]
async fn a_workspace_reads_no_report_of_another_workspace() {
    let (stack, acme, globex, acme_reported, globex_reported, range) = reporting_stack().await;
    let period = amazon_period(&range);
    let acme_reader = stack.workspace_token(acme.id, &[Scope::ReportsRead]).await;
    let globex_reader = stack
        .workspace_token(globex.id, &[Scope::ReportsRead])
        .await;
    for (viewer, seer, other, other_reported) in [
        (&acme_reader, &acme, &globex, &globex_reported),
        (&acme.admin, &acme, &globex, &globex_reported),
        (&globex_reader, &globex, &acme, &acme_reported),
    ] {
        assert_reports_isolated(
            stack.reporting.channel(),
            viewer,
            seer,
            other,
            other_reported,
            &period,
            range.clone(),
        )
        .await;
    }
    // Each sees its own: acme's summary, globex's profile.
    let mut client = ReportingServiceClient::new(stack.reporting.channel());
    let own = acme
        .accounts
        .iter()
        .find(|(s, _)| *s == Source::Linkedin as i32)
        .expect("a LinkedIn account")
        .1;
    client
        .get_account_summary(bearer(
            GetAccountSummaryRequest {
                account_id: own,
                start_date: range.0.clone(),
                end_date: range.1.clone(),
                top_campaigns: 0,
            },
            &acme_reader,
        ))
        .await
        .expect("acme reads its own account");
    let profiles = client
        .list_amazon_profiles(bearer(ListAmazonProfilesRequest::default(), &globex_reader))
        .await
        .unwrap()
        .into_inner()
        .profiles;
    assert!(!profiles.is_empty());
    // A page token of one workspace is refused to another.
    let first = client
        .list_campaigns(bearer(
            ListCampaignsRequest {
                page_size: 1,
                ..Default::default()
            },
            &acme_reader,
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(!first.next_page_token.is_empty());
    let replayed = client
        .list_campaigns(bearer(
            ListCampaignsRequest {
                page_size: 1,
                page_token: first.next_page_token,
                ..Default::default()
            },
            &globex_reader,
        ))
        .await
        .unwrap_err();
    assert_eq!(replayed.code(), Code::InvalidArgument, "{replayed:?}");
}

#[tokio::test]
async fn row_level_security_keeps_workspaces_apart_when_the_reports_forget_to_filter() {
    let (stack, acme, globex, acme_reported, globex_reported, range) = reporting_stack().await;
    let period = amazon_period(&range);
    // A reporting server whose reports skip their own workspace filters (a test build
    // only): the database's row-level security is all that keeps workspaces apart.
    let unfiltered = stack
        .start_reporting_replica(|config| config.without_workspace_filters = true)
        .await;
    let acme_reader = stack.workspace_token(acme.id, &[Scope::ReportsRead]).await;
    let globex_reader = stack
        .workspace_token(globex.id, &[Scope::ReportsRead])
        .await;
    assert_reports_isolated(
        unfiltered.channel(),
        &acme_reader,
        &acme,
        &globex,
        &globex_reported,
        &period,
        range.clone(),
    )
    .await;
    assert_reports_isolated(
        unfiltered.channel(),
        &globex_reader,
        &globex,
        &acme,
        &acme_reported,
        &period,
        range.clone(),
    )
    .await;
    // The platform, which row-level security does not narrow, still sees both there.
    let accounts = ReportingServiceClient::new(unfiltered.channel())
        .list_accounts(bearer(ListAccountsRequest::default(), &stack.admin))
        .await
        .unwrap()
        .into_inner()
        .accounts;
    assert!(!accounts.is_empty());
}

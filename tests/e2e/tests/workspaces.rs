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
    SyncStatus, SyncTrigger, TriggerSyncRequest, UploadedFileLocation, WatchSyncRequest,
    preview_supplier_feed_request, supplier_feed,
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

//! The supplier-feed RPCs: configure a feed (checked field by field; its connection
//! must be a Google service account), read feeds back, preview a feed without writing,
//! and move a product through its life (draft -> active -> archived).

use std::sync::Arc;

use adsync_proto::auth::Provider;
use adsync_proto::ingestion::{
    CreateSupplierFeedRequest, CreateSupplierFeedResponse, GetSupplierFeedRequest,
    GetSupplierFeedResponse, ItemStatus, ListSupplierFeedsRequest, ListSupplierFeedsResponse,
    PreviewSupplierFeedRequest, PreviewSupplierFeedResponse, SetItemStatusRequest,
    SetItemStatusResponse, SupplierFeed, UpdateSupplierFeedRequest, UpdateSupplierFeedResponse,
    preview_supplier_feed_request,
};
use adsync_server::{FieldViolations, Reach, WorkspaceId, error_status, invalid_field, timestamp};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamptz};
use tonic::Code;

use crate::error::{DOMAIN, Error};
use crate::runs::{Discovered, accounts};
use crate::service::IngestionApi;
use crate::sources::supplier_feed::feed::{self, Feed, FeedConfig, Location};
use crate::sources::supplier_feed::{NAME, SupplierFeedSource, preview};
use crate::upstream::unusable;
use adsync_warehouse::row_security::read_for;

/// Items a preview returns when the request says 0, and at most.
const PREVIEW_ITEMS: (usize, usize) = (20, 500);

impl IngestionApi {
    pub(super) fn feeds(&self) -> Result<&Arc<SupplierFeedSource>, Error> {
        self.platform.sources.supplier_feed().ok_or_else(|| {
            Error::from(error_status(
                Code::FailedPrecondition,
                "supplier feeds are not served by this deployment",
                DOMAIN,
                "SOURCE_NOT_SERVED",
                &[],
            ))
        })
    }

    /// Checks `p`, and that its connection (for a sheet) is a usable Google one the
    /// caller can see. Returns the configuration and, for a sheet, the connection's
    /// workspace.
    async fn checked_config(
        &self,
        p: Option<&SupplierFeed>,
        named: bool,
        reach: Reach,
    ) -> Result<(FeedConfig, Option<WorkspaceId>), Error> {
        let mut v = FieldViolations::new();
        let config = match p {
            Some(p) => FeedConfig::from_proto(p, named, &mut v),
            None => {
                v.add("feed", "required");
                None
            }
        };
        v.into_result(DOMAIN)?;
        let config =
            config.ok_or_else(|| Error::Internal("a checked feed without a config".into()))?;
        let mut workspace = None;
        if let Location::Sheet { connection_id, .. } = &config.location {
            let connection = self
                .platform
                .auth
                .connections()
                .await?
                .into_iter()
                .find(|c| c.connection_id == *connection_id && reach.sees_stored(c.workspace_id))
                .ok_or_else(|| Error::NotFound {
                    kind: "connection",
                    id: connection_id.clone(),
                })?;
            if connection.provider() != Provider::Google {
                return Err(error_status(
                    Code::FailedPrecondition,
                    format!(
                        "connection {connection_id:?} is a {} connection; a Google Sheet is read through a Google service-account connection",
                        connection.provider().as_str_name()
                    ),
                    DOMAIN,
                    "WRONG_PROVIDER",
                    &[("connection_id", connection_id.clone())],
                )
                .into());
            }
            if let Some(why) = unusable(&connection) {
                return Err(Error::ConnectionUnusable(why));
            }
            workspace = WorkspaceId::new(connection.workspace_id);
        }
        Ok((config, workspace))
    }

    pub(crate) async fn create_supplier_feed(
        &self,
        req: CreateSupplierFeedRequest,
        reach: Reach,
    ) -> Result<CreateSupplierFeedResponse, Error> {
        let source = self.feeds()?.clone();
        let requested = reach
            .resolve(req.workspace_id, None)
            .map_err(|_| Error::NotFound {
                kind: "workspace",
                id: req.workspace_id.to_string(),
            })?;
        let (config, of_connection) = self.checked_config(req.feed.as_ref(), true, reach).await?;
        // A sheet's feed is its connection's workspace's; files go where asked.
        let workspace = match (requested, of_connection) {
            (Some(asked), Some(connection)) if asked != connection => {
                return Err(invalid_field(
                    DOMAIN,
                    "workspace_id",
                    format!(
                        "the sheet's connection belongs to workspace {connection}; a feed reads only its own workspace's connections"
                    ),
                )
                .into());
            }
            (asked, connection) => connection.or(asked).unwrap_or(WorkspaceId::DEFAULT),
        };
        let now = self.platform.clock.now();
        let name = config.supplier.clone();
        let stored = source
            .db
            .run(move |conn| {
                conn.transaction::<_, Error, _>(|conn| {
                    let Some(feed) = feed::insert(conn, &config, workspace, now)? else {
                        return Ok(None);
                    };
                    register(conn, &feed, now)?;
                    Ok(Some(feed))
                })
            })
            .await?;
        let feed = stored.ok_or_else(|| name_taken(&name))?;
        tracing::info!(supplier_id = feed.id, supplier = %feed.config.supplier, "supplier feed created");
        Ok(CreateSupplierFeedResponse {
            feed: Some(feed.to_proto()),
        })
    }

    pub(crate) async fn update_supplier_feed(
        &self,
        req: UpdateSupplierFeedRequest,
        reach: Reach,
    ) -> Result<UpdateSupplierFeedResponse, Error> {
        let source = self.feeds()?.clone();
        let id = req.feed.as_ref().map_or(0, |f| f.supplier_id);
        if id <= 0 {
            let mut v = FieldViolations::new();
            v.add("feed.supplier_id", "required");
            v.into_result(DOMAIN)?;
        }
        let current = self.stored_feed(id, "feed.supplier_id", reach).await?;
        // Its connection must be the feed's workspace's, whoever asks.
        let owner = Reach::Workspace(
            WorkspaceId::new(current.workspace_id).unwrap_or(WorkspaceId::DEFAULT),
        );
        let (config, _) = self.checked_config(req.feed.as_ref(), true, owner).await?;
        if std::mem::discriminant(&current.config.location)
            != std::mem::discriminant(&config.location)
        {
            let mut v = FieldViolations::new();
            v.add(
                "feed.location",
                "a feed cannot change between a Google Sheet and uploaded files: create another supplier",
            );
            v.into_result(DOMAIN)?;
        }
        let now = self.platform.clock.now();
        let name = config.supplier.clone();
        let updated = source
            .db
            .run(move |conn| {
                conn.transaction::<_, Error, _>(|conn| {
                    let feed = feed::update(conn, id, &config, now)?;
                    if let Some(feed) = &feed {
                        register(conn, feed, now)?;
                    }
                    Ok(feed)
                })
            })
            .await
            .map_err(|e| match e {
                Error::Db(adsync_db::DbError::Query(diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::UniqueViolation,
                    _,
                ))) => name_taken(&name),
                other => other,
            })?
            .ok_or_else(|| Error::NotFound {
                kind: "supplier",
                id: id.to_string(),
            })?;
        Ok(UpdateSupplierFeedResponse {
            feed: Some(updated.to_proto()),
        })
    }

    pub(crate) async fn get_supplier_feed(
        &self,
        req: GetSupplierFeedRequest,
        reach: Reach,
    ) -> Result<GetSupplierFeedResponse, Error> {
        let feed = self
            .stored_feed(req.supplier_id, "supplier_id", reach)
            .await?;
        Ok(GetSupplierFeedResponse {
            feed: Some(feed.to_proto()),
        })
    }

    pub(crate) async fn list_supplier_feeds(
        &self,
        _: ListSupplierFeedsRequest,
        reach: Reach,
    ) -> Result<ListSupplierFeedsResponse, Error> {
        let source = self.feeds()?;
        let only = reach.workspace();
        let feeds = read_for(&source.db, reach, move |conn| {
            feed::list(conn, only).map_err(Error::from)
        })
        .await?;
        Ok(ListSupplierFeedsResponse {
            feeds: feeds.iter().map(Feed::to_proto).collect(),
        })
    }

    pub(crate) async fn preview_supplier_feed(
        &self,
        req: PreviewSupplierFeedRequest,
        reach: Reach,
    ) -> Result<PreviewSupplierFeedResponse, Error> {
        let source = self.feeds()?.clone();
        let max_items = match usize::try_from(req.max_items) {
            Ok(0) => PREVIEW_ITEMS.0,
            Ok(n) if n <= PREVIEW_ITEMS.1 => n,
            _ => {
                let why = format!("0 to {}", PREVIEW_ITEMS.1);
                return Err(invalid_field(DOMAIN, "max_items", why).into());
            }
        };
        let feed = match req.feed {
            Some(preview_supplier_feed_request::Feed::SupplierId(id)) => {
                self.stored_feed(id, "supplier_id", reach).await?
            }
            Some(preview_supplier_feed_request::Feed::Config(config)) => {
                let (config, workspace) = self.checked_config(Some(&config), false, reach).await?;
                let now = self.platform.clock.now();
                Feed {
                    id: 0,
                    workspace_id: workspace.map_or(0, WorkspaceId::get),
                    config,
                    config_version: 0,
                    created_at: now,
                    updated_at: now,
                }
            }
            None => {
                let why = "required: supplier_id or config";
                return Err(invalid_field(DOMAIN, "feed", why).into());
            }
        };
        let tokens = self.platform.auth.tokens(feed.connection_id());
        preview::preview(&source, &feed, tokens.as_ref(), max_items).await
    }

    pub(crate) async fn set_item_status(
        &self,
        req: SetItemStatusRequest,
        reach: Reach,
    ) -> Result<SetItemStatusResponse, Error> {
        let source = self.feeds()?.clone();
        let mut v = FieldViolations::new();
        if req.supplier_id <= 0 {
            v.add("supplier_id", "required");
        }
        let sku = req.sku.trim().to_owned();
        if sku.is_empty() {
            v.add("sku", "required");
        }
        let status = match ItemStatus::try_from(req.status) {
            Ok(ItemStatus::Active) => "active",
            Ok(ItemStatus::Archived) => "archived",
            Ok(ItemStatus::Draft) => {
                v.add(
                    "status",
                    "a product never goes back to draft: ACTIVE or ARCHIVED",
                );
                ""
            }
            _ => {
                v.add("status", "required: ACTIVE or ARCHIVED");
                ""
            }
        };
        v.into_result(DOMAIN)?;
        self.stored_feed(req.supplier_id, "supplier_id", reach)
            .await?;
        let now = self.platform.clock.now();
        let (id, wanted) = (req.supplier_id, status.to_owned());
        let changed = source
            .db
            .run(move |conn| set_status(conn, id, &sku, &wanted, now).map_err(Error::from))
            .await?
            .ok_or_else(|| Error::NotFound {
                kind: "item",
                id: format!("{}/{}", req.supplier_id, req.sku.trim()),
            })?;
        Ok(SetItemStatusResponse {
            supplier_id: req.supplier_id,
            sku: req.sku.trim().to_owned(),
            status: status_proto(&changed.status) as i32,
            previous_status: status_proto(&changed.previous) as i32,
            status_change_time: changed.changed_at.map(timestamp),
        })
    }

    /// Feed `id` if the caller can see it; NOT_FOUND when it does not exist or is
    /// another workspace's.
    pub(super) async fn stored_feed(
        &self,
        id: i64,
        field: &str,
        reach: Reach,
    ) -> Result<Feed, Error> {
        if id <= 0 {
            return Err(invalid_field(DOMAIN, field, "required").into());
        }
        read_for(&self.feeds()?.db, reach, move |conn| {
            feed::find(conn, id).map_err(Error::from)
        })
        .await?
        .filter(|f| reach.sees_stored(f.workspace_id))
        .ok_or_else(|| Error::NotFound {
            kind: "supplier",
            id: id.to_string(),
        })
    }
}

fn name_taken(name: &str) -> Error {
    error_status(
        Code::AlreadyExists,
        format!("a supplier named {name:?} exists already"),
        DOMAIN,
        "SUPPLIER_EXISTS",
        &[("supplier", name.to_owned())],
    )
    .into()
}

/// Makes the feed an account of the sync platform (scheduled when it is a sheet: an
/// uploaded file is synced when asked, after its upload).
fn register(conn: &mut PgConnection, feed: &Feed, now: DateTime<Utc>) -> Result<(), Error> {
    let found = Discovered {
        account_id: feed.id,
        name: feed.config.supplier.clone(),
        status: "ACTIVE".into(),
        time_zone: chrono_tz::UTC,
    };
    let workspace = WorkspaceId::new(feed.workspace_id)
        .ok_or_else(|| Error::Internal(format!("supplier {} has no workspace", feed.id)))?;
    // The supplier's id is new to the platform, or its own account already.
    if let accounts::Recorded::OwnedElsewhere =
        accounts::upsert(conn, &NAME, feed.connection_id(), workspace, &found, now)?
    {
        return Err(Error::Internal(format!(
            "supplier {} is registered to another workspace",
            feed.id
        )));
    }
    diesel::sql_query(
        "UPDATE sync_accounts SET schedule_enabled = $3 WHERE source = $1 AND account_id = $2",
    )
    .bind::<Text, _>(&NAME)
    .bind::<BigInt, _>(feed.id)
    .bind::<diesel::sql_types::Bool, _>(matches!(feed.config.location, Location::Sheet { .. }))
    .execute(conn)?;
    Ok(())
}

struct StatusChange {
    status: String,
    previous: String,
    changed_at: Option<DateTime<Utc>>,
}

/// Sets an item's status; its status before and after, `None` when there is no such item.
fn set_status(
    conn: &mut PgConnection,
    supplier: i64,
    sku: &str,
    status: &str,
    now: DateTime<Utc>,
) -> QueryResult<Option<StatusChange>> {
    #[derive(QueryableByName)]
    struct Changed {
        #[diesel(sql_type = Text)]
        status: String,
        #[diesel(sql_type = Text)]
        previous: String,
        #[diesel(sql_type = diesel::sql_types::Nullable<Timestamptz>)]
        changed_at: Option<DateTime<Utc>>,
    }
    let row: Option<Changed> = diesel::sql_query(
        "WITH old AS (SELECT status FROM supplier_feed.items WHERE supplier_id = $1 AND sku = $2 FOR UPDATE) \
         UPDATE supplier_feed.items i SET status = $3, \
             status_changed_at = CASE WHEN i.status = $3 THEN i.status_changed_at ELSE $4 END \
         FROM old WHERE i.supplier_id = $1 AND i.sku = $2 \
         RETURNING i.status, old.status AS previous, i.status_changed_at AS changed_at",
    )
    .bind::<BigInt, _>(supplier)
    .bind::<Text, _>(sku)
    .bind::<Text, _>(status)
    .bind::<Timestamptz, _>(now)
    .get_result(conn)
    .optional()?;
    Ok(row.map(|r| StatusChange {
        status: r.status,
        previous: r.previous,
        changed_at: r.changed_at,
    }))
}

fn status_proto(s: &str) -> ItemStatus {
    match s {
        "draft" => ItemStatus::Draft,
        "active" => ItemStatus::Active,
        "archived" => ItemStatus::Archived,
        _ => ItemStatus::Unspecified,
    }
}

//! ListAmazonProfiles: the synced Amazon Ads profiles, keyset pages by id.

use adsync_db::prepared_sql;
use adsync_proto::reporting::{
    AmazonProfile, ListAmazonProfilesRequest, ListAmazonProfilesResponse,
};
use adsync_server::{FieldViolations, Reach, WorkspaceId};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use crate::error::{DOMAIN, Error};
use crate::request::IdPage;
use crate::scope::in_workspace;
use crate::service::ReportingApi;

#[derive(QueryableByName)]
struct ProfileRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    region: String,
    #[diesel(sql_type = Text)]
    country_code: String,
    #[diesel(sql_type = Text)]
    currency_code: String,
    #[diesel(sql_type = Text)]
    time_zone: String,
    #[diesel(sql_type = Text)]
    marketplace_id: String,
    #[diesel(sql_type = Text)]
    account_id: String,
    #[diesel(sql_type = Text)]
    account_type: String,
    #[diesel(sql_type = Text)]
    account_name: String,
}

impl ReportingApi {
    pub(crate) async fn list_amazon_profiles(
        &self,
        req: ListAmazonProfilesRequest,
        reach: Reach,
    ) -> Result<ListAmazonProfilesResponse, Error> {
        let mut v = FieldViolations::new();
        let page = IdPage::parse(
            "ListAmazonProfiles",
            &self.page_tokens,
            reach,
            String::new(),
            req.page_size,
            &req.page_token,
            &mut v,
        );
        v.into_result(DOMAIN)?;
        let (after, limit) = (page.after, page.limit());
        let workspace = self.filter(reach).map(WorkspaceId::get);
        let mut rows: Vec<ProfileRow> = self
            .read(reach, move |conn| {
                prepared_sql(format!(
                    "SELECT id, region, country_code, currency_code, time_zone, marketplace_id, \
                            account_id, account_type, account_name \
                     FROM amazon_ads.profiles WHERE id > $1 AND {} ORDER BY id LIMIT $2",
                    in_workspace("id", "amazon_ads", 3)
                ))
                .bind::<BigInt, _>(after)
                .bind::<BigInt, _>(limit)
                .bind::<Nullable<BigInt>, _>(workspace)
                .load(conn)
                .map_err(Error::from)
            })
            .await?;
        let next_page_token = page.finish(&mut rows, |r| r.id);
        Ok(ListAmazonProfilesResponse {
            profiles: rows
                .into_iter()
                .map(|r| AmazonProfile {
                    profile_id: r.id,
                    region: r.region,
                    country_code: r.country_code,
                    currency_code: r.currency_code,
                    time_zone: r.time_zone,
                    marketplace_id: r.marketplace_id,
                    account_id: r.account_id,
                    account_type: r.account_type,
                    account_name: r.account_name,
                })
                .collect(),
            next_page_token,
        })
    }
}

// @generated automatically by Diesel CLI.

pub mod amazon_ads {
    diesel::table! {
        amazon_ads.ad_groups (id) {
            id -> Int8,
            profile_id -> Int8,
            campaign_id -> Int8,
            name -> Text,
            state -> Text,
            default_bid -> Nullable<Numeric>,
            created_at -> Timestamptz,
            fetched_at -> Timestamptz,
        }
    }

    diesel::table! {
        amazon_ads.campaign_daily_metrics (profile_id, campaign_id, date) {
            profile_id -> Int8,
            campaign_id -> Int8,
            date -> Date,
            impressions -> Int8,
            clicks -> Int8,
            cost -> Numeric,
            purchases_1d -> Int8,
            purchases_7d -> Int8,
            purchases_14d -> Int8,
            purchases_30d -> Int8,
            sales_1d -> Numeric,
            sales_7d -> Numeric,
            sales_14d -> Numeric,
            sales_30d -> Numeric,
            units_sold_clicks_1d -> Int8,
            units_sold_clicks_7d -> Int8,
            units_sold_clicks_14d -> Int8,
            units_sold_clicks_30d -> Int8,
            created_at -> Timestamptz,
            fetched_at -> Timestamptz,
        }
    }

    diesel::table! {
        amazon_ads.campaigns (id) {
            id -> Int8,
            profile_id -> Int8,
            name -> Text,
            state -> Text,
            targeting_type -> Nullable<Text>,
            budget -> Nullable<Numeric>,
            budget_type -> Nullable<Text>,
            bidding_strategy -> Nullable<Text>,
            top_of_search_percentage -> Nullable<Int4>,
            portfolio_id -> Nullable<Int8>,
            start_date -> Nullable<Date>,
            end_date -> Nullable<Date>,
            created_at -> Timestamptz,
            fetched_at -> Timestamptz,
        }
    }

    diesel::table! {
        amazon_ads.keywords (id) {
            id -> Int8,
            profile_id -> Int8,
            campaign_id -> Int8,
            ad_group_id -> Int8,
            keyword_text -> Text,
            match_type -> Text,
            state -> Text,
            bid -> Nullable<Numeric>,
            created_at -> Timestamptz,
            fetched_at -> Timestamptz,
        }
    }

    diesel::table! {
        amazon_ads.negative_keywords (id) {
            id -> Int8,
            profile_id -> Int8,
            campaign_id -> Int8,
            ad_group_id -> Int8,
            keyword_text -> Text,
            match_type -> Text,
            state -> Text,
            created_at -> Timestamptz,
            fetched_at -> Timestamptz,
        }
    }

    diesel::table! {
        amazon_ads.product_ad_daily_metrics (profile_id, campaign_id, ad_group_id, ad_id, date) {
            profile_id -> Int8,
            campaign_id -> Int8,
            ad_group_id -> Int8,
            ad_id -> Int8,
            date -> Date,
            advertised_asin -> Nullable<Text>,
            advertised_sku -> Nullable<Text>,
            impressions -> Int8,
            clicks -> Int8,
            cost -> Numeric,
            purchases_1d -> Int8,
            purchases_7d -> Int8,
            purchases_14d -> Int8,
            purchases_30d -> Int8,
            sales_1d -> Numeric,
            sales_7d -> Numeric,
            sales_14d -> Numeric,
            sales_30d -> Numeric,
            units_sold_clicks_1d -> Int8,
            units_sold_clicks_7d -> Int8,
            units_sold_clicks_14d -> Int8,
            units_sold_clicks_30d -> Int8,
            created_at -> Timestamptz,
            fetched_at -> Timestamptz,
        }
    }

    diesel::table! {
        amazon_ads.product_ads (id) {
            id -> Int8,
            profile_id -> Int8,
            campaign_id -> Int8,
            ad_group_id -> Int8,
            asin -> Nullable<Text>,
            sku -> Nullable<Text>,
            state -> Text,
            created_at -> Timestamptz,
            fetched_at -> Timestamptz,
        }
    }

    diesel::table! {
        amazon_ads.profiles (id) {
            id -> Int8,
            region -> Text,
            country_code -> Text,
            currency_code -> Text,
            time_zone -> Text,
            marketplace_id -> Text,
            account_id -> Text,
            account_type -> Text,
            account_name -> Text,
            created_at -> Timestamptz,
            fetched_at -> Timestamptz,
        }
    }

    diesel::table! {
        amazon_ads.search_term_daily_metrics (profile_id, campaign_id, ad_group_id, targeting_id, search_term, date) {
            profile_id -> Int8,
            campaign_id -> Int8,
            ad_group_id -> Int8,
            targeting_id -> Int8,
            search_term -> Text,
            date -> Date,
            keyword_type -> Nullable<Text>,
            impressions -> Int8,
            clicks -> Int8,
            cost -> Numeric,
            purchases_1d -> Int8,
            purchases_7d -> Int8,
            purchases_14d -> Int8,
            purchases_30d -> Int8,
            sales_1d -> Numeric,
            sales_7d -> Numeric,
            sales_14d -> Numeric,
            sales_30d -> Numeric,
            units_sold_clicks_1d -> Int8,
            units_sold_clicks_7d -> Int8,
            units_sold_clicks_14d -> Int8,
            units_sold_clicks_30d -> Int8,
            created_at -> Timestamptz,
            fetched_at -> Timestamptz,
        }
    }

    diesel::table! {
        amazon_ads.targeting_daily_metrics (profile_id, campaign_id, ad_group_id, targeting_id, date) {
            profile_id -> Int8,
            campaign_id -> Int8,
            ad_group_id -> Int8,
            targeting_id -> Int8,
            date -> Date,
            targeting -> Nullable<Text>,
            keyword_type -> Nullable<Text>,
            impressions -> Int8,
            clicks -> Int8,
            cost -> Numeric,
            purchases_1d -> Int8,
            purchases_7d -> Int8,
            purchases_14d -> Int8,
            purchases_30d -> Int8,
            sales_1d -> Numeric,
            sales_7d -> Numeric,
            sales_14d -> Numeric,
            sales_30d -> Numeric,
            units_sold_clicks_1d -> Int8,
            units_sold_clicks_7d -> Int8,
            units_sold_clicks_14d -> Int8,
            units_sold_clicks_30d -> Int8,
            created_at -> Timestamptz,
            fetched_at -> Timestamptz,
        }
    }

    diesel::table! {
        amazon_ads.targets (id) {
            id -> Int8,
            profile_id -> Int8,
            campaign_id -> Int8,
            ad_group_id -> Int8,
            expression_type -> Text,
            expression -> Jsonb,
            resolved_expression -> Nullable<Jsonb>,
            state -> Text,
            bid -> Nullable<Numeric>,
            created_at -> Timestamptz,
            fetched_at -> Timestamptz,
        }
    }

    diesel::joinable!(ad_groups -> campaigns (campaign_id));
    diesel::joinable!(campaigns -> profiles (profile_id));
    diesel::joinable!(keywords -> ad_groups (ad_group_id));
    diesel::joinable!(negative_keywords -> ad_groups (ad_group_id));
    diesel::joinable!(product_ads -> ad_groups (ad_group_id));
    diesel::joinable!(targets -> ad_groups (ad_group_id));

    diesel::allow_tables_to_appear_in_same_query!(
        ad_groups,
        campaign_daily_metrics,
        campaigns,
        keywords,
        negative_keywords,
        product_ad_daily_metrics,
        product_ads,
        profiles,
        search_term_daily_metrics,
        targeting_daily_metrics,
        targets,
    );
}

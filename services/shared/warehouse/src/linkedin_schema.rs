// @generated automatically by Diesel CLI.

pub mod linkedin {
    diesel::table! {
        linkedin.account_daily_metrics (account_id, date) {
            account_id -> Int8,
            date -> Date,
            campaigns -> Int8,
            impressions -> Int8,
            clicks -> Int8,
            cost -> Numeric,
            landing_page_clicks -> Int8,
            external_website_conversions -> Int8,
            one_click_leads -> Int8,
            likes -> Int8,
            comments -> Int8,
            shares -> Int8,
            follows -> Int8,
            opens -> Int8,
            sends -> Int8,
        }
    }

    diesel::table! {
        linkedin.ad_accounts (id) {
            id -> Int8,
            name -> Text,
            status -> Text,
            currency -> Nullable<Text>,
            #[sql_name = "type"]
            type_ -> Nullable<Text>,
            is_test -> Bool,
            upstream_created_at -> Nullable<Timestamptz>,
            upstream_modified_at -> Nullable<Timestamptz>,
            created_at -> Timestamptz,
            fetched_at -> Timestamptz,
        }
    }

    diesel::table! {
        linkedin.audience_demographics (account_id, pivot, segment, date_start) {
            account_id -> Int8,
            pivot -> Text,
            segment -> Text,
            date_start -> Date,
            date_end -> Date,
            impressions -> Int8,
            clicks -> Int8,
            cost -> Numeric,
            created_at -> Timestamptz,
            fetched_at -> Timestamptz,
        }
    }

    diesel::table! {
        linkedin.campaign_daily_metrics (campaign_id, date) {
            campaign_id -> Int8,
            date -> Date,
            account_id -> Int8,
            impressions -> Int8,
            clicks -> Int8,
            cost -> Numeric,
            landing_page_clicks -> Int8,
            external_website_conversions -> Int8,
            one_click_leads -> Int8,
            likes -> Int8,
            comments -> Int8,
            shares -> Int8,
            follows -> Int8,
            opens -> Int8,
            sends -> Int8,
            created_at -> Timestamptz,
            fetched_at -> Timestamptz,
        }
    }

    diesel::table! {
        linkedin.campaign_groups (id) {
            id -> Int8,
            account_id -> Int8,
            name -> Text,
            status -> Text,
            total_budget -> Nullable<Numeric>,
            total_budget_currency -> Nullable<Text>,
            run_schedule_start -> Nullable<Timestamptz>,
            run_schedule_end -> Nullable<Timestamptz>,
            upstream_created_at -> Nullable<Timestamptz>,
            upstream_modified_at -> Nullable<Timestamptz>,
            created_at -> Timestamptz,
            fetched_at -> Timestamptz,
        }
    }

    diesel::table! {
        linkedin.campaign_monthly_metrics (account_id, month, campaign_id) {
            account_id -> Int8,
            month -> Date,
            campaign_id -> Int8,
            days -> Int8,
            impressions -> Int8,
            clicks -> Int8,
            cost -> Numeric,
            landing_page_clicks -> Int8,
            external_website_conversions -> Int8,
            one_click_leads -> Int8,
            likes -> Int8,
            comments -> Int8,
            shares -> Int8,
            follows -> Int8,
            opens -> Int8,
            sends -> Int8,
        }
    }

    diesel::table! {
        linkedin.campaigns (id) {
            id -> Int8,
            account_id -> Int8,
            campaign_group_id -> Nullable<Int8>,
            name -> Text,
            status -> Text,
            #[sql_name = "type"]
            type_ -> Nullable<Text>,
            objective_type -> Nullable<Text>,
            format -> Nullable<Text>,
            cost_type -> Nullable<Text>,
            optimization_target_type -> Nullable<Text>,
            creative_selection -> Nullable<Text>,
            daily_budget -> Nullable<Numeric>,
            daily_budget_currency -> Nullable<Text>,
            total_budget -> Nullable<Numeric>,
            total_budget_currency -> Nullable<Text>,
            unit_cost -> Nullable<Numeric>,
            unit_cost_currency -> Nullable<Text>,
            offsite_delivery_enabled -> Bool,
            audience_expansion_enabled -> Bool,
            run_schedule_start -> Nullable<Timestamptz>,
            run_schedule_end -> Nullable<Timestamptz>,
            upstream_created_at -> Nullable<Timestamptz>,
            upstream_modified_at -> Nullable<Timestamptz>,
            created_at -> Timestamptz,
            fetched_at -> Timestamptz,
        }
    }

    diesel::table! {
        linkedin.creative_daily_metrics (creative_id, date) {
            creative_id -> Int8,
            date -> Date,
            campaign_id -> Int8,
            account_id -> Int8,
            impressions -> Int8,
            clicks -> Int8,
            cost -> Numeric,
            landing_page_clicks -> Int8,
            external_website_conversions -> Int8,
            one_click_leads -> Int8,
            likes -> Int8,
            comments -> Int8,
            shares -> Int8,
            follows -> Int8,
            opens -> Int8,
            sends -> Int8,
            created_at -> Timestamptz,
            fetched_at -> Timestamptz,
        }
    }

    diesel::table! {
        linkedin.creatives (id) {
            id -> Int8,
            campaign_id -> Int8,
            account_id -> Int8,
            intended_status -> Nullable<Text>,
            is_serving -> Bool,
            serving_hold_reasons -> Array<Nullable<Text>>,
            content_reference -> Nullable<Text>,
            content_name -> Nullable<Text>,
            upstream_created_at -> Nullable<Timestamptz>,
            upstream_modified_at -> Nullable<Timestamptz>,
            created_at -> Timestamptz,
            fetched_at -> Timestamptz,
        }
    }

    diesel::joinable!(audience_demographics -> ad_accounts (account_id));
    diesel::joinable!(campaign_groups -> ad_accounts (account_id));
    diesel::joinable!(campaigns -> ad_accounts (account_id));
    diesel::joinable!(creatives -> ad_accounts (account_id));
    diesel::joinable!(creatives -> campaigns (campaign_id));

    diesel::allow_tables_to_appear_in_same_query!(
        account_daily_metrics,
        ad_accounts,
        audience_demographics,
        campaign_daily_metrics,
        campaign_groups,
        campaign_monthly_metrics,
        campaigns,
        creative_daily_metrics,
        creatives,
    );
}

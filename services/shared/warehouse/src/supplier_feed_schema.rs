// @generated automatically by Diesel CLI.

pub mod supplier_feed {
    diesel::table! {
        supplier_feed.items (supplier_id, sku) {
            supplier_id -> Int8,
            sku -> Text,
            name -> Text,
            characteristics -> Jsonb,
            discontinued_at -> Nullable<Timestamptz>,
            status -> Text,
            status_changed_at -> Nullable<Timestamptz>,
            created_at -> Timestamptz,
            fetched_at -> Timestamptz,
        }
    }

    diesel::table! {
        supplier_feed.prices (supplier_id, sku, valid_from) {
            supplier_id -> Int8,
            sku -> Text,
            price -> Numeric,
            currency -> Text,
            includes_tax -> Bool,
            effective_from -> Nullable<Date>,
            valid_from -> Timestamptz,
            valid_to -> Nullable<Timestamptz>,
            fetched_at -> Timestamptz,
        }
    }

    diesel::table! {
        supplier_feed.suppliers (id) {
            id -> Int8,
            name -> Text,
            kind -> Text,
            connection_id -> Nullable<Text>,
            spreadsheet_id -> Nullable<Text>,
            sheet_title -> Nullable<Text>,
            range_a1 -> Nullable<Text>,
            header_row -> Nullable<Int4>,
            mapping -> Jsonb,
            decimal_separator -> Text,
            thousands_separator -> Text,
            default_currency -> Text,
            prices_include_tax -> Bool,
            price_decimals -> Int2,
            csv_delimiter -> Text,
            csv_encoding -> Text,
            config_version -> Int4,
            created_at -> Timestamptz,
            updated_at -> Timestamptz,
            date_format -> Text,
            workspace_id -> Int8,
        }
    }

    diesel::table! {
        supplier_feed.uploads (id) {
            id -> Uuid,
            supplier_id -> Int8,
            format -> Text,
            file_name -> Text,
            bytes -> Bytea,
            sha256 -> Text,
            uploaded_at -> Timestamptz,
            size_bytes -> Int8,
        }
    }

    diesel::joinable!(items -> suppliers (supplier_id));
    diesel::joinable!(uploads -> suppliers (supplier_id));

    diesel::allow_tables_to_appear_in_same_query!(items, prices, suppliers, uploads,);
}

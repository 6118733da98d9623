ALTER TABLE supplier_feed.uploads DROP COLUMN size_bytes;
ALTER TABLE supplier_feed.suppliers DROP COLUMN date_format;

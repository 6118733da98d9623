-- How a feed's dates written as text are ordered (explicit, never guessed: 03/04/2026
-- is two different days in Europe and the US); ISO dates are always accepted.
ALTER TABLE supplier_feed.suppliers ADD COLUMN date_format TEXT NOT NULL DEFAULT 'YYYY-MM-DD'
    CHECK (date_format IN ('YYYY-MM-DD', 'DD.MM.YYYY', 'DD/MM/YYYY', 'MM/DD/YYYY', 'DD-MM-YYYY'));

-- An upload's size, kept so listing uploads never reads their bytes.
ALTER TABLE supplier_feed.uploads ADD COLUMN size_bytes BIGINT NOT NULL DEFAULT 0 CHECK (size_bytes >= 0);
ALTER TABLE supplier_feed.uploads ALTER COLUMN size_bytes DROP DEFAULT;

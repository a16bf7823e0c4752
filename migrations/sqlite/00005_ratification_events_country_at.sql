-- +goose Up
-- A dossier reads a state's newest events across all instruments:
-- WHERE country_iso3 = ? ORDER BY at DESC, id DESC LIMIT n. The index on
-- (country_iso3, instrument_code, at) cannot give that order, so every event
-- of the state was read and sorted; this one is read backwards and stops at n.
-- (id is the rowid, which every SQLite index ends with.)
CREATE INDEX ratification_events_country_at_idx ON ratification_events (country_iso3, at);

-- +goose Down
DROP INDEX ratification_events_country_at_idx;

-- +goose Up
-- Every query on outreach by country reads only live records, which
-- outreach_live_country_idx (migration 00008) serves with more columns; this
-- index was only ever written to — once for every message a campaign sends.
DROP INDEX outreach_country_idx;

-- +goose Down
CREATE INDEX outreach_country_idx ON outreach (country_iso3, date);

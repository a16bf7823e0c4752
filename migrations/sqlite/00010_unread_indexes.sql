-- +goose Up
-- Indexes that only cost writes.
--
-- Every query on outreach by country reads only live records, which
-- outreach_live_country_idx (migration 00008) serves with more columns; this
-- index was only ever written to, once for every message a campaign sends.
DROP INDEX outreach_country_idx;

-- A campaign's rows not yet final are found through
-- campaign_recipients_pending_idx (migration 00007): the claims, the count
-- of what is left, the next retry, a cancel. This index served only the
-- progress page's count by state and the recipient list's filter, each a
-- read of one campaign's rows either way, and it took a new entry at both
-- updates of every message: the claim and the outcome.
DROP INDEX campaign_recipients_due_idx;

-- +goose Down
CREATE INDEX campaign_recipients_due_idx ON campaign_recipients (campaign_id, state, next_attempt_at);
CREATE INDEX outreach_country_idx ON outreach (country_iso3, date);

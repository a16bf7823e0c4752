-- +goose Up
-- Senders claim a campaign's due rows in id order:
-- WHERE campaign_id = ? AND state IN ('queued','sending') AND … ORDER BY id LIMIT n.
-- Without this index the claim walked the primary key from the first row of
-- the table, past every row of earlier campaigns and every row this campaign
-- had already sent, so each claim grew slower as the campaign (and the
-- installation's history) grew. This one holds only the rows not yet final.
CREATE INDEX campaign_recipients_pending_idx ON campaign_recipients (campaign_id, id) WHERE state IN ('queued', 'sending');

-- +goose Down
DROP INDEX campaign_recipients_pending_idx;

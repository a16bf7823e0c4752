-- +goose Up
-- Outreach counts without waits (issue 5: a campaign's senders log an email
-- outreach record for every message, in a batch per transaction).
--
-- Migration 00008 added each statement's counts to one of 64 shards of a
-- counter with INSERT … ON CONFLICT DO UPDATE. Concurrent senders still
-- collided on a shard, and each waited for the other's commit. Now each
-- statement inserts rows of its own: the slot comes from a sequence, so no
-- two statements ever write the same key and no writer waits for another.
-- Readers add the slots up as before; the server folds the rows into one
-- per month, organisation and visibility every minute (FoldOutreachCounts).
ALTER TABLE outreach_month_counts RENAME COLUMN shard TO slot;
ALTER TABLE outreach_month_counts ALTER COLUMN slot TYPE BIGINT;
CREATE SEQUENCE outreach_month_counts_slot;

WITH gone AS (DELETE FROM outreach_month_counts RETURNING month, organisation_id, visibility, n)
INSERT INTO outreach_month_counts (month, organisation_id, visibility, slot, n)
SELECT month, organisation_id, visibility, nextval('outreach_month_counts_slot'), sum(n) FROM gone
GROUP BY 1, 2, 3 HAVING sum(n) <> 0;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION outreach_month_counts_apply() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO outreach_month_counts (month, organisation_id, visibility, slot, n)
        SELECT to_char(date, 'YYYY-MM'), organisation_id, visibility, s.slot, count(*)
        FROM new_rows, (SELECT nextval('outreach_month_counts_slot') AS slot) AS s
        WHERE deleted_at IS NULL GROUP BY 1, 2, 3, 4;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO outreach_month_counts (month, organisation_id, visibility, slot, n)
        SELECT to_char(date, 'YYYY-MM'), organisation_id, visibility, s.slot, -count(*)
        FROM old_rows, (SELECT nextval('outreach_month_counts_slot') AS slot) AS s
        WHERE deleted_at IS NULL GROUP BY 1, 2, 3, 4;
    ELSE
        INSERT INTO outreach_month_counts (month, organisation_id, visibility, slot, n)
        SELECT month, organisation_id, visibility, (SELECT nextval('outreach_month_counts_slot')), sum(d) FROM (
            SELECT to_char(date, 'YYYY-MM') AS month, organisation_id, visibility, 1 AS d FROM new_rows WHERE deleted_at IS NULL
            UNION ALL
            SELECT to_char(date, 'YYYY-MM'), organisation_id, visibility, -1 FROM old_rows WHERE deleted_at IS NULL
        ) AS changes GROUP BY 1, 2, 3 HAVING sum(d) <> 0;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

-- +goose Down
WITH gone AS (DELETE FROM outreach_month_counts RETURNING month, organisation_id, visibility, n)
INSERT INTO outreach_month_counts (month, organisation_id, visibility, slot, n)
SELECT month, organisation_id, visibility, 0, sum(n) FROM gone GROUP BY 1, 2, 3;
DROP SEQUENCE outreach_month_counts_slot;
ALTER TABLE outreach_month_counts ALTER COLUMN slot TYPE SMALLINT;
ALTER TABLE outreach_month_counts RENAME COLUMN slot TO shard;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION outreach_month_counts_apply() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO outreach_month_counts AS c (month, organisation_id, visibility, shard, n)
        SELECT to_char(date, 'YYYY-MM'), organisation_id, visibility, s.shard, count(*)
        FROM new_rows, (SELECT floor(random() * 64)::smallint AS shard) AS s
        WHERE deleted_at IS NULL GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3
        ON CONFLICT (month, organisation_id, visibility, shard) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO outreach_month_counts AS c (month, organisation_id, visibility, shard, n)
        SELECT to_char(date, 'YYYY-MM'), organisation_id, visibility, s.shard, -count(*)
        FROM old_rows, (SELECT floor(random() * 64)::smallint AS shard) AS s
        WHERE deleted_at IS NULL GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3
        ON CONFLICT (month, organisation_id, visibility, shard) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSE
        INSERT INTO outreach_month_counts AS c (month, organisation_id, visibility, shard, n)
        SELECT month, organisation_id, visibility, (SELECT floor(random() * 64)::smallint), sum(d) FROM (
            SELECT to_char(date, 'YYYY-MM') AS month, organisation_id, visibility, 1 AS d FROM new_rows WHERE deleted_at IS NULL
            UNION ALL
            SELECT to_char(date, 'YYYY-MM'), organisation_id, visibility, -1 FROM old_rows WHERE deleted_at IS NULL
        ) AS changes GROUP BY 1, 2, 3 HAVING sum(d) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (month, organisation_id, visibility, shard) DO UPDATE SET n = c.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

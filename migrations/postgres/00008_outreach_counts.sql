-- +goose Up
-- Outreach at scale (issue 4: 1,000,000 records).
--
-- A dossier counts and lists a state's visible outreach:
-- WHERE country_iso3 = ? AND deleted_at IS NULL AND (visibility = 'coalition'
-- OR organisation_id = ?) ORDER BY date DESC, id DESC. The index on
-- (country_iso3, date) found the rows but the count then read each one from
-- the table for its visibility; this one holds the visibility and the
-- organisation of the live rows, so the count is read from the index alone.
-- The dashboard's "no outreach in 90 days" probes it once per state.
CREATE INDEX outreach_live_country_idx ON outreach (country_iso3, date, id, visibility, organisation_id) WHERE deleted_at IS NULL;

-- The dashboard's outreach per month over the last 12 months counted every
-- visible record of the year on each view (half a million at a million
-- records). These counts of live records per month, organisation and
-- visibility are kept by statement-level triggers, so a bulk insert adds to
-- them once per statement. Each statement adds to one of 64 shards of a
-- counter, picked at random: with one row per counter, every transaction that
-- logged outreach for the same month and organisation waited for the one
-- before it to commit (a campaign's senders record their batches at the same
-- time, and queued behind one row). Readers add the shards up.
CREATE TABLE outreach_month_counts (
    month            TEXT NOT NULL,  -- to_char(outreach.date, 'YYYY-MM')
    organisation_id  BIGINT NOT NULL,
    visibility       TEXT NOT NULL,
    shard            SMALLINT NOT NULL,
    n                BIGINT NOT NULL,
    PRIMARY KEY (month, organisation_id, visibility, shard)
);

-- +goose StatementBegin
CREATE FUNCTION outreach_month_counts_apply() RETURNS trigger AS $$
BEGIN
    -- Rows are upserted in key order so that concurrent statements lock the
    -- counters in the same order. The shard is drawn once per statement.
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
CREATE TRIGGER outreach_month_counts_insert AFTER INSERT ON outreach
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION outreach_month_counts_apply();
CREATE TRIGGER outreach_month_counts_update AFTER UPDATE ON outreach
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION outreach_month_counts_apply();
CREATE TRIGGER outreach_month_counts_delete AFTER DELETE ON outreach
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION outreach_month_counts_apply();

INSERT INTO outreach_month_counts (month, organisation_id, visibility, shard, n)
SELECT to_char(date, 'YYYY-MM'), organisation_id, visibility, 0, count(*) FROM outreach
WHERE deleted_at IS NULL GROUP BY 1, 2, 3;

-- +goose Down
DROP TRIGGER outreach_month_counts_delete ON outreach;
DROP TRIGGER outreach_month_counts_update ON outreach;
DROP TRIGGER outreach_month_counts_insert ON outreach;
DROP FUNCTION outreach_month_counts_apply();
DROP TABLE outreach_month_counts;
DROP INDEX outreach_live_country_idx;

-- +goose Up
-- Outreach at scale (issue 4: 1,000,000 records). See the PostgreSQL
-- migration of the same version for the reasons.
--
-- A state's live outreach with its visibility, for the dossier's count and
-- timeline and the dashboard's "no outreach in 90 days".
CREATE INDEX outreach_live_country_idx ON outreach (country_iso3, date, id, visibility, organisation_id) WHERE deleted_at IS NULL;

-- Live outreach per month, organisation and visibility, for the dashboard,
-- kept by triggers (SQLite has no statement-level triggers: one per row).
-- Writers take turns on SQLite, so every count lives in shard 0.
CREATE TABLE outreach_month_counts (
    month            TEXT NOT NULL,  -- substr(outreach.date, 1, 7): 'YYYY-MM'
    organisation_id  BIGINT NOT NULL,
    visibility       TEXT NOT NULL,
    shard            SMALLINT NOT NULL,
    n                BIGINT NOT NULL,
    PRIMARY KEY (month, organisation_id, visibility, shard)
);

-- +goose StatementBegin
CREATE TRIGGER outreach_month_counts_insert AFTER INSERT ON outreach WHEN NEW.deleted_at IS NULL
BEGIN
    INSERT INTO outreach_month_counts (month, organisation_id, visibility, shard, n)
    VALUES (substr(NEW.date, 1, 7), NEW.organisation_id, NEW.visibility, 0, 1)
    ON CONFLICT (month, organisation_id, visibility, shard) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER outreach_month_counts_update AFTER UPDATE OF date, organisation_id, visibility, deleted_at ON outreach
BEGIN
    UPDATE outreach_month_counts SET n = n - 1
    WHERE OLD.deleted_at IS NULL AND month = substr(OLD.date, 1, 7) AND organisation_id = OLD.organisation_id AND visibility = OLD.visibility AND shard = 0;
    INSERT INTO outreach_month_counts (month, organisation_id, visibility, shard, n)
    SELECT substr(NEW.date, 1, 7), NEW.organisation_id, NEW.visibility, 0, 1 WHERE NEW.deleted_at IS NULL
    ON CONFLICT (month, organisation_id, visibility, shard) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER outreach_month_counts_delete AFTER DELETE ON outreach WHEN OLD.deleted_at IS NULL
BEGIN
    UPDATE outreach_month_counts SET n = n - 1
    WHERE month = substr(OLD.date, 1, 7) AND organisation_id = OLD.organisation_id AND visibility = OLD.visibility AND shard = 0;
END;
-- +goose StatementEnd

INSERT INTO outreach_month_counts (month, organisation_id, visibility, shard, n)
SELECT substr(date, 1, 7), organisation_id, visibility, 0, count(*) FROM outreach
WHERE deleted_at IS NULL GROUP BY 1, 2, 3;

-- +goose Down
DROP TRIGGER outreach_month_counts_delete;
DROP TRIGGER outreach_month_counts_update;
DROP TRIGGER outreach_month_counts_insert;
DROP TABLE outreach_month_counts;
DROP INDEX outreach_live_country_idx;

-- +goose Up
-- See the PostgreSQL migration of the same version: there each statement
-- writes counts in a slot of its own. Writers take turns on SQLite, so its
-- triggers keep adding to slot 0; only the column's name changes (the
-- triggers follow the rename).
ALTER TABLE outreach_month_counts RENAME COLUMN shard TO slot;

-- +goose Down
ALTER TABLE outreach_month_counts RENAME COLUMN slot TO shard;

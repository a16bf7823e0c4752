-- +goose Up
-- The contact search box is answered from an index each server process holds
-- in memory (internal/search). A process keeps it in step by reading the
-- contacts written since its last read; search_rev holds the id of the
-- transaction that last wrote its search fields. The reader remembers the oldest
-- transaction still running when it read (pg_snapshot_xmin): every write it
-- could not see then carries that transaction id or a later one, so reading
-- "search_rev >= that" the next time misses nothing, whatever the order in
-- which the writers commit.

-- Names sort byte by byte, as they do on SQLite and in the index, whatever
-- the database's collation: sort names are folded (lower case, no accents),
-- so that order is the alphabet's.
ALTER TABLE contacts ALTER COLUMN sort_name TYPE TEXT COLLATE "C";

-- New rows take the writer's id from the default (a bulk COPY included, no
-- trigger needed); an update of a search field sets it by trigger.
ALTER TABLE contacts ADD COLUMN search_rev xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX contacts_search_rev_idx ON contacts (search_rev);

-- +goose StatementBegin
CREATE FUNCTION contacts_search_rev() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_rev := pg_current_xact_id();
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER contacts_search_rev BEFORE UPDATE OF search_text, sort_name, deleted_at, erased_at ON contacts
    FOR EACH ROW EXECUTE FUNCTION contacts_search_rev();

-- The search text was matched with LIKE through this index; the search
-- index has taken that over, and this one would only cost every write.
DROP INDEX contacts_search_idx;

-- +goose Down
CREATE INDEX contacts_search_idx ON contacts USING gin (search_text gin_trgm_ops);
DROP TRIGGER contacts_search_rev ON contacts;
ALTER TABLE contacts ALTER COLUMN sort_name TYPE TEXT COLLATE "default";
DROP FUNCTION contacts_search_rev();
DROP INDEX contacts_search_rev_idx;
ALTER TABLE contacts DROP COLUMN search_rev;

-- +goose Up
-- Trigram indexes make "search as you type" over names and emails fast.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE institutions (
    id              BIGSERIAL PRIMARY KEY,
    country_iso3    TEXT NOT NULL REFERENCES countries(iso3),
    kind            TEXT NOT NULL CHECK (kind IN ('parliament','parliamentary_committee','ministry','head_of_state_office','permanent_mission','embassy','nhri','other')),
    name            TEXT NOT NULL,
    location        TEXT NOT NULL DEFAULT '',
    parent_id       BIGINT REFERENCES institutions(id),
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX institutions_country_idx ON institutions (country_iso3, kind);
CREATE INDEX institutions_parent_idx ON institutions (parent_id);

CREATE TABLE contacts (
    id                     BIGSERIAL PRIMARY KEY,
    honorific              TEXT NOT NULL DEFAULT '',
    first_name             TEXT NOT NULL DEFAULT '',
    last_name              TEXT NOT NULL DEFAULT '',
    kind                   TEXT NOT NULL CHECK (kind IN ('parliamentarian','minister','government_official','diplomat','other')),
    country_iso3           TEXT REFERENCES countries(iso3),
    party                  TEXT NOT NULL DEFAULT '',
    preferred_language     TEXT NOT NULL DEFAULT '',
    languages              TEXT NOT NULL DEFAULT '',
    stance                 TEXT NOT NULL DEFAULT 'unknown' CHECK (stance IN ('supportive','undecided','opposed','unknown')),
    stance_evidence        TEXT NOT NULL DEFAULT '',
    stance_date            DATE,
    data_source            TEXT NOT NULL DEFAULT '',
    lawful_basis           TEXT NOT NULL DEFAULT '',
    do_not_contact         BOOLEAN NOT NULL DEFAULT FALSE,
    do_not_contact_reason  TEXT NOT NULL DEFAULT '',
    owner_organisation_id  BIGINT NOT NULL REFERENCES organisations(id),
    search_text            TEXT NOT NULL DEFAULT '',
    sort_name              TEXT NOT NULL DEFAULT '',
    erased_at              TIMESTAMPTZ,
    deleted_at             TIMESTAMPTZ,
    created_by_id          BIGINT REFERENCES users(id),
    created_at             TIMESTAMPTZ NOT NULL,
    updated_at             TIMESTAMPTZ NOT NULL
);
CREATE INDEX contacts_country_idx ON contacts (country_iso3, sort_name);
CREATE INDEX contacts_sort_idx ON contacts (sort_name, id);
CREATE INDEX contacts_search_idx ON contacts USING gin (search_text gin_trgm_ops);

CREATE TABLE contact_emails (
    id          BIGSERIAL PRIMARY KEY,
    contact_id  BIGINT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    email       TEXT NOT NULL,
    label       TEXT NOT NULL DEFAULT '',
    position    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX contact_emails_contact_idx ON contact_emails (contact_id);
CREATE INDEX contact_emails_email_idx ON contact_emails (lower(email));

CREATE TABLE contact_phones (
    id          BIGSERIAL PRIMARY KEY,
    contact_id  BIGINT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    number      TEXT NOT NULL,
    label       TEXT NOT NULL DEFAULT '',
    position    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX contact_phones_contact_idx ON contact_phones (contact_id);

CREATE TABLE contact_tags (
    contact_id  BIGINT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    tag         TEXT NOT NULL,
    PRIMARY KEY (contact_id, tag)
);
CREATE INDEX contact_tags_tag_idx ON contact_tags (tag);

CREATE TABLE positions (
    id              BIGSERIAL PRIMARY KEY,
    contact_id      BIGINT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    institution_id  BIGINT NOT NULL REFERENCES institutions(id),
    title           TEXT NOT NULL,
    start_date      DATE,
    end_date        DATE,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX positions_contact_idx ON positions (contact_id);
CREATE INDEX positions_institution_idx ON positions (institution_id);

CREATE TABLE outreach (
    id               BIGSERIAL PRIMARY KEY,
    type             TEXT NOT NULL CHECK (type IN ('meeting','call','letter','email','event','briefing','parliamentary_question','other')),
    date             DATE NOT NULL,
    country_iso3     TEXT REFERENCES countries(iso3),
    summary          TEXT NOT NULL,
    outcome          TEXT NOT NULL DEFAULT 'unknown' CHECK (outcome IN ('positive','neutral','negative','unknown')),
    next_steps       TEXT NOT NULL DEFAULT '',
    visibility       TEXT NOT NULL CHECK (visibility IN ('coalition','organisation')),
    organisation_id  BIGINT NOT NULL REFERENCES organisations(id),
    user_id          BIGINT NOT NULL REFERENCES users(id),
    campaign_id      BIGINT,
    deleted_at       TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX outreach_date_idx ON outreach (date, id);
CREATE INDEX outreach_country_idx ON outreach (country_iso3, date);
CREATE INDEX outreach_org_idx ON outreach (organisation_id, date);

CREATE TABLE outreach_instruments (
    outreach_id      BIGINT NOT NULL REFERENCES outreach(id) ON DELETE CASCADE,
    instrument_code  TEXT NOT NULL REFERENCES instruments(code),
    PRIMARY KEY (outreach_id, instrument_code)
);

CREATE TABLE outreach_contacts (
    outreach_id  BIGINT NOT NULL REFERENCES outreach(id) ON DELETE CASCADE,
    contact_id   BIGINT NOT NULL REFERENCES contacts(id),
    PRIMARY KEY (outreach_id, contact_id)
);
CREATE INDEX outreach_contacts_contact_idx ON outreach_contacts (contact_id);

CREATE TABLE followups (
    id               BIGSERIAL PRIMARY KEY,
    title            TEXT NOT NULL,
    details          TEXT NOT NULL DEFAULT '',
    due_date         DATE NOT NULL,
    priority         TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('high','normal','low')),
    status           TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','done','cancelled')),
    outcome          TEXT NOT NULL DEFAULT '',
    assignee_id      BIGINT NOT NULL REFERENCES users(id),
    assigned_by_id   BIGINT NOT NULL REFERENCES users(id),
    organisation_id  BIGINT NOT NULL REFERENCES organisations(id),
    visibility       TEXT NOT NULL DEFAULT 'coalition' CHECK (visibility IN ('coalition','organisation')),
    country_iso3     TEXT REFERENCES countries(iso3),
    contact_id       BIGINT REFERENCES contacts(id),
    outreach_id      BIGINT REFERENCES outreach(id),
    closed_at        TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX followups_assignee_idx ON followups (assignee_id, status, due_date);
CREATE INDEX followups_country_idx ON followups (country_iso3, status);
CREATE INDEX followups_contact_idx ON followups (contact_id);
CREATE INDEX followups_status_due_idx ON followups (status, due_date);

CREATE TABLE suppressions (
    id             BIGSERIAL PRIMARY KEY,
    email          TEXT NOT NULL,
    reason         TEXT NOT NULL CHECK (reason IN ('unsubscribe','bounce','erasure','manual')),
    note           TEXT NOT NULL DEFAULT '',
    created_by_id  BIGINT REFERENCES users(id),
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX suppressions_email_key ON suppressions (lower(email));

ALTER TABLE users ADD COLUMN calendar_token TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE users DROP COLUMN calendar_token;
DROP TABLE suppressions;
DROP TABLE followups;
DROP TABLE outreach_contacts;
DROP TABLE outreach_instruments;
DROP TABLE outreach;
DROP TABLE positions;
DROP TABLE contact_tags;
DROP TABLE contact_phones;
DROP TABLE contact_emails;
DROP TABLE contacts;
DROP TABLE institutions;

-- +goose Up
CREATE TABLE sender_identities (
    id               BIGSERIAL PRIMARY KEY,
    organisation_id  BIGINT NOT NULL REFERENCES organisations(id),
    name             TEXT NOT NULL,
    email            TEXT NOT NULL,
    reply_to         TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX sender_identities_org_idx ON sender_identities (organisation_id);

CREATE TABLE email_templates (
    id             BIGSERIAL PRIMARY KEY,
    name           TEXT NOT NULL,
    created_by_id  BIGINT REFERENCES users(id),
    deleted_at     TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE email_template_variants (
    id           BIGSERIAL PRIMARY KEY,
    template_id  BIGINT NOT NULL REFERENCES email_templates(id) ON DELETE CASCADE,
    language     TEXT NOT NULL,
    subject      TEXT NOT NULL,
    html         TEXT NOT NULL,
    text         TEXT NOT NULL
);
CREATE UNIQUE INDEX email_template_variants_lang_key ON email_template_variants (template_id, language);

CREATE TABLE campaigns (
    id                 BIGSERIAL PRIMARY KEY,
    name               TEXT NOT NULL,
    template_id        BIGINT NOT NULL REFERENCES email_templates(id),
    sender_id          BIGINT REFERENCES sender_identities(id),
    fallback_language  TEXT NOT NULL DEFAULT 'en',
    audience           TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('draft','scheduled','sending','paused','done','cancelled')),
    scheduled_at       TIMESTAMPTZ,
    started_at         TIMESTAMPTZ,
    finished_at        TIMESTAMPTZ,
    rate_per_second    INTEGER NOT NULL DEFAULT 0,
    connections        INTEGER NOT NULL DEFAULT 0,
    organisation_id    BIGINT NOT NULL REFERENCES organisations(id),
    created_by_id      BIGINT NOT NULL REFERENCES users(id),
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX campaigns_status_idx ON campaigns (status, scheduled_at);

CREATE TABLE campaign_recipients (
    id               BIGSERIAL PRIMARY KEY,
    campaign_id      BIGINT NOT NULL REFERENCES campaigns(id),
    contact_id       BIGINT NOT NULL REFERENCES contacts(id),
    email            TEXT NOT NULL DEFAULT '',
    language         TEXT NOT NULL DEFAULT '',
    message_id       TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('queued','sending','sent','failed','skipped','cancelled')),
    ambiguous        BOOLEAN NOT NULL DEFAULT FALSE,
    skip_reason      TEXT NOT NULL DEFAULT '',
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ,
    lease_until      TIMESTAMPTZ,
    last_reply       TEXT NOT NULL DEFAULT '',
    sent_at          TIMESTAMPTZ
);
CREATE UNIQUE INDEX campaign_recipients_contact_key ON campaign_recipients (campaign_id, contact_id);
CREATE INDEX campaign_recipients_due_idx ON campaign_recipients (campaign_id, state, next_attempt_at);

CREATE INDEX outreach_campaign_idx ON outreach (campaign_id);

CREATE TABLE digest_log (
    user_id  BIGINT NOT NULL REFERENCES users(id),
    day      DATE NOT NULL,
    sent_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, day)
);

ALTER TABLE users ADD COLUMN digest_enabled BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE users ADD COLUMN digest_hour INTEGER NOT NULL DEFAULT 7;

-- +goose Down
ALTER TABLE users DROP COLUMN digest_hour;
ALTER TABLE users DROP COLUMN digest_enabled;
DROP TABLE digest_log;
DROP INDEX outreach_campaign_idx;
DROP TABLE campaign_recipients;
DROP TABLE campaigns;
DROP TABLE email_template_variants;
DROP TABLE email_templates;
DROP TABLE sender_identities;

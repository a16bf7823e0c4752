package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"ratify/internal/model"
)

// RecipientResult is what happened to one leased row. A sent message also
// says what its outreach record holds of its own: the contact it went to,
// that contact's country and the summary.
type RecipientResult struct {
	ID          int64
	State       model.RecipientState
	Ambiguous   bool
	Reply       string
	NextTry     *time.Time
	SentAt      *time.Time
	ContactID   int64
	CountryISO3 *string
	Summary     string
}

// RecordBatch settles a sender's batch in one transaction: the rows it
// never tried go back to the queue as they were before the claim (see
// ReleaseRecipients), the outcomes are written, and each message sent
// leaves an outreach record of type email on its contact's timeline, whose
// other fields come from email. Only rows still under this sender's lease
// are written (a row claimed again after a timeout belongs to the new
// sender), and only they get a record. It returns the records added.
func (s *Store) RecordBatch(ctx context.Context, results []RecipientResult, release []int64, lease time.Time, email model.Outreach) (int, error) {
	added := 0
	record := func(ctx context.Context) error {
		if err := s.ReleaseRecipients(ctx, release, lease); err != nil {
			return err
		}
		var err error
		if s.dialect == Postgres {
			added, err = s.recordPostgres(ctx, results, lease, email)
		} else {
			added, err = s.recordSQLite(ctx, results, lease, email)
		}
		return err
	}
	if len(release) == 0 && s.dialect == Postgres {
		// One statement, so no transaction to open and commit around it.
		return added, record(ctx)
	}
	return added, s.WithTx(ctx, record)
}

// recordPostgres writes the outcomes, the outreach records and their links
// in one statement, the batch travelling as one JSON parameter. Each batch
// used to cost five round trips (begin, the outcomes, the records, the
// links, commit) and two inserts of a parameter per column and row, which
// the sender and PostgreSQL both paid for; a campaign records one batch for
// every hundred messages.
//
// The lease alone says a row is still this sender's (a row has one only
// while it is sending); a condition on the state would let the planner reach
// the rows through the pending index, which it believes holds next to no
// sending rows, and join the batch to them row by row. The records' ids are
// drawn in a materialized step, so that a record and its link get the same.
func (s *Store) recordPostgres(ctx context.Context, results []RecipientResult, lease time.Time, email model.Outreach) (int, error) {
	if len(results) == 0 {
		return 0, nil
	}
	type row struct {
		ID        int64      `json:"id"`
		State     string     `json:"state"`
		Ambiguous bool       `json:"ambiguous"`
		Reply     string     `json:"reply"`
		NextTry   *time.Time `json:"next_try"`
		SentAt    *time.Time `json:"sent_at"`
		Country   *string    `json:"country"`
		Summary   string     `json:"summary,omitempty"`
	}
	rows := make([]row, len(results))
	for i, r := range results {
		rows[i] = row{ID: r.ID, State: string(r.State), Ambiguous: r.Ambiguous, Reply: replyText(r.Reply), NextTry: r.NextTry, SentAt: r.SentAt}
		if r.State == model.RecipientSent {
			rows[i].Country, rows[i].Summary = r.CountryISO3, r.Summary
		}
	}
	batch, err := json.Marshal(rows)
	if err != nil {
		return 0, fmt.Errorf("record results: %w", err)
	}
	var added []int
	err = s.conn(ctx).Raw(`WITH done AS (
		UPDATE campaign_recipients AS r SET state = v.state, ambiguous = r.ambiguous OR v.ambiguous, last_reply = v.reply,
			next_attempt_at = v.next_try, sent_at = v.sent_at, lease_until = NULL
		FROM jsonb_to_recordset(?::jsonb) AS v(id bigint, state text, ambiguous boolean, reply text, next_try timestamptz, sent_at timestamptz, country text, summary text)
		WHERE r.id = v.id AND r.lease_until = ?
		RETURNING r.contact_id, r.state, v.country, v.summary
	), emails AS MATERIALIZED (
		SELECT nextval('outreach_id_seq') AS id, contact_id, country, summary FROM done WHERE state = 'sent'
	), records AS (
		INSERT INTO outreach (id, type, date, country_iso3, summary, outcome, next_steps, visibility, organisation_id, user_id, campaign_id, created_at, updated_at)
		SELECT id, ?, ?::date, country, summary, ?, ?, ?, ?, ?, ?, ?, ? FROM emails
	), links AS (
		INSERT INTO outreach_contacts (outreach_id, contact_id) SELECT id, contact_id FROM emails
	)
	SELECT count(*) FROM emails`,
		string(batch), lease,
		email.Type, email.Date, email.Outcome, email.NextSteps, email.Visibility, email.OrganisationID, email.UserID, email.CampaignID,
		email.CreatedAt, email.UpdatedAt).Scan(&added).Error
	if err != nil {
		return 0, mapErr(err, "record results")
	}
	if len(added) == 0 {
		return 0, nil
	}
	return added[0], nil
}

// recordSQLite writes the outcomes in one statement, then the records of
// the messages sent among the rows it wrote.
func (s *Store) recordSQLite(ctx context.Context, results []RecipientResult, lease time.Time, email model.Outreach) (int, error) {
	if len(results) == 0 {
		return 0, nil
	}
	var vals []string
	var args []any
	for _, r := range results {
		vals = append(vals, "(?, ?, ?, ?, ?, ?)")
		args = append(args, r.ID, string(r.State), r.Ambiguous, replyText(r.Reply), r.NextTry, r.SentAt)
	}
	args = append(args, lease)
	var done []int64
	err := s.conn(ctx).Raw(`UPDATE campaign_recipients SET state = v.column2, ambiguous = (ambiguous OR v.column3), last_reply = v.column4,
			next_attempt_at = v.column5, sent_at = v.column6, lease_until = NULL
		FROM (VALUES `+strings.Join(vals, ", ")+`) AS v
		WHERE campaign_recipients.id = v.column1 AND campaign_recipients.state = 'sending' AND campaign_recipients.lease_until = ?
		RETURNING campaign_recipients.id`, args...).Scan(&done).Error
	if err != nil {
		return 0, mapErr(err, "record results")
	}
	recorded := make(map[int64]bool, len(done))
	for _, id := range done {
		recorded[id] = true
	}
	var os []model.Outreach
	for _, r := range results {
		if r.State != model.RecipientSent || !recorded[r.ID] {
			continue
		}
		o := email
		o.CountryISO3, o.Summary = r.CountryISO3, r.Summary
		o.Contacts = []model.OutreachContact{{ContactID: r.ContactID}}
		os = append(os, o)
	}
	return len(os), s.CreateOutreachBatch(ctx, os)
}

package store

import (
	"context"
	"database/sql"
	"time"

	"ratify/internal/model"
)

// claimRows is the statement that leases up to n due rows of a sending
// campaign, the rows whose id is above after. Rows whose lease expired while sending (a crashed
// process) are claimed again and flagged ambiguous: they may have been
// sent. On PostgreSQL, SKIP LOCKED lets several processes claim from one
// campaign without waiting for each other. The state IN term is implied by
// the rest; it is spelled out so both dialects use the partial index
// campaign_recipients_pending_idx.
//
// A sender passes the highest id it has claimed so far, so that each claim
// starts where the last one stopped: from the first row, the index scan
// steps over an entry for every row the campaign has already claimed until
// vacuum removes them, and a long transaction anywhere in the database (a
// backup, say) holds vacuum back — each claim then costs more than the last.
// Retries and run-out leases below after need a claim from 0.
//
// A campaign paused or cancelled has nothing to claim, so the sender learns
// it from the claim itself; it reads the status only when a claim comes
// back empty. lock is the row lock of the inner select, if any. Its
// arguments: lease, campaign, after, now, now, campaign, n.
func claimRows(lock string) string {
	return `UPDATE campaign_recipients SET
		ambiguous = (ambiguous OR state = 'sending'),
		state = 'sending', lease_until = ?, attempts = attempts + 1
	WHERE id IN (SELECT id FROM campaign_recipients
		WHERE campaign_id = ? AND state IN ('queued', 'sending') AND id > ?
			AND ((state = 'queued' AND (next_attempt_at IS NULL OR next_attempt_at <= ?))
			OR (state = 'sending' AND lease_until < ?))
			AND EXISTS (SELECT 1 FROM campaigns WHERE id = ? AND status = 'sending')
		ORDER BY id LIMIT ?` + lock + `)
	RETURNING id, campaign_id, contact_id, email, language, message_id, state, ambiguous, skip_reason, attempts, next_attempt_at, lease_until, last_reply, sent_at`
}

// ClaimBatch leases the next batch of due rows (see claimRows) and reads
// what rendering their messages needs of each contact (see
// ContactsForMerge). On PostgreSQL it is one statement: a sender claims a
// batch for every hundred messages, and each round trip costs it and the
// database more than reading the contacts in the same statement does.
func (s *Store) ClaimBatch(ctx context.Context, campaignID, after int64, n int, now, leaseUntil time.Time) ([]model.CampaignRecipient, map[int64]*model.Contact, error) {
	if s.dialect != Postgres {
		var rows []model.CampaignRecipient
		err := s.conn(ctx).Raw(claimRows(""), leaseUntil, campaignID, after, now, now, campaignID, n).Scan(&rows).Error
		if err != nil {
			return nil, nil, mapErr(err, "claim recipients")
		}
		ids := make([]int64, len(rows))
		for i, r := range rows {
			ids[i] = r.ContactID
		}
		contacts, err := s.ContactsForMerge(ctx, ids)
		return rows, contacts, err
	}
	q := `WITH claimed AS (` + claimRows(" FOR UPDATE SKIP LOCKED") + `)
	SELECT r.id, r.campaign_id, r.contact_id, r.email, r.language, r.message_id, r.state, r.ambiguous, r.skip_reason, r.attempts,
		r.next_attempt_at, r.lease_until, r.last_reply, r.sent_at,
		c.id, c.honorific, c.first_name, c.last_name, c.country_iso3, c.do_not_contact, c.erased_at, c.deleted_at,
		p.id, p.title, p.institution_id, i.name
	FROM claimed r
	LEFT JOIN contacts c ON c.id = r.contact_id
	LEFT JOIN positions p ON p.contact_id = c.id AND p.end_date IS NULL
	LEFT JOIN institutions i ON i.id = p.institution_id
	ORDER BY r.id, p.id`
	rs, err := s.conn(ctx).Raw(q, leaseUntil, campaignID, after, now, now, campaignID, n).Rows()
	if err != nil {
		return nil, nil, mapErr(err, "claim recipients")
	}
	defer rs.Close()
	var rows []model.CampaignRecipient
	contacts := make(map[int64]*model.Contact, n)
	for rs.Next() {
		var r model.CampaignRecipient
		var m mergeRow
		if err := rs.Scan(&r.ID, &r.CampaignID, &r.ContactID, &r.Email, &r.Language, &r.MessageID, &r.State, &r.Ambiguous, &r.SkipReason, &r.Attempts,
			&r.NextAttemptAt, &r.LeaseUntil, &r.LastReply, &r.SentAt,
			&m.ID, &m.Honorific, &m.FirstName, &m.LastName, &m.CountryISO3, &m.DoNotContact, &m.ErasedAt, &m.DeletedAt,
			&m.PositionID, &m.Title, &m.InstitutionID, &m.InstitutionName); err != nil {
			return nil, nil, mapErr(err, "claim recipients")
		}
		// A contact with two current posts comes on two lines.
		if len(rows) == 0 || rows[len(rows)-1].ID != r.ID {
			rows = append(rows, r)
		}
		if m.ID.Valid {
			m.addTo(contacts)
		}
	}
	if err := rs.Err(); err != nil {
		return nil, nil, mapErr(err, "claim recipients")
	}
	return rows, contacts, nil
}

// mergeRow is one line of a contact's merge data: the contact, and one of
// its current posts when it has any.
type mergeRow struct {
	ID              sql.NullInt64 `gorm:"column:id"`
	Honorific       string        `gorm:"column:honorific"`
	FirstName       string        `gorm:"column:first_name"`
	LastName        string        `gorm:"column:last_name"`
	CountryISO3     *string       `gorm:"column:country_iso3"`
	DoNotContact    bool          `gorm:"column:do_not_contact"`
	ErasedAt        *time.Time    `gorm:"column:erased_at"`
	DeletedAt       *time.Time    `gorm:"column:deleted_at"`
	PositionID      *int64        `gorm:"column:position_id"`
	Title           *string       `gorm:"column:title"`
	InstitutionID   *int64        `gorm:"column:institution_id"`
	InstitutionName *string       `gorm:"column:institution_name"`
}

// addTo adds the line to its contact in out, the contact first if new.
func (r *mergeRow) addTo(out map[int64]*model.Contact) {
	id := r.ID.Int64
	c := out[id]
	if c == nil {
		c = &model.Contact{ID: id, Honorific: r.Honorific, FirstName: r.FirstName, LastName: r.LastName,
			CountryISO3: r.CountryISO3, DoNotContact: r.DoNotContact, ErasedAt: r.ErasedAt, DeletedAt: r.DeletedAt}
		out[id] = c
	}
	if r.PositionID == nil {
		return
	}
	p := model.Position{ID: *r.PositionID, ContactID: id}
	if r.Title != nil {
		p.Title = *r.Title
	}
	if r.InstitutionID != nil {
		p.InstitutionID = *r.InstitutionID
		if r.InstitutionName != nil {
			p.Institution = &model.Institution{ID: *r.InstitutionID, Name: *r.InstitutionName}
		}
	}
	c.Positions = append(c.Positions, p)
}

package store

import (
	"context"
	"strings"
	"time"

	"ratify/internal/model"
)

// ListCampaigns returns one page of campaigns, newest first.
func (s *Store) ListCampaigns(ctx context.Context, p model.Page) ([]model.Campaign, int64, error) {
	var total int64
	if err := s.conn(ctx).Model(&model.Campaign{}).Count(&total).Error; err != nil {
		return nil, 0, mapErr(err, "campaigns")
	}
	p = p.Normalize()
	var out []model.Campaign
	err := s.conn(ctx).Preload("CreatedBy").Order("created_at DESC, id DESC").Offset(p.Offset()).Limit(p.PerPage).Find(&out).Error
	return out, total, mapErr(err, "campaigns")
}

// GetCampaign loads one campaign with its template and sender.
func (s *Store) GetCampaign(ctx context.Context, id int64) (*model.Campaign, error) {
	var c model.Campaign
	err := s.conn(ctx).Preload("Template.Variants").Preload("Sender").Preload("CreatedBy").First(&c, id).Error
	return &c, mapErr(err, "campaign")
}

// SaveCampaign inserts or rewrites a campaign's own columns.
func (s *Store) SaveCampaign(ctx context.Context, c *model.Campaign) error {
	if c.ID == 0 {
		return mapErr(s.conn(ctx).Omit("Template", "Sender", "CreatedBy").Create(c).Error, "campaign")
	}
	return mapErr(s.conn(ctx).Omit("Template", "Sender", "CreatedBy", "CreatedAt").Select("*").Save(c).Error, "campaign")
}

// SetCampaignStatus moves a campaign from one of the given statuses to next;
// it reports whether the row was in one of them.
func (s *Store) SetCampaignStatus(ctx context.Context, id int64, from []model.CampaignStatus, next model.CampaignStatus, now time.Time) (bool, error) {
	upd := map[string]any{"status": next, "updated_at": now}
	switch next {
	case model.CampaignSending:
		// started_at keeps the first start.
		res := s.conn(ctx).Model(&model.Campaign{}).Where("id = ? AND status IN ? AND started_at IS NULL", id, from).Update("started_at", now)
		if res.Error != nil {
			return false, mapErr(res.Error, "campaign")
		}
	case model.CampaignDone, model.CampaignCancelled:
		upd["finished_at"] = now
	}
	res := s.conn(ctx).Model(&model.Campaign{}).Where("id = ? AND status IN ?", id, from).Updates(upd)
	if res.Error != nil {
		return false, mapErr(res.Error, "campaign")
	}
	if res.RowsAffected > 0 && next == model.CampaignSending {
		// Senders in every process start it now, not at their next look.
		if err := s.notifyCampaigns(ctx); err != nil {
			return false, err
		}
	}
	return res.RowsAffected > 0, nil
}

// CampaignStatus reads just the status, which senders check between batches.
func (s *Store) CampaignStatus(ctx context.Context, id int64) (model.CampaignStatus, error) {
	var st []string
	err := s.conn(ctx).Model(&model.Campaign{}).Where("id = ?", id).Limit(1).Pluck("status", &st).Error
	if err != nil {
		return "", mapErr(err, "campaign")
	}
	if len(st) == 0 {
		return "", model.NotFound("campaign")
	}
	return model.CampaignStatus(st[0]), nil
}

// ActiveCampaignIDs lists campaigns that are sending, and starts scheduled
// ones whose time has come.
func (s *Store) ActiveCampaignIDs(ctx context.Context, now time.Time) ([]int64, error) {
	if err := s.conn(ctx).Model(&model.Campaign{}).Where("status = ? AND scheduled_at <= ?", model.CampaignScheduled, now).
		Updates(map[string]any{"status": model.CampaignSending, "started_at": now, "updated_at": now}).Error; err != nil {
		return nil, mapErr(err, "campaigns")
	}
	var ids []int64
	err := s.conn(ctx).Model(&model.Campaign{}).Where("status = ?", model.CampaignSending).Order("id").Pluck("id", &ids).Error
	return ids, mapErr(err, "campaigns")
}

// InsertRecipients adds the frozen audience of a campaign, by COPY in a bulk
// transaction (see WithBulkTx).
func (s *Store) InsertRecipients(ctx context.Context, rs []model.CampaignRecipient) error {
	return createMany(ctx, s, rs, 1000, "campaign recipients")
}

// CampaignCounts sums the recipients by state.
func (s *Store) CampaignCounts(ctx context.Context, id int64) (model.CampaignCounts, error) {
	var rows []struct {
		State     string
		N         int64
		Ambiguous int64
	}
	err := s.conn(ctx).Model(&model.CampaignRecipient{}).
		Select("state, count(*) AS n, sum(CASE WHEN ambiguous THEN 1 ELSE 0 END) AS ambiguous").
		Where("campaign_id = ?", id).Group("state").Scan(&rows).Error
	var c model.CampaignCounts
	for _, r := range rows {
		c.Ambiguous += r.Ambiguous
		switch model.RecipientState(r.State) {
		case model.RecipientQueued:
			c.Queued = r.N
		case model.RecipientSending:
			c.Sending = r.N
		case model.RecipientSent:
			c.Sent = r.N
		case model.RecipientFailed:
			c.Failed = r.N
		case model.RecipientSkipped:
			c.Skipped = r.N
		case model.RecipientCancelled:
			c.Cancelled = r.N
		}
	}
	return c, mapErr(err, "campaign recipients")
}

// ListRecipients returns one page of a campaign's recipients with contacts.
func (s *Store) ListRecipients(ctx context.Context, campaignID int64, state string, ambiguous bool, p model.Page) ([]model.CampaignRecipient, int64, error) {
	q := s.conn(ctx).Model(&model.CampaignRecipient{}).Where("campaign_id = ?", campaignID)
	if state != "" {
		q = q.Where("state = ?", state)
	}
	if ambiguous {
		q = q.Where("ambiguous")
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, mapErr(err, "campaign recipients")
	}
	p = p.Normalize()
	var out []model.CampaignRecipient
	err := q.Preload("Contact").Order("id").Offset(p.Offset()).Limit(p.PerPage).Find(&out).Error
	return out, total, mapErr(err, "campaign recipients")
}

// RecipientContactIDs lists the contacts that already have a row in the campaign.
func (s *Store) RecipientContactIDs(ctx context.Context, campaignID int64) (map[int64]bool, error) {
	var ids []int64
	err := s.conn(ctx).Model(&model.CampaignRecipient{}).Where("campaign_id = ?", campaignID).Pluck("contact_id", &ids).Error
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, mapErr(err, "campaign recipients")
}

// replyText is a server's reply as the database keeps it: valid UTF-8
// without NUL bytes (which PostgreSQL's text refuses), at most 500 bytes.
func replyText(s string) string {
	return truncateUTF8(strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", ""), 500)
}

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && (s[n]&0xC0) == 0x80 {
		n--
	}
	return s[:n]
}

// ReleaseRecipients gives claimed rows that were never tried back to the
// queue as they were before the claim: due now, the attempt not counted,
// and not to be taken for a batch that may have gone out.
func (s *Store) ReleaseRecipients(ctx context.Context, ids []int64, lease time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	return mapErr(s.conn(ctx).Exec(`UPDATE campaign_recipients SET state = 'queued', lease_until = NULL, attempts = attempts - 1
		WHERE id IN ? AND state = 'sending' AND lease_until = ?`, ids, lease).Error, "release recipients")
}

// PendingRecipients counts rows that are not final, and when the next
// queued one is due.
func (s *Store) PendingRecipients(ctx context.Context, campaignID int64) (int64, *time.Time, error) {
	var n int64
	if err := s.conn(ctx).Model(&model.CampaignRecipient{}).Where("campaign_id = ? AND state IN ('queued','sending')", campaignID).
		Count(&n).Error; err != nil {
		return 0, nil, mapErr(err, "campaign recipients")
	}
	var next []time.Time
	err := s.conn(ctx).Model(&model.CampaignRecipient{}).Where("campaign_id = ? AND state = 'queued' AND next_attempt_at IS NOT NULL", campaignID).
		Order("next_attempt_at").Limit(1).Pluck("next_attempt_at", &next).Error
	if err != nil || len(next) == 0 {
		return n, nil, mapErr(err, "campaign recipients")
	}
	return n, &next[0], nil
}

// CancelRecipients makes the queued rows of a campaign final.
func (s *Store) CancelRecipients(ctx context.Context, campaignID int64, now time.Time) error {
	return mapErr(s.conn(ctx).Model(&model.CampaignRecipient{}).Where("campaign_id = ? AND (state = 'queued' OR (state = 'sending' AND lease_until < ?))", campaignID, now).
		Updates(map[string]any{"state": model.RecipientCancelled, "lease_until": nil}).Error, "campaign recipients")
}

// SettleCancelled makes final what a cancel leaves in flight: rows that a
// batch still running at the cancel put back in the queue, and rows held by a
// sender that died (their lease ran out), which CancelRecipients could not
// take. The latter may have gone out, so they are flagged ambiguous.
func (s *Store) SettleCancelled(ctx context.Context, now time.Time) error {
	return mapErr(s.conn(ctx).Exec(`UPDATE campaign_recipients SET
		ambiguous = (ambiguous OR state = 'sending'), state = 'cancelled', lease_until = NULL
	WHERE campaign_id IN (SELECT id FROM campaigns WHERE status = 'cancelled')
		AND (state = 'queued' OR (state = 'sending' AND lease_until < ?))`, now).Error, "campaign recipients")
}

// RetryFailed puts a campaign's failed rows back in the queue.
func (s *Store) RetryFailed(ctx context.Context, campaignID int64) (int64, error) {
	res := s.conn(ctx).Model(&model.CampaignRecipient{}).Where("campaign_id = ? AND state = 'failed'", campaignID).
		Updates(map[string]any{"state": model.RecipientQueued, "next_attempt_at": nil, "attempts": 0})
	return res.RowsAffected, mapErr(res.Error, "campaign recipients")
}

// ContactsForMerge loads what rendering a message needs of each contact —
// name, country, do-not-contact and removal, and current posts (oldest
// first) with their institution — in one query; the other fields are left
// empty. The sender calls it once per batch.
func (s *Store) ContactsForMerge(ctx context.Context, ids []int64) (map[int64]*model.Contact, error) {
	out := make(map[int64]*model.Contact, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []mergeRow
	err := s.conn(ctx).Raw(`SELECT c.id, c.honorific, c.first_name, c.last_name, c.country_iso3, c.do_not_contact, c.erased_at, c.deleted_at,
			p.id AS position_id, p.title, p.institution_id, i.name AS institution_name
		FROM contacts c
		LEFT JOIN positions p ON p.contact_id = c.id AND p.end_date IS NULL
		LEFT JOIN institutions i ON i.id = p.institution_id
		WHERE c.id IN ?
		ORDER BY c.id, p.id`, ids).Scan(&rows).Error
	if err != nil {
		return nil, mapErr(err, "contacts")
	}
	for i := range rows {
		rows[i].addTo(out)
	}
	return out, nil
}

// DigestTaken records that a user's digest for day is being sent; false
// means it was taken before (by this or another process).
func (s *Store) DigestTaken(ctx context.Context, userID int64, day, now time.Time) (bool, error) {
	res := s.conn(ctx).Exec("INSERT INTO digest_log (user_id, day, sent_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", userID, day, now)
	if res.Error != nil {
		return false, mapErr(res.Error, "digest log")
	}
	return res.RowsAffected == 1, nil
}

// ForgetDigest removes a digest mark after a failed send, so it is tried again.
func (s *Store) ForgetDigest(ctx context.Context, userID int64, day time.Time) error {
	return mapErr(s.conn(ctx).Exec("DELETE FROM digest_log WHERE user_id = ? AND day = ?", userID, day).Error, "digest log")
}

// DigestCandidates lists active users who want a digest at this hour.
func (s *Store) DigestCandidates(ctx context.Context, hour int) ([]model.User, error) {
	var out []model.User
	err := s.conn(ctx).Where("active AND digest_enabled AND digest_hour = ?", hour).Find(&out).Error
	return out, mapErr(err, "users")
}

// UpdateDigestSettings stores a user's digest choice.
func (s *Store) UpdateDigestSettings(ctx context.Context, userID int64, enabled bool, hour int) error {
	return mapErr(s.conn(ctx).Model(&model.User{}).Where("id = ?", userID).
		Updates(map[string]any{"digest_enabled": enabled, "digest_hour": hour}).Error, "user")
}

// SaveCampaignSchedule sets when a scheduled campaign starts.
func (s *Store) SaveCampaignSchedule(ctx context.Context, id int64, at *time.Time) error {
	return mapErr(s.conn(ctx).Model(&model.Campaign{}).Where("id = ?", id).Update("scheduled_at", at).Error, "campaign")
}

package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"ratify/internal/auth"
	"ratify/internal/mail"
	"ratify/internal/model"
	"ratify/internal/store"
)

// Exclusion is a contact of the audience that will not be mailed, and why.
type Exclusion struct {
	Contact model.Contact
	Reason  string // no address, do-not-contact, suppressed, already mailed in this campaign, no variant in their language
}

// AudiencePreview is who a campaign would go to.
type AudiencePreview struct {
	Recipients []Planned
	Excluded   []Exclusion
}

// Planned is one contact that will be mailed, with the routed language.
type Planned struct {
	Contact  model.Contact
	Email    string
	Language string
}

// CountsByReason sums the exclusions.
func (p *AudiencePreview) CountsByReason() map[string]int {
	out := map[string]int{}
	for _, e := range p.Excluded {
		out[e.Reason]++
	}
	return out
}

// Exclusion reasons.
const (
	ReasonNoAddress  = "no address"
	ReasonDNC        = "do-not-contact"
	ReasonSuppressed = "suppressed"
	ReasonAlready    = "already mailed in this campaign"
	ReasonNoVariant  = "no variant in their language"
)

func (s *Service) checkAudience(ctx context.Context, aud *model.Audience) (store.AudienceFilter, error) {
	fe := model.FieldErrors{}
	f := store.AudienceFilter{Kinds: aud.Kinds, InstitutionKinds: aud.InstitutionKinds, InstitutionIDs: aud.InstitutionIDs,
		Parties: aud.Parties, Stances: aud.Stances}
	for _, k := range aud.Kinds {
		if !k.Valid() {
			fe.Add("audience.kinds", fmt.Sprintf("%q is not a contact kind", k))
		}
	}
	for _, k := range aud.InstitutionKinds {
		if !k.Valid() {
			fe.Add("audience.institution_kinds", fmt.Sprintf("%q is not an institution kind", k))
		}
	}
	for _, st := range aud.Stances {
		if !st.Valid() {
			fe.Add("audience.stances", fmt.Sprintf("%q is not a stance", st))
		}
	}
	for _, p := range aud.Priorities {
		if !p.Valid() {
			fe.Add("audience.priorities", fmt.Sprintf("%q is not a priority", p))
		}
	}
	for _, t := range aud.Tags {
		n, ok := model.NormalizeTag(t)
		if !ok {
			fe.Add("audience.tags", fmt.Sprintf("%q is not a tag", t))
		}
		f.Tags = append(f.Tags, n)
	}
	for _, l := range aud.Languages {
		if !model.ValidLanguage(l) {
			fe.Add("audience.languages", fmt.Sprintf("%q is not a language code", l))
		}
		f.Languages = append(f.Languages, l)
	}
	for _, p := range aud.Parties {
		if len(p) > 200 || !model.PlainLine(p) {
			fe.Add("audience.parties", "a party name is at most 200 characters of plain text")
		}
	}
	if len(aud.Countries)+len(aud.Regions)+len(aud.Kinds)+len(aud.Tags)+len(aud.InstitutionIDs) > 2000 {
		fe.Add("audience", "too many criteria")
	} else if err := s.checkAudienceIDs(ctx, aud, fe); err != nil {
		return f, err
	}
	// Country-level criteria (place, ratification, priority, stage) become one country list.
	t, err := s.store.ListCountries(ctx)
	if err != nil {
		return f, err
	}
	rats, err := s.store.AllRatifications(ctx)
	if err != nil {
		return f, err
	}
	insts, err := s.store.ListInstruments(ctx)
	if err != nil {
		return f, err
	}
	status := map[string]map[string]model.Status{}
	for _, r := range rats {
		if status[r.CountryISO3] == nil {
			status[r.CountryISO3] = map[string]model.Status{}
		}
		status[r.CountryISO3][r.InstrumentCode] = r.Status
	}
	conds := aud.Also
	if aud.Ratification != nil {
		conds = append([]model.RatificationCriteria{*aud.Ratification}, conds...)
	}
	for _, c := range conds {
		if !slices.ContainsFunc(insts, func(i model.Instrument) bool { return i.Code == c.Instrument }) {
			fe.Add("audience.ratification.instrument", fmt.Sprintf("no instrument with code %q", c.Instrument))
		}
		for _, st := range c.Status {
			if !ValidStatusFilter(st) {
				fe.Add("audience.ratification.status", fmt.Sprintf("%q is not a status", st))
			}
		}
	}
	knownISO := map[string]bool{}
	for _, c := range t {
		knownISO[c.ISO3] = true
	}
	for _, iso := range aud.Countries {
		if !knownISO[strings.ToUpper(iso)] {
			fe.Add("audience.countries", fmt.Sprintf("no country with code %q", iso))
		}
	}
	if err := fe.Err(); err != nil {
		return f, err
	}
	countryLevel := len(aud.Countries) > 0 || len(aud.Regions) > 0 || len(conds) > 0 || len(aud.Priorities) > 0 || len(aud.StageIDs) > 0
	if !countryLevel {
		return f, nil
	}
	f.Countries = []string{}
	for _, c := range t {
		if len(aud.Countries) > 0 && !slices.ContainsFunc(aud.Countries, func(x string) bool { return strings.EqualFold(x, c.ISO3) }) {
			continue
		}
		if len(aud.Regions) > 0 && !slices.ContainsFunc(aud.Regions, func(x string) bool {
			return strings.EqualFold(x, c.Region) || strings.EqualFold(x, c.Subregion)
		}) {
			continue
		}
		if len(aud.Priorities) > 0 && !slices.Contains(aud.Priorities, c.Priority) {
			continue
		}
		if len(aud.StageIDs) > 0 && (c.StageID == nil || !slices.Contains(aud.StageIDs, *c.StageID)) {
			continue
		}
		ok := true
		for _, cond := range conds {
			st := status[c.ISO3][cond.Instrument]
			if st == "" {
				st = model.StatusNone
			}
			if len(cond.Status) > 0 && !slices.ContainsFunc(cond.Status, func(w string) bool { return StatusMatches(st, w) }) {
				ok = false
				break
			}
		}
		if ok {
			f.Countries = append(f.Countries, c.ISO3)
		}
	}
	return f, nil
}

// checkAudienceIDs refuses institution and stage ids that do not exist: an
// unknown id would otherwise match nobody and pass for a valid audience.
func (s *Service) checkAudienceIDs(ctx context.Context, aud *model.Audience, fe model.FieldErrors) error {
	seen := map[int64]bool{}
	for _, id := range aud.InstitutionIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		if _, err := s.store.GetInstitution(ctx, id); model.ErrorCode(err) == model.CodeNotFound {
			fe.Add("audience.institution_ids", fmt.Sprintf("no institution with id %d", id))
		} else if err != nil {
			return err
		}
	}
	if len(aud.StageIDs) == 0 {
		return nil
	}
	stages, err := s.store.ListStages(ctx)
	if err != nil {
		return err
	}
	for _, id := range aud.StageIDs {
		if !slices.ContainsFunc(stages, func(st model.Stage) bool { return st.ID == id }) {
			fe.Add("audience.stage_ids", fmt.Sprintf("no stage with id %d", id))
		}
	}
	return nil
}

// PreviewAudience resolves an audience: who gets which language, and who is
// left out and why. campaignID > 0 also excludes contacts already queued.
func (s *Service) PreviewAudience(ctx context.Context, a Actor, aud model.Audience, templateID int64, fallback string, campaignID int64) (*AudiencePreview, error) {
	if err := require(a, auth.ManageCampaigns); err != nil {
		return nil, err
	}
	f, err := s.checkAudience(ctx, &aud)
	if err != nil {
		return nil, err
	}
	var langs []string
	if templateID > 0 {
		t, err := s.store.GetTemplate(ctx, templateID)
		if err != nil {
			return nil, &model.Error{Code: model.CodeInvalid, Message: "choose a template", Fields: map[string]string{"template_id": "no such template"}}
		}
		langs = t.Languages()
	}
	contacts, err := s.store.AudienceContacts(ctx, f)
	if err != nil {
		return nil, err
	}
	var emails []string
	for _, c := range contacts {
		if len(c.Emails) > 0 {
			emails = append(emails, strings.ToLower(c.Emails[0].Email))
		}
	}
	suppressed, err := s.suppressedSet(ctx, emails)
	if err != nil {
		return nil, err
	}
	already := map[int64]bool{}
	if campaignID > 0 {
		if already, err = s.store.RecipientContactIDs(ctx, campaignID); err != nil {
			return nil, err
		}
	}
	p := &AudiencePreview{}
	for _, c := range contacts {
		switch {
		case already[c.ID]:
			p.Excluded = append(p.Excluded, Exclusion{Contact: c, Reason: ReasonAlready})
		case c.DoNotContact:
			p.Excluded = append(p.Excluded, Exclusion{Contact: c, Reason: ReasonDNC})
		case len(c.Emails) == 0:
			p.Excluded = append(p.Excluded, Exclusion{Contact: c, Reason: ReasonNoAddress})
		case suppressed[strings.ToLower(c.Emails[0].Email)]:
			p.Excluded = append(p.Excluded, Exclusion{Contact: c, Reason: ReasonSuppressed})
		default:
			lang := fallback
			if langs != nil {
				lang = RouteLanguage(&c, langs, fallback)
			}
			if lang == "" {
				p.Excluded = append(p.Excluded, Exclusion{Contact: c, Reason: ReasonNoVariant})
				continue
			}
			p.Recipients = append(p.Recipients, Planned{Contact: c, Email: c.Emails[0].Email, Language: lang})
		}
	}
	return p, nil
}

func (s *Service) suppressedSet(ctx context.Context, emails []string) (map[string]bool, error) {
	out := map[string]bool{}
	for start := 0; start < len(emails); start += 5000 {
		part, err := s.store.SuppressedEmails(ctx, emails[start:min(start+5000, len(emails))])
		if err != nil {
			return nil, err
		}
		for k := range part {
			out[k] = true
		}
	}
	return out, nil
}

// CampaignInput is a campaign to create or change while it is a draft.
type CampaignInput struct {
	Name             string
	TemplateID       int64
	SenderID         *int64
	FallbackLanguage string
	Audience         model.Audience
	RatePerSecond    int
	Connections      int
}

func (s *Service) checkCampaign(ctx context.Context, a Actor, in *CampaignInput) error {
	in.Name = strings.TrimSpace(in.Name)
	in.FallbackLanguage = strings.ToLower(strings.TrimSpace(in.FallbackLanguage))
	if in.FallbackLanguage == "" {
		in.FallbackLanguage = "en"
	}
	fe := model.FieldErrors{}
	if in.Name == "" || len(in.Name) > 200 || !model.PlainLine(in.Name) {
		fe.Add("name", "enter a name of at most 200 characters")
	}
	t, err := s.store.GetTemplate(ctx, in.TemplateID)
	switch {
	case model.ErrorCode(err) == model.CodeNotFound:
		fe.Add("template_id", "no such template")
	case err != nil:
		return err
	case !model.ValidLanguage(in.FallbackLanguage):
		fe.Add("fallback_language", "a two-letter language code")
	case t.Variant(in.FallbackLanguage) == nil:
		fe.Add("fallback_language", "the template has no "+in.FallbackLanguage+" variant")
	}
	if in.SenderID != nil {
		si, err := s.store.GetSender(ctx, *in.SenderID)
		switch {
		case model.ErrorCode(err) == model.CodeNotFound:
			fe.Add("sender_id", "no such sender identity")
		case err != nil:
			return err
		case si.OrganisationID != a.User.OrganisationID && a.User.Role != model.RoleAdmin:
			// An organisation speaks only in its own name; admins may choose any.
			fe.Add("sender_id", "this sender identity belongs to another organisation")
		}
	} else if s.mail.FromAddr == "" {
		fe.Add("sender_id", "choose a sender identity (RATIFY_MAIL_FROM is not set)")
	}
	if in.RatePerSecond < 0 || in.RatePerSecond > 10000 {
		fe.Add("rate_per_second", "between 0 (the installation's setting) and 10000")
	}
	if in.Connections < 0 || in.Connections > 50 {
		fe.Add("connections", "between 0 (the installation's setting) and 50")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	_, err = s.checkAudience(ctx, &in.Audience)
	return err
}

// Campaigns lists campaigns (coordinators and admins).
func (s *Service) Campaigns(ctx context.Context, a Actor, p model.Page) ([]model.Campaign, int64, error) {
	if err := require(a, auth.ManageCampaigns); err != nil {
		return nil, 0, err
	}
	return s.store.ListCampaigns(ctx, p)
}

// Campaign loads one campaign with its counts.
func (s *Service) Campaign(ctx context.Context, a Actor, id int64) (*model.Campaign, model.CampaignCounts, error) {
	if err := require(a, auth.ManageCampaigns); err != nil {
		return nil, model.CampaignCounts{}, err
	}
	c, err := s.store.GetCampaign(ctx, id)
	if err != nil {
		return nil, model.CampaignCounts{}, err
	}
	counts, err := s.store.CampaignCounts(ctx, id)
	return c, counts, err
}

// CampaignAudience decodes a campaign's stored audience.
func CampaignAudience(c *model.Campaign) model.Audience {
	var aud model.Audience
	_ = json.Unmarshal([]byte(c.AudienceJSON), &aud)
	return aud
}

// SaveCampaign creates (id 0) or changes a draft campaign.
func (s *Service) SaveCampaign(ctx context.Context, a Actor, id int64, in CampaignInput) (*model.Campaign, error) {
	if err := require(a, auth.ManageCampaigns); err != nil {
		return nil, err
	}
	if err := s.checkCampaign(ctx, a, &in); err != nil {
		return nil, err
	}
	aud, err := json.Marshal(in.Audience)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	c := &model.Campaign{Status: model.CampaignDraft, OrganisationID: a.User.OrganisationID, CreatedByID: a.User.ID, CreatedAt: now}
	action := "campaign.create"
	if id != 0 {
		if c, err = s.store.GetCampaign(ctx, id); err != nil {
			return nil, err
		}
		if c.Status != model.CampaignDraft {
			// The audience is frozen when a campaign is started or scheduled.
			return nil, &model.Error{Code: model.CodeConflict, Message: "only a draft can be changed; this campaign is " + string(c.Status)}
		}
		action = "campaign.update"
	}
	c.Name, c.TemplateID, c.SenderID, c.FallbackLanguage = in.Name, in.TemplateID, in.SenderID, in.FallbackLanguage
	c.AudienceJSON, c.RatePerSecond, c.Connections, c.UpdatedAt = string(aud), in.RatePerSecond, in.Connections, now
	c.Template, c.Sender, c.CreatedBy = nil, nil, nil
	err = s.store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.store.SaveCampaign(ctx, c); err != nil {
			return err
		}
		return s.audit(ctx, a, action, "campaign", strconv.FormatInt(c.ID, 10), c.Name)
	})
	if err != nil {
		return nil, err
	}
	return s.store.GetCampaign(ctx, c.ID)
}

func newMessageID(host string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b) + "@" + host
}

func (s *Service) mailHost() string {
	if u, err := url.Parse(s.mail.PublicURL); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "ratify.localhost"
}

// StartCampaign freezes the audience in one transaction — one row per
// contact, the skipped ones with their reason — and starts sending now or at
// the given time.
func (s *Service) StartCampaign(ctx context.Context, a Actor, id int64, at *time.Time) (*model.Campaign, error) {
	if err := require(a, auth.ManageCampaigns); err != nil {
		return nil, err
	}
	c, err := s.store.GetCampaign(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.Status != model.CampaignDraft {
		return nil, &model.Error{Code: model.CodeConflict, Message: "only a draft can be started; this campaign is " + string(c.Status)}
	}
	now := s.now().UTC()
	if at != nil && at.Before(now.Add(-time.Minute)) {
		return nil, &model.Error{Code: model.CodeInvalid, Message: "the start time is in the past", Fields: map[string]string{"at": "choose a time from now on"}}
	}
	prev, err := s.PreviewAudience(ctx, a, CampaignAudience(c), c.TemplateID, c.FallbackLanguage, c.ID)
	if err != nil {
		return nil, err
	}
	if len(prev.Recipients) == 0 {
		return nil, &model.Error{Code: model.CodeUnprocessable, Message: "nobody in this audience can be mailed; widen the audience"}
	}
	host := s.mailHost()
	rows := make([]model.CampaignRecipient, 0, len(prev.Recipients)+len(prev.Excluded))
	for _, p := range prev.Recipients {
		rows = append(rows, model.CampaignRecipient{CampaignID: c.ID, ContactID: p.Contact.ID, Email: strings.ToLower(p.Email),
			Language: p.Language, MessageID: newMessageID(host), State: model.RecipientQueued})
	}
	for _, x := range prev.Excluded {
		if x.Reason == ReasonAlready {
			continue
		}
		email := ""
		if len(x.Contact.Emails) > 0 {
			email = x.Contact.Emails[0].Email
		}
		rows = append(rows, model.CampaignRecipient{CampaignID: c.ID, ContactID: x.Contact.ID, Email: email,
			MessageID: newMessageID(host), State: model.RecipientSkipped, SkipReason: x.Reason})
	}
	next := model.CampaignSending
	if at != nil && at.After(now) {
		next = model.CampaignScheduled
	}
	err = s.store.WithBulkTx(ctx, func(ctx context.Context) error {
		ok, err := s.store.SetCampaignStatus(ctx, c.ID, []model.CampaignStatus{model.CampaignDraft}, next, now)
		if err != nil {
			return err
		}
		if !ok {
			return &model.Error{Code: model.CodeConflict, Message: "the campaign was started by someone else"}
		}
		if next == model.CampaignScheduled {
			c.ScheduledAt = at
			if err := s.store.SaveCampaignSchedule(ctx, c.ID, at); err != nil {
				return err
			}
		}
		if err := s.store.InsertRecipients(ctx, rows); err != nil {
			return err
		}
		return s.audit(ctx, a, "campaign."+string(next), "campaign", strconv.FormatInt(c.ID, 10),
			fmt.Sprintf("%s: %d recipients, %d skipped", c.Name, len(prev.Recipients), len(rows)-len(prev.Recipients)))
	})
	if err != nil {
		return nil, err
	}
	return s.store.GetCampaign(ctx, c.ID)
}

// ChangeCampaign pauses, resumes or cancels a campaign.
func (s *Service) ChangeCampaign(ctx context.Context, a Actor, id int64, action string) (*model.Campaign, error) {
	if err := require(a, auth.ManageCampaigns); err != nil {
		return nil, err
	}
	c, err := s.store.GetCampaign(ctx, id)
	if err != nil {
		return nil, err
	}
	var from []model.CampaignStatus
	var to model.CampaignStatus
	switch action {
	case "pause":
		from, to = []model.CampaignStatus{model.CampaignSending, model.CampaignScheduled}, model.CampaignPaused
	case "resume":
		from, to = []model.CampaignStatus{model.CampaignPaused}, model.CampaignSending
		if c.ScheduledAt != nil && c.ScheduledAt.After(s.now()) && c.StartedAt == nil {
			// A scheduled campaign paused before its time waits for it again.
			to = model.CampaignScheduled
		}
	case "cancel":
		from, to = []model.CampaignStatus{model.CampaignDraft, model.CampaignScheduled, model.CampaignSending, model.CampaignPaused}, model.CampaignCancelled
	default:
		return nil, model.NotFound("action")
	}
	now := s.now().UTC()
	err = s.store.WithTx(ctx, func(ctx context.Context) error {
		ok, err := s.store.SetCampaignStatus(ctx, id, from, to, now)
		if err != nil {
			return err
		}
		if !ok {
			return &model.Error{Code: model.CodeConflict, Message: fmt.Sprintf("a %s campaign cannot be %s", c.Status, map[string]string{"pause": "paused", "resume": "resumed", "cancel": "cancelled"}[action])}
		}
		if to == model.CampaignCancelled {
			if err := s.store.CancelRecipients(ctx, id, now); err != nil {
				return err
			}
		}
		return s.audit(ctx, a, "campaign."+action, "campaign", strconv.FormatInt(id, 10), c.Name)
	})
	if err != nil {
		return nil, err
	}
	return s.store.GetCampaign(ctx, id)
}

// RetryFailed queues a campaign's failed rows again and resumes sending.
func (s *Service) RetryFailed(ctx context.Context, a Actor, id int64) (int64, error) {
	if err := require(a, auth.ManageCampaigns); err != nil {
		return 0, err
	}
	c, err := s.store.GetCampaign(ctx, id)
	if err != nil {
		return 0, err
	}
	if c.Status == model.CampaignCancelled || c.Status == model.CampaignDraft {
		return 0, &model.Error{Code: model.CodeConflict, Message: "a " + string(c.Status) + " campaign has nothing to retry"}
	}
	var n int64
	err = s.store.WithTx(ctx, func(ctx context.Context) error {
		if n, err = s.store.RetryFailed(ctx, id); err != nil {
			return err
		}
		if n > 0 && c.Status == model.CampaignDone {
			if _, err := s.store.SetCampaignStatus(ctx, id, []model.CampaignStatus{model.CampaignDone}, model.CampaignSending, s.now().UTC()); err != nil {
				return err
			}
		}
		return s.audit(ctx, a, "campaign.retry", "campaign", strconv.FormatInt(id, 10), fmt.Sprintf("%s: %d failed recipients queued again", c.Name, n))
	})
	return n, err
}

// Recipients lists a campaign's recipients by state.
func (s *Service) Recipients(ctx context.Context, a Actor, id int64, state string, ambiguous bool, p model.Page) ([]model.CampaignRecipient, int64, error) {
	if err := require(a, auth.ManageCampaigns); err != nil {
		return nil, 0, err
	}
	if _, err := s.store.GetCampaign(ctx, id); err != nil {
		return nil, 0, err
	}
	if state != "" && !slices.Contains([]string{"queued", "sending", "sent", "failed", "skipped", "cancelled"}, state) {
		return nil, 0, &model.Error{Code: model.CodeInvalid, Message: "unknown state", Fields: map[string]string{"state": "queued, sending, sent, failed, skipped or cancelled"}}
	}
	return s.store.ListRecipients(ctx, id, state, ambiguous, p)
}

// SendTest sends the campaign's (or a template's) message to the actor.
func (s *Service) SendTest(ctx context.Context, a Actor, templateID int64, senderID *int64, contactID int64, lang string) error {
	if err := require(a, auth.ManageCampaigns); err != nil {
		return err
	}
	if contactID == 0 {
		return &model.Error{Code: model.CodeInvalid, Message: "choose a contact whose data fills the test", Fields: map[string]string{"contact_id": "required"}}
	}
	r, lang, err := s.Preview(ctx, a, templateID, contactID, lang)
	if err != nil {
		return err
	}
	fromName, fromAddr, replyTo := s.mail.FromName, s.mail.FromAddr, ""
	if senderID != nil {
		si, err := s.store.GetSender(ctx, *senderID)
		if err != nil {
			return &model.Error{Code: model.CodeInvalid, Message: "no such sender", Fields: map[string]string{"sender_id": "no such sender identity"}}
		}
		fromName, fromAddr, replyTo = si.Name, si.Email, si.ReplyTo
	}
	if fromAddr == "" {
		return &model.Error{Code: model.CodeInvalid, Message: "set RATIFY_MAIL_FROM or choose a sender identity", Fields: map[string]string{"sender_id": "required"}}
	}
	msg := &mail.Message{FromName: fromName, FromAddr: fromAddr, ReplyTo: replyTo, ToName: a.User.Name, ToAddr: a.User.Email,
		Subject: "[TEST " + lang + "] " + r.Subject, HTML: r.HTML, Text: r.Text, MessageID: newMessageID(s.mailHost())}
	if err := s.sendOne(ctx, msg); err != nil {
		return err
	}
	return s.audit(ctx, a, "template.test", "template", strconv.FormatInt(templateID, 10), "test sent to "+a.User.Email)
}

func (s *Service) sendOne(ctx context.Context, msg *mail.Message) error {
	if s.mail.Transport == nil {
		return &model.Error{Code: model.CodeUnprocessable, Message: "no mail transport is configured"}
	}
	conn, err := s.mail.Transport.Open(ctx)
	if err != nil {
		return &model.Error{Code: model.CodeUnprocessable, Message: "the mail server cannot be reached: " + err.Error()}
	}
	defer conn.Close()
	res := conn.Send(ctx, []*mail.Message{msg})[0]
	if res.Outcome != mail.Sent {
		return &model.Error{Code: model.CodeUnprocessable, Message: "the mail server did not take the message: " + res.Reply}
	}
	return nil
}

// MailBanner says where messages go, for the banner on every page.
func (s *Service) MailBanner() (outbox bool, where string) {
	if s.mail.Transport == nil {
		return true, "nowhere (no transport)"
	}
	return s.mail.Outbox, s.mail.Transport.String()
}

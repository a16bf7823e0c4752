package service

import (
	"context"
	"fmt"
	"strings"
	"time"

	"ratify/internal/auth"
	"ratify/internal/model"
)

// InstrumentStanding is one instrument's block in a dossier.
type InstrumentStanding struct {
	Instrument   model.Instrument
	Ratification *model.Ratification // nil: status none, nothing recorded
	// Events are the newest DossierEvents of the timeline; MoreEvents says
	// the full history page has older ones.
	Events     []model.RatificationEvent
	MoreEvents bool
}

// DossierEvents is how much of each timeline a dossier shows; the full
// history has its own page.
const DossierEvents = 20

// Status is the standing's status, none when unrecorded.
func (s InstrumentStanding) Status() model.Status {
	if s.Ratification == nil {
		return model.StatusNone
	}
	return s.Ratification.Status
}

// Dossier is everything known about one state.
type Dossier struct {
	Country   model.Country
	Standings []InstrumentStanding
}

// Dossier loads a state's standings with their timelines and its campaign fields.
func (s *Service) Dossier(ctx context.Context, a Actor, iso3 string) (*Dossier, error) {
	if err := require(a, auth.ReadCoalition); err != nil {
		return nil, err
	}
	c, err := s.country(ctx, iso3)
	if err != nil {
		return nil, err
	}
	insts, err := s.store.ListInstruments(ctx)
	if err != nil {
		return nil, err
	}
	rats, err := s.store.CountryRatifications(ctx, c.ISO3)
	if err != nil {
		return nil, err
	}
	d := &Dossier{Country: *c}
	for _, in := range insts {
		st := InstrumentStanding{Instrument: in}
		for i := range rats {
			if rats[i].InstrumentCode == in.Code {
				st.Ratification = &rats[i]
			}
		}
		if st.Events, st.MoreEvents, err = s.store.RecentEvents(ctx, c.ISO3, in.Code, DossierEvents); err != nil {
			return nil, err
		}
		d.Standings = append(d.Standings, st)
	}
	return d, nil
}

func (s *Service) country(ctx context.Context, iso3 string) (*model.Country, error) {
	if len(iso3) != 3 {
		return nil, model.NotFound("country")
	}
	return s.store.GetCountry(ctx, iso3)
}

func (s *Service) instrument(ctx context.Context, code string) (*model.Instrument, error) {
	if code == "" || len(code) > 16 {
		return nil, model.NotFound("instrument")
	}
	return s.store.GetInstrument(ctx, strings.ToUpper(code))
}

// RatificationEvents returns one timeline, newest first.
func (s *Service) RatificationEvents(ctx context.Context, a Actor, iso3, code string) ([]model.RatificationEvent, error) {
	if err := require(a, auth.ReadCoalition); err != nil {
		return nil, err
	}
	c, err := s.country(ctx, iso3)
	if err != nil {
		return nil, err
	}
	in, err := s.instrument(ctx, code)
	if err != nil {
		return nil, err
	}
	return s.store.RatificationEvents(ctx, c.ISO3, in.Code)
}

// History is one page of a state's timeline on one instrument.
type History struct {
	Country    model.Country
	Instrument model.Instrument
	Events     []model.RatificationEvent
	Total      int64
}

// RatificationHistory pages through a timeline, newest first.
func (s *Service) RatificationHistory(ctx context.Context, a Actor, iso3, code string, p model.Page) (*History, error) {
	if err := require(a, auth.ReadCoalition); err != nil {
		return nil, err
	}
	c, err := s.country(ctx, iso3)
	if err != nil {
		return nil, err
	}
	in, err := s.instrument(ctx, code)
	if err != nil {
		return nil, err
	}
	h := &History{Country: *c, Instrument: *in}
	h.Events, h.Total, err = s.store.EventsPage(ctx, c.ISO3, in.Code, p)
	return h, err
}

// FieldChange is one line of "what will change".
type FieldChange struct {
	Field string `json:"field"`
	From  string `json:"from"`
	To    string `json:"to"`
}

// RatificationPreview is what recording a change would do.
type RatificationPreview struct {
	Country    model.Country
	Instrument model.Instrument
	Current    model.Ratification
	Changes    []FieldChange
}

// PreviewRatification validates a change and lists what it would change,
// without writing anything.
func (s *Service) PreviewRatification(ctx context.Context, a Actor, iso3, code string, ch model.RatificationChange) (*RatificationPreview, error) {
	if err := require(a, auth.RecordTreatyStatus); err != nil {
		return nil, err
	}
	c, err := s.country(ctx, iso3)
	if err != nil {
		return nil, err
	}
	in, err := s.instrument(ctx, code)
	if err != nil {
		return nil, err
	}
	if err := ch.Validate(in.Kind, s.now().UTC()); err != nil {
		return nil, err
	}
	cur, err := s.store.GetRatification(ctx, c.ISO3, in.Code)
	if model.ErrorCode(err) == model.CodeNotFound {
		cur, err = &model.Ratification{CountryISO3: c.ISO3, InstrumentCode: in.Code, Status: model.StatusNone}, nil
	}
	if err != nil {
		return nil, err
	}
	return &RatificationPreview{Country: *c, Instrument: *in, Current: *cur, Changes: diffRatification(cur, ch)}, nil
}

func diffRatification(cur *model.Ratification, ch model.RatificationChange) []FieldChange {
	var out []FieldChange
	add := func(field, from, to string) {
		if from != to {
			out = append(out, FieldChange{Field: field, From: from, To: to})
		}
	}
	add("status", cur.Status.Label(), ch.Status.Label())
	add("signature", cur.Signature().Human(), ch.Signature.Human())
	add("ratification", cur.Ratified().Human(), ch.Ratification.Human())
	add("entry into force", cur.InForce().Human(), ch.InForce.Human())
	add("notes", cur.Notes, ch.Notes)
	add("source", cur.Source, ch.Source)
	asOf := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format("2 Jan 2006")
	}
	add("as of", asOf(cur.AsOf), asOf(ch.AsOf))
	return out
}

// RecordRatification writes a new standing and its event in one transaction.
// A change that changes nothing is refused, so the timeline holds only news.
func (s *Service) RecordRatification(ctx context.Context, a Actor, iso3, code string, ch model.RatificationChange) (*model.Ratification, error) {
	p, err := s.PreviewRatification(ctx, a, iso3, code, ch)
	if err != nil {
		return nil, err
	}
	if len(p.Changes) == 0 {
		return nil, &model.Error{Code: model.CodeUnprocessable, Message: "this matches what is recorded already; nothing to change"}
	}
	r := p.Current
	r.Status = ch.Status
	r.SignatureDate, r.SignaturePrecision = ch.Signature.Time, ch.Signature.Precision
	r.RatificationDate, r.RatificationPrecision = ch.Ratification.Time, ch.Ratification.Precision
	r.EntryIntoForce, r.EntryIntoForcePrecision = ch.InForce.Time, ch.InForce.Precision
	r.Notes, r.Source, r.AsOf = ch.Notes, ch.Source, ch.AsOf
	r.UpdatedByID, r.UpdatedAt = a.ID(), s.now().UTC()
	var summary []string
	for _, c := range p.Changes {
		if c.Field == "source" || c.Field == "notes" {
			summary = append(summary, c.Field+" changed")
			continue
		}
		summary = append(summary, fmt.Sprintf("%s: %s → %s", c.Field, orDash(c.From), orDash(c.To)))
	}
	err = s.store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.store.SaveRatification(ctx, &r); err != nil {
			return err
		}
		if err := s.store.AddRatificationEvent(ctx, &model.RatificationEvent{
			CountryISO3: r.CountryISO3, InstrumentCode: r.InstrumentCode, At: r.UpdatedAt, ActorID: a.ID(),
			FromStatus: p.Current.Status, ToStatus: r.Status, Changes: strings.Join(summary, "; "), Source: r.Source, Note: ch.Note,
		}); err != nil {
			return err
		}
		return s.audit(ctx, a, "ratification.record", "ratification", r.CountryISO3+"/"+r.InstrumentCode, strings.Join(summary, "; "))
	})
	if err != nil {
		return nil, err
	}
	return &r, nil
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// UpdateCampaign sets a state's campaign fields (coordinators, admins).
func (s *Service) UpdateCampaign(ctx context.Context, a Actor, iso3 string, f model.CampaignFields) (*model.Country, error) {
	if err := require(a, auth.RecordTreatyStatus); err != nil {
		return nil, err
	}
	c, err := s.country(ctx, iso3)
	if err != nil {
		return nil, err
	}
	fe := model.FieldErrors{}
	if err := f.Validate(); err != nil {
		e, _ := model.AsError(err)
		for k, v := range e.Fields {
			fe.Add(k, v)
		}
	}
	if f.StageID != nil {
		if _, err := s.store.GetStage(ctx, *f.StageID); model.ErrorCode(err) == model.CodeNotFound {
			fe.Add("stage_id", "no such stage")
		} else if err != nil {
			return nil, err
		}
	}
	if f.FocalOrganisationID != nil {
		if _, err := s.store.GetOrganisation(ctx, *f.FocalOrganisationID); model.ErrorCode(err) == model.CodeNotFound {
			fe.Add("focal_organisation_id", "no such organisation")
		} else if err != nil {
			return nil, err
		}
	}
	if f.FocalUserID != nil {
		u, err := s.store.GetUser(ctx, *f.FocalUserID)
		switch {
		case model.ErrorCode(err) == model.CodeNotFound:
			fe.Add("focal_user_id", "no such user")
		case err != nil:
			return nil, err
		case !u.Active:
			fe.Add("focal_user_id", "this user is deactivated")
		case f.FocalOrganisationID != nil && u.OrganisationID != *f.FocalOrganisationID:
			fe.Add("focal_user_id", "the focal person belongs to another organisation than the focal organisation")
		}
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	changes := describeCampaign(c, f)
	if len(changes) == 0 {
		return c, nil
	}
	err = s.store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.store.UpdateCountryCampaign(ctx, c.ISO3, f, a.User.ID, s.now().UTC()); err != nil {
			return err
		}
		return s.audit(ctx, a, "country.campaign", "country", c.ISO3, c.Name+": "+strings.Join(changes, "; "))
	})
	if err != nil {
		return nil, err
	}
	return s.store.GetCountry(ctx, c.ISO3)
}

func describeCampaign(c *model.Country, f model.CampaignFields) []string {
	var out []string
	idStr := func(p *int64) string {
		if p == nil {
			return "none"
		}
		return fmt.Sprint(*p)
	}
	dateStr := func(t *time.Time) string {
		if t == nil {
			return "none"
		}
		return t.UTC().Format("2006-01-02")
	}
	if c.Priority != f.Priority {
		out = append(out, fmt.Sprintf("priority %s → %s", c.Priority, f.Priority))
	}
	if idStr(c.StageID) != idStr(f.StageID) {
		out = append(out, fmt.Sprintf("stage %s → %s", idStr(c.StageID), idStr(f.StageID)))
	}
	if idStr(c.FocalOrganisationID) != idStr(f.FocalOrganisationID) {
		out = append(out, fmt.Sprintf("focal organisation %s → %s", idStr(c.FocalOrganisationID), idStr(f.FocalOrganisationID)))
	}
	if idStr(c.FocalUserID) != idStr(f.FocalUserID) {
		out = append(out, fmt.Sprintf("focal person %s → %s", idStr(c.FocalUserID), idStr(f.FocalUserID)))
	}
	if c.NextStep != f.NextStep || dateStr(c.NextStepDate) != dateStr(f.NextStepDate) {
		out = append(out, fmt.Sprintf("next step %q (%s)", f.NextStep, dateStr(f.NextStepDate)))
	}
	if c.Notes != f.Notes {
		out = append(out, "notes changed")
	}
	return out
}

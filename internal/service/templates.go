package service

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"ratify/internal/auth"
	"ratify/internal/merge"
	"ratify/internal/model"
)

// TemplateFields lists what a template may use, shown beside the editor.
var TemplateFields = []string{"{{.Contact.Honorific}}", "{{.Contact.FirstName}}", "{{.Contact.LastName}}", "{{.Contact.FullName}}",
	"{{.Contact.Position}}", "{{.Contact.Institution}}", "{{.Country.Name}}", "{{.Country.Instruments.ICRMW.Status}}",
	"{{.Country.Instruments.ICRMW.Year}}", "{{.Sender.Name}}", "{{.Sender.Organisation}}", "{{.UnsubscribeURL}}"}

// Templates lists the email templates (coordinators and admins).
func (s *Service) Templates(ctx context.Context, a Actor) ([]model.EmailTemplate, error) {
	if err := require(a, auth.ManageCampaigns); err != nil {
		return nil, err
	}
	return s.store.ListTemplates(ctx)
}

// Template loads one template.
func (s *Service) Template(ctx context.Context, a Actor, id int64) (*model.EmailTemplate, error) {
	if err := require(a, auth.ManageCampaigns); err != nil {
		return nil, err
	}
	return s.store.GetTemplate(ctx, id)
}

func (s *Service) instrumentCodes(ctx context.Context) ([]string, error) {
	insts, err := s.store.ListInstruments(ctx)
	if err != nil {
		return nil, err
	}
	codes := make([]string, len(insts))
	for i, in := range insts {
		codes[i] = in.Code
	}
	return codes, nil
}

// checkTemplate validates the name and every variant: languages are two-letter
// codes, once each; each part parses and names only known fields.
func (s *Service) checkTemplate(ctx context.Context, t *model.EmailTemplate) error {
	t.Name = strings.TrimSpace(t.Name)
	fe := model.FieldErrors{}
	if t.Name == "" || len(t.Name) > 200 || !model.PlainLine(t.Name) {
		fe.Add("name", "enter a name of at most 200 characters")
	}
	if len(t.Variants) == 0 {
		fe.Add("variants", "add at least one language variant")
	}
	if len(t.Variants) > 30 {
		fe.Add("variants", "at most 30 variants")
	}
	codes, err := s.instrumentCodes(ctx)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for i := range t.Variants {
		v := &t.Variants[i]
		v.Language = strings.ToLower(strings.TrimSpace(v.Language))
		key := fmt.Sprintf("variants[%d]", i)
		if !model.ValidLanguage(v.Language) {
			fe.Add(key+".language", "use a two-letter ISO 639-1 code such as en, fr or es")
		} else if seen[v.Language] {
			fe.Add(key+".language", "this language has a variant already")
		}
		seen[v.Language] = true
		if len(v.Subject) > 500 || len(v.HTML) > 200_000 || len(v.Text) > 100_000 {
			fe.Add(key, "too long (subject 500, HTML 200,000, text 100,000 characters)")
			continue
		}
		if strings.TrimSpace(v.Subject) == "" {
			fe.Add(key+".subject", "enter a subject")
			continue
		}
		if _, errs := merge.Parse(v.Subject, v.HTML, v.Text, codes); errs != nil {
			for part, msg := range errs {
				fe.Add(key+"."+part, msg)
			}
		}
	}
	return fe.Err()
}

// SaveTemplate creates (id 0) or replaces a template (coordinators and admins).
func (s *Service) SaveTemplate(ctx context.Context, a Actor, t model.EmailTemplate) (*model.EmailTemplate, error) {
	if err := require(a, auth.ManageCampaigns); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	action := "template.create"
	if t.ID != 0 {
		cur, err := s.store.GetTemplate(ctx, t.ID)
		if err != nil {
			return nil, err
		}
		t.CreatedAt, t.CreatedByID, action = cur.CreatedAt, cur.CreatedByID, "template.update"
	} else {
		t.CreatedAt, t.CreatedByID = now, a.ID()
	}
	t.UpdatedAt, t.DeletedAt = now, nil
	if err := s.checkTemplate(ctx, &t); err != nil {
		return nil, err
	}
	err := s.store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.store.SaveTemplate(ctx, &t); err != nil {
			return err
		}
		return s.audit(ctx, a, action, "template", strconv.FormatInt(t.ID, 10), fmt.Sprintf("%s (%s)", t.Name, strings.Join(t.Languages(), ", ")))
	})
	if err != nil {
		return nil, err
	}
	return s.store.GetTemplate(ctx, t.ID)
}

// DeleteTemplate hides a template; campaigns that used it keep their copy.
func (s *Service) DeleteTemplate(ctx context.Context, a Actor, id int64) error {
	if err := require(a, auth.ManageCampaigns); err != nil {
		return err
	}
	t, err := s.store.GetTemplate(ctx, id)
	if err != nil {
		return err
	}
	return s.store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.store.DeleteTemplate(ctx, id, s.now().UTC()); err != nil {
			return err
		}
		return s.audit(ctx, a, "template.delete", "template", strconv.FormatInt(id, 10), t.Name)
	})
}

// Preview renders a template for one contact in one language (or the
// contact's routed language when lang is empty).
func (s *Service) Preview(ctx context.Context, a Actor, templateID, contactID int64, lang string) (merge.Rendered, string, error) {
	if err := require(a, auth.ManageCampaigns); err != nil {
		return merge.Rendered{}, "", err
	}
	t, err := s.store.GetTemplate(ctx, templateID)
	if err != nil {
		return merge.Rendered{}, "", err
	}
	c, err := s.Contact(ctx, a, contactID)
	if err != nil {
		return merge.Rendered{}, "", &model.Error{Code: model.CodeInvalid, Message: "choose a contact to preview with",
			Fields: map[string]string{"contact_id": "no such contact"}}
	}
	if lang == "" {
		lang = RouteLanguage(c, t.Languages(), "en")
	}
	v := t.Variant(lang)
	if v == nil {
		return merge.Rendered{}, "", &model.Error{Code: model.CodeInvalid, Message: "the template has no variant in this language",
			Fields: map[string]string{"language": "no " + lang + " variant"}}
	}
	codes, err := s.instrumentCodes(ctx)
	if err != nil {
		return merge.Rendered{}, "", err
	}
	tpl, errs := merge.Parse(v.Subject, v.HTML, v.Text, codes)
	if errs != nil {
		return merge.Rendered{}, "", &model.Error{Code: model.CodeInvalid, Message: "the template does not parse", Fields: errs}
	}
	md, err := s.mergeData(ctx, c, nil, "https://example.org/u/preview")
	if err != nil {
		return merge.Rendered{}, "", err
	}
	md.Sender = merge.Sender{Name: a.User.Name}
	if a.User.Organisation != nil {
		md.Sender.Organisation = a.User.Organisation.Name
	}
	r, err := tpl.Render(md)
	if err != nil {
		return merge.Rendered{}, "", &model.Error{Code: model.CodeInvalid, Message: "the template cannot be rendered for this contact: " + err.Error()}
	}
	return r, lang, nil
}

// RouteLanguage picks a contact's variant: the preferred language, then any
// language they speak, then the fallback; "" when none of them exists.
func RouteLanguage(c *model.Contact, have []string, fallback string) string {
	has := func(l string) bool {
		for _, h := range have {
			if h == l {
				return true
			}
		}
		return false
	}
	if c.PreferredLanguage != "" && has(c.PreferredLanguage) {
		return c.PreferredLanguage
	}
	for _, l := range c.LanguageList() {
		if has(l) {
			return l
		}
	}
	if has(fallback) {
		return fallback
	}
	return ""
}

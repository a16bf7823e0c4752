package server

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"ratify/internal/model"
	"ratify/internal/service"
	"ratify/internal/store"
)

type campaignsView struct {
	Campaigns []model.Campaign
	Pager     pager
}

func (s *Server) campaignsPage(c *gin.Context) {
	p, err := pageParams(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	cs, total, err := s.svc.Campaigns(c.Request.Context(), actor(c), p)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "campaigns.html", "Campaigns", campaignsView{Campaigns: cs, Pager: newPager(p, total, url.Values{})})
}

// mailCampaignFormView is the campaign editor: the campaign's fields and
// the audience builder, both held as the form's values, and the live count.
type mailCampaignFormView struct {
	Campaign    *model.Campaign // nil when new
	Form        url.Values
	Errors      map[string]string
	Message     string
	Audience    *audienceView
	Templates   []model.EmailTemplate
	Senders     []model.SenderIdentity
	Countries   []model.Country
	Regions     map[string][]string
	Instruments []model.Instrument
	Stages      []model.Stage
	Committees  []model.Institution
	Parties     []string
	Tags        []string
	// The start card's problems and the schedule input's bounds.
	StartMessage string
	StartErrors  map[string]string
	Now          time.Time
}

// Get is one form value.
func (v mailCampaignFormView) Get(key string) string { return v.Form.Get(key) }

// On reports whether value is among the form's values for key.
func (v mailCampaignFormView) On(key string, value any) bool {
	return slices.Contains(v.Form[key], fmt.Sprint(value))
}

// Err is the error of a form field.
func (v mailCampaignFormView) Err(key string) string { return v.Errors[key] }

// Kinds, InstKinds, Stances and RatStatuses are the builder's choices.
func (mailCampaignFormView) Kinds() []model.ContactKind         { return model.ContactKinds }
func (mailCampaignFormView) InstKinds() []model.InstitutionKind { return model.InstitutionKinds }
func (mailCampaignFormView) Stances() []model.Stance            { return model.Stances }
func (mailCampaignFormView) RatStatuses() [][2]string           { return ratStatusChoices }

// ScheduleDefault fills the datetime-local input (UTC): the next full hour.
func (v mailCampaignFormView) ScheduleDefault() string {
	if at := v.Form.Get("at"); at != "" {
		return at
	}
	return v.Now.UTC().Add(time.Hour).Truncate(time.Hour).Format("2006-01-02T15:04")
}

func (s *Server) mailCampaignFormData(c *gin.Context, v *mailCampaignFormView) error {
	ctx, a := c.Request.Context(), actor(c)
	var err error
	v.Now = time.Now().UTC()
	if v.Templates, err = s.svc.Templates(ctx, a); err != nil {
		return err
	}
	if v.Senders, err = s.svc.Senders(ctx, a); err != nil {
		return err
	}
	if v.Countries, err = s.svc.CountryList(ctx, a); err != nil {
		return err
	}
	if v.Regions, err = s.svc.Regions(ctx, a); err != nil {
		return err
	}
	if v.Instruments, err = s.svc.Instruments(ctx, a); err != nil {
		return err
	}
	if v.Stages, err = s.svc.Stages(ctx, a); err != nil {
		return err
	}
	if v.Committees, _, err = s.svc.Institutions(ctx, a, store.InstitutionFilter{Kind: model.InstCommittee, Page: model.Page{PerPage: model.MaxPerPage}}); err != nil {
		return err
	}
	v.Parties, v.Tags, err = s.svc.ContactFacets(ctx, a)
	return err
}

// audienceOf counts the audience of the form; an audience the service
// refuses shows its reasons in place of the count.
func (s *Server) audienceOf(c *gin.Context, f url.Values, campaignID int64) (*audienceView, error) {
	fe := model.FieldErrors{}
	aud := audienceFromForm(f, fe)
	tid, _ := strconv.ParseInt(f.Get("template_id"), 10, 64)
	fallback := strings.ToLower(strings.TrimSpace(f.Get("fallback_language")))
	if fallback == "" {
		fallback = "en"
	}
	err := fe.Err()
	var p *service.AudiencePreview
	if err == nil {
		p, err = s.svc.PreviewAudience(c.Request.Context(), actor(c), aud, tid, fallback, campaignID)
	}
	if err != nil {
		e, ok := model.AsError(err)
		if !ok || e.Code != model.CodeInvalid {
			return nil, err
		}
		return &audienceView{Error: e.Message, Fields: e.Fields}, nil
	}
	return newAudienceView(p), nil
}

// renderCampaignForm shows the editor with the live count for its values.
func (s *Server) renderCampaignForm(c *gin.Context, status int, v mailCampaignFormView) {
	if err := s.mailCampaignFormData(c, &v); err != nil {
		s.fail(c, err)
		return
	}
	if v.Audience == nil {
		av, err := s.audienceOf(c, v.Form, 0)
		if err != nil {
			s.fail(c, err)
			return
		}
		v.Audience = av
	}
	title := "New campaign"
	if v.Campaign != nil {
		title = v.Campaign.Name
	}
	s.render(c, status, "mail_campaign_form.html", title, v)
}

func (s *Server) mailCampaignNewPage(c *gin.Context) {
	ts, err := s.svc.Templates(c.Request.Context(), actor(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	f := url.Values{"fallback_language": {"en"}}
	if len(ts) > 0 {
		f.Set("template_id", strconv.FormatInt(ts[0].ID, 10))
	}
	s.renderCampaignForm(c, http.StatusOK, mailCampaignFormView{Form: f})
}

func (s *Server) mailCampaignCreate(c *gin.Context) { s.saveMailCampaign(c, 0) }

func (s *Server) mailCampaignUpdate(c *gin.Context) {
	id, err := idParam(c, "id", "campaign")
	if err != nil {
		s.fail(c, err)
		return
	}
	s.saveMailCampaign(c, id)
}

// saveMailCampaign saves the draft, and shows the form again with the
// user's input and a message per field when it is refused.
func (s *Server) saveMailCampaign(c *gin.Context, id int64) {
	cp, ok := s.saveDraftFromForm(c, id)
	if !ok {
		return
	}
	if id == 0 {
		s.flash(c, "Draft saved. Check the audience, then start the campaign or schedule it.")
	} else {
		s.flash(c, "Draft saved.")
	}
	c.Redirect(http.StatusSeeOther, "/campaigns/"+strconv.FormatInt(cp.ID, 10))
}

// saveDraftFromForm saves the posted editor; when it answers false the
// response (the form again, or an error page) is written already.
func (s *Server) saveDraftFromForm(c *gin.Context, id int64) (*model.Campaign, bool) {
	ctx, a := c.Request.Context(), actor(c)
	var cur *model.Campaign
	var err error
	if id != 0 {
		if cur, _, err = s.svc.Campaign(ctx, a, id); err != nil {
			s.fail(c, err)
			return nil, false
		}
	}
	f, err := postForm(c)
	if err != nil {
		s.fail(c, err)
		return nil, false
	}
	fe := model.FieldErrors{}
	in := campaignInputFromForm(f, fe)
	err = fe.Err()
	var cp *model.Campaign
	if err == nil {
		cp, err = s.svc.SaveCampaign(ctx, a, id, in)
	}
	if err != nil {
		e, ok := model.AsError(err)
		if !ok || (e.Code != model.CodeInvalid && e.Code != model.CodeConflict) {
			s.fail(c, err)
			return nil, false
		}
		if cur != nil && cur.Status != model.CampaignDraft {
			// Started meanwhile (another tab, a colleague): show where it stands.
			s.flash(c, "Nothing saved: "+e.Message+".")
			c.Redirect(http.StatusSeeOther, "/campaigns/"+strconv.FormatInt(id, 10))
			return nil, false
		}
		s.renderCampaignForm(c, statusFor(e.Code), mailCampaignFormView{Campaign: cur, Form: f, Errors: e.Fields, Message: e.Message})
		return nil, false
	}
	return cp, true
}

// mailCampaignAudience is the live count. htmx swaps in the count alone
// (status 200 even for a refused audience, so that it is shown); without
// script, the whole editor comes back with the count.
func (s *Server) mailCampaignAudience(c *gin.Context) {
	f, err := postForm(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var cur *model.Campaign
	if x := f.Get("campaign_id"); x != "" {
		id, err := parseID(x)
		if err == nil {
			cur, _, err = s.svc.Campaign(c.Request.Context(), actor(c), id)
		}
		if err != nil {
			s.fail(c, err)
			return
		}
	}
	av, err := s.audienceOf(c, f, 0)
	if err != nil {
		s.fail(c, err)
		return
	}
	if c.GetHeader("HX-Request") == "true" {
		s.render(c, http.StatusOK, "mail_campaign_form.html", "Audience", mailCampaignFormView{Audience: av})
		return
	}
	s.renderCampaignForm(c, http.StatusOK, mailCampaignFormView{Campaign: cur, Form: f, Audience: av})
}

func (s *Server) mailCampaignPage(c *gin.Context) {
	id, err := idParam(c, "id", "campaign")
	if err != nil {
		s.fail(c, err)
		return
	}
	cp, counts, err := s.svc.Campaign(c.Request.Context(), actor(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	if cp.Status == model.CampaignDraft {
		s.renderCampaignForm(c, http.StatusOK, mailCampaignFormView{Campaign: cp, Form: campaignValues(cp)})
		return
	}
	s.renderCampaignProgress(c, cp, counts, false)
}

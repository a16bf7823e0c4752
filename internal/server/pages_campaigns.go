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

// ScheduleMin and ScheduleDefault bound the datetime-local input (UTC).
func (v mailCampaignFormView) ScheduleMin() string { return v.Now.UTC().Format("2006-01-02T15:04") }
func (v mailCampaignFormView) ScheduleDefault() string {
	if at := v.Form.Get("at"); at != "" {
		return at
	}
	return v.Now.UTC().Add(time.Hour).Truncate(time.Hour).Format("2006-01-02T15:04")
}

var ratStatusChoices = [][2]string{{"party", "party (ratified, acceded or succeeded)"}, {"not_party", "not a party"},
	{"signed", "signed but not ratified"}, {"none", "no action"}, {"denounced", "denounced"}}

// audienceView is the live count: who will be mailed, in which language,
// and who is left out and why.
type audienceView struct {
	Count        int
	Langs        []labelCount
	Reasons      []labelCount
	ExcludedN    int
	Excluded     []service.Exclusion
	MoreExcluded int
	Sample       []service.Planned
	Error        string
	Fields       map[string]string
}

type labelCount struct {
	Label string
	N     int
}

const audienceSample = 100

func newAudienceView(p *service.AudiencePreview) *audienceView {
	v := &audienceView{Count: len(p.Recipients), ExcludedN: len(p.Excluded)}
	langs := map[string]int{}
	for _, r := range p.Recipients {
		langs[r.Language]++
	}
	for l, n := range langs {
		v.Langs = append(v.Langs, labelCount{l, n})
	}
	slices.SortFunc(v.Langs, func(a, b labelCount) int {
		if a.N != b.N {
			return b.N - a.N
		}
		return strings.Compare(a.Label, b.Label)
	})
	by := p.CountsByReason()
	for _, r := range []string{service.ReasonDNC, service.ReasonNoAddress, service.ReasonSuppressed, service.ReasonNoVariant, service.ReasonAlready} {
		if by[r] > 0 || r == service.ReasonDNC || r == service.ReasonNoAddress || r == service.ReasonSuppressed {
			v.Reasons = append(v.Reasons, labelCount{r, by[r]})
		}
	}
	v.Excluded = p.Excluded[:min(len(p.Excluded), audienceSample)]
	v.MoreExcluded = len(p.Excluded) - len(v.Excluded)
	v.Sample = p.Recipients[:min(len(p.Recipients), 20)]
	return v
}

// audienceFromForm reads the builder. A ratification condition needs both
// its instrument and its status; ids must be ids.
func audienceFromForm(f url.Values, fe model.FieldErrors) model.Audience {
	list := func(k string) []string {
		var out []string
		for _, x := range f[k] {
			if x = strings.TrimSpace(x); x != "" && !slices.Contains(out, x) {
				out = append(out, x)
			}
		}
		return out
	}
	ids := func(k string) []int64 {
		var out []int64
		for _, x := range list(k) {
			id, err := parseID(x)
			if err != nil {
				fe.Add("audience."+k, "choose from the list")
				continue
			}
			out = append(out, id)
		}
		return out
	}
	a := model.Audience{Countries: list("countries"), Regions: list("regions"), InstitutionIDs: ids("institution_ids"),
		Parties: list("parties"), Tags: list("tags"), StageIDs: ids("stage_ids")}
	for _, k := range list("kinds") {
		a.Kinds = append(a.Kinds, model.ContactKind(k))
	}
	for _, k := range list("institution_kinds") {
		a.InstitutionKinds = append(a.InstitutionKinds, model.InstitutionKind(k))
	}
	for _, k := range list("stances") {
		a.Stances = append(a.Stances, model.Stance(k))
	}
	for _, k := range list("priorities") {
		a.Priorities = append(a.Priorities, model.Priority(k))
	}
	for _, l := range strings.FieldsFunc(strings.ToLower(f.Get("languages")), func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		if !slices.Contains(a.Languages, l) {
			a.Languages = append(a.Languages, l)
		}
	}
	cond := func(prefix string) *model.RatificationCriteria {
		in, st := strings.TrimSpace(f.Get(prefix+"_instrument")), strings.TrimSpace(f.Get(prefix+"_status"))
		switch {
		case in == "" && st == "":
			return nil
		case in == "":
			fe.Add("audience."+prefix, "choose the instrument too")
			return nil
		case st == "":
			fe.Add("audience."+prefix, "choose the status too")
			return nil
		}
		return &model.RatificationCriteria{Instrument: in, Status: []string{st}}
	}
	a.Ratification = cond("rat")
	if also := cond("also"); also != nil {
		if a.Ratification == nil {
			a.Ratification = also
		} else {
			a.Also = []model.RatificationCriteria{*also}
		}
	}
	return a
}

// audienceValues is the builder's form for a saved audience.
func audienceValues(a model.Audience, f url.Values) {
	f["countries"], f["regions"], f["parties"], f["tags"] = a.Countries, a.Regions, a.Parties, a.Tags
	for _, k := range a.Kinds {
		f.Add("kinds", string(k))
	}
	for _, k := range a.InstitutionKinds {
		f.Add("institution_kinds", string(k))
	}
	for _, k := range a.Stances {
		f.Add("stances", string(k))
	}
	for _, k := range a.Priorities {
		f.Add("priorities", string(k))
	}
	for _, id := range a.InstitutionIDs {
		f.Add("institution_ids", strconv.FormatInt(id, 10))
	}
	for _, id := range a.StageIDs {
		f.Add("stage_ids", strconv.FormatInt(id, 10))
	}
	f.Set("languages", strings.Join(a.Languages, ", "))
	set := func(prefix string, r *model.RatificationCriteria) {
		if r != nil && len(r.Status) > 0 {
			f.Set(prefix+"_instrument", r.Instrument)
			f.Set(prefix+"_status", r.Status[0])
		}
	}
	set("rat", a.Ratification)
	if len(a.Also) > 0 {
		set("also", &a.Also[0])
	}
}

func campaignValues(c *model.Campaign) url.Values {
	f := url.Values{"name": {c.Name}, "template_id": {strconv.FormatInt(c.TemplateID, 10)},
		"fallback_language": {c.FallbackLanguage}, "rate_per_second": {strconv.Itoa(c.RatePerSecond)},
		"connections": {strconv.Itoa(c.Connections)}}
	if c.SenderID != nil {
		f.Set("sender_id", strconv.FormatInt(*c.SenderID, 10))
	}
	audienceValues(service.CampaignAudience(c), f)
	return f
}

// campaignInputFromForm reads the editor; typing problems come back in fe.
func campaignInputFromForm(f url.Values, fe model.FieldErrors) service.CampaignInput {
	in := service.CampaignInput{Name: f.Get("name"), FallbackLanguage: f.Get("fallback_language")}
	if x := f.Get("template_id"); x == "" {
		fe.Add("template_id", "choose a template")
	} else if id, err := parseID(x); err != nil {
		fe.Add("template_id", "choose a template from the list")
	} else {
		in.TemplateID = id
	}
	if x := f.Get("sender_id"); x != "" {
		if id, err := parseID(x); err != nil {
			fe.Add("sender_id", "choose a sender from the list")
		} else {
			in.SenderID = &id
		}
	}
	num := func(k string) int {
		x := strings.TrimSpace(f.Get(k))
		if x == "" {
			return 0
		}
		n, err := strconv.Atoi(x)
		if err != nil {
			fe.Add(k, "a whole number")
		}
		return n
	}
	in.RatePerSecond, in.Connections = num("rate_per_second"), num("connections")
	in.Audience = audienceFromForm(f, fe)
	return in
}

// postForm parses the body once; a body over the limit is a 413.
func postForm(c *gin.Context) (url.Values, error) {
	if err := c.Request.ParseForm(); err != nil {
		return nil, err
	}
	return c.Request.PostForm, nil
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

// mailCampaignStart saves the draft as shown (so what is counted is what is
// sent) and starts it now, or at the UTC time given.
func (s *Server) mailCampaignStart(c *gin.Context) {
	ctx, a := c.Request.Context(), actor(c)
	id, err := idParam(c, "id", "campaign")
	if err != nil {
		s.fail(c, err)
		return
	}
	f, err := postForm(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if f.Get("with_draft") == "1" {
		if _, ok := s.saveDraftFromForm(c, id); !ok {
			return
		}
	}
	var at *time.Time
	if f.Get("when") == "later" {
		t, perr := time.ParseInLocation("2006-01-02T15:04", f.Get("at"), time.UTC)
		if perr != nil {
			err = &model.Error{Code: model.CodeInvalid, Message: "choose when to start", Fields: map[string]string{"at": "a date and time, in UTC"}}
		}
		at = &t
	}
	var cp *model.Campaign
	if err == nil {
		cp, err = s.svc.StartCampaign(ctx, a, id, at)
	}
	if err != nil {
		e, ok := model.AsError(err)
		if !ok || (e.Code != model.CodeInvalid && e.Code != model.CodeUnprocessable && e.Code != model.CodeConflict) {
			s.fail(c, err)
			return
		}
		cur, _, gerr := s.svc.Campaign(ctx, a, id)
		if gerr != nil {
			s.fail(c, gerr)
			return
		}
		if cur.Status != model.CampaignDraft {
			s.flash(c, e.Message)
			c.Redirect(http.StatusSeeOther, "/campaigns/"+strconv.FormatInt(id, 10))
			return
		}
		form := campaignValues(cur)
		form.Set("at", f.Get("at"))
		s.renderCampaignForm(c, statusFor(e.Code), mailCampaignFormView{Campaign: cur, Form: form, StartMessage: e.Message, StartErrors: e.Fields})
		return
	}
	if cp.Status == model.CampaignScheduled && cp.ScheduledAt != nil {
		s.flash(c, "The campaign is scheduled for "+formatDateTime(*cp.ScheduledAt)+". Its audience is frozen.")
	} else {
		s.flash(c, "Sending has started. The audience is frozen; this page follows the progress.")
	}
	c.Redirect(http.StatusSeeOther, "/campaigns/"+strconv.FormatInt(id, 10))
}

// mailCampaignChange pauses, resumes or cancels; cancelling needs the
// confirmation page's "yes". A change the campaign's state does not allow
// comes back as a message on the campaign's page.
func (s *Server) mailCampaignChange(action string) gin.HandlerFunc {
	done := map[string]string{"pause": "The campaign is paused: no more messages go out until you resume it.",
		"resume": "The campaign is sending again.", "cancel": "The campaign is cancelled: queued messages will not be sent."}
	return func(c *gin.Context) {
		id, err := idParam(c, "id", "campaign")
		if err != nil {
			s.fail(c, err)
			return
		}
		back := "/campaigns/" + strconv.FormatInt(id, 10)
		if action == "cancel" && c.PostForm("confirm") != "yes" {
			c.Redirect(http.StatusSeeOther, back+"/cancel")
			return
		}
		if _, err := s.svc.ChangeCampaign(c.Request.Context(), actor(c), id, action); err != nil {
			if model.ErrorCode(err) != model.CodeConflict {
				s.fail(c, err)
				return
			}
			e, _ := model.AsError(err)
			s.flash(c, "Nothing changed: "+e.Message+".")
			c.Redirect(http.StatusSeeOther, back)
			return
		}
		s.flash(c, done[action])
		c.Redirect(http.StatusSeeOther, back)
	}
}

func (s *Server) mailCampaignCancelPage(c *gin.Context) {
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
	s.renderCampaignProgress(c, cp, counts, true)
}

func (s *Server) mailCampaignRetry(c *gin.Context) {
	id, err := idParam(c, "id", "campaign")
	if err != nil {
		s.fail(c, err)
		return
	}
	back := "/campaigns/" + strconv.FormatInt(id, 10)
	n, err := s.svc.RetryFailed(c.Request.Context(), actor(c), id)
	if err != nil {
		if model.ErrorCode(err) != model.CodeConflict {
			s.fail(c, err)
			return
		}
		e, _ := model.AsError(err)
		s.flash(c, "Nothing changed: "+e.Message+".")
		c.Redirect(http.StatusSeeOther, back)
		return
	}
	s.flash(c, fmt.Sprintf("%d failed recipient(s) queued again.", n))
	c.Redirect(http.StatusSeeOther, back)
}

// mailCampaignProgress answers the polled parts of the progress page; a
// plain visit goes to the page itself.
func (s *Server) mailCampaignProgress(c *gin.Context) {
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
	if c.GetHeader("HX-Request") != "true" {
		c.Redirect(http.StatusSeeOther, "/campaigns/"+strconv.FormatInt(id, 10))
		return
	}
	s.renderCampaignProgress(c, cp, counts, false)
}

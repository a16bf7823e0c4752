package server

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"ratify/internal/model"
	"ratify/internal/service"
)

type variantJSON struct {
	Language string `json:"language"`
	Subject  string `json:"subject"`
	HTML     string `json:"html"`
	Text     string `json:"text"`
}

type templateJSON struct {
	ID        int64         `json:"id"`
	Name      string        `json:"name"`
	Variants  []variantJSON `json:"variants"`
	UpdatedAt time.Time     `json:"updated_at"`
}

func toTemplateJSON(t *model.EmailTemplate) templateJSON {
	out := templateJSON{ID: t.ID, Name: t.Name, UpdatedAt: t.UpdatedAt.UTC(), Variants: []variantJSON{}}
	for _, v := range t.Variants {
		out.Variants = append(out.Variants, variantJSON{Language: v.Language, Subject: v.Subject, HTML: v.HTML, Text: v.Text})
	}
	return out
}

type templateRequest struct {
	Name     string        `json:"name"`
	Variants []variantJSON `json:"variants"`
}

func (in templateRequest) template(id int64) model.EmailTemplate {
	t := model.EmailTemplate{ID: id, Name: in.Name}
	for _, v := range in.Variants {
		t.Variants = append(t.Variants, model.TemplateVariant{Language: v.Language, Subject: v.Subject, HTML: v.HTML, Text: v.Text})
	}
	return t
}

func (s *Server) apiListTemplates(c *gin.Context) {
	ts, err := s.svc.Templates(c.Request.Context(), actor(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	items := make([]templateJSON, len(ts))
	for i := range ts {
		items[i] = toTemplateJSON(&ts[i])
	}
	c.JSON(http.StatusOK, listBody[templateJSON]{Items: items, Total: int64(len(items)), Page: 1, PerPage: max(len(items), 1)})
}

func (s *Server) apiGetTemplate(c *gin.Context) {
	id, err := idParam(c, "id", "template")
	if err == nil {
		var t *model.EmailTemplate
		if t, err = s.svc.Template(c.Request.Context(), actor(c), id); err == nil {
			c.JSON(http.StatusOK, toTemplateJSON(t))
			return
		}
	}
	s.fail(c, err)
}

func (s *Server) saveTemplateAPI(c *gin.Context, id int64) {
	var in templateRequest
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	t, err := s.svc.SaveTemplate(c.Request.Context(), actor(c), in.template(id))
	if err != nil {
		s.fail(c, err)
		return
	}
	status := http.StatusOK
	if id == 0 {
		status = http.StatusCreated
	}
	c.JSON(status, toTemplateJSON(t))
}

func (s *Server) apiCreateTemplate(c *gin.Context) { s.saveTemplateAPI(c, 0) }

func (s *Server) apiUpdateTemplate(c *gin.Context) {
	id, err := idParam(c, "id", "template")
	if err != nil {
		s.fail(c, err)
		return
	}
	s.saveTemplateAPI(c, id)
}

func (s *Server) apiDeleteTemplate(c *gin.Context) {
	id, err := idParam(c, "id", "template")
	if err == nil {
		err = s.svc.DeleteTemplate(c.Request.Context(), actor(c), id)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type previewRequest struct {
	ContactID int64  `json:"contact_id"`
	Language  string `json:"language"`
}

func (s *Server) apiPreviewTemplate(c *gin.Context) {
	id, err := idParam(c, "id", "template")
	if err != nil {
		s.fail(c, err)
		return
	}
	var in previewRequest
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	r, lang, err := s.svc.Preview(c.Request.Context(), actor(c), id, in.ContactID, in.Language)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"subject": r.Subject, "html": r.HTML, "text": r.Text, "language": lang})
}

type campaignJSON struct {
	ID               int64                 `json:"id"`
	Name             string                `json:"name"`
	TemplateID       int64                 `json:"template_id"`
	SenderID         *int64                `json:"sender_id"`
	FallbackLanguage string                `json:"fallback_language"`
	Audience         model.Audience        `json:"audience"`
	Status           model.CampaignStatus  `json:"status"`
	ScheduledAt      *time.Time            `json:"scheduled_at"`
	StartedAt        *time.Time            `json:"started_at"`
	FinishedAt       *time.Time            `json:"finished_at"`
	RatePerSecond    int                   `json:"rate_per_second"`
	Connections      int                   `json:"connections"`
	Counts           *model.CampaignCounts `json:"counts,omitempty"`
}

func toCampaignJSON(c *model.Campaign, counts *model.CampaignCounts) campaignJSON {
	return campaignJSON{ID: c.ID, Name: c.Name, TemplateID: c.TemplateID, SenderID: c.SenderID, FallbackLanguage: c.FallbackLanguage,
		Audience: service.CampaignAudience(c), Status: c.Status, ScheduledAt: c.ScheduledAt, StartedAt: c.StartedAt,
		FinishedAt: c.FinishedAt, RatePerSecond: c.RatePerSecond, Connections: c.Connections, Counts: counts}
}

type campaignRequest struct {
	Name             string         `json:"name"`
	TemplateID       int64          `json:"template_id"`
	SenderID         *int64         `json:"sender_id"`
	FallbackLanguage string         `json:"fallback_language"`
	Audience         model.Audience `json:"audience"`
	RatePerSecond    int            `json:"rate_per_second"`
	Connections      int            `json:"connections"`
}

func (s *Server) apiListCampaigns(c *gin.Context) {
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
	items := make([]campaignJSON, len(cs))
	for i := range cs {
		items[i] = toCampaignJSON(&cs[i], nil)
	}
	c.JSON(http.StatusOK, newList(items, total, p))
}

func (s *Server) apiGetCampaign(c *gin.Context) {
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
	c.JSON(http.StatusOK, toCampaignJSON(cp, &counts))
}

func (s *Server) saveCampaignAPI(c *gin.Context, id int64) {
	var in campaignRequest
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	cp, err := s.svc.SaveCampaign(c.Request.Context(), actor(c), id, service.CampaignInput(in))
	if err != nil {
		s.fail(c, err)
		return
	}
	status := http.StatusOK
	if id == 0 {
		status = http.StatusCreated
	}
	c.JSON(status, toCampaignJSON(cp, nil))
}

func (s *Server) apiCreateCampaign(c *gin.Context) { s.saveCampaignAPI(c, 0) }

func (s *Server) apiUpdateCampaign(c *gin.Context) {
	id, err := idParam(c, "id", "campaign")
	if err != nil {
		s.fail(c, err)
		return
	}
	s.saveCampaignAPI(c, id)
}

type startRequest struct {
	At *time.Time `json:"at"`
}

// apiCampaignAction handles start, pause, resume, cancel, retry and test.
func (s *Server) apiCampaignAction(c *gin.Context) {
	id, err := idParam(c, "id", "campaign")
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx, a := c.Request.Context(), actor(c)
	switch action := c.Param("action"); action {
	case "start":
		var in startRequest
		if c.Request.ContentLength != 0 {
			if err := decodeJSON(c, &in); err != nil {
				s.fail(c, err)
				return
			}
		}
		_, err = s.svc.StartCampaign(ctx, a, id, in.At)
	case "pause", "resume", "cancel":
		_, err = s.svc.ChangeCampaign(ctx, a, id, action)
	case "retry":
		_, err = s.svc.RetryFailed(ctx, a, id)
	case "test":
		var in previewRequest
		if err := decodeJSON(c, &in); err != nil {
			s.fail(c, err)
			return
		}
		var cp *model.Campaign
		if cp, _, err = s.svc.Campaign(ctx, a, id); err == nil {
			err = s.svc.SendTest(ctx, a, cp.TemplateID, cp.SenderID, in.ContactID, in.Language)
		}
	default:
		err = model.NotFound("action")
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.apiGetCampaign(c)
}

type recipientJSON struct {
	ID         int64                `json:"id"`
	ContactID  int64                `json:"contact_id"`
	Name       string               `json:"name"`
	Email      string               `json:"email"`
	Language   string               `json:"language"`
	State      model.RecipientState `json:"state"`
	Ambiguous  bool                 `json:"ambiguous"`
	SkipReason string               `json:"skip_reason,omitempty"`
	Attempts   int                  `json:"attempts"`
	LastReply  string               `json:"last_reply"`
	MessageID  string               `json:"message_id"`
	SentAt     *time.Time           `json:"sent_at"`
}

func toRecipientJSON(r *model.CampaignRecipient) recipientJSON {
	out := recipientJSON{ID: r.ID, ContactID: r.ContactID, Email: r.Email, Language: r.Language, State: r.State, Ambiguous: r.Ambiguous,
		SkipReason: r.SkipReason, Attempts: r.Attempts, LastReply: r.LastReply, MessageID: r.MessageID, SentAt: r.SentAt}
	if r.Contact != nil {
		out.Name = r.Contact.FullName()
	}
	return out
}

func (s *Server) apiListRecipients(c *gin.Context) {
	id, err := idParam(c, "id", "campaign")
	if err != nil {
		s.fail(c, err)
		return
	}
	p, err := pageParams(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	rs, total, err := s.svc.Recipients(c.Request.Context(), actor(c), id, c.Query("state"), c.Query("ambiguous") == "true", p)
	if err != nil {
		s.fail(c, err)
		return
	}
	items := make([]recipientJSON, len(rs))
	for i := range rs {
		items[i] = toRecipientJSON(&rs[i])
	}
	c.JSON(http.StatusOK, newList(items, total, p))
}

type audienceRequest struct {
	Audience         model.Audience `json:"audience"`
	TemplateID       int64          `json:"template_id"`
	FallbackLanguage string         `json:"fallback_language"`
}

func (s *Server) apiAudiencePreview(c *gin.Context) {
	var in audienceRequest
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	if in.FallbackLanguage == "" {
		in.FallbackLanguage = "en"
	}
	p, err := s.svc.PreviewAudience(c.Request.Context(), actor(c), in.Audience, in.TemplateID, in.FallbackLanguage, 0)
	if err != nil {
		s.fail(c, err)
		return
	}
	langs := map[string]int{}
	for _, r := range p.Recipients {
		langs[r.Language]++
	}
	type sampleJSON struct {
		ContactID int64  `json:"contact_id"`
		Name      string `json:"name"`
		Reason    string `json:"reason,omitempty"`
		Language  string `json:"language,omitempty"`
	}
	var excluded []sampleJSON
	for i, x := range p.Excluded {
		if i >= 200 {
			break
		}
		excluded = append(excluded, sampleJSON{ContactID: x.Contact.ID, Name: x.Contact.FullName(), Reason: x.Reason})
	}
	c.JSON(http.StatusOK, gin.H{"count": len(p.Recipients), "languages": langs, "excluded_count": len(p.Excluded),
		"excluded_by_reason": p.CountsByReason(), "excluded": nonNil(excluded)})
}

type suppressionJSON struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	Reason    string    `json:"reason"`
	Note      string    `json:"note"`
	CreatedAt time.Time `json:"created_at"`
}

func (s *Server) apiListSuppressions(c *gin.Context) {
	p, err := pageParams(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	sups, total, err := s.svc.Suppressions(c.Request.Context(), actor(c), c.Query("q"), p)
	if err != nil {
		s.fail(c, err)
		return
	}
	items := make([]suppressionJSON, len(sups))
	for i, x := range sups {
		items[i] = suppressionJSON{ID: x.ID, Email: x.Email, Reason: x.Reason, Note: x.Note, CreatedAt: x.CreatedAt.UTC()}
	}
	c.JSON(http.StatusOK, newList(items, total, p))
}

type suppressionRequest struct {
	Email string `json:"email"`
	Note  string `json:"note"`
}

func (s *Server) apiAddSuppression(c *gin.Context) {
	var in suppressionRequest
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	x, err := s.svc.AddSuppression(c.Request.Context(), actor(c), in.Email, in.Note)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, suppressionJSON{ID: x.ID, Email: x.Email, Reason: x.Reason, Note: x.Note, CreatedAt: x.CreatedAt.UTC()})
}

func (s *Server) apiDeleteSuppression(c *gin.Context) {
	id, err := idParam(c, "id", "suppression")
	if err == nil {
		err = s.svc.RemoveSuppression(c.Request.Context(), actor(c), id)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type senderJSON struct {
	ID             int64  `json:"id"`
	OrganisationID int64  `json:"organisation_id"`
	Name           string `json:"name"`
	Email          string `json:"email"`
	ReplyTo        string `json:"reply_to"`
}

func (s *Server) apiListSenders(c *gin.Context) {
	ss, err := s.svc.Senders(c.Request.Context(), actor(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	items := make([]senderJSON, len(ss))
	for i, x := range ss {
		items[i] = senderJSON{ID: x.ID, OrganisationID: x.OrganisationID, Name: x.Name, Email: x.Email, ReplyTo: x.ReplyTo}
	}
	c.JSON(http.StatusOK, listBody[senderJSON]{Items: items, Total: int64(len(items)), Page: 1, PerPage: max(len(items), 1)})
}

type senderRequest struct {
	Name    string `json:"name"`
	Email   string `json:"email"`
	ReplyTo string `json:"reply_to"`
}

func (s *Server) apiCreateSender(c *gin.Context) {
	var in senderRequest
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	x, err := s.svc.SaveSender(c.Request.Context(), actor(c), model.SenderIdentity{Name: in.Name, Email: in.Email, ReplyTo: in.ReplyTo})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, senderJSON{ID: x.ID, OrganisationID: x.OrganisationID, Name: x.Name, Email: x.Email, ReplyTo: x.ReplyTo})
}

type unsubscribeView struct {
	Token, Email string
	Done         bool
}

// unsubscribePage confirms with a button and changes nothing by itself.
func (s *Server) unsubscribePage(c *gin.Context) {
	_, email, err := s.svc.UnsubscribeAddress(c.Param("token"))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "unsubscribe.html", "Unsubscribe", unsubscribeView{Token: c.Param("token"), Email: email})
}

// unsubscribeSubmit is the one-click endpoint (RFC 8058): mail clients POST
// "List-Unsubscribe=One-Click" without a session; the signed token is the
// credential.
func (s *Server) unsubscribeSubmit(c *gin.Context) {
	email, err := s.svc.Unsubscribe(c.Request.Context(), c.Param("token"), c.ClientIP())
	if err != nil {
		s.fail(c, err)
		return
	}
	if c.GetHeader("Sec-Fetch-Mode") == "navigate" || c.PostForm("confirm") == "yes" {
		s.render(c, http.StatusOK, "unsubscribe.html", "Unsubscribed", unsubscribeView{Email: email, Done: true})
		return
	}
	c.String(http.StatusOK, "unsubscribed\n")
}

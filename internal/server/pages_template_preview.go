package server

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"ratify/internal/model"
	"ratify/internal/service"
	"ratify/internal/store"
)

// previewCSP is the policy of a rendered template: a sandbox with an opaque
// origin, no script, no fetch, only inline styles and remote or inline images.
const previewCSP = "sandbox; default-src 'none'; img-src https: data:; style-src 'unsafe-inline'"

// templatePreview is the preview-and-test card of a saved template.
type templatePreview struct {
	TemplateID int64
	Languages  []string
	Query      string
	Matches    []model.Contact
	Contact    *model.Contact
	Language   string // chosen in the menu; "" is the contact's own
	Routed     string // the variant shown
	Subject    string
	Text       string
	Src        string
	Message    string
	Senders    []model.SenderIdentity
	TestMsg    string
	TestErrors map[string]string
}

// Shown reports whether the preview is for contact id.
func (p *templatePreview) Shown(id int64) bool { return p.Contact != nil && p.Contact.ID == id }

// ContactURL previews the template for another contact.
func (p *templatePreview) ContactURL(id int64) string {
	q := url.Values{"contact": {strconv.FormatInt(id, 10)}}
	if p.Language != "" {
		q.Set("lang", p.Language)
	}
	return fmt.Sprintf("/templates/%d?%s", p.TemplateID, q.Encode())
}

// templatePreviewOf renders the template for the chosen contact (by default
// the first match of the search, or the first contact by name). Problems of
// the template or the choice become a message in the card, not an error page.
func (s *Server) templatePreviewOf(c *gin.Context, t *model.EmailTemplate, contactID int64, q, lang string) (*templatePreview, error) {
	ctx, a := c.Request.Context(), actor(c)
	if len(q) > 200 || !model.PlainLine(q) {
		q = ""
	}
	if !model.ValidLanguage(lang) || t.Variant(lang) == nil {
		lang = ""
	}
	p := &templatePreview{TemplateID: t.ID, Languages: t.Languages(), Query: q, Language: lang}
	var err error
	if p.Senders, err = s.svc.Senders(ctx, a); err != nil {
		return nil, err
	}
	if q != "" {
		cs, _, err := s.svc.Contacts(ctx, a, service.ContactQuery{Text: q, ContactFilter: store.ContactFilter{Page: model.Page{PerPage: 8}}})
		if err != nil {
			return nil, err
		}
		p.Matches = cs
	}
	if contactID == 0 {
		if len(p.Matches) > 0 {
			contactID = p.Matches[0].ID
		} else if q == "" {
			cs, _, err := s.svc.Contacts(ctx, a, service.ContactQuery{ContactFilter: store.ContactFilter{Page: model.Page{PerPage: 1}}})
			if err != nil {
				return nil, err
			}
			if len(cs) == 0 {
				p.Message = "There are no contacts yet: add one to preview the template with real data."
				return p, nil
			}
			contactID = cs[0].ID
		}
	}
	if contactID == 0 {
		return p, nil
	}
	if p.Contact, err = s.svc.Contact(ctx, a, contactID); err != nil {
		if model.ErrorCode(err) == model.CodeNotFound {
			p.Contact, p.Message = nil, "That contact is not found; search for another."
			return p, nil
		}
		return nil, err
	}
	r, routed, err := s.svc.Preview(ctx, a, t.ID, contactID, lang)
	if err != nil {
		e, ok := model.AsError(err)
		if !ok || e.Code != model.CodeInvalid {
			return nil, err
		}
		p.Message = e.Message
		for _, m := range e.Fields {
			p.Message += ": " + m
		}
		return p, nil
	}
	p.Routed, p.Subject, p.Text = routed, r.Subject, r.Text
	src := url.Values{"contact": {strconv.FormatInt(contactID, 10)}, "lang": {routed}, "v": {strconv.FormatInt(t.UpdatedAt.UnixMilli(), 10)}}
	p.Src = fmt.Sprintf("/templates/%d/preview.html?%s", t.ID, src.Encode())
	return p, nil
}

// templatePreviewHTML serves the rendered HTML body for the preview iframe,
// under its own sandbox policy: whatever a template holds cannot run script
// or reach Ratify's pages. Only Ratify's own pages may frame it.
func (s *Server) templatePreviewHTML(c *gin.Context) {
	id, err := idParam(c, "id", "template")
	if err != nil {
		s.fail(c, err)
		return
	}
	contactID, _ := strconv.ParseInt(c.Query("contact"), 10, 64)
	r, _, err := s.svc.Preview(c.Request.Context(), actor(c), id, contactID, c.Query("lang"))
	if err != nil {
		e, ok := model.AsError(err)
		if !ok || e.Code != model.CodeInvalid {
			s.fail(c, err)
			return
		}
		s.previewHeaders(c)
		msg := e.Message
		for _, m := range e.Fields {
			msg += ": " + m
		}
		c.Data(http.StatusBadRequest, "text/html; charset=utf-8", []byte("<!doctype html><p>"+html.EscapeString(msg)+"</p>"))
		return
	}
	s.previewHeaders(c)
	c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(r.HTML))
}

// previewHeaders replace the global policy (frame-ancestors 'none', DENY)
// for this one response; the middleware set them before the handler ran.
func (s *Server) previewHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", previewCSP)
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Cache-Control", "no-store")
}

// templateSendTest mails the previewed message to the signed-in user.
func (s *Server) templateSendTest(c *gin.Context) {
	ctx, a := c.Request.Context(), actor(c)
	id, err := idParam(c, "id", "template")
	if err != nil {
		s.fail(c, err)
		return
	}
	fe := model.FieldErrors{}
	senderID := optionalFormID(c, "sender_id", fe)
	contactID := formID(c, "contact_id")
	lang := c.PostForm("lang")
	err = fe.Err()
	if err == nil {
		err = s.svc.SendTest(ctx, a, id, senderID, contactID, lang)
	}
	if err != nil {
		e, ok := model.AsError(err)
		if !ok || (e.Code != model.CodeInvalid && e.Code != model.CodeUnprocessable) {
			s.fail(c, err)
			return
		}
		t, terr := s.svc.Template(ctx, a, id)
		if terr != nil {
			s.fail(c, terr)
			return
		}
		v := templateFormOf(t)
		if v.Preview, terr = s.templatePreviewOf(c, t, contactID, "", lang); terr != nil {
			s.fail(c, terr)
			return
		}
		v.Preview.TestMsg, v.Preview.TestErrors = e.Message, e.Fields
		s.render(c, statusFor(e.Code), "template_form.html", t.Name, v)
		return
	}
	s.flash(c, "A test message is on its way to "+a.User.Email+".")
	q := url.Values{"contact": {strconv.FormatInt(contactID, 10)}}
	if lang != "" {
		q.Set("lang", lang)
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/templates/%d?%s#preview", id, q.Encode()))
}

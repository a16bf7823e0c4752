package server

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"

	"github.com/gin-gonic/gin"

	"ratify/internal/model"
	"ratify/internal/service"
	"ratify/internal/store"
)

// previewCSP is the policy of a rendered template: a sandbox with an opaque
// origin, no script, no fetch, only inline styles and remote or inline images.
const previewCSP = "sandbox; default-src 'none'; img-src https: data:; style-src 'unsafe-inline'"

type templatesView struct {
	Templates []model.EmailTemplate
}

func (s *Server) templatesPage(c *gin.Context) {
	ts, err := s.svc.Templates(c.Request.Context(), actor(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "templates.html", "Email templates", templatesView{Templates: ts})
}

// variantForm is one language variant as typed, with its own errors under
// "language", "subject", "html", "text" and "" (the variant as a whole).
type variantForm struct {
	Language, Subject, HTML, Text string
	Errors                        map[string]string
}

func (v variantForm) blank() bool { return v.Subject == "" && v.HTML == "" && v.Text == "" }

type templateFormView struct {
	Template *model.EmailTemplate // nil when new
	Name     string
	Variants []variantForm
	Errors   map[string]string
	Message  string
	Fields   []string
	Preview  *templatePreview
	// Delete asks to confirm the deletion instead of showing the editor.
	Delete bool
}

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

func newTemplateForm() templateFormView {
	return templateFormView{Variants: []variantForm{{Language: "en"}, {Language: "fr"}, {Language: "es"}}, Fields: service.TemplateFields}
}

func templateFormOf(t *model.EmailTemplate) templateFormView {
	v := templateFormView{Template: t, Name: t.Name, Fields: service.TemplateFields}
	for _, x := range t.Variants {
		v.Variants = append(v.Variants, variantForm{Language: x.Language, Subject: x.Subject, HTML: x.HTML, Text: x.Text})
	}
	return v
}

// variantsFromForm reads the repeated language/subject/html/text fields,
// which the form always sends together, one set per variant.
func variantsFromForm(c *gin.Context) []variantForm {
	langs, subjects, htmls, texts := c.PostFormArray("language"), c.PostFormArray("subject"), c.PostFormArray("html"), c.PostFormArray("text")
	n := min(len(langs), 40)
	at := func(xs []string, i int) string {
		if i < len(xs) {
			return xs[i]
		}
		return ""
	}
	out := make([]variantForm, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, variantForm{Language: langs[i], Subject: at(subjects, i), HTML: at(htmls, i), Text: at(texts, i)})
	}
	return out
}

var variantErrKey = regexp.MustCompile(`^variants\[(\d+)\](?:\.(\w+))?$`)

// templateFromForm builds the template to save from the variants that are
// not blank; at maps each saved variant back to its place in the form.
func templateFromForm(id int64, name string, vs []variantForm) (model.EmailTemplate, []int) {
	t := model.EmailTemplate{ID: id, Name: name}
	var at []int
	for i, v := range vs {
		if v.blank() {
			continue
		}
		t.Variants = append(t.Variants, model.TemplateVariant{Language: v.Language, Subject: v.Subject, HTML: v.HTML, Text: v.Text})
		at = append(at, i)
	}
	return t, at
}

// spreadErrors puts the service's "variants[i].part" errors next to the
// variant they belong to, in the form's numbering.
func spreadErrors(v *templateFormView, e *model.Error, at []int) {
	v.Errors, v.Message = map[string]string{}, e.Message
	for k, msg := range e.Fields {
		m := variantErrKey.FindStringSubmatch(k)
		if m == nil {
			v.Errors[k] = msg
			continue
		}
		i, _ := strconv.Atoi(m[1])
		if i >= len(at) {
			v.Errors["variants"] = msg
			continue
		}
		f := &v.Variants[at[i]]
		if f.Errors == nil {
			f.Errors = map[string]string{}
		}
		f.Errors[m[2]] = msg
	}
}

func (s *Server) templateNewPage(c *gin.Context) {
	// Only those who may save see the editor.
	if _, err := s.svc.Templates(c.Request.Context(), actor(c)); err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "template_form.html", "New template", newTemplateForm())
}

func (s *Server) templateCreate(c *gin.Context) { s.saveTemplateForm(c, 0) }

func (s *Server) templateUpdate(c *gin.Context) {
	id, err := idParam(c, "id", "template")
	if err != nil {
		s.fail(c, err)
		return
	}
	s.saveTemplateForm(c, id)
}

// saveTemplateForm saves the editor, or, for "Add a language" and "Remove",
// shows it again with one variant more or less and saves nothing.
func (s *Server) saveTemplateForm(c *gin.Context, id int64) {
	ctx, a := c.Request.Context(), actor(c)
	var cur *model.EmailTemplate
	var err error
	if id != 0 {
		if cur, err = s.svc.Template(ctx, a, id); err != nil {
			s.fail(c, err)
			return
		}
	} else if _, err = s.svc.Templates(ctx, a); err != nil {
		s.fail(c, err)
		return
	}
	v := templateFormView{Template: cur, Name: c.PostForm("name"), Variants: variantsFromForm(c), Fields: service.TemplateFields}
	title := "New template"
	if cur != nil {
		title = cur.Name
	}
	if c.PostForm("add_variant") != "" {
		if len(v.Variants) < 30 {
			v.Variants = append(v.Variants, variantForm{})
		}
		s.render(c, http.StatusOK, "template_form.html", title, v)
		return
	}
	if x := c.PostForm("remove_variant"); x != "" {
		if i, err := strconv.Atoi(x); err == nil && i >= 0 && i < len(v.Variants) {
			v.Variants = append(v.Variants[:i], v.Variants[i+1:]...)
		}
		v.Message = "The variant is removed from the form; save to keep the change."
		s.render(c, http.StatusOK, "template_form.html", title, v)
		return
	}
	t, at := templateFromForm(id, v.Name, v.Variants)
	saved, err := s.svc.SaveTemplate(ctx, a, t)
	if err != nil {
		s.formError(c, err, "template_form.html", title, func(e *model.Error) any {
			spreadErrors(&v, e, at)
			return v
		})
		return
	}
	s.flash(c, fmt.Sprintf("Template “%s” saved (%d language variants).", saved.Name, len(saved.Variants)))
	c.Redirect(http.StatusSeeOther, "/templates/"+strconv.FormatInt(saved.ID, 10))
}

func (s *Server) templatePage(c *gin.Context) {
	ctx, a := c.Request.Context(), actor(c)
	id, err := idParam(c, "id", "template")
	if err != nil {
		s.fail(c, err)
		return
	}
	t, err := s.svc.Template(ctx, a, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	v := templateFormOf(t)
	contactID, _ := strconv.ParseInt(c.Query("contact"), 10, 64)
	if v.Preview, err = s.templatePreviewOf(c, t, contactID, c.Query("q"), c.Query("lang")); err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "template_form.html", t.Name, v)
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

func (s *Server) templateDeletePage(c *gin.Context) {
	id, err := idParam(c, "id", "template")
	if err != nil {
		s.fail(c, err)
		return
	}
	t, err := s.svc.Template(c.Request.Context(), actor(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	v := templateFormOf(t)
	v.Delete = true
	s.render(c, http.StatusOK, "template_form.html", "Delete "+t.Name, v)
}

func (s *Server) templateDeleteSubmit(c *gin.Context) {
	id, err := idParam(c, "id", "template")
	if err == nil {
		err = s.svc.DeleteTemplate(c.Request.Context(), actor(c), id)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.flash(c, "The template is deleted. Campaigns that used it keep their copy.")
	c.Redirect(http.StatusSeeOther, "/templates")
}

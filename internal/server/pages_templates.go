package server

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"

	"github.com/gin-gonic/gin"

	"ratify/internal/model"
	"ratify/internal/service"
)

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

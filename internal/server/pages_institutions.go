package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"ratify/internal/auth"
	"ratify/internal/model"
	"ratify/internal/service"
	"ratify/internal/store"
)

type institutionsView struct {
	Institutions []model.Institution
	Filter       store.InstitutionFilter
	Pager        pager
	Countries    []model.Country
	Names        map[string]string // country name by ISO3
	Kinds        []model.InstitutionKind
	Errors       map[string]string
	Message      string
}

// PageURL links to page n with the same filters.
func (v institutionsView) PageURL(n int) string { return "/institutions" + v.Pager.URL(n) }

func countryNames(cs []model.Country) map[string]string {
	m := make(map[string]string, len(cs))
	for _, c := range cs {
		m[c.ISO3] = c.Name
	}
	return m
}

func (s *Server) institutionsPage(c *gin.Context) {
	a := actor(c)
	p, err := pageParams(c)
	v := institutionsView{Kinds: model.InstitutionKinds, Filter: store.InstitutionFilter{Country: strings.ToUpper(c.Query("country")),
		Kind: model.InstitutionKind(c.Query("kind")), Query: c.Query("q"), Page: p}}
	status := http.StatusOK
	var total int64
	if err == nil {
		v.Institutions, total, err = s.svc.Institutions(c.Request.Context(), a, v.Filter)
	}
	if err != nil {
		e, ok := model.AsError(err)
		if !ok || e.Code != model.CodeInvalid {
			s.fail(c, err)
			return
		}
		v.Errors, v.Message, status = e.Fields, e.Message, http.StatusBadRequest
	}
	q := url.Values{}
	for _, k := range []string{"q", "country", "kind", "per_page"} {
		if x := c.Query(k); x != "" {
			q.Set(k, x)
		}
	}
	v.Pager = newPager(p, total, q)
	if v.Countries, err = s.countryChoices(c); err != nil {
		s.fail(c, err)
		return
	}
	v.Names = countryNames(v.Countries)
	s.render(c, status, "institutions.html", "Institutions", v)
}

type institutionFormView struct {
	Inst        *model.Institution // nil when creating
	Form        institutionRequest
	Countries   []model.Country
	Names       map[string]string
	Kinds       []model.InstitutionKind
	Parents     []model.Institution
	People      []model.Contact
	PeopleTotal int64
	CanEdit     bool
	Errors      map[string]string
	Message     string
}

// IsParent reports whether id is the parent chosen in the form.
func (v institutionFormView) IsParent(id int64) bool {
	return v.Form.ParentID != nil && *v.Form.ParentID == id
}

// institutionFormPage fills the menus: the parent can be any institution of
// the same country but the institution itself.
func (s *Server) institutionFormPage(c *gin.Context, status int, title string, v institutionFormView) {
	a := actor(c)
	ctx := c.Request.Context()
	var err error
	if v.Countries, err = s.countryChoices(c); err != nil {
		s.fail(c, err)
		return
	}
	v.Names, v.Kinds, v.CanEdit = countryNames(v.Countries), model.InstitutionKinds, a.Can(auth.EditContacts)
	if iso := strings.ToUpper(strings.TrimSpace(v.Form.Country)); len(iso) == 3 && v.Names[iso] != "" {
		list, _, err := s.svc.Institutions(ctx, a, store.InstitutionFilter{Country: iso, Page: model.Page{PerPage: model.MaxPerPage}})
		if err != nil {
			s.fail(c, err)
			return
		}
		for _, in := range list {
			if v.Inst == nil || in.ID != v.Inst.ID {
				v.Parents = append(v.Parents, in)
			}
		}
	}
	if v.Inst != nil {
		q := service.ContactQuery{ContactFilter: store.ContactFilter{InstitutionID: v.Inst.ID, Page: model.Page{PerPage: 100}}}
		if v.People, v.PeopleTotal, err = s.svc.Contacts(ctx, a, q); err != nil {
			s.fail(c, err)
			return
		}
	}
	s.render(c, status, "institution_form.html", title, v)
}

func institutionFormFromPost(c *gin.Context, fe model.FieldErrors) institutionRequest {
	return institutionRequest{Country: c.PostForm("country"), Kind: model.InstitutionKind(c.PostForm("kind")),
		Name: c.PostForm("name"), Location: c.PostForm("location"), ParentID: optionalFormID(c, "parent_id", fe)}
}

func (s *Server) institutionNewPage(c *gin.Context) {
	if !actor(c).Can(auth.EditContacts) {
		s.fail(c, model.Forbidden())
		return
	}
	f := institutionRequest{Country: strings.ToUpper(c.Query("country")), Kind: model.InstitutionKind(c.Query("kind"))}
	if id, err := parseID(c.Query("parent_id")); err == nil {
		f.ParentID = &id
	}
	s.institutionFormPage(c, http.StatusOK, "New institution", institutionFormView{Form: f})
}

func (s *Server) institutionPage(c *gin.Context) {
	id, err := idParam(c, "id", "institution")
	var in *model.Institution
	if err == nil {
		in, err = s.svc.Institution(c.Request.Context(), actor(c), id)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	f := institutionRequest{Country: in.CountryISO3, Kind: in.Kind, Name: in.Name, Location: in.Location, ParentID: in.ParentID}
	s.institutionFormPage(c, http.StatusOK, in.Name, institutionFormView{Inst: in, Form: f})
}

func (s *Server) institutionCreate(c *gin.Context) { s.institutionSave(c, false) }

func (s *Server) institutionUpdate(c *gin.Context) { s.institutionSave(c, true) }

func (s *Server) institutionSave(c *gin.Context, update bool) {
	a := actor(c)
	if !a.Can(auth.EditContacts) {
		s.fail(c, model.Forbidden())
		return
	}
	var cur *model.Institution
	if update {
		id, err := idParam(c, "id", "institution")
		if err == nil {
			cur, err = s.svc.Institution(c.Request.Context(), a, id)
		}
		if err != nil {
			s.fail(c, err)
			return
		}
	}
	fe := model.FieldErrors{}
	f := institutionFormFromPost(c, fe)
	err := fe.Err()
	var saved *model.Institution
	if err == nil {
		in := model.Institution{CountryISO3: f.Country, Kind: f.Kind, Name: f.Name, Location: f.Location, ParentID: f.ParentID}
		if cur != nil {
			in.ID = cur.ID
		}
		saved, err = s.svc.SaveInstitution(c.Request.Context(), a, in)
	}
	if err != nil {
		if e, ok := model.AsError(err); ok && e.Code == model.CodeInvalid {
			title := "New institution"
			if cur != nil {
				title = cur.Name
			}
			s.institutionFormPage(c, http.StatusBadRequest, title, institutionFormView{Inst: cur, Form: f, Errors: e.Fields, Message: formMessage(e)})
			return
		}
		s.fail(c, err)
		return
	}
	name := truncateRunes(saved.Name, 60)
	msg := name + " was added."
	if update {
		msg = "Changes to " + name + " saved."
	}
	s.flash(c, msg)
	c.Redirect(http.StatusSeeOther, "/institutions/"+strconv.FormatInt(saved.ID, 10))
}

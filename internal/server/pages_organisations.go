package server

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"ratify/internal/auth"
	"ratify/internal/model"
	"ratify/internal/service"
)

type orgsView struct {
	Orgs   []model.Organisation
	Counts map[int64]int64
}

func (s *Server) orgsPage(c *gin.Context) {
	a := actor(c)
	if !a.Can(auth.ManageUsersAndOrgs) {
		s.fail(c, model.Forbidden())
		return
	}
	orgs, err := s.svc.ListOrganisations(c.Request.Context(), a)
	if err != nil {
		s.fail(c, err)
		return
	}
	counts, err := s.svc.OrganisationUserCounts(c.Request.Context(), a)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "organisations.html", "Organisations", orgsView{Orgs: orgs, Counts: counts})
}

type orgFormView struct {
	Org     *model.Organisation // nil when creating
	Form    model.Organisation
	Errors  map[string]string
	Message string
}

func (s *Server) orgNewPage(c *gin.Context) {
	if !actor(c).Can(auth.ManageUsersAndOrgs) {
		s.fail(c, model.Forbidden())
		return
	}
	s.render(c, http.StatusOK, "organisation_form.html", "New organisation", orgFormView{Form: model.Organisation{Kind: model.OrgNGO}})
}

func orgFromForm(c *gin.Context) model.Organisation {
	return model.Organisation{Name: c.PostForm("name"), ShortName: c.PostForm("short_name"), Kind: model.OrgKind(c.PostForm("kind"))}
}

func (s *Server) orgCreate(c *gin.Context) {
	in := orgFromForm(c)
	o, err := s.svc.CreateOrganisation(c.Request.Context(), actor(c), in)
	if err != nil {
		s.formError(c, err, "organisation_form.html", "New organisation", func(e *model.Error) any {
			return orgFormView{Form: in, Errors: e.Fields, Message: e.Message}
		})
		return
	}
	s.flash(c, o.Name+" is added. You can now create its users.")
	c.Redirect(http.StatusSeeOther, "/admin/organisations")
}

func (s *Server) orgEditPage(c *gin.Context) {
	a := actor(c)
	if !a.Can(auth.ManageUsersAndOrgs) {
		s.fail(c, model.Forbidden())
		return
	}
	id, err := idParam(c, "id", "organisation")
	if err != nil {
		s.fail(c, err)
		return
	}
	o, err := s.svc.GetOrganisation(c.Request.Context(), a, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "organisation_form.html", o.Name, orgFormView{Org: o, Form: *o})
}

func (s *Server) orgUpdate(c *gin.Context) {
	id, err := idParam(c, "id", "organisation")
	if err != nil {
		s.fail(c, err)
		return
	}
	in := orgFromForm(c)
	o, err := s.svc.UpdateOrganisation(c.Request.Context(), actor(c), id, service.OrganisationPatch{Name: &in.Name, ShortName: &in.ShortName, Kind: &in.Kind})
	if err != nil {
		s.formError(c, err, "organisation_form.html", "Edit organisation", func(e *model.Error) any {
			in.ID = id
			return orgFormView{Org: &in, Form: in, Errors: e.Fields, Message: e.Message}
		})
		return
	}
	s.flash(c, "Changes saved.")
	c.Redirect(http.StatusSeeOther, "/admin/organisations/"+strconv.FormatInt(o.ID, 10))
}

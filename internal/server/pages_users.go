package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"ratify/internal/auth"
	"ratify/internal/model"
	"ratify/internal/service"
	"ratify/internal/store"
)

type usersView struct {
	Users  []model.User
	Orgs   []model.Organisation
	Filter store.UserFilter
	Pager  pager
}

func (s *Server) usersPage(c *gin.Context) {
	a := actor(c)
	if !a.Can(auth.ManageUsersAndOrgs) {
		s.fail(c, model.Forbidden())
		return
	}
	f, err := userFilterParams(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	users, total, err := s.svc.ListUsers(c.Request.Context(), a, f)
	if err != nil {
		s.fail(c, err)
		return
	}
	orgs, err := s.svc.ListOrganisations(c.Request.Context(), a)
	if err != nil {
		s.fail(c, err)
		return
	}
	q := url.Values{}
	for _, k := range []string{"q", "role", "organisation_id"} {
		if v := c.Query(k); v != "" {
			q.Set(k, v)
		}
	}
	s.render(c, http.StatusOK, "users.html", "Users", usersView{Users: users, Orgs: orgs, Filter: f, Pager: newPager(f.Page, total, q)})
}

type userFormView struct {
	User        *model.User // nil when creating
	Email, Name string
	Role        model.Role
	OrgID       int64
	Orgs        []model.Organisation
	Errors      map[string]string
	Message     string
	// NewPassword is shown once after a reset or a creation with a generated password.
	NewPassword string
}

func (s *Server) userFormData(c *gin.Context, v userFormView) (userFormView, error) {
	orgs, err := s.svc.ListOrganisations(c.Request.Context(), actor(c))
	v.Orgs = orgs
	return v, err
}

func (s *Server) userNewPage(c *gin.Context) {
	if !actor(c).Can(auth.ManageUsersAndOrgs) {
		s.fail(c, model.Forbidden())
		return
	}
	v, err := s.userFormData(c, userFormView{Role: model.RoleMember})
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "user_form.html", "New user", v)
}

func formID(c *gin.Context, name string) int64 {
	id, _ := strconv.ParseInt(c.PostForm(name), 10, 64)
	return id
}

func (s *Server) userCreate(c *gin.Context) {
	in := service.NewUser{Email: c.PostForm("email"), Name: c.PostForm("name"), Role: model.Role(c.PostForm("role")),
		OrganisationID: formID(c, "organisation_id"), Password: c.PostForm("password")}
	u, pw, err := s.svc.CreateUser(c.Request.Context(), actor(c), in)
	if err != nil {
		s.formError(c, err, "user_form.html", "New user", func(e *model.Error) any {
			v, _ := s.userFormData(c, userFormView{Email: in.Email, Name: in.Name, Role: in.Role, OrgID: in.OrganisationID, Errors: e.Fields, Message: e.Message})
			return v
		})
		return
	}
	if in.Password == "" {
		// The generated password is shown once, on this page, and never stored in clear.
		v, err := s.userFormData(c, userFormView{User: u, Email: u.Email, Name: u.Name, Role: u.Role, OrgID: u.OrganisationID, NewPassword: pw})
		if err != nil {
			s.fail(c, err)
			return
		}
		s.render(c, http.StatusCreated, "user_form.html", "User created", v)
		return
	}
	s.flash(c, fmt.Sprintf("%s can now sign in.", u.Email))
	c.Redirect(http.StatusSeeOther, "/admin/users/"+strconv.FormatInt(u.ID, 10))
}

func (s *Server) userEditPage(c *gin.Context) {
	id, err := idParam(c, "id", "user")
	if err != nil {
		s.fail(c, err)
		return
	}
	u, err := s.svc.GetUser(c.Request.Context(), actor(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.userFormData(c, userFormView{User: u, Email: u.Email, Name: u.Name, Role: u.Role, OrgID: u.OrganisationID})
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "user_form.html", u.Name, v)
}

func (s *Server) userUpdate(c *gin.Context) {
	s.patchUserFromForm(c, func(p *service.UserPatch) {
		email, name, role, org := c.PostForm("email"), c.PostForm("name"), model.Role(c.PostForm("role")), formID(c, "organisation_id")
		p.Email, p.Name, p.Role, p.OrganisationID = &email, &name, &role, &org
	}, "Changes saved.")
}

func (s *Server) userResetPassword(c *gin.Context) {
	s.patchUserFromForm(c, func(p *service.UserPatch) {
		pw := c.PostForm("password")
		p.Password = &pw
	}, "")
}

func (s *Server) userSetActive(c *gin.Context) {
	active := c.PostForm("active") == "true"
	msg := "The user is deactivated and signed out everywhere."
	if active {
		msg = "The user is active again."
	}
	s.patchUserFromForm(c, func(p *service.UserPatch) { p.Active = &active }, msg)
}

func (s *Server) patchUserFromForm(c *gin.Context, fill func(*service.UserPatch), okMsg string) {
	id, err := idParam(c, "id", "user")
	if err != nil {
		s.fail(c, err)
		return
	}
	var p service.UserPatch
	fill(&p)
	u, pw, err := s.svc.UpdateUser(c.Request.Context(), actor(c), id, p)
	if err != nil {
		s.formError(c, err, "user_form.html", "Edit user", func(e *model.Error) any {
			cur, gerr := s.svc.GetUser(c.Request.Context(), actor(c), id)
			if gerr != nil {
				return userFormView{Errors: e.Fields, Message: e.Message}
			}
			v := userFormView{User: cur, Email: cur.Email, Name: cur.Name, Role: cur.Role, OrgID: cur.OrganisationID, Errors: e.Fields, Message: e.Message}
			if p.Email != nil {
				v.Email, v.Name, v.Role, v.OrgID = *p.Email, *p.Name, *p.Role, *p.OrganisationID
			}
			v, _ = s.userFormData(c, v)
			return v
		})
		return
	}
	if p.Password != nil && *p.Password == "" {
		v, err := s.userFormData(c, userFormView{User: u, Email: u.Email, Name: u.Name, Role: u.Role, OrgID: u.OrganisationID, NewPassword: pw})
		if err != nil {
			s.fail(c, err)
			return
		}
		s.render(c, http.StatusOK, "user_form.html", u.Name, v)
		return
	}
	if okMsg == "" {
		okMsg = "The password is reset and the user is signed out everywhere."
	}
	s.flash(c, okMsg)
	c.Redirect(http.StatusSeeOther, "/admin/users/"+strconv.FormatInt(u.ID, 10))
}

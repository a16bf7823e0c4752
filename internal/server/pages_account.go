package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"ratify/internal/model"
	"ratify/internal/service"
)

type homeView struct {
	D     *service.Dashboard
	Map   mapView
	O     *service.OutreachSummary
	Chart barChart
}

// homePage is the dashboard: headline figures per instrument, the map, the
// latest status changes and the priority states.
func (s *Server) homePage(c *gin.Context) {
	a := actor(c)
	d, err := s.svc.Dashboard(c.Request.Context(), a)
	if err != nil {
		s.fail(c, err)
		return
	}
	stages, err := s.svc.Stages(c.Request.Context(), a)
	if err != nil {
		s.fail(c, err)
		return
	}
	m, err := s.buildMap(d.Table, c.DefaultQuery("by", "ICRMW"), stages)
	if err != nil {
		s.fail(c, err)
		return
	}
	o, err := s.svc.DashboardOutreach(c.Request.Context(), a, d)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "home.html", "Dashboard", homeView{D: d, Map: m, O: o, Chart: monthChart(o.Months)})
}

type accountView struct {
	Name string
	// Calendar is the personal follow-up feed address, once created.
	Calendar  string
	Errors    map[string]string
	Message   string
	PwMessage string
}

func (s *Server) accountPage(c *gin.Context) {
	s.render(c, http.StatusOK, "account.html", "Your account", accountView{Name: actor(c).User.Name, Calendar: s.calendarURL(c)})
}

func (s *Server) accountName(c *gin.Context) {
	name := c.PostForm("name")
	if err := s.svc.UpdateOwnName(c.Request.Context(), actor(c), name); err != nil {
		s.formError(c, err, "account.html", "Your account", func(e *model.Error) any {
			return accountView{Name: name, Errors: e.Fields, Message: e.Message, Calendar: s.calendarURL(c)}
		})
		return
	}
	s.flash(c, "Your name is saved.")
	c.Redirect(http.StatusSeeOther, "/account")
}

func (s *Server) accountPassword(c *gin.Context) {
	a := actor(c)
	cur, next, confirm := c.PostForm("current_password"), c.PostForm("new_password"), c.PostForm("confirm_password")
	var err error
	if next != confirm {
		err = &model.Error{Code: model.CodeInvalid, Message: "please correct the highlighted fields",
			Fields: map[string]string{"confirm_password": "the two new passwords differ"}}
	} else {
		err = s.svc.ChangeOwnPassword(c.Request.Context(), a, cur, next)
	}
	if err != nil {
		s.formError(c, err, "account.html", "Your account", func(e *model.Error) any {
			return accountView{Name: a.User.Name, Errors: e.Fields, PwMessage: e.Message, Calendar: s.calendarURL(c)}
		})
		return
	}
	// The change revoked every session, this one too; sign this browser in again.
	sess, err := s.svc.ReissueSession(c.Request.Context(), a.User.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.setSessionCookie(c, sess)
	s.flash(c, "Your password is changed. Other devices have been signed out.")
	c.Redirect(http.StatusSeeOther, "/account")
}

// formError re-renders a form with the user's input and a message per field
// for input errors, and falls back to the error page for everything else.
func (s *Server) formError(c *gin.Context, err error, page, title string, data func(*model.Error) any) {
	e, ok := model.AsError(err)
	if !ok || (e.Code != model.CodeInvalid && e.Code != model.CodeConflict) {
		s.fail(c, err)
		return
	}
	s.render(c, statusFor(e.Code), page, title, data(e))
}

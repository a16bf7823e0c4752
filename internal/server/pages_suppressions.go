package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"ratify/internal/model"
)

type suppressionsView struct {
	Items   []model.Suppression
	Query   string
	Pager   pager
	Email   string
	Note    string
	Errors  map[string]string
	Message string
}

// suppressionsPage lists the suppressed addresses with a search as you type.
func (s *Server) suppressionsPage(c *gin.Context) {
	v, err := s.suppressionsData(c, suppressionsView{Query: strings.TrimSpace(c.Query("q"))})
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "suppressions.html", "Suppression list", v)
}

func (s *Server) suppressionsData(c *gin.Context, v suppressionsView) (suppressionsView, error) {
	p, err := pageParams(c)
	if err != nil {
		return v, err
	}
	items, total, err := s.svc.Suppressions(c.Request.Context(), actor(c), v.Query, p)
	if err != nil {
		return v, err
	}
	q := url.Values{}
	if v.Query != "" {
		q.Set("q", v.Query)
	}
	v.Items, v.Pager = items, newPager(p, total, q)
	return v, nil
}

func (s *Server) suppressionAdd(c *gin.Context) {
	email, note := c.PostForm("email"), c.PostForm("note")
	sup, err := s.svc.AddSuppression(c.Request.Context(), actor(c), email, note)
	if err != nil {
		s.formError(c, err, "suppressions.html", "Suppression list", func(e *model.Error) any {
			v, lerr := s.suppressionsData(c, suppressionsView{Email: email, Note: note, Errors: e.Fields, Message: e.Message})
			if lerr != nil {
				logger(c).Warn("suppression list", "err", lerr)
			}
			return v
		})
		return
	}
	s.flash(c, sup.Email+" is on the suppression list: no campaign will mail it.")
	c.Redirect(http.StatusSeeOther, "/suppressions")
}

// suppressionRemove is the second step of the row's "Remove…" control.
func (s *Server) suppressionRemove(c *gin.Context) {
	id, err := idParam(c, "id", "suppression")
	if err == nil {
		err = s.svc.RemoveSuppression(c.Request.Context(), actor(c), id)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.flash(c, "The address is off the suppression list; campaigns may mail it again.")
	c.Redirect(http.StatusSeeOther, "/suppressions")
}

type sendersView struct {
	Senders []model.SenderIdentity
	Orgs    map[int64]*model.Organisation
	Form    model.SenderIdentity
	Errors  map[string]string
	Message string
	// OrgID and Admin decide which senders the viewer may edit.
	OrgID int64
	Admin bool
}

// Org is a sender's organisation, or nil.
func (v sendersView) Org(id int64) *model.Organisation { return v.Orgs[id] }

// CanEdit mirrors SaveSender: one's own organisation's senders, or any for an admin.
func (v sendersView) CanEdit(si model.SenderIdentity) bool {
	return v.Admin || si.OrganisationID == v.OrgID
}

func (s *Server) sendersData(c *gin.Context, v sendersView) (sendersView, error) {
	ctx, a := c.Request.Context(), actor(c)
	var err error
	if v.Senders, err = s.svc.Senders(ctx, a); err != nil {
		return v, err
	}
	orgs, err := s.svc.ListOrganisations(ctx, a)
	if err != nil {
		return v, err
	}
	v.Orgs = map[int64]*model.Organisation{}
	for i := range orgs {
		v.Orgs[orgs[i].ID] = &orgs[i]
	}
	v.OrgID, v.Admin = a.User.OrganisationID, a.User.Role == model.RoleAdmin
	return v, nil
}

func (s *Server) sendersPage(c *gin.Context) {
	v, err := s.sendersData(c, sendersView{})
	if err != nil {
		s.fail(c, err)
		return
	}
	if x := c.Query("edit"); x != "" {
		id, _ := strconv.ParseInt(x, 10, 64)
		found := false
		for _, si := range v.Senders {
			if si.ID == id && v.CanEdit(si) {
				v.Form, found = si, true
			}
		}
		if !found {
			s.fail(c, model.NotFound("sender identity"))
			return
		}
	}
	s.render(c, http.StatusOK, "senders.html", "Sender identities", v)
}

func (s *Server) senderSave(c *gin.Context) {
	fe := model.FieldErrors{}
	si := model.SenderIdentity{Name: c.PostForm("name"), Email: c.PostForm("email"), ReplyTo: c.PostForm("reply_to")}
	if id := optionalFormID(c, "id", fe); id != nil {
		si.ID = *id
	}
	err := fe.Err()
	var saved *model.SenderIdentity
	if err == nil {
		saved, err = s.svc.SaveSender(c.Request.Context(), actor(c), si)
	}
	if err != nil {
		s.formError(c, err, "senders.html", "Sender identities", func(e *model.Error) any {
			v, lerr := s.sendersData(c, sendersView{Form: si, Errors: e.Fields, Message: e.Message})
			if lerr != nil {
				logger(c).Warn("senders", "err", lerr)
			}
			return v
		})
		return
	}
	s.flash(c, fmt.Sprintf("Sender “%s <%s>” saved.", saved.Name, saved.Email))
	c.Redirect(http.StatusSeeOther, "/senders")
}

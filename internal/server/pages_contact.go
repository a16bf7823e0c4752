package server

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"ratify/internal/auth"
	"ratify/internal/model"
	"ratify/internal/service"
	"ratify/internal/store"
)

// contactPageView is one contact with their posts, outreach timeline, open
// follow-ups and look-alikes.
type contactPageView struct {
	C              *model.Contact
	Current, Past  []model.Position
	Outreach       []model.Outreach
	OutreachPager  pager
	Followups      []model.Followup
	FollowupsTotal int64
	Duplicates     []service.Duplicate
	Institutions   []model.Institution
	Today          time.Time
	CanEdit        bool
	CanCoordinate  bool
	CanLog         bool
	CanFollowUp    bool
	// The position form shown again after a mistake: PosID is 0 for a new post.
	PosID      int64
	PosForm    positionRequest
	PosErrors  map[string]string
	PosMessage string
}

// Overdue reports whether an open follow-up is past its due date.
func (v contactPageView) Overdue(f model.Followup) bool { return f.Overdue(v.Today) }

// PageURL links to page n of the outreach timeline.
func (v contactPageView) PageURL(n int) string {
	return "/contacts/" + strconv.FormatInt(v.C.ID, 10) + v.OutreachPager.URL(n) + "#outreach"
}

// Others names the other people in an outreach record, removed ones as such.
func (v contactPageView) Others(o model.Outreach) []string {
	var out []string
	for _, oc := range o.Contacts {
		if oc.ContactID == v.C.ID || oc.Contact == nil {
			continue
		}
		if oc.Contact.Removed() {
			out = append(out, "removed contact")
		} else {
			out = append(out, oc.Contact.FullName())
		}
	}
	return out
}

// Editing reports whether the form for position id is shown again.
func (v contactPageView) Editing(id int64) bool { return v.PosErrors != nil && v.PosID == id }

func positionFormOf(p model.Position) positionRequest {
	f := positionRequest{InstitutionID: p.InstitutionID, Title: p.Title}
	if p.StartDate != nil {
		f.StartDate = p.StartDate.UTC().Format("2006-01-02")
	}
	if p.EndDate != nil {
		f.EndDate = p.EndDate.UTC().Format("2006-01-02")
	}
	return f
}

// PosFormOf is the edit form of a post: what was typed when it is shown
// again, else the post as saved.
func (v contactPageView) PosFormOf(p model.Position) positionRequest {
	if v.Editing(p.ID) {
		return v.PosForm
	}
	return positionFormOf(p)
}

func (s *Server) contactPageData(c *gin.Context, id int64) (contactPageView, error) {
	a := actor(c)
	ctx := c.Request.Context()
	ct, err := s.svc.Contact(ctx, a, id)
	if err != nil {
		return contactPageView{}, err
	}
	now := time.Now().UTC()
	v := contactPageView{C: ct, Today: now.Truncate(24 * time.Hour), CanEdit: a.Can(auth.EditContacts),
		CanCoordinate: a.Can(auth.AssignFollowups), CanLog: a.Can(auth.LogOutreach), CanFollowUp: a.Can(auth.OwnFollowups)}
	for _, p := range ct.Positions {
		if p.Current(now) {
			v.Current = append(v.Current, p)
		} else {
			v.Past = append(v.Past, p)
		}
	}
	p, err := pageParams(c)
	if err != nil {
		p = model.Page{}
	}
	if c.Query("per_page") == "" {
		p.PerPage = 20
	}
	var total int64
	if v.Outreach, total, err = s.svc.ListOutreach(ctx, a, store.OutreachFilter{ContactID: id, Page: p}); err != nil {
		return v, err
	}
	q := url.Values{}
	if c.Query("per_page") != "" {
		q.Set("per_page", strconv.Itoa(p.PerPage))
	}
	v.OutreachPager = newPager(p, total, q)
	if v.Followups, v.FollowupsTotal, err = s.svc.ListFollowups(ctx, a, store.FollowupFilter{ContactID: id, Status: model.FollowupOpen,
		Page: model.Page{PerPage: 50}}); err != nil {
		return v, err
	}
	if v.Duplicates, err = s.svc.ContactDuplicates(ctx, a, id); err != nil {
		return v, err
	}
	if v.CanEdit {
		if v.Institutions, err = s.positionChoices(c, ct); err != nil {
			return v, err
		}
	}
	return v, nil
}

// positionChoices lists the institutions a post can be in: those of the
// contact's country, and any the contact already holds a post in.
func (s *Server) positionChoices(c *gin.Context, ct *model.Contact) ([]model.Institution, error) {
	f := store.InstitutionFilter{Page: model.Page{PerPage: model.MaxPerPage}}
	if ct.CountryISO3 != nil {
		f.Country = *ct.CountryISO3
	}
	list, _, err := s.svc.Institutions(c.Request.Context(), actor(c), f)
	if err != nil {
		return nil, err
	}
	have := map[int64]bool{}
	for _, in := range list {
		have[in.ID] = true
	}
	for _, p := range ct.Positions {
		if p.Institution != nil && !have[p.InstitutionID] {
			have[p.InstitutionID] = true
			list = append(list, *p.Institution)
		}
	}
	return list, nil
}

func (s *Server) contactPage(c *gin.Context) {
	id, err := idParam(c, "id", "contact")
	if err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.contactPageData(c, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "contact.html", v.C.FullName(), v)
}

func positionFromPost(c *gin.Context) positionRequest {
	return positionRequest{InstitutionID: formID(c, "institution_id"), Title: c.PostForm("title"),
		StartDate: c.PostForm("start_date"), EndDate: c.PostForm("end_date")}
}

func (s *Server) contactAddPosition(c *gin.Context) { s.savePositionForm(c, false) }

func (s *Server) contactUpdatePosition(c *gin.Context) { s.savePositionForm(c, true) }

// savePositionForm adds or changes a post; a mistake shows the contact page
// again with the form as typed and the errors beside its fields.
func (s *Server) savePositionForm(c *gin.Context, update bool) {
	a := actor(c)
	if !a.Can(auth.EditContacts) {
		s.fail(c, model.Forbidden())
		return
	}
	id, err := idParam(c, "id", "contact")
	if err != nil {
		s.fail(c, err)
		return
	}
	var pid int64
	if update {
		if pid, err = idParam(c, "pid", "position"); err != nil {
			s.fail(c, err)
			return
		}
	}
	form := positionFromPost(c)
	in, err := form.input()
	if err == nil {
		if update {
			_, err = s.svc.UpdatePosition(c.Request.Context(), a, id, pid, in)
		} else {
			_, err = s.svc.AddPosition(c.Request.Context(), a, id, in)
		}
	}
	if err != nil {
		e, ok := model.AsError(err)
		if !ok || e.Code != model.CodeInvalid {
			s.fail(c, err)
			return
		}
		v, verr := s.contactPageData(c, id)
		if verr != nil {
			s.fail(c, verr)
			return
		}
		v.PosID, v.PosForm, v.PosErrors, v.PosMessage = pid, form, e.Fields, formMessage(e)
		if v.PosErrors == nil {
			v.PosErrors = map[string]string{}
		}
		s.render(c, http.StatusBadRequest, "contact.html", v.C.FullName(), v)
		return
	}
	msg := "Post added."
	if update {
		msg = "Post updated."
	}
	s.flash(c, msg)
	c.Redirect(http.StatusSeeOther, "/contacts/"+strconv.FormatInt(id, 10)+"#positions")
}

// Short cuts a long text for the timeline; the record holds it whole.
func (contactPageView) Short(s string) string {
	r := []rune(s)
	if len(r) <= 280 {
		return s
	}
	return string(r[:280]) + "…"
}

// NewPosForm is the add-a-post form: as typed after a mistake, else empty.
func (v contactPageView) NewPosForm() positionRequest {
	if v.PosID == 0 {
		return v.PosForm
	}
	return positionRequest{}
}

// NewPosErrors are the add-a-post form's errors, if it was the one sent.
func (v contactPageView) NewPosErrors() map[string]string {
	if v.PosID == 0 {
		return v.PosErrors
	}
	return nil
}

// MoreFollowups is how many open follow-ups are not listed.
func (v contactPageView) MoreFollowups() int64 { return v.FollowupsTotal - int64(len(v.Followups)) }

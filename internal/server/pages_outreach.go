package server

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"ratify/internal/auth"
	"ratify/internal/model"
	"ratify/internal/service"
	"ratify/internal/store"
)

type outreachListView struct {
	Items       []model.Outreach
	Filter      store.OutreachFilter
	From, To    string // as typed, to show them again
	Countries   []model.Country
	Regions     map[string][]string
	Orgs        []model.Organisation
	Instruments []model.Instrument
	Pager       pager
	Query       url.Values
}

// CSVURL exports exactly the records of the filter.
func (v outreachListView) CSVURL() string { return "/outreach.csv?" + v.Query.Encode() }

// Filtered reports whether any filter is set, for the empty state.
func (v outreachListView) Filtered() bool { return len(v.Query) > 0 }

// Types and Outcomes feed the menus.
func (outreachListView) Types() []model.OutreachType { return model.OutreachTypes }

// Outcomes feeds the outcome menu.
func (outreachListView) Outcomes() []model.Outcome { return model.Outcomes }

// Excerpt shortens a summary to its first line of at most n characters.
func (outreachListView) Excerpt(s string, n int) string { return excerpt(s, n) }

func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n])) + "…"
}

func (s *Server) outreachListPage(c *gin.Context) {
	a := actor(c)
	ctx := c.Request.Context()
	f, err := outreachFilterParams(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	items, total, err := s.svc.ListOutreach(ctx, a, f)
	if err != nil {
		s.fail(c, err)
		return
	}
	v := outreachListView{Items: items, Filter: f, From: c.Query("from"), To: c.Query("to"), Query: url.Values{}}
	for _, k := range []string{"country", "region", "type", "organisation_id", "instrument", "outcome", "from", "to", "visibility", "contact_id"} {
		if x := c.Query(k); x != "" {
			v.Query.Set(k, x)
		}
	}
	v.Pager = newPager(f.Page, total, v.Query)
	if v.Countries, err = s.svc.CountryList(ctx, a); err == nil {
		if v.Regions, err = s.svc.Regions(ctx, a); err == nil {
			if v.Orgs, err = s.svc.ListOrganisations(ctx, a); err == nil {
				v.Instruments, err = s.svc.Instruments(ctx, a)
			}
		}
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "outreach_list.html", "Outreach", v)
}

type outreachPageView struct {
	O         *model.Outreach
	CanEdit   bool
	Followups []model.Followup
}

func (s *Server) loadOutreach(c *gin.Context) (*model.Outreach, bool) {
	id, err := idParam(c, "id", "outreach")
	if err != nil {
		s.fail(c, err)
		return nil, false
	}
	o, err := s.svc.GetOutreach(c.Request.Context(), actor(c), id)
	if err != nil {
		s.fail(c, err)
		return nil, false
	}
	return o, true
}

func (s *Server) outreachPage(c *gin.Context) {
	o, ok := s.loadOutreach(c)
	if !ok {
		return
	}
	a := actor(c)
	fs, _, err := s.svc.ListFollowups(c.Request.Context(), a, store.FollowupFilter{OutreachID: o.ID, Page: model.Page{PerPage: 50}})
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "outreach.html", o.Type.Label()+" on "+formatDate(o.Date), outreachPageView{O: o, CanEdit: a.CanEditOutreach(o), Followups: fs})
}

func (s *Server) outreachDeletePage(c *gin.Context) {
	o, ok := s.loadOutreach(c)
	if !ok {
		return
	}
	if !actor(c).CanEditOutreach(o) {
		s.fail(c, &model.Error{Code: model.CodeForbidden, Message: "only the organisation that logged this record can delete it"})
		return
	}
	s.render(c, http.StatusOK, "outreach_confirm.html", "Delete outreach", outreachPageView{O: o, CanEdit: true})
}

func (s *Server) outreachDeleteSubmit(c *gin.Context) {
	o, ok := s.loadOutreach(c) // a record the user cannot see is not found, whatever their role
	if !ok {
		return
	}
	if err := s.svc.DeleteOutreach(c.Request.Context(), actor(c), o.ID); err != nil {
		s.fail(c, err)
		return
	}
	s.flash(c, "The outreach record is deleted.")
	c.Redirect(http.StatusSeeOther, "/outreach")
}

// contactPickerView is the picker's matches: buttons inside the outreach
// form (htmx), links to a prefilled form on the plain page.
type contactPickerView struct {
	Query     string
	Country   string
	Contacts  []model.Contact
	More      bool
	CanCreate bool
	// Chosen marks the matches already in the form. They stay in the list,
	// marked, so that an answer that lands after the user added someone by
	// keyboard still holds the button that had the focus (htmx gives the
	// focus back to the element of the same id).
	Chosen map[int64]bool
}

// contactPicker searches contacts as the user types, accent-insensitively,
// marking those already chosen. With no words it suggests the people of the
// chosen country.
func (s *Server) contactPicker(c *gin.Context) {
	a := actor(c)
	q := strings.TrimSpace(c.Query("q"))
	country := strings.ToUpper(strings.TrimSpace(c.Query("country")))
	chosen := queryIDs(c.QueryArray("contact_ids"))
	v := contactPickerView{Query: q, Country: country, CanCreate: a.Can(auth.EditContacts), Chosen: map[int64]bool{}}
	for _, id := range chosen {
		v.Chosen[id] = true
	}
	if q != "" || country != "" {
		cq := service.ContactQuery{Text: q, ContactFilter: store.ContactFilter{Page: model.Page{PerPage: 12}}}
		if q == "" {
			cq.Country = country
		}
		cs, total, err := s.svc.Contacts(c.Request.Context(), a, cq)
		if err != nil {
			s.fail(c, err)
			return
		}
		v.Contacts = cs
		v.More = total > int64(len(cs))
	}
	s.render(c, http.StatusOK, "contact_picker.html", "Find a contact", v)
}

// contactPickerChip answers one chosen contact as a chip for the form; a
// contact already chosen answers nothing, so a second click adds no twin.
func (s *Server) contactPickerChip(c *gin.Context) {
	x := c.Query("id")
	if x == "" {
		x = c.Query("add_contact")
	}
	id, err := parseID(x)
	if err != nil {
		s.fail(c, model.NotFound("contact"))
		return
	}
	if slices.Contains(queryIDs(c.QueryArray("contact_ids")), id) {
		c.Data(http.StatusOK, "text/html; charset=utf-8", nil)
		return
	}
	ct, err := s.svc.Contact(c.Request.Context(), actor(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.renderPart(c, "outreach_form.html", "contact-chip", ct)
}

// contactPickerNone answers an empty body: a chip's Remove button swaps
// the chip for it, which removes the chip without any script of ours.
func (s *Server) contactPickerNone(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "text/html; charset=utf-8", nil)
}

// queryIDs keeps the well-formed ids of a list and drops the rest.
func queryIDs(vals []string) []int64 {
	var out []int64
	for _, v := range vals {
		if id, err := parseID(v); err == nil && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// renderPart renders one named template of a page's set with data as its
// dot, without the layout: a fragment for htmx to swap in.
func (s *Server) renderPart(c *gin.Context, page, name string, data any) {
	t, ok := s.pages.sets[page]
	if !ok {
		s.fail(c, fmt.Errorf("no page template %q", page))
		return
	}
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, name, data); err != nil {
		logger(c).Error("render", "page", page, "part", name, "err", err)
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("page could not be rendered"))
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(b.String()))
}

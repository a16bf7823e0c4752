package server

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"ratify/internal/auth"
	"ratify/internal/model"
	"ratify/internal/service"
	"ratify/internal/store"
)

var followupPriorities = []model.FollowupPriority{model.FollowupHigh, model.FollowupNormal, model.FollowupLow}

// followupGroup is one heading of a follow-up list and its rows.
type followupGroup struct {
	Title string
	ID    string
	Items []model.Followup
}

type followupsView struct {
	All   bool // the coordinators' view of everyone's follow-ups
	Mine  []followupGroup
	Today time.Time
	// The "all" view.
	Groups    []followupGroup
	Total     int64
	Assignee  int64
	Country   string
	Status    string
	GroupBy   string
	Assignees []model.User
	Countries []model.Country
	Pager     pager
	Here      string // this page's address, where a reassignment returns
}

// Overdue reports whether an open follow-up is past due.
func (v followupsView) Overdue(f model.Followup) bool { return f.Overdue(v.Today) }

func (s *Server) followupsPage(c *gin.Context) {
	a := actor(c)
	v := followupsView{Today: s.svc.Today(), All: c.Query("view") == "all"}
	if !v.All {
		g, err := s.svc.MyFollowups(c.Request.Context(), a)
		if err != nil {
			s.fail(c, err)
			return
		}
		v.Mine = []followupGroup{{"Overdue", "overdue", g.Overdue}, {"Today", "today", g.Today},
			{"This week", "this-week", g.ThisWeek}, {"Later", "later", g.Later}}
		s.render(c, http.StatusOK, "followups.html", "Follow-ups", v)
		return
	}
	if !a.Can(auth.AssignFollowups) {
		s.fail(c, model.Forbidden())
		return
	}
	f, err := s.allFollowupsView(c, &v)
	if err != nil {
		s.fail(c, err)
		return
	}
	fs, total, err := s.svc.ListFollowups(c.Request.Context(), a, f)
	if err != nil {
		s.fail(c, err)
		return
	}
	v.Total, v.Pager.Total = total, total
	v.Groups = groupFollowups(fs, v.GroupBy)
	s.render(c, http.StatusOK, "followups.html", "All follow-ups", v)
}

// allFollowupsView reads the filters of the coordinators' view: assignee,
// country, status (open by default, or any) and grouping.
func (s *Server) allFollowupsView(c *gin.Context, v *followupsView) (store.FollowupFilter, error) {
	ctx := c.Request.Context()
	a := actor(c)
	p, err := pageParams(c)
	if err != nil {
		return store.FollowupFilter{}, err
	}
	f := store.FollowupFilter{Page: model.Page{Number: p.Number, PerPage: model.MaxPerPage}}
	fe := model.FieldErrors{}
	q := url.Values{"view": {"all"}}
	if x := c.Query("assignee"); x != "" {
		if f.AssigneeID, err = parseID(x); err != nil {
			fe.Add("assignee", "choose a person from the list")
		}
		q.Set("assignee", x)
	}
	v.Assignee = f.AssigneeID
	v.Country = strings.ToUpper(c.Query("country"))
	if v.Country != "" {
		if len(v.Country) != 3 || !model.PlainLine(v.Country) {
			fe.Add("country", "an ISO3 code")
		}
		f.Country = v.Country
		q.Set("country", v.Country)
	}
	switch v.Status = c.DefaultQuery("status", "open"); v.Status {
	case "any":
		q.Set("status", "any")
	case "open", "done", "cancelled":
		f.Status = model.FollowupStatus(v.Status)
		if v.Status != "open" {
			q.Set("status", v.Status)
		}
	default:
		fe.Add("status", "choose open, done, cancelled or any")
	}
	switch v.GroupBy = c.DefaultQuery("group", "assignee"); v.GroupBy {
	case "assignee", "country", "none":
		q.Set("group", v.GroupBy)
	default:
		fe.Add("group", "group by assignee, country or none")
	}
	if err := fe.Err(); err != nil {
		return f, err
	}
	if v.Assignees, err = s.svc.FollowupAssignees(ctx, a); err != nil {
		return f, err
	}
	if v.Countries, err = s.svc.CountryList(ctx, a); err != nil {
		return f, err
	}
	v.Pager = newPager(f.Page, 0, q)
	v.Here = "/followups?" + q.Encode()
	return f, nil
}

// groupFollowups keeps the due-date order inside each group and orders
// the groups by name.
func groupFollowups(fs []model.Followup, by string) []followupGroup {
	if by == "none" {
		return []followupGroup{{Title: "", ID: "all", Items: fs}}
	}
	var out []followupGroup
	for _, f := range fs {
		key := "No country"
		if by == "assignee" {
			key = "Unassigned"
			if f.Assignee != nil {
				key = f.Assignee.Name
			}
		} else if f.Country != nil {
			key = f.Country.Name
		}
		i := slices.IndexFunc(out, func(g followupGroup) bool { return g.Title == key })
		if i < 0 {
			out = append(out, followupGroup{Title: key, ID: "g" + strconv.Itoa(len(out)+1)})
			i = len(out) - 1
		}
		out[i].Items = append(out[i].Items, f)
	}
	slices.SortStableFunc(out, func(a, b followupGroup) int { return strings.Compare(a.Title, b.Title) })
	return out
}

type followupFormView struct {
	Followup   *model.Followup // nil when creating
	Title      string
	Details    string
	DueDate    string
	Priority   model.FollowupPriority
	AssigneeID int64
	Country    string
	ContactID  int64
	OutreachID int64
	Next       string
	Outreach   *model.Outreach
	Assignees  []model.User // empty: only the actor
	Countries  []model.Country
	Contacts   []model.Contact
	CanEdit    bool
	Errors     map[string]string
	Message    string
}

// Priorities feeds the priority menu.
func (followupFormView) Priorities() []model.FollowupPriority { return followupPriorities }

// PriorityLabel names a priority for people.
func (followupFormView) PriorityLabel(p model.FollowupPriority) string { return priorityLabel(p) }

// PriorityLabel names a priority for people.
func (followupsView) PriorityLabel(p model.FollowupPriority) string { return priorityLabel(p) }

func priorityLabel(p model.FollowupPriority) string {
	if p == "" {
		return ""
	}
	return strings.ToUpper(string(p[:1])) + string(p[1:])
}

// followupFormData loads the menus: assignees for coordinators, countries,
// and the people of the chosen country plus the one linked.
func (s *Server) followupFormData(c *gin.Context, v followupFormView) (followupFormView, error) {
	a := actor(c)
	ctx := c.Request.Context()
	var err error
	if a.Can(auth.AssignFollowups) {
		if v.Assignees, err = s.svc.FollowupAssignees(ctx, a); err != nil {
			return v, err
		}
	}
	if v.Countries, err = s.svc.CountryList(ctx, a); err != nil {
		return v, err
	}
	v.Contacts = nil
	if len(v.Country) == 3 {
		cs, _, err := s.svc.Contacts(ctx, a, service.ContactQuery{ContactFilter: store.ContactFilter{Country: v.Country, Page: model.Page{PerPage: model.MaxPerPage}}})
		if err != nil {
			return v, err
		}
		v.Contacts = cs
	}
	if v.ContactID > 0 && !slices.ContainsFunc(v.Contacts, func(ct model.Contact) bool { return ct.ID == v.ContactID }) {
		if ct, err := s.svc.Contact(ctx, a, v.ContactID); err == nil {
			v.Contacts = append([]model.Contact{*ct}, v.Contacts...)
		}
	}
	if v.OutreachID > 0 && v.Outreach == nil {
		if o, err := s.svc.GetOutreach(ctx, a, v.OutreachID); err == nil {
			v.Outreach = o
		}
	}
	return v, nil
}

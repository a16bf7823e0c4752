package server

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"ratify/internal/auth"
	"ratify/internal/model"
	"ratify/internal/service"
	"ratify/internal/store"
)

// outreachForm is the quick log form as the person typed it.
type outreachForm struct {
	Type        model.OutreachType
	Date        string
	Country     string
	Instruments []string
	ContactIDs  []int64
	Summary     string
	Outcome     model.Outcome
	NextSteps   string
	Visibility  model.Visibility
}

type outreachFormView struct {
	Outreach *model.Outreach // nil when logging new
	Form     outreachForm
	// Chosen are the people of the record, shown as chips.
	Chosen []*model.Contact
	// Nearby are the other people of the chosen country: the plain-HTML
	// multi-select, and the picker's first suggestions.
	Nearby       []model.Contact
	Countries    []model.Country
	Instruments  []model.Instrument
	Today        string
	FromFollowup *model.Followup
	Errors       map[string]string
	Message      string
	// PeopleFocus: the form came back after a person was added or removed
	// without a script (or before the page's script had taken over the
	// button); the focus goes back to the people search, not the first field.
	PeopleFocus bool
}

// Types feeds the type menu.
func (outreachFormView) Types() []model.OutreachType { return model.OutreachTypes }

// Outcomes feeds the outcome menu.
func (outreachFormView) Outcomes() []model.Outcome { return model.Outcomes }

// HasInstrument reports whether the record concerns the instrument.
func (v outreachFormView) HasInstrument(code string) bool {
	return slices.Contains(v.Form.Instruments, code)
}

// Suggestions are the first people of the chosen country, offered before
// anything is typed.
func (v outreachFormView) Suggestions() []model.Contact { return v.Nearby[:min(len(v.Nearby), 8)] }

// PlainSize is the height of the plain-HTML multi-select.
func (v outreachFormView) PlainSize() int { return max(2, min(len(v.Nearby), 8)) }

// Action is where the form posts.
func (v outreachFormView) Action() string {
	if v.Outreach != nil {
		return "/outreach/" + strconv.FormatInt(v.Outreach.ID, 10)
	}
	return "/outreach"
}

func formOfOutreach(o *model.Outreach) outreachForm {
	f := outreachForm{Type: o.Type, Date: o.Date.UTC().Format("2006-01-02"), Instruments: o.InstrumentCodes(),
		ContactIDs: o.ContactIDs(), Summary: o.Summary, Outcome: o.Outcome, NextSteps: o.NextSteps, Visibility: o.Visibility}
	if o.CountryISO3 != nil {
		f.Country = *o.CountryISO3
	}
	return f
}

// outreachFormData loads the menus, the chosen people and the country's people.
func (s *Server) outreachFormData(c *gin.Context, v outreachFormView) (outreachFormView, error) {
	a := actor(c)
	ctx := c.Request.Context()
	v.Today = s.svc.Today().Format("2006-01-02")
	var err error
	if v.Countries, err = s.svc.CountryList(ctx, a); err != nil {
		return v, err
	}
	if v.Instruments, err = s.svc.Instruments(ctx, a); err != nil {
		return v, err
	}
	v.Chosen = nil
	if len(v.Form.ContactIDs) > 0 {
		cs, _, err := s.svc.Contacts(ctx, a, service.ContactQuery{ContactFilter: store.ContactFilter{IDs: v.Form.ContactIDs, Page: model.Page{PerPage: model.MaxPerPage}}})
		if err != nil {
			return v, err
		}
		for _, id := range v.Form.ContactIDs { // in the order they were added
			for _, ct := range cs {
				if ct.ID == id {
					v.Chosen = append(v.Chosen, &ct)
				}
			}
		}
	}
	v.Nearby = nil
	if len(v.Form.Country) == 3 {
		cs, _, err := s.svc.Contacts(ctx, a, service.ContactQuery{ContactFilter: store.ContactFilter{Country: v.Form.Country, Page: model.Page{PerPage: model.MaxPerPage}}})
		if err != nil {
			return v, err
		}
		for _, ct := range cs {
			if !slices.Contains(v.Form.ContactIDs, ct.ID) {
				v.Nearby = append(v.Nearby, ct)
			}
		}
	}
	return v, nil
}

// outreachNewPage is the quick log form. ?country=, ?contact= and
// ?followup= prefill it; the date defaults to today and the country to the
// contact's.
func (s *Server) outreachNewPage(c *gin.Context) {
	a := actor(c)
	ctx := c.Request.Context()
	if !a.Can(auth.LogOutreach) {
		s.fail(c, model.Forbidden())
		return
	}
	v := outreachFormView{Form: outreachForm{Type: model.OutreachMeeting, Date: s.svc.Today().Format("2006-01-02"),
		Outcome: model.OutcomeUnknown, Visibility: model.VisibleCoalition}}
	v.Form.Country = strings.ToUpper(strings.TrimSpace(c.Query("country")))
	contactID := c.Query("contact")
	if x := c.Query("followup"); x != "" {
		id, err := parseID(x)
		if err != nil {
			s.fail(c, model.NotFound("follow-up"))
			return
		}
		f, err := s.svc.GetFollowup(ctx, a, id)
		if err != nil {
			s.fail(c, err)
			return
		}
		v.FromFollowup = f
		v.Form.Summary = f.Title
		if f.Outcome != "" {
			v.Form.Summary += "\n\n" + f.Outcome
		}
		if f.CountryISO3 != nil && v.Form.Country == "" {
			v.Form.Country = *f.CountryISO3
		}
		if f.ContactID != nil && contactID == "" {
			contactID = strconv.FormatInt(*f.ContactID, 10)
		}
		if f.Visibility == model.VisibleOrganisation {
			v.Form.Visibility = model.VisibleOrganisation
		}
	}
	if contactID != "" {
		id, err := parseID(contactID)
		if err != nil {
			s.fail(c, model.NotFound("contact"))
			return
		}
		ct, err := s.svc.Contact(ctx, a, id)
		if err != nil {
			s.fail(c, err)
			return
		}
		v.Form.ContactIDs = []int64{ct.ID}
		if v.Form.Country == "" && ct.CountryISO3 != nil {
			v.Form.Country = *ct.CountryISO3
		}
	}
	v, err := s.outreachFormData(c, v)
	if err != nil {
		s.fail(c, err)
		return
	}
	if !slices.ContainsFunc(v.Countries, func(x model.Country) bool { return x.ISO3 == v.Form.Country }) {
		v.Form.Country = "" // an unknown code in the address prefills nothing
	}
	s.render(c, http.StatusOK, "outreach_form.html", "Log outreach", v)
}

func (s *Server) outreachEditPage(c *gin.Context) {
	o, ok := s.loadOutreach(c)
	if !ok {
		return
	}
	if !actor(c).CanEditOutreach(o) {
		s.fail(c, &model.Error{Code: model.CodeForbidden, Message: "only the organisation that logged this record can change it"})
		return
	}
	v, err := s.outreachFormData(c, outreachFormView{Outreach: o, Form: formOfOutreach(o)})
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "outreach_form.html", "Edit outreach", v)
}

func (s *Server) outreachCreate(c *gin.Context) {
	if !actor(c).Can(auth.LogOutreach) {
		s.fail(c, model.Forbidden())
		return
	}
	s.outreachSubmit(c, nil)
}

func (s *Server) outreachUpdate(c *gin.Context) {
	o, ok := s.loadOutreach(c)
	if !ok {
		return
	}
	if !actor(c).CanEditOutreach(o) {
		s.fail(c, &model.Error{Code: model.CodeForbidden, Message: "only the organisation that logged this record can change it"})
		return
	}
	s.outreachSubmit(c, o)
}

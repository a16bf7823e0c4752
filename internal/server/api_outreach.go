package server

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"ratify/internal/model"
	"ratify/internal/service"
	"ratify/internal/store"
)

// outreachJSON is the outreach field names that integrations rely on.
type outreachJSON struct {
	ID             int64              `json:"id"`
	Type           model.OutreachType `json:"type"`
	Date           string             `json:"date"`
	Country        *string            `json:"country"`
	Instruments    []string           `json:"instruments"`
	ContactIDs     []int64            `json:"contact_ids"`
	Summary        string             `json:"summary"`
	Outcome        model.Outcome      `json:"outcome"`
	NextSteps      string             `json:"next_steps"`
	Visibility     model.Visibility   `json:"visibility"`
	OrganisationID int64              `json:"organisation_id"`
	UserID         int64              `json:"user_id"`
	CampaignID     *int64             `json:"campaign_id,omitempty"`
}

func toOutreachJSON(o *model.Outreach) outreachJSON {
	return outreachJSON{ID: o.ID, Type: o.Type, Date: o.Date.UTC().Format("2006-01-02"), Country: o.CountryISO3,
		Instruments: nonNil(o.InstrumentCodes()), ContactIDs: nonNil(o.ContactIDs()), Summary: o.Summary, Outcome: o.Outcome,
		NextSteps: o.NextSteps, Visibility: o.Visibility, OrganisationID: o.OrganisationID, UserID: o.UserID, CampaignID: o.CampaignID}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// outreachFilterParams reads the outreach list filters.
func outreachFilterParams(c *gin.Context) (store.OutreachFilter, error) {
	p, err := pageParams(c)
	if err != nil {
		return store.OutreachFilter{}, err
	}
	f := store.OutreachFilter{Country: strings.ToUpper(c.Query("country")), Region: c.Query("region"),
		Type: model.OutreachType(c.Query("type")), Instrument: strings.ToUpper(c.Query("instrument")),
		Outcome: model.Outcome(c.Query("outcome")), Visibility: model.Visibility(c.Query("visibility")), Page: p}
	fe := model.FieldErrors{}
	if f.Type != "" && !f.Type.Valid() {
		fe.Add("type", "not an outreach type")
	}
	if f.Outcome != "" && !f.Outcome.Valid() {
		fe.Add("outcome", "choose positive, neutral, negative or unknown")
	}
	if f.Visibility != "" && !f.Visibility.Valid() {
		fe.Add("visibility", "choose coalition or organisation")
	}
	for k, v := range map[string]string{"country": f.Country, "region": f.Region, "instrument": f.Instrument} {
		if len(v) > 100 || !model.PlainLine(v) {
			fe.Add(k, "use at most 100 characters of plain text")
		}
	}
	if v := c.Query("organisation_id"); v != "" {
		if f.OrganisationID, err = parseID(v); err != nil {
			fe.Add("organisation_id", "must be an organisation id")
		}
	}
	if v := c.Query("contact_id"); v != "" {
		if f.ContactID, err = parseID(v); err != nil {
			fe.Add("contact_id", "must be a contact id")
		}
	}
	if d := parseDay("from", c.Query("from"), fe); d != nil {
		f.From = *d
	}
	if d := parseDay("to", c.Query("to"), fe); d != nil {
		f.To = d.AddDate(0, 0, 1)
	}
	return f, fe.Err()
}

func (s *Server) apiListOutreach(c *gin.Context) {
	f, err := outreachFilterParams(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	os, total, err := s.svc.ListOutreach(c.Request.Context(), actor(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	items := make([]outreachJSON, len(os))
	for i := range os {
		items[i] = toOutreachJSON(&os[i])
	}
	c.JSON(http.StatusOK, newList(items, total, f.Page))
}

func (s *Server) apiGetOutreach(c *gin.Context) {
	id, err := idParam(c, "id", "outreach")
	if err == nil {
		var o *model.Outreach
		if o, err = s.svc.GetOutreach(c.Request.Context(), actor(c), id); err == nil {
			c.JSON(http.StatusOK, toOutreachJSON(o))
			return
		}
	}
	s.fail(c, err)
}

type outreachRequest struct {
	Type        model.OutreachType `json:"type"`
	Date        string             `json:"date"`
	Country     *string            `json:"country"`
	Instruments []string           `json:"instruments"`
	ContactIDs  []int64            `json:"contact_ids"`
	Summary     string             `json:"summary"`
	Outcome     model.Outcome      `json:"outcome"`
	NextSteps   string             `json:"next_steps"`
	Visibility  model.Visibility   `json:"visibility"`
}

func (in outreachRequest) input() (service.OutreachInput, error) {
	fe := model.FieldErrors{}
	out := service.OutreachInput{Outreach: model.Outreach{Type: in.Type, CountryISO3: in.Country, Summary: in.Summary,
		Outcome: in.Outcome, NextSteps: in.NextSteps, Visibility: in.Visibility}, InstrumentCodes: in.Instruments, ContactIDs: in.ContactIDs}
	if d := parseDay("date", in.Date, fe); d != nil {
		out.Date = *d
	}
	return out, fe.Err()
}

func (s *Server) apiCreateOutreach(c *gin.Context) {
	var in outreachRequest
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	oi, err := in.input()
	if err != nil {
		s.fail(c, err)
		return
	}
	o, err := s.svc.LogOutreach(c.Request.Context(), actor(c), oi)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toOutreachJSON(o))
}

func (s *Server) apiUpdateOutreach(c *gin.Context) {
	id, err := idParam(c, "id", "outreach")
	if err != nil {
		s.fail(c, err)
		return
	}
	var in outreachRequest
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	oi, err := in.input()
	if err != nil {
		s.fail(c, err)
		return
	}
	o, err := s.svc.UpdateOutreach(c.Request.Context(), actor(c), id, oi)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toOutreachJSON(o))
}

func (s *Server) apiDeleteOutreach(c *gin.Context) {
	id, err := idParam(c, "id", "outreach")
	if err == nil {
		err = s.svc.DeleteOutreach(c.Request.Context(), actor(c), id)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// followupJSON is the follow-up field names that integrations rely on.
type followupJSON struct {
	ID           int64                  `json:"id"`
	Title        string                 `json:"title"`
	Details      string                 `json:"details"`
	DueDate      string                 `json:"due_date"`
	Priority     model.FollowupPriority `json:"priority"`
	Status       model.FollowupStatus   `json:"status"`
	Outcome      string                 `json:"outcome"`
	AssigneeID   int64                  `json:"assignee_id"`
	AssignedByID int64                  `json:"assigned_by_id"`
	Country      *string                `json:"country"`
	ContactID    *int64                 `json:"contact_id"`
	OutreachID   *int64                 `json:"outreach_id"`
	Visibility   model.Visibility       `json:"visibility"`
}

func toFollowupJSON(f *model.Followup) followupJSON {
	return followupJSON{ID: f.ID, Title: f.Title, Details: f.Details, DueDate: f.DueDate.UTC().Format("2006-01-02"),
		Priority: f.Priority, Status: f.Status, Outcome: f.Outcome, AssigneeID: f.AssigneeID, AssignedByID: f.AssignedByID,
		Country: f.CountryISO3, ContactID: f.ContactID, OutreachID: f.OutreachID, Visibility: f.Visibility}
}

// followupFilterParams reads assignee (an id or "me"), status, country,
// contact_id, outreach_id and overdue.
func followupFilterParams(c *gin.Context, me int64) (store.FollowupFilter, error) {
	p, err := pageParams(c)
	if err != nil {
		return store.FollowupFilter{}, err
	}
	f := store.FollowupFilter{Status: model.FollowupStatus(c.Query("status")), Country: strings.ToUpper(c.Query("country")), Page: p}
	fe := model.FieldErrors{}
	switch v := c.Query("assignee"); v {
	case "":
	case "me":
		f.AssigneeID = me
	default:
		if f.AssigneeID, err = parseID(v); err != nil {
			fe.Add("assignee", "a user id or me")
		}
	}
	if f.Status != "" && !f.Status.Valid() {
		fe.Add("status", "choose open, done or cancelled")
	}
	if len(f.Country) > 3 || !model.PlainLine(f.Country) {
		fe.Add("country", "an ISO3 code")
	}
	for name, dst := range map[string]*int64{"contact_id": &f.ContactID, "outreach_id": &f.OutreachID} {
		if v := c.Query(name); v != "" {
			if *dst, err = parseID(v); err != nil {
				fe.Add(name, "must be an id")
			}
		}
	}
	if c.Query("overdue") == "true" {
		now := time.Now().UTC()
		f.DueBefore = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
		if f.Status == "" {
			f.Status = model.FollowupOpen
		}
	}
	return f, fe.Err()
}

func (s *Server) apiListFollowups(c *gin.Context) {
	f, err := followupFilterParams(c, actor(c).User.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	fs, total, err := s.svc.ListFollowups(c.Request.Context(), actor(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	items := make([]followupJSON, len(fs))
	for i := range fs {
		items[i] = toFollowupJSON(&fs[i])
	}
	c.JSON(http.StatusOK, newList(items, total, f.Page))
}

func (s *Server) apiGetFollowup(c *gin.Context) {
	id, err := idParam(c, "id", "follow-up")
	if err == nil {
		var f *model.Followup
		if f, err = s.svc.GetFollowup(c.Request.Context(), actor(c), id); err == nil {
			c.JSON(http.StatusOK, toFollowupJSON(f))
			return
		}
	}
	s.fail(c, err)
}

type followupRequest struct {
	Title      string                 `json:"title"`
	Details    string                 `json:"details"`
	DueDate    string                 `json:"due_date"`
	Priority   model.FollowupPriority `json:"priority"`
	AssigneeID int64                  `json:"assignee_id"`
	Country    *string                `json:"country"`
	ContactID  *int64                 `json:"contact_id"`
	OutreachID *int64                 `json:"outreach_id"`
}

func (in followupRequest) input() (service.FollowupInput, error) {
	fe := model.FieldErrors{}
	out := service.FollowupInput{Title: in.Title, Details: in.Details, Priority: in.Priority, AssigneeID: in.AssigneeID,
		CountryISO3: in.Country, ContactID: in.ContactID, OutreachID: in.OutreachID}
	if d := parseDay("due_date", in.DueDate, fe); d != nil {
		out.DueDate = *d
	}
	return out, fe.Err()
}

func (s *Server) apiCreateFollowup(c *gin.Context) {
	var in followupRequest
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	fi, err := in.input()
	if err != nil {
		s.fail(c, err)
		return
	}
	f, err := s.svc.CreateFollowup(c.Request.Context(), actor(c), fi)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toFollowupJSON(f))
}

func (s *Server) apiUpdateFollowup(c *gin.Context) {
	id, err := idParam(c, "id", "follow-up")
	if err != nil {
		s.fail(c, err)
		return
	}
	var in followupRequest
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	fi, err := in.input()
	if err != nil {
		s.fail(c, err)
		return
	}
	f, err := s.svc.UpdateFollowup(c.Request.Context(), actor(c), id, fi)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toFollowupJSON(f))
}

type closeRequest struct {
	Status  model.FollowupStatus `json:"status"`
	Outcome string               `json:"outcome"`
}

func (s *Server) apiCloseFollowup(c *gin.Context) {
	id, err := idParam(c, "id", "follow-up")
	if err != nil {
		s.fail(c, err)
		return
	}
	var in closeRequest
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	if in.Status == "" {
		in.Status = model.FollowupDone
	}
	f, err := s.svc.CloseFollowup(c.Request.Context(), actor(c), id, in.Status, in.Outcome)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toFollowupJSON(f))
}

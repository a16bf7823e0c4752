package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"ratify/internal/auth"
	"ratify/internal/csvexport"
	"ratify/internal/model"
	"ratify/internal/service"
)

// statusCell is one status badge, prepared in Go: 195 rows × instruments
// through a template call each was most of the page's render time.
type statusCell struct{ Class, Label string }

type countryRowView struct {
	Country model.Country
	Cells   []statusCell
}

func statusCells(t *service.CountryTable) []countryRowView {
	out := make([]countryRowView, len(t.Rows))
	for i, r := range t.Rows {
		cells := make([]statusCell, len(t.Instruments))
		for j, in := range t.Instruments {
			x := r.Ratifications[in.Code]
			if x == nil {
				cells[j] = statusCell{Class: "none", Label: model.StatusNone.Label()}
				continue
			}
			label := x.Status.Label()
			if y := x.Year(); y > 0 {
				label += " " + strconv.Itoa(y)
			}
			cells[j] = statusCell{Class: x.Status.Class(), Label: label}
		}
		out[i] = countryRowView{Country: r.Country, Cells: cells}
	}
	return out
}

type countriesView struct {
	Rows    []countryRowView
	Table   *service.CountryTable
	Filter  service.CountryFilter
	Regions map[string][]string
	Stages  []model.Stage
	Orgs    []model.Organisation
	Query   url.Values
	// StatusFilter is the status chosen per instrument, for the menus.
	StatusFilter map[string]string
}

// SortURL links a column header to sorting by key, flipping the direction
// when the table is already sorted by it.
func (v countriesView) SortURL(key string) string {
	q := url.Values{}
	for k, vs := range v.Query {
		q[k] = vs
	}
	q.Set("sort", key)
	q.Del("dir")
	if v.Filter.Sort == key && !v.Filter.Descending {
		q.Set("dir", "desc")
	}
	return "/countries?" + q.Encode()
}

// SortMark shows the arrow of the sorted column.
func (v countriesView) SortMark(key string) string {
	if v.Filter.Sort != key && !(key == "name" && v.Filter.Sort == "") {
		return ""
	}
	if v.Filter.Descending {
		return " ▼"
	}
	return " ▲"
}

// AriaSort is the aria-sort value of a column header.
func (v countriesView) AriaSort(key string) string {
	if v.SortMark(key) == "" {
		return "none"
	}
	if v.Filter.Descending {
		return "descending"
	}
	return "ascending"
}

// CSVURL exports exactly the rows shown.
func (v countriesView) CSVURL() string { return "/countries.csv?" + v.Query.Encode() }

func (s *Server) countriesPage(c *gin.Context) {
	a := actor(c)
	f, err := countryFilterParams(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	t, err := s.svc.Countries(c.Request.Context(), a, f)
	if err != nil {
		s.fail(c, err)
		return
	}
	regions, err := s.svc.Regions(c.Request.Context(), a)
	if err != nil {
		s.fail(c, err)
		return
	}
	stages, err := s.svc.Stages(c.Request.Context(), a)
	if err != nil {
		s.fail(c, err)
		return
	}
	orgs, err := s.svc.ListOrganisations(c.Request.Context(), a)
	if err != nil {
		s.fail(c, err)
		return
	}
	sf := map[string]string{}
	for code, vals := range f.Statuses {
		sf[code] = strings.Join(vals, ",")
	}
	s.render(c, http.StatusOK, "countries.html", "Countries", countriesView{Rows: statusCells(t), Table: t, Filter: f, Regions: regions,
		Stages: stages, Orgs: orgs, Query: c.Request.URL.Query(), StatusFilter: sf})
}

// countriesCSV exports the comparative table for the current filter.
func (s *Server) countriesCSV(c *gin.Context) {
	a := actor(c)
	if !a.Can(auth.ExportCSV) {
		s.fail(c, model.Forbidden())
		return
	}
	f, err := countryFilterParams(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	t, err := s.svc.Countries(c.Request.Context(), a, f)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="ratify-countries.csv"`)
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusOK)
	w, err := csvexport.NewWriter(c.Writer)
	if err != nil {
		return
	}
	head := []string{"country", "iso3", "region", "subregion"}
	for _, in := range t.Instruments {
		head = append(head, in.Code+" status", in.Code+" signature", in.Code+" ratification")
	}
	head = append(head, "campaign stage", "priority", "focal organisation")
	_ = w.Write(head...)
	for _, r := range t.Rows {
		rec := []string{r.Country.Name, r.Country.ISO3, r.Country.Region, r.Country.Subregion}
		for _, in := range t.Instruments {
			x := r.Ratifications[in.Code]
			if x == nil {
				rec = append(rec, model.StatusNone.Label(), "", "")
				continue
			}
			rec = append(rec, x.Status.Label(), x.Signature().ISO(), x.Ratified().ISO())
		}
		stage, focal := "", ""
		if r.Country.Stage != nil {
			stage = r.Country.Stage.Name
		}
		if r.Country.FocalOrganisation != nil {
			focal = r.Country.FocalOrganisation.Name
		}
		rec = append(rec, stage, r.Country.Priority.Label(), focal)
		_ = w.Write(rec...)
	}
	if err := w.Flush(); err != nil {
		logger(c).Warn("csv export cut short", "err", err)
	}
}

type dossierView struct {
	D         *service.Dossier
	Stages    []model.Stage
	CanRecord bool
	// What the coalition knows and did in the country, as the viewer may see it.
	Institutions      []model.Institution
	InstitutionsTotal int64
	Contacts          []model.Contact
	ContactsTotal     int64
	Outreach          []model.Outreach
	OutreachTotal     int64
	Followups         []model.Followup
	Today             time.Time
}

func (s *Server) dossierPage(c *gin.Context) {
	a := actor(c)
	d, err := s.svc.Dossier(c.Request.Context(), a, c.Param("iso3"))
	if err != nil {
		s.fail(c, err)
		return
	}
	if c.Param("iso3") != d.Country.ISO3 {
		c.Redirect(http.StatusMovedPermanently, "/countries/"+d.Country.ISO3)
		return
	}
	v := dossierView{D: d, CanRecord: a.Can(auth.RecordTreatyStatus), Today: s.svc.Today()}
	if err := s.dossierActivity(c, &v); err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "dossier.html", d.Country.Name, v)
}

type campaignFormView struct {
	Country model.Country
	Form    model.CampaignFields
	Stages  []model.Stage
	Orgs    []model.Organisation
	Users   []model.User
	Errors  map[string]string
	Message string
}

func (s *Server) campaignFormData(c *gin.Context, v campaignFormView) (campaignFormView, error) {
	a := actor(c)
	var err error
	if v.Stages, err = s.svc.Stages(c.Request.Context(), a); err != nil {
		return v, err
	}
	if v.Orgs, err = s.svc.ListOrganisations(c.Request.Context(), a); err != nil {
		return v, err
	}
	v.Users, err = s.svc.FocalCandidates(c.Request.Context(), a)
	return v, err
}

func (s *Server) campaignEditPage(c *gin.Context) {
	a := actor(c)
	if !a.Can(auth.RecordTreatyStatus) {
		s.fail(c, model.Forbidden())
		return
	}
	d, err := s.svc.Dossier(c.Request.Context(), a, c.Param("iso3"))
	if err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.campaignFormData(c, campaignFormView{Country: d.Country, Form: campaignFieldsOf(&d.Country)})
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "campaign_form.html", "Campaign: "+d.Country.Name, v)
}

func optionalFormID(c *gin.Context, name string, fe model.FieldErrors) *int64 {
	v := c.PostForm(name)
	if v == "" {
		return nil
	}
	id, err := parseID(v)
	if err != nil {
		fe.Add(name, "choose from the list")
		return nil
	}
	return &id
}

func (s *Server) campaignUpdate(c *gin.Context) {
	a := actor(c)
	fe := model.FieldErrors{}
	f := model.CampaignFields{Priority: model.Priority(c.PostForm("priority")), NextStep: c.PostForm("next_step"), Notes: c.PostForm("notes"),
		StageID: optionalFormID(c, "stage_id", fe), FocalOrganisationID: optionalFormID(c, "focal_organisation_id", fe),
		FocalUserID: optionalFormID(c, "focal_user_id", fe), NextStepDate: parseDay("next_step_date", c.PostForm("next_step_date"), fe)}
	err := fe.Err()
	var country *model.Country
	if err == nil {
		country, err = s.svc.UpdateCampaign(c.Request.Context(), a, c.Param("iso3"), f)
	}
	if err != nil {
		s.formError(c, err, "campaign_form.html", "Campaign", func(e *model.Error) any {
			d, derr := s.svc.Dossier(c.Request.Context(), a, c.Param("iso3"))
			v := campaignFormView{Form: f, Errors: e.Fields, Message: e.Message}
			if derr == nil {
				v.Country = d.Country
			}
			v, _ = s.campaignFormData(c, v)
			return v
		})
		return
	}
	s.flash(c, "Campaign details saved for "+country.Name+".")
	c.Redirect(http.StatusSeeOther, "/countries/"+country.ISO3)
}

type ratificationFormView struct {
	Country    model.Country
	Instrument model.Instrument
	Form       putRatificationRequest
	Preview    *service.RatificationPreview
	Errors     map[string]string
	Message    string
}

func formFromRatification(r *model.Ratification) putRatificationRequest {
	if r == nil {
		return putRatificationRequest{Status: model.StatusNone}
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	j := toRatificationJSON(r)
	return putRatificationRequest{Status: r.Status, SignatureDate: str(j.SignatureDate), SignaturePrecision: j.SignaturePrecision,
		RatificationDate: str(j.RatificationDate), RatificationPrecision: j.RatificationPrecision,
		EntryIntoForce: str(j.EntryIntoForce), EntryIntoForcePrecision: j.EntryIntoForcePrecision,
		Notes: r.Notes, Source: r.Source, AsOf: str(j.AsOf)}
}

func (s *Server) ratificationFormPage(c *gin.Context) {
	a := actor(c)
	if !a.Can(auth.RecordTreatyStatus) {
		s.fail(c, model.Forbidden())
		return
	}
	d, err := s.svc.Dossier(c.Request.Context(), a, c.Param("iso3"))
	if err != nil {
		s.fail(c, err)
		return
	}
	for _, st := range d.Standings {
		if strings.EqualFold(st.Instrument.Code, c.Param("code")) {
			form := formFromRatification(st.Ratification)
			form.Source = "" // every change names its own source
			s.render(c, http.StatusOK, "ratification_form.html", "Record a change", ratificationFormView{Country: d.Country, Instrument: st.Instrument, Form: form})
			return
		}
	}
	s.fail(c, model.NotFound("instrument"))
}

func ratificationFromForm(c *gin.Context) putRatificationRequest {
	return putRatificationRequest{Status: model.Status(c.PostForm("status")),
		SignatureDate: c.PostForm("signature_date"), SignaturePrecision: c.PostForm("signature_precision"),
		RatificationDate: c.PostForm("ratification_date"), RatificationPrecision: c.PostForm("ratification_precision"),
		EntryIntoForce: c.PostForm("entry_into_force"), EntryIntoForcePrecision: c.PostForm("entry_into_force_precision"),
		Notes: c.PostForm("notes"), Source: c.PostForm("source"), AsOf: c.PostForm("as_of"), Note: c.PostForm("note")}
}

// ratificationSubmit previews a change ("what will change") and saves it
// only when the person confirms the preview.
func (s *Server) ratificationSubmit(c *gin.Context) {
	a := actor(c)
	in := ratificationFromForm(c)
	ch, err := in.change()
	var p *service.RatificationPreview
	if err == nil {
		p, err = s.svc.PreviewRatification(c.Request.Context(), a, c.Param("iso3"), c.Param("code"), ch)
	}
	if err == nil && c.PostForm("confirm") == "yes" {
		_, err = s.svc.RecordRatification(c.Request.Context(), a, c.Param("iso3"), c.Param("code"), ch)
		if err == nil {
			s.flash(c, fmt.Sprintf("Recorded: %s, %s.", p.Country.Name, p.Instrument.Code))
			c.Redirect(http.StatusSeeOther, "/countries/"+p.Country.ISO3+"#"+p.Instrument.Code)
			return
		}
	}
	if err != nil {
		if e, ok := model.AsError(err); ok && e.Code == model.CodeUnprocessable {
			err = &model.Error{Code: model.CodeInvalid, Message: e.Message}
		}
		s.formError(c, err, "ratification_form.html", "Record a change", func(e *model.Error) any {
			d, derr := s.svc.Dossier(c.Request.Context(), a, c.Param("iso3"))
			v := ratificationFormView{Form: in, Errors: e.Fields, Message: e.Message}
			if derr == nil {
				v.Country = d.Country
				for _, st := range d.Standings {
					if strings.EqualFold(st.Instrument.Code, c.Param("code")) {
						v.Instrument = st.Instrument
					}
				}
			}
			return v
		})
		return
	}
	s.render(c, http.StatusOK, "ratification_form.html", "Confirm the change", ratificationFormView{Country: p.Country, Instrument: p.Instrument, Form: in, Preview: p})
}

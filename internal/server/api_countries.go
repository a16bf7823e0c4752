package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"ratify/internal/auth"
	"ratify/internal/model"
	"ratify/internal/service"
)

type ratificationJSON struct {
	Status                  model.Status `json:"status"`
	SignatureDate           *string      `json:"signature_date"`
	SignaturePrecision      string       `json:"signature_precision"`
	RatificationDate        *string      `json:"ratification_date"`
	RatificationPrecision   string       `json:"ratification_precision"`
	EntryIntoForce          *string      `json:"entry_into_force"`
	EntryIntoForcePrecision string       `json:"entry_into_force_precision"`
	Notes                   string       `json:"notes"`
	Source                  string       `json:"source"`
	AsOf                    *string      `json:"as_of"`
	UpdatedAt               *time.Time   `json:"updated_at,omitempty"`
}

func isoPtr(d model.PartialDate) *string {
	if s := d.ISO(); s != "" {
		return &s
	}
	return nil
}

func datePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.UTC().Format("2006-01-02")
	return &s
}

func toRatificationJSON(r *model.Ratification) ratificationJSON {
	if r == nil {
		return ratificationJSON{Status: model.StatusNone}
	}
	u := r.UpdatedAt.UTC()
	return ratificationJSON{
		Status: r.Status, SignatureDate: isoPtr(r.Signature()), SignaturePrecision: string(r.SignaturePrecision),
		RatificationDate: isoPtr(r.Ratified()), RatificationPrecision: string(r.RatificationPrecision),
		EntryIntoForce: isoPtr(r.InForce()), EntryIntoForcePrecision: string(r.EntryIntoForcePrecision),
		Notes: r.Notes, Source: r.Source, AsOf: datePtr(r.AsOf), UpdatedAt: &u,
	}
}

type countryJSON struct {
	ISO3              string                      `json:"iso3"`
	ISO2              string                      `json:"iso2"`
	M49               string                      `json:"m49"`
	Name              string                      `json:"name"`
	Region            string                      `json:"region"`
	Subregion         string                      `json:"subregion"`
	Priority          model.Priority              `json:"priority"`
	Stage             *string                     `json:"stage"`
	StageID           *int64                      `json:"stage_id"`
	FocalOrganisation *string                     `json:"focal_organisation"`
	FocalOrgID        *int64                      `json:"focal_organisation_id"`
	Ratifications     map[string]ratificationJSON `json:"ratifications"`
}

func toCountryJSON(c *model.Country, rats map[string]*model.Ratification, insts []model.Instrument) countryJSON {
	out := countryJSON{ISO3: c.ISO3, ISO2: c.ISO2, M49: c.M49, Name: c.Name, Region: c.Region, Subregion: c.Subregion,
		Priority: c.Priority, StageID: c.StageID, FocalOrgID: c.FocalOrganisationID, Ratifications: map[string]ratificationJSON{}}
	if c.Stage != nil {
		out.Stage = &c.Stage.Name
	}
	if c.FocalOrganisation != nil {
		out.FocalOrganisation = &c.FocalOrganisation.ShortName
	}
	for _, in := range insts {
		out.Ratifications[in.Code] = toRatificationJSON(rats[in.Code])
	}
	return out
}

// countryFilterParams reads the comparative-table filters shared by the
// page, the API and the CSV export: region, subregion, instrument + status
// (comma-separated), status_<CODE> for further instruments, priority,
// stage, focal_organisation, q, sort and dir.
func countryFilterParams(c *gin.Context) (service.CountryFilter, error) {
	f := service.CountryFilter{Region: c.Query("region"), Subregion: c.Query("subregion"),
		Priority: model.Priority(c.Query("priority")), Query: c.Query("q"), Statuses: map[string][]string{}}
	fe := model.FieldErrors{}
	split := func(v string) []string {
		var out []string
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	}
	if inst := c.Query("instrument"); inst != "" {
		f.Statuses[strings.ToUpper(inst)] = split(c.Query("status"))
	} else if c.Query("status") != "" {
		fe.Add("instrument", "a status filter needs an instrument")
	}
	for k, vs := range c.Request.URL.Query() {
		if code, ok := strings.CutPrefix(k, "status_"); ok && len(vs) > 0 && vs[0] != "" {
			f.Statuses[strings.ToUpper(code)] = append(f.Statuses[strings.ToUpper(code)], split(strings.Join(vs, ","))...)
		}
	}
	if v := c.Query("stage"); v != "" {
		id, err := parseID(v)
		if err != nil {
			fe.Add("stage", "must be a stage id")
		}
		f.StageID = id
	}
	if v := c.Query("focal_organisation"); v != "" {
		id, err := parseID(v)
		if err != nil {
			fe.Add("focal_organisation", "must be an organisation id")
		}
		f.FocalOrgID = id
	}
	f.Sort = c.Query("sort")
	switch c.Query("dir") {
	case "", "asc":
	case "desc":
		f.Descending = true
	default:
		fe.Add("dir", "asc or desc")
	}
	if len(f.Region) > 100 || len(f.Subregion) > 100 {
		fe.Add("region", "use at most 100 characters")
	}
	return f, fe.Err()
}

func (s *Server) apiListCountries(c *gin.Context) {
	f, err := countryFilterParams(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	t, err := s.svc.Countries(c.Request.Context(), actor(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	items := make([]countryJSON, len(t.Rows))
	for i := range t.Rows {
		items[i] = toCountryJSON(&t.Rows[i].Country, t.Rows[i].Ratifications, t.Instruments)
	}
	c.JSON(http.StatusOK, listBody[countryJSON]{Items: items, Total: int64(len(items)), Page: 1, PerPage: max(len(items), 1)})
}

type eventJSON struct {
	ID         int64        `json:"id"`
	At         time.Time    `json:"at"`
	ActorID    *int64       `json:"actor_id"`
	ActorName  string       `json:"actor_name,omitempty"`
	FromStatus model.Status `json:"from_status"`
	ToStatus   model.Status `json:"to_status"`
	Changes    string       `json:"changes"`
	Source     string       `json:"source"`
	Note       string       `json:"note"`
}

func toEventJSON(e model.RatificationEvent) eventJSON {
	out := eventJSON{ID: e.ID, At: e.At.UTC(), ActorID: e.ActorID, FromStatus: e.FromStatus, ToStatus: e.ToStatus,
		Changes: e.Changes, Source: e.Source, Note: e.Note}
	if e.Actor != nil {
		out.ActorName = e.Actor.Name
	}
	return out
}

type standingJSON struct {
	ratificationJSON
	Instrument string      `json:"instrument"`
	Events     []eventJSON `json:"events"`
}

type dossierJSON struct {
	countryJSON
	FocalUserID  *int64         `json:"focal_user_id"`
	FocalUser    *string        `json:"focal_user"`
	NextStep     string         `json:"next_step"`
	NextStepDate *string        `json:"next_step_date"`
	Notes        string         `json:"notes"`
	Standings    []standingJSON `json:"standings"`
}

func toDossierJSON(d *service.Dossier) dossierJSON {
	rats := map[string]*model.Ratification{}
	var insts []model.Instrument
	for _, st := range d.Standings {
		rats[st.Instrument.Code] = st.Ratification
		insts = append(insts, st.Instrument)
	}
	out := dossierJSON{countryJSON: toCountryJSON(&d.Country, rats, insts), FocalUserID: d.Country.FocalUserID,
		NextStep: d.Country.NextStep, NextStepDate: datePtr(d.Country.NextStepDate), Notes: d.Country.Notes}
	if d.Country.FocalUser != nil {
		out.FocalUser = &d.Country.FocalUser.Name
	}
	for _, st := range d.Standings {
		sj := standingJSON{ratificationJSON: toRatificationJSON(st.Ratification), Instrument: st.Instrument.Code, Events: []eventJSON{}}
		for _, e := range st.Events {
			sj.Events = append(sj.Events, toEventJSON(e))
		}
		out.Standings = append(out.Standings, sj)
	}
	return out
}

func (s *Server) apiGetCountry(c *gin.Context) {
	d, err := s.svc.Dossier(c.Request.Context(), actor(c), c.Param("iso3"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toDossierJSON(d))
}

type patchCountryRequest struct {
	Priority            *model.Priority  `json:"priority"`
	StageID             optional[int64]  `json:"stage_id"`
	FocalOrganisationID optional[int64]  `json:"focal_organisation_id"`
	FocalUserID         optional[int64]  `json:"focal_user_id"`
	NextStep            *string          `json:"next_step"`
	NextStepDate        optional[string] `json:"next_step_date"`
	Notes               *string          `json:"notes"`
}

func campaignFieldsOf(c *model.Country) model.CampaignFields {
	return model.CampaignFields{Priority: c.Priority, StageID: c.StageID, FocalOrganisationID: c.FocalOrganisationID,
		FocalUserID: c.FocalUserID, NextStep: c.NextStep, NextStepDate: c.NextStepDate, Notes: c.Notes}
}

func parseDay(field, v string, fe model.FieldErrors) *time.Time {
	if v == "" {
		return nil
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		fe.Add(field, "use a date such as 2026-01-31")
		return nil
	}
	return &t
}

func (s *Server) apiPatchCountry(c *gin.Context) {
	var in patchCountryRequest
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	d, err := s.svc.Dossier(c.Request.Context(), actor(c), c.Param("iso3"))
	if err != nil {
		s.fail(c, err)
		return
	}
	f := campaignFieldsOf(&d.Country)
	if in.Priority != nil {
		f.Priority = *in.Priority
	}
	in.StageID.apply(&f.StageID)
	in.FocalOrganisationID.apply(&f.FocalOrganisationID)
	in.FocalUserID.apply(&f.FocalUserID)
	if in.NextStep != nil {
		f.NextStep = *in.NextStep
	}
	if in.Notes != nil {
		f.Notes = *in.Notes
	}
	fe := model.FieldErrors{}
	if in.NextStepDate.Set {
		f.NextStepDate = parseDay("next_step_date", in.NextStepDate.Value, fe)
	}
	if err := fe.Err(); err != nil {
		s.fail(c, err)
		return
	}
	if _, err := s.svc.UpdateCampaign(c.Request.Context(), actor(c), c.Param("iso3"), f); err != nil {
		s.fail(c, err)
		return
	}
	s.apiGetCountry(c)
}

type putRatificationRequest struct {
	Status                  model.Status `json:"status"`
	SignatureDate           string       `json:"signature_date"`
	SignaturePrecision      string       `json:"signature_precision"`
	RatificationDate        string       `json:"ratification_date"`
	RatificationPrecision   string       `json:"ratification_precision"`
	EntryIntoForce          string       `json:"entry_into_force"`
	EntryIntoForcePrecision string       `json:"entry_into_force_precision"`
	Notes                   string       `json:"notes"`
	Source                  string       `json:"source"`
	AsOf                    string       `json:"as_of"`
	Note                    string       `json:"note"`
}

// change turns the request (or a form with the same names) into a validated-shape change.
func (in putRatificationRequest) change() (model.RatificationChange, error) {
	fe := model.FieldErrors{}
	date := func(field, v, p string) model.PartialDate {
		d, err := model.ParsePartialDate(v, p)
		if err != nil {
			fe.Add(field, err.Error())
		}
		return d
	}
	ch := model.RatificationChange{Status: in.Status, Notes: in.Notes, Source: in.Source, Note: in.Note,
		Signature:    date("signature_date", in.SignatureDate, in.SignaturePrecision),
		Ratification: date("ratification_date", in.RatificationDate, in.RatificationPrecision),
		InForce:      date("entry_into_force", in.EntryIntoForce, in.EntryIntoForcePrecision),
		AsOf:         parseDay("as_of", in.AsOf, fe)}
	return ch, fe.Err()
}

func (s *Server) apiPutRatification(c *gin.Context) {
	var in putRatificationRequest
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	ch, err := in.change()
	if err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.svc.RecordRatification(c.Request.Context(), actor(c), c.Param("iso3"), c.Param("code"), ch)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toRatificationJSON(r))
}

func (s *Server) apiRatificationEvents(c *gin.Context) {
	events, err := s.svc.RatificationEvents(c.Request.Context(), actor(c), c.Param("iso3"), c.Param("code"))
	if err != nil {
		s.fail(c, err)
		return
	}
	items := make([]eventJSON, len(events))
	for i, e := range events {
		items[i] = toEventJSON(e)
	}
	c.JSON(http.StatusOK, listBody[eventJSON]{Items: items, Total: int64(len(items)), Page: 1, PerPage: max(len(items), 1)})
}

type instrumentJSON struct {
	Code        string               `json:"code"`
	Title       string               `json:"title"`
	ShortTitle  string               `json:"short_title"`
	Kind        model.InstrumentKind `json:"kind"`
	AdoptedDate *string              `json:"adopted_date"`
}

func toInstrumentJSON(i *model.Instrument) instrumentJSON {
	return instrumentJSON{Code: i.Code, Title: i.Title, ShortTitle: i.ShortTitle, Kind: i.Kind, AdoptedDate: datePtr(i.AdoptedDate)}
}

func (s *Server) apiListInstruments(c *gin.Context) {
	insts, err := s.svc.Instruments(c.Request.Context(), actor(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	items := make([]instrumentJSON, len(insts))
	for i := range insts {
		items[i] = toInstrumentJSON(&insts[i])
	}
	c.JSON(http.StatusOK, listBody[instrumentJSON]{Items: items, Total: int64(len(items)), Page: 1, PerPage: max(len(items), 1)})
}

type createInstrumentRequest struct {
	Code        string               `json:"code"`
	Title       string               `json:"title"`
	ShortTitle  string               `json:"short_title"`
	Kind        model.InstrumentKind `json:"kind"`
	AdoptedDate string               `json:"adopted_date"`
}

func (s *Server) apiCreateInstrument(c *gin.Context) {
	var in createInstrumentRequest
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	fe := model.FieldErrors{}
	adopted := parseDay("adopted_date", in.AdoptedDate, fe)
	if err := fe.Err(); err != nil {
		s.fail(c, err)
		return
	}
	i, err := s.svc.CreateInstrument(c.Request.Context(), actor(c), model.Instrument{Code: in.Code, Title: in.Title,
		ShortTitle: in.ShortTitle, Kind: in.Kind, AdoptedDate: adopted})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toInstrumentJSON(i))
}

type stageJSON struct {
	ID       int64  `json:"id"`
	Position int    `json:"position"`
	Name     string `json:"name"`
}

func (s *Server) apiListStages(c *gin.Context) {
	stages, err := s.svc.Stages(c.Request.Context(), actor(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	items := make([]stageJSON, len(stages))
	for i, st := range stages {
		items[i] = stageJSON{ID: st.ID, Position: st.Position, Name: st.Name}
	}
	c.JSON(http.StatusOK, listBody[stageJSON]{Items: items, Total: int64(len(items)), Page: 1, PerPage: max(len(items), 1)})
}

type stageRequest struct {
	Name     string `json:"name"`
	Position int    `json:"position"`
}

func (s *Server) apiCreateStage(c *gin.Context) {
	var in stageRequest
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	st, err := s.svc.CreateStage(c.Request.Context(), actor(c), in.Name)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, stageJSON{ID: st.ID, Position: st.Position, Name: st.Name})
}

func (s *Server) apiPatchStage(c *gin.Context) {
	id, err := idParam(c, "id", "stage")
	if err != nil {
		s.fail(c, err)
		return
	}
	var in stageRequest
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	st, err := s.svc.UpdateStage(c.Request.Context(), actor(c), id, in.Name, in.Position)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, stageJSON{ID: st.ID, Position: st.Position, Name: st.Name})
}

func (s *Server) apiDeleteStage(c *gin.Context) {
	id, err := idParam(c, "id", "stage")
	if err == nil {
		err = s.svc.DeleteStage(c.Request.Context(), actor(c), id)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// apiImportRatifications takes a multipart upload (file, source, dry_run) and
// answers the differences; without dry_run=true it applies every difference.
func (s *Server) apiImportRatifications(c *gin.Context) {
	// Refuse before reading the upload, as apiImportContacts does.
	if !actor(c).Can(auth.RecordTreatyStatus) {
		s.fail(c, model.Forbidden())
		return
	}
	fh, err := c.FormFile("file")
	if err != nil {
		s.fail(c, formFileError(err))
		return
	}
	f, err := fh.Open()
	if err != nil {
		s.fail(c, err)
		return
	}
	defer f.Close()
	dry, _ := strconv.ParseBool(c.DefaultPostForm("dry_run", "false"))
	rep, err := s.svc.ImportRatifications(c.Request.Context(), actor(c), c.Param("code"), f, c.PostForm("source"), !dry, nil)
	if err != nil {
		s.fail(c, err)
		return
	}
	type diffJSON struct {
		Line    int                   `json:"line"`
		ISO3    string                `json:"iso3"`
		Kind    string                `json:"kind"`
		Changes []service.FieldChange `json:"changes"`
	}
	diffs := []diffJSON{}
	for _, d := range rep.Diffs {
		diffs = append(diffs, diffJSON{Line: d.Line, ISO3: d.Country.ISO3, Kind: d.Kind, Changes: d.Changes})
	}
	errs := rep.Errors
	if errs == nil {
		errs = []service.LineError{}
	}
	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusUnprocessableEntity
	}
	c.JSON(status, gin.H{"rows": rep.Rows, "unchanged": rep.Unchanged, "differences": diffs, "errors": errs, "applied": rep.Applied, "dry_run": dry})
}

func formFileError(err error) error {
	var mbe *http.MaxBytesError
	if asMaxBytes(err, &mbe) {
		return mbe
	}
	return &model.Error{Code: model.CodeInvalid, Message: "send the CSV as a multipart form field named file",
		Fields: map[string]string{"file": "required"}}
}

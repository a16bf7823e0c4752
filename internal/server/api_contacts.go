package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"ratify/internal/model"
	"ratify/internal/service"
	"ratify/internal/store"
)

type emailJSON struct {
	Email string `json:"email"`
	Label string `json:"label"`
}

type phoneJSON struct {
	Number string `json:"number"`
	Label  string `json:"label"`
}

type positionJSON struct {
	ID              int64                 `json:"id"`
	InstitutionID   int64                 `json:"institution_id"`
	Institution     string                `json:"institution"`
	InstitutionKind model.InstitutionKind `json:"institution_kind"`
	Title           string                `json:"title"`
	StartDate       *string               `json:"start_date"`
	EndDate         *string               `json:"end_date"`
}

func toPositionJSON(p *model.Position) positionJSON {
	out := positionJSON{ID: p.ID, InstitutionID: p.InstitutionID, Title: p.Title, StartDate: datePtr(p.StartDate), EndDate: datePtr(p.EndDate)}
	if p.Institution != nil {
		out.Institution, out.InstitutionKind = p.Institution.Name, p.Institution.Kind
	}
	return out
}

// contactJSON is the contact's field names that integrations rely on.
type contactJSON struct {
	ID                  int64             `json:"id"`
	Honorific           string            `json:"honorific"`
	FirstName           string            `json:"first_name"`
	LastName            string            `json:"last_name"`
	FullName            string            `json:"full_name"`
	Kind                model.ContactKind `json:"kind"`
	Country             *string           `json:"country"`
	Party               string            `json:"party"`
	Emails              []emailJSON       `json:"emails"`
	Phones              []phoneJSON       `json:"phones"`
	PreferredLanguage   string            `json:"preferred_language"`
	Languages           []string          `json:"languages"`
	Tags                []string          `json:"tags"`
	Stance              model.Stance      `json:"stance"`
	StanceEvidence      string            `json:"stance_evidence"`
	StanceDate          *string           `json:"stance_date"`
	DataSource          string            `json:"data_source"`
	LawfulBasis         string            `json:"lawful_basis"`
	DoNotContact        bool              `json:"do_not_contact"`
	DoNotContactReason  string            `json:"do_not_contact_reason"`
	OwnerOrganisationID int64             `json:"owner_organisation_id"`
	Positions           []positionJSON    `json:"positions,omitempty"`
	UpdatedAt           time.Time         `json:"updated_at"`
}

func toContactJSON(c *model.Contact) contactJSON {
	out := contactJSON{ID: c.ID, Honorific: c.Honorific, FirstName: c.FirstName, LastName: c.LastName, FullName: c.FullName(),
		Kind: c.Kind, Country: c.CountryISO3, Party: c.Party, PreferredLanguage: c.PreferredLanguage, Languages: c.LanguageList(),
		Tags: c.TagList(), Stance: c.Stance, StanceEvidence: c.StanceEvidence, StanceDate: datePtr(c.StanceDate),
		DataSource: c.DataSource, LawfulBasis: c.LawfulBasis, DoNotContact: c.DoNotContact, DoNotContactReason: c.DoNotContactReason,
		OwnerOrganisationID: c.OwnerOrganisationID, UpdatedAt: c.UpdatedAt.UTC(), Emails: []emailJSON{}, Phones: []phoneJSON{}}
	if out.Languages == nil {
		out.Languages = []string{}
	}
	for _, e := range c.Emails {
		out.Emails = append(out.Emails, emailJSON{Email: e.Email, Label: e.Label})
	}
	for _, p := range c.Phones {
		out.Phones = append(out.Phones, phoneJSON{Number: p.Number, Label: p.Label})
	}
	for i := range c.Positions {
		out.Positions = append(out.Positions, toPositionJSON(&c.Positions[i]))
	}
	return out
}

// contactQueryParams reads q and the contact filters shared by the page, the
// API and the CSV export.
func contactQueryParams(c *gin.Context) (service.ContactQuery, error) {
	p, err := pageParams(c)
	if err != nil {
		return service.ContactQuery{}, err
	}
	q := service.ContactQuery{Text: c.Query("q"), ContactFilter: store.ContactFilter{
		Country: c.Query("country"), Region: c.Query("region"), Kind: model.ContactKind(c.Query("kind")),
		InstitutionKind: model.InstitutionKind(c.Query("institution_kind")), Party: c.Query("party"), Tag: c.Query("tag"),
		Stance: model.Stance(c.Query("stance")), Language: c.Query("language"), Sort: c.Query("sort"), Page: p,
		Descending: c.Query("dir") == "desc"}}
	fe := model.FieldErrors{}
	if v := c.Query("institution_id"); v != "" {
		if q.InstitutionID, err = parseID(v); err != nil {
			fe.Add("institution_id", "must be an institution id")
		}
	}
	switch c.Query("do_not_contact") {
	case "":
	case "true", "yes":
		t := true
		q.DoNotContact = &t
	case "false", "no":
		f := false
		q.DoNotContact = &f
	default:
		fe.Add("do_not_contact", "true or false")
	}
	switch c.Query("dir") {
	case "", "asc", "desc":
	default:
		fe.Add("dir", "asc or desc")
	}
	return q, fe.Err()
}

func (s *Server) apiListContacts(c *gin.Context) {
	q, err := contactQueryParams(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	cs, total, err := s.svc.Contacts(c.Request.Context(), actor(c), q)
	if err != nil {
		s.fail(c, err)
		return
	}
	items := make([]contactJSON, len(cs))
	for i := range cs {
		items[i] = toContactJSON(&cs[i])
	}
	c.JSON(http.StatusOK, newList(items, total, q.Page))
}

func (s *Server) apiGetContact(c *gin.Context) {
	id, err := idParam(c, "id", "contact")
	if err == nil {
		var ct *model.Contact
		if ct, err = s.svc.Contact(c.Request.Context(), actor(c), id); err == nil {
			c.JSON(http.StatusOK, toContactJSON(ct))
			return
		}
	}
	s.fail(c, err)
}

// contactRequest is the body of a contact create or full update.
type contactRequest struct {
	Honorific          string            `json:"honorific"`
	FirstName          string            `json:"first_name"`
	LastName           string            `json:"last_name"`
	Kind               model.ContactKind `json:"kind"`
	Country            *string           `json:"country"`
	Party              string            `json:"party"`
	Emails             []emailJSON       `json:"emails"`
	Phones             []phoneJSON       `json:"phones"`
	PreferredLanguage  string            `json:"preferred_language"`
	Languages          []string          `json:"languages"`
	Tags               []string          `json:"tags"`
	Stance             model.Stance      `json:"stance"`
	StanceEvidence     string            `json:"stance_evidence"`
	StanceDate         string            `json:"stance_date"`
	DataSource         string            `json:"data_source"`
	LawfulBasis        string            `json:"lawful_basis"`
	DoNotContact       bool              `json:"do_not_contact"`
	DoNotContactReason string            `json:"do_not_contact_reason"`
}

func (in contactRequest) contact() (model.Contact, error) {
	fe := model.FieldErrors{}
	c := model.Contact{Honorific: in.Honorific, FirstName: in.FirstName, LastName: in.LastName, Kind: in.Kind, CountryISO3: in.Country,
		Party: in.Party, PreferredLanguage: in.PreferredLanguage, Languages: strings.Join(in.Languages, ","), Stance: in.Stance,
		StanceEvidence: in.StanceEvidence, StanceDate: parseDay("stance_date", in.StanceDate, fe), DataSource: in.DataSource,
		LawfulBasis: in.LawfulBasis, DoNotContact: in.DoNotContact, DoNotContactReason: in.DoNotContactReason}
	for _, e := range in.Emails {
		c.Emails = append(c.Emails, model.ContactEmail{Email: e.Email, Label: e.Label})
	}
	for _, p := range in.Phones {
		c.Phones = append(c.Phones, model.ContactPhone{Number: p.Number, Label: p.Label})
	}
	for _, t := range in.Tags {
		c.Tags = append(c.Tags, model.ContactTag{Tag: t})
	}
	return c, fe.Err()
}

type duplicateJSON struct {
	ID       int64  `json:"id"`
	FullName string `json:"full_name"`
	Reason   string `json:"reason"`
}

func (s *Server) apiCreateContact(c *gin.Context) {
	var in contactRequest
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	ct, err := in.contact()
	if err != nil {
		s.fail(c, err)
		return
	}
	res, err := s.svc.CreateContact(c.Request.Context(), actor(c), ct)
	if err != nil {
		s.fail(c, err)
		return
	}
	dups := []duplicateJSON{}
	for _, d := range res.Duplicates {
		dups = append(dups, duplicateJSON{ID: d.Contact.ID, FullName: d.Contact.FullName(), Reason: d.Reason})
	}
	c.JSON(http.StatusCreated, gin.H{"contact": toContactJSON(res.Contact), "possible_duplicates": dups})
}

func (s *Server) apiUpdateContact(c *gin.Context) {
	id, err := idParam(c, "id", "contact")
	if err != nil {
		s.fail(c, err)
		return
	}
	var in contactRequest
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	ct, err := in.contact()
	if err != nil {
		s.fail(c, err)
		return
	}
	saved, err := s.svc.UpdateContact(c.Request.Context(), actor(c), id, ct)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toContactJSON(saved))
}

func (s *Server) apiDeleteContact(c *gin.Context) {
	id, err := idParam(c, "id", "contact")
	if err == nil {
		confirmed, _ := strconv.ParseBool(c.Query("confirm"))
		err = s.svc.DeleteContact(c.Request.Context(), actor(c), id, confirmed)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) apiContactDuplicates(c *gin.Context) {
	id, err := idParam(c, "id", "contact")
	if err != nil {
		s.fail(c, err)
		return
	}
	ds, err := s.svc.ContactDuplicates(c.Request.Context(), actor(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := []duplicateJSON{}
	for _, d := range ds {
		out = append(out, duplicateJSON{ID: d.Contact.ID, FullName: d.Contact.FullName(), Reason: d.Reason})
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}

func (s *Server) apiContactExport(c *gin.Context) {
	id, err := idParam(c, "id", "contact")
	if err != nil {
		s.fail(c, err)
		return
	}
	exp, err := s.svc.ExportContact(c.Request.Context(), actor(c), id, func(ct *model.Contact) any { return toContactJSON(ct) })
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="contact-`+strconv.FormatInt(id, 10)+`.json"`)
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, exp)
}

func (s *Server) apiContactErase(c *gin.Context) {
	id, err := idParam(c, "id", "contact")
	if err == nil {
		err = s.svc.EraseContact(c.Request.Context(), actor(c), id)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type mergeRequest struct {
	KeepID int64 `json:"keep_id"`
	DropID int64 `json:"drop_id"`
}

func (s *Server) apiMergeContacts(c *gin.Context) {
	var in mergeRequest
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	kept, err := s.svc.MergeContacts(c.Request.Context(), actor(c), in.KeepID, in.DropID)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toContactJSON(kept))
}

type bulkTagRequest struct {
	IDs []int64 `json:"ids"`
	Tag string  `json:"tag"`
}

func (s *Server) apiBulkTag(c *gin.Context) {
	var in bulkTagRequest
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	n, err := s.svc.BulkTag(c.Request.Context(), actor(c), in.IDs, in.Tag)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"tagged": n})
}

func (s *Server) apiListPositions(c *gin.Context) {
	id, err := idParam(c, "id", "contact")
	if err != nil {
		s.fail(c, err)
		return
	}
	ps, err := s.svc.Positions(c.Request.Context(), actor(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	items := make([]positionJSON, len(ps))
	for i := range ps {
		items[i] = toPositionJSON(&ps[i])
	}
	c.JSON(http.StatusOK, listBody[positionJSON]{Items: items, Total: int64(len(items)), Page: 1, PerPage: max(len(items), 1)})
}

type positionRequest struct {
	InstitutionID int64  `json:"institution_id"`
	Title         string `json:"title"`
	StartDate     string `json:"start_date"`
	EndDate       string `json:"end_date"`
}

func (in positionRequest) input() (service.PositionInput, error) {
	fe := model.FieldErrors{}
	out := service.PositionInput{InstitutionID: in.InstitutionID, Title: in.Title,
		Start: parseDay("start_date", in.StartDate, fe), End: parseDay("end_date", in.EndDate, fe)}
	return out, fe.Err()
}

func (s *Server) apiAddPosition(c *gin.Context) {
	id, err := idParam(c, "id", "contact")
	if err != nil {
		s.fail(c, err)
		return
	}
	var in positionRequest
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	pi, err := in.input()
	if err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.svc.AddPosition(c.Request.Context(), actor(c), id, pi)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toPositionJSON(p))
}

func (s *Server) apiUpdatePosition(c *gin.Context) {
	id, err := idParam(c, "id", "contact")
	if err != nil {
		s.fail(c, err)
		return
	}
	pid, err := idParam(c, "pid", "position")
	if err != nil {
		s.fail(c, err)
		return
	}
	var in positionRequest
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	pi, err := in.input()
	if err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.svc.UpdatePosition(c.Request.Context(), actor(c), id, pid, pi)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toPositionJSON(p))
}

type institutionJSON struct {
	ID       int64                 `json:"id"`
	Country  string                `json:"country"`
	Kind     model.InstitutionKind `json:"kind"`
	Name     string                `json:"name"`
	Location string                `json:"location"`
	ParentID *int64                `json:"parent_id"`
}

func toInstitutionJSON(i *model.Institution) institutionJSON {
	return institutionJSON{ID: i.ID, Country: i.CountryISO3, Kind: i.Kind, Name: i.Name, Location: i.Location, ParentID: i.ParentID}
}

func (s *Server) apiListInstitutions(c *gin.Context) {
	p, err := pageParams(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	f := store.InstitutionFilter{Country: c.Query("country"), Kind: model.InstitutionKind(c.Query("kind")), Query: c.Query("q"), Page: p}
	is, total, err := s.svc.Institutions(c.Request.Context(), actor(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	items := make([]institutionJSON, len(is))
	for i := range is {
		items[i] = toInstitutionJSON(&is[i])
	}
	c.JSON(http.StatusOK, newList(items, total, p))
}

func (s *Server) apiGetInstitution(c *gin.Context) {
	id, err := idParam(c, "id", "institution")
	if err == nil {
		var in *model.Institution
		if in, err = s.svc.Institution(c.Request.Context(), actor(c), id); err == nil {
			c.JSON(http.StatusOK, toInstitutionJSON(in))
			return
		}
	}
	s.fail(c, err)
}

type institutionRequest struct {
	Country  string                `json:"country"`
	Kind     model.InstitutionKind `json:"kind"`
	Name     string                `json:"name"`
	Location string                `json:"location"`
	ParentID *int64                `json:"parent_id"`
}

func (s *Server) saveInstitutionAPI(c *gin.Context, id int64) {
	var in institutionRequest
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	saved, err := s.svc.SaveInstitution(c.Request.Context(), actor(c), model.Institution{ID: id, CountryISO3: in.Country, Kind: in.Kind,
		Name: in.Name, Location: in.Location, ParentID: in.ParentID})
	if err != nil {
		s.fail(c, err)
		return
	}
	status := http.StatusOK
	if id == 0 {
		status = http.StatusCreated
	}
	c.JSON(status, toInstitutionJSON(saved))
}

func (s *Server) apiCreateInstitution(c *gin.Context) { s.saveInstitutionAPI(c, 0) }

func (s *Server) apiUpdateInstitution(c *gin.Context) {
	id, err := idParam(c, "id", "institution")
	if err != nil {
		s.fail(c, err)
		return
	}
	if _, err := s.svc.Institution(c.Request.Context(), actor(c), id); err != nil {
		s.fail(c, err)
		return
	}
	s.saveInstitutionAPI(c, id)
}

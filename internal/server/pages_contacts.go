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
	"ratify/internal/model"
	"ratify/internal/service"
)

// contactListKeys are the query parameters of the contact list that a link
// back to it keeps (the page number is added by the pager).
var contactListKeys = []string{"q", "country", "region", "kind", "institution_kind", "institution_id", "party", "tag",
	"stance", "language", "do_not_contact", "sort", "dir", "per_page"}

type contactsView struct {
	Contacts  []model.Contact
	Query     service.ContactQuery
	DNC       string
	Params    url.Values // the filters, without the page
	Pager     pager
	Countries []model.Country
	Regions   map[string][]string
	Parties   []string
	Tags      []string
	Kinds     []model.ContactKind
	InstKinds []model.InstitutionKind
	Stances   []model.Stance
	Errors    map[string]string
	Message   string
	// The bulk tag form's input and errors when it is shown again.
	TagValue   string
	TagErrors  map[string]string
	TagMessage string
	Checked    map[int64]bool
}

// Filtered reports whether any filter or search is applied.
func (v contactsView) Filtered() bool {
	for k := range v.Params {
		if k != "sort" && k != "dir" && k != "per_page" {
			return true
		}
	}
	return false
}

// SortURL links a column header to sorting by key, flipping the direction
// when the list is already sorted by it.
func (v contactsView) SortURL(key string) string {
	q := url.Values{}
	for k, vs := range v.Params {
		q[k] = vs
	}
	q.Set("sort", key)
	q.Del("dir")
	if v.sortKey() == key && !v.Query.Descending {
		q.Set("dir", "desc")
	}
	return "/contacts?" + q.Encode()
}

func (v contactsView) sortKey() string {
	if v.Query.Sort == "" {
		return "name"
	}
	return v.Query.Sort
}

// SortMark shows the arrow of the sorted column.
func (v contactsView) SortMark(key string) string {
	if v.sortKey() != key {
		return ""
	}
	if v.Query.Descending {
		return " ▼"
	}
	return " ▲"
}

// AriaSort is the aria-sort value of a column header.
func (v contactsView) AriaSort(key string) string {
	if v.sortKey() != key {
		return "none"
	}
	if v.Query.Descending {
		return "descending"
	}
	return "ascending"
}

// CSVURL exports the contacts of the current filter.
func (v contactsView) CSVURL() string { return "/contacts.csv?" + v.Params.Encode() }

// Back is the list's query, page included, for the bulk form to return to.
func (v contactsView) Back() string {
	q := url.Values{}
	for k, vs := range v.Params {
		q[k] = vs
	}
	if v.Pager.Page > 1 {
		q.Set("page", strconv.Itoa(v.Pager.Page))
	}
	return q.Encode()
}

// contactListQuery keeps only the list's own parameters, so a value posted
// back can never become a redirect elsewhere.
func contactListQuery(raw string) url.Values {
	in, _ := url.ParseQuery(raw)
	out := url.Values{}
	for _, k := range append(contactListKeys, "page") {
		if v := in.Get(k); v != "" {
			out.Set(k, v)
		}
	}
	return out
}

// isFragment reports whether htmx asked for a page's fragment only.
func isFragment(c *gin.Context) bool {
	return c.GetHeader("HX-Request") == "true" && c.GetHeader("HX-Target") != ""
}

// countryChoices lists every state by name, for menus.
func (s *Server) countryChoices(c *gin.Context) ([]model.Country, error) {
	return s.svc.CountryList(c.Request.Context(), actor(c))
}

// contactsList builds the list for the request's query; a filter that does
// not validate comes back as field errors with status 400.
func (s *Server) contactsList(c *gin.Context) (contactsView, int, error) {
	a := actor(c)
	params := contactListQuery(c.Request.URL.RawQuery)
	params.Del("page")
	v := contactsView{Params: params, DNC: c.Query("do_not_contact"), Kinds: model.ContactKinds,
		InstKinds: model.InstitutionKinds, Stances: model.Stances}
	status := http.StatusOK
	q, err := contactQueryParams(c)
	if err == nil {
		v.Query = q
		v.Contacts, v.Pager.Total, err = s.svc.Contacts(c.Request.Context(), a, q)
	}
	if err != nil {
		e, ok := model.AsError(err)
		if !ok || e.Code != model.CodeInvalid {
			return v, 0, err
		}
		v.Errors, v.Message, v.Contacts, status = e.Fields, e.Message, nil, http.StatusBadRequest
		v.Query.Text, v.Query.Sort, v.Query.Descending = c.Query("q"), c.Query("sort"), c.Query("dir") == "desc"
	}
	v.Pager = newPager(q.Page, v.Pager.Total, params)
	if isFragment(c) {
		return v, status, nil
	}
	ctx := c.Request.Context()
	if v.Countries, err = s.countryChoices(c); err != nil {
		return v, 0, err
	}
	if v.Regions, err = s.svc.Regions(ctx, a); err != nil {
		return v, 0, err
	}
	if v.Parties, v.Tags, err = s.svc.ContactFacets(ctx, a); err != nil {
		return v, 0, err
	}
	return v, status, nil
}

func (s *Server) contactsPage(c *gin.Context) {
	v, status, err := s.contactsList(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, status, "contacts.html", "Contacts", v)
}

// contactsBulkTag adds one tag to the contacts ticked on the list.
func (s *Server) contactsBulkTag(c *gin.Context) {
	a := actor(c)
	if !a.Can(auth.EditContacts) {
		s.fail(c, model.Forbidden())
		return
	}
	back := contactListQuery(c.PostForm("back"))
	fe := model.FieldErrors{}
	var ids []int64
	checked := map[int64]bool{}
	for _, raw := range c.PostFormArray("ids") {
		id, err := parseID(raw)
		if err != nil {
			fe.Add("ids", "choose contacts from the list")
			break
		}
		ids = append(ids, id)
		checked[id] = true
	}
	err := fe.Err()
	var n int64
	if err == nil {
		n, err = s.svc.BulkTag(c.Request.Context(), a, ids, c.PostForm("tag"))
	}
	if err != nil {
		e, ok := model.AsError(err)
		if !ok || e.Code != model.CodeInvalid {
			s.fail(c, err)
			return
		}
		c.Request.URL.RawQuery = back.Encode()
		v, _, lerr := s.contactsList(c)
		if lerr != nil {
			s.fail(c, lerr)
			return
		}
		v.TagValue, v.TagErrors, v.TagMessage, v.Checked = c.PostForm("tag"), e.Fields, "Nothing was tagged: "+e.Message+".", checked
		s.render(c, http.StatusBadRequest, "contacts.html", "Contacts", v)
		return
	}
	tag, _ := model.NormalizeTag(c.PostForm("tag"))
	msg := fmt.Sprintf("Tagged %d contact(s) “%s”.", n, tag) // a tag has at most 50 characters
	if skipped := int64(len(ids)) - n; skipped > 0 {
		msg += fmt.Sprintf(" %d skipped: already tagged, or no longer in Ratify.", skipped)
	}
	s.flash(c, msg)
	c.Redirect(http.StatusSeeOther, "/contacts?"+back.Encode())
}

// contactForm is the contact form's fields as typed.
type contactForm struct {
	Honorific, FirstName, LastName string
	Kind                           model.ContactKind
	Country                        string
	Party                          string
	Emails                         []emailJSON
	Phones                         []phoneJSON
	PreferredLanguage              string
	Languages                      string
	Tags                           string
	Stance                         model.Stance
	StanceEvidence                 string
	StanceDate                     string
	DataSource                     string
	LawfulBasis                    string
	DoNotContact                   bool
	DoNotContactReason             string
}

// formRows is how many address or number rows the form shows: at least
// three, one spare after those in use, at most ten.
func formRows(used int) int { return min(max(3, used+1), 10) }

func (f *contactForm) padRows() {
	for len(f.Emails) < formRows(len(f.Emails)) {
		f.Emails = append(f.Emails, emailJSON{})
	}
	for len(f.Phones) < formRows(len(f.Phones)) {
		f.Phones = append(f.Phones, phoneJSON{})
	}
}

func contactFormOf(ct *model.Contact) contactForm {
	f := contactForm{Honorific: ct.Honorific, FirstName: ct.FirstName, LastName: ct.LastName, Kind: ct.Kind, Party: ct.Party,
		PreferredLanguage: ct.PreferredLanguage, Languages: strings.Join(ct.LanguageList(), ", "), Tags: strings.Join(ct.TagList(), ", "),
		Stance: ct.Stance, StanceEvidence: ct.StanceEvidence, DataSource: ct.DataSource, LawfulBasis: ct.LawfulBasis,
		DoNotContact: ct.DoNotContact, DoNotContactReason: ct.DoNotContactReason}
	if ct.CountryISO3 != nil {
		f.Country = *ct.CountryISO3
	}
	if ct.StanceDate != nil {
		f.StanceDate = ct.StanceDate.UTC().Format("2006-01-02")
	}
	for _, e := range ct.Emails {
		f.Emails = append(f.Emails, emailJSON{Email: e.Email, Label: e.Label})
	}
	for _, p := range ct.Phones {
		f.Phones = append(f.Phones, phoneJSON{Number: p.Number, Label: p.Label})
	}
	f.padRows()
	return f
}

func contactFormFromPost(c *gin.Context) contactForm {
	f := contactForm{Honorific: c.PostForm("honorific"), FirstName: c.PostForm("first_name"), LastName: c.PostForm("last_name"),
		Kind: model.ContactKind(c.PostForm("kind")), Country: c.PostForm("country"), Party: c.PostForm("party"),
		PreferredLanguage: c.PostForm("preferred_language"), Languages: c.PostForm("languages"), Tags: c.PostForm("tags"),
		Stance: model.Stance(c.PostForm("stance")), StanceEvidence: c.PostForm("stance_evidence"), StanceDate: c.PostForm("stance_date"),
		DataSource: c.PostForm("data_source"), LawfulBasis: c.PostForm("lawful_basis"), DoNotContact: c.PostForm("do_not_contact") != "",
		DoNotContactReason: c.PostForm("do_not_contact_reason")}
	at := func(list []string, i int) string {
		if i < len(list) {
			return list[i]
		}
		return ""
	}
	emails, labels := c.PostFormArray("email"), c.PostFormArray("email_label")
	for i := range min(max(len(emails), len(labels)), 20) {
		f.Emails = append(f.Emails, emailJSON{Email: at(emails, i), Label: at(labels, i)})
	}
	phones, plabels := c.PostFormArray("phone"), c.PostFormArray("phone_label")
	for i := range min(max(len(phones), len(plabels)), 20) {
		f.Phones = append(f.Phones, phoneJSON{Number: at(phones, i), Label: at(plabels, i)})
	}
	return f
}

// contact turns the form into a contact through the API's request type, so
// both read input the same way. Blank rows are left out; a label without an
// address is kept so that validation names it.
func (f contactForm) contact() (model.Contact, error) {
	in := contactRequest{Honorific: f.Honorific, FirstName: f.FirstName, LastName: f.LastName, Kind: f.Kind, Party: f.Party,
		PreferredLanguage: f.PreferredLanguage, Languages: model.SplitList(f.Languages), Tags: model.SplitList(f.Tags),
		Stance: f.Stance, StanceEvidence: f.StanceEvidence, StanceDate: strings.TrimSpace(f.StanceDate), DataSource: f.DataSource,
		LawfulBasis: f.LawfulBasis, DoNotContact: f.DoNotContact, DoNotContactReason: f.DoNotContactReason}
	if iso := strings.TrimSpace(f.Country); iso != "" {
		in.Country = &iso
	}
	for _, e := range f.Emails {
		if strings.TrimSpace(e.Email) != "" || strings.TrimSpace(e.Label) != "" {
			in.Emails = append(in.Emails, e)
		}
	}
	for _, p := range f.Phones {
		if strings.TrimSpace(p.Number) != "" || strings.TrimSpace(p.Label) != "" {
			in.Phones = append(in.Phones, p)
		}
	}
	c, err := in.contact()
	if err != nil {
		// A date that does not parse should not hide the other fields' problems.
		fields := map[string]string{}
		if e, ok := model.AsError(err); ok {
			fields = e.Fields
		}
		check := c
		if verr, ok := model.AsError(check.Validate(time.Now().UTC())); ok {
			for k, v := range verr.Fields {
				if _, seen := fields[k]; !seen {
					fields[k] = v
				}
			}
		}
		return c, &model.Error{Code: model.CodeInvalid, Message: "check the fields marked", Fields: fields}
	}
	return c, nil
}

type contactFormView struct {
	Contact   *model.Contact // nil when creating
	Form      contactForm
	Countries []model.Country
	Kinds     []model.ContactKind
	Stances   []model.Stance
	Errors    map[string]string
	Message   string
	// LockDNC: do-not-contact is set and only a coordinator may clear it.
	LockDNC bool
}

func (s *Server) contactFormPage(c *gin.Context, status int, title string, v contactFormView) {
	var err error
	if v.Countries, err = s.countryChoices(c); err != nil {
		s.fail(c, err)
		return
	}
	v.Kinds, v.Stances = model.ContactKinds, model.Stances
	v.Form.padRows()
	if v.Contact != nil && v.Contact.DoNotContact && !actor(c).Can(auth.AssignFollowups) {
		v.LockDNC = true
	}
	s.render(c, status, "contact_form.html", title, v)
}

func (s *Server) contactNewPage(c *gin.Context) {
	if !actor(c).Can(auth.EditContacts) {
		s.fail(c, model.Forbidden())
		return
	}
	f := contactForm{Stance: model.StanceUnknown, Country: strings.ToUpper(c.Query("country"))}
	s.contactFormPage(c, http.StatusOK, "New contact", contactFormView{Form: f})
}

func (s *Server) contactCreate(c *gin.Context) {
	a := actor(c)
	if !a.Can(auth.EditContacts) {
		s.fail(c, model.Forbidden())
		return
	}
	f := contactFormFromPost(c)
	ct, err := f.contact()
	var res *service.SaveContactResult
	if err == nil {
		res, err = s.svc.CreateContact(c.Request.Context(), a, ct)
	}
	if err != nil {
		if e, ok := model.AsError(err); ok && e.Code == model.CodeInvalid {
			s.contactFormPage(c, http.StatusBadRequest, "New contact", contactFormView{Form: f, Errors: e.Fields, Message: formMessage(e)})
			return
		}
		s.fail(c, err)
		return
	}
	msg := truncateRunes(res.Contact.FullName(), 50) + " was added."
	if n := len(res.Duplicates); n > 0 {
		msg += fmt.Sprintf(" Careful: %d existing contact(s) look like the same person; see below.", n)
	}
	s.flash(c, msg)
	c.Redirect(http.StatusSeeOther, "/contacts/"+strconv.FormatInt(res.Contact.ID, 10))
}

// formMessage is the line above a form that failed: the service's own
// message, or a plain pointer to the fields.
func formMessage(e *model.Error) string {
	if len(e.Fields) > 0 {
		return "Nothing was saved: please correct the fields marked below."
	}
	return e.Message
}

func (s *Server) contactEditPage(c *gin.Context) {
	a := actor(c)
	if !a.Can(auth.EditContacts) {
		s.fail(c, model.Forbidden())
		return
	}
	id, err := idParam(c, "id", "contact")
	var ct *model.Contact
	if err == nil {
		ct, err = s.svc.Contact(c.Request.Context(), a, id)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.contactFormPage(c, http.StatusOK, "Edit "+ct.FullName(), contactFormView{Contact: ct, Form: contactFormOf(ct)})
}

func (s *Server) contactUpdate(c *gin.Context) {
	a := actor(c)
	if !a.Can(auth.EditContacts) {
		s.fail(c, model.Forbidden())
		return
	}
	id, err := idParam(c, "id", "contact")
	var cur *model.Contact
	if err == nil {
		cur, err = s.svc.Contact(c.Request.Context(), a, id)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	f := contactFormFromPost(c)
	ct, err := f.contact()
	var saved *model.Contact
	if err == nil {
		saved, err = s.svc.UpdateContact(c.Request.Context(), a, id, ct)
	}
	if err != nil {
		if e, ok := model.AsError(err); ok && e.Code == model.CodeInvalid {
			s.contactFormPage(c, http.StatusBadRequest, "Edit "+cur.FullName(), contactFormView{Contact: cur, Form: f, Errors: e.Fields, Message: formMessage(e)})
			return
		}
		s.fail(c, err)
		return
	}
	s.flash(c, "Changes to "+truncateRunes(saved.FullName(), 50)+" saved.")
	c.Redirect(http.StatusSeeOther, "/contacts/"+strconv.FormatInt(id, 10))
}

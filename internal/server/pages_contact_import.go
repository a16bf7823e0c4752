package server

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"ratify/internal/auth"
	"ratify/internal/model"
	"ratify/internal/service"
)

// contactImportView is the import page. The server keeps no upload between
// requests: every step posts the file again, with the mapping chosen.
type contactImportView struct {
	Fields  []string
	Result  *service.ImportResult
	Mapping map[string]int // the mapping to show in the menus
	Mode    string
	Errors  map[string]string
	Message string
}

// importFieldLabels names the import fields for people.
var importFieldLabels = map[string]string{
	"name": "Full name (split into first and last)", "honorific": "Honorific", "first_name": "First name", "last_name": "Last name",
	"email": "Email(s)", "phone": "Phone(s)", "country": "Country (name or ISO code)", "party": "Party",
	"position": "Position / post", "institution": "Institution", "chamber": "Chamber (a parliament)",
	"language": "Preferred language", "languages": "Languages", "kind": "Kind", "tags": "Tags", "stance": "Stance",
	// Validation names some fields after the contact's own.
	"emails": "Email(s)", "phones": "Phone(s)", "preferred_language": "Preferred language",
}

// Label names a field.
func (contactImportView) Label(field string) string {
	if l, ok := importFieldLabels[field]; ok {
		return l
	}
	return field
}

// Column is the column index a field is mapped to, or -1.
func (v contactImportView) Column(field string) int {
	if i, ok := v.Mapping[field]; ok {
		return i
	}
	return -1
}

// Mapped lists the fields mapped, in the order of ImportFields.
func (v contactImportView) Mapped() []string {
	var out []string
	for _, f := range service.ImportFields {
		if _, ok := v.Mapping[f]; ok {
			out = append(out, f)
		}
	}
	return out
}

// Capped reports whether fewer errors are listed than were found.
func (v contactImportView) Capped() bool {
	return v.Result != nil && v.Result.ErrorsTotal > len(v.Result.Errors)
}

func (s *Server) contactImportPage(c *gin.Context) {
	if !actor(c).Can(auth.ManageCampaigns) {
		s.fail(c, model.Forbidden())
		return
	}
	s.render(c, http.StatusOK, "contact_import.html", "Import contacts", contactImportView{Fields: service.ImportFields, Mode: "skip"})
}

// mappingFromForm reads the map_<field> menus; "" leaves a field out.
func mappingFromForm(c *gin.Context, fe model.FieldErrors) map[string]int {
	m := map[string]int{}
	for _, f := range service.ImportFields {
		v := c.PostForm("map_" + f)
		if v == "" {
			continue
		}
		i, err := strconv.Atoi(v)
		if err != nil || i < 0 || i > 10000 {
			fe.Add("map_"+f, "choose a column from the list")
			continue
		}
		m[f] = i
	}
	return m
}

// contactImportSubmit checks a file (dry run, the default) or imports it.
// Any bad row stops a real import: nothing is written and every problem is
// listed by line, as in a dry run.
func (s *Server) contactImportSubmit(c *gin.Context) {
	a := actor(c)
	if !a.Can(auth.ManageCampaigns) {
		s.fail(c, model.Forbidden())
		return
	}
	v := contactImportView{Fields: service.ImportFields, Mode: c.DefaultPostForm("mode", "skip")}
	fe := model.FieldErrors{}
	var mapping map[string]int
	if c.PostForm("mapping_given") == "1" {
		mapping = mappingFromForm(c, fe)
		v.Mapping = mapping
	}
	fh, err := c.FormFile("file")
	if err != nil {
		if fe := formFileError(err); model.ErrorCode(fe) != model.CodeInvalid {
			s.fail(c, fe)
			return
		}
		v.Errors = map[string]string{"file": "choose the CSV file (again)"}
		v.Message = "Nothing was imported: no file was chosen."
		s.render(c, http.StatusBadRequest, "contact_import.html", "Import contacts", v)
		return
	}
	opt, err := importOptionsFromForm(c, fh)
	if err == nil {
		err = fe.Err()
	}
	if err != nil {
		s.formError(c, err, "contact_import.html", "Import contacts", func(e *model.Error) any {
			v.Errors, v.Message = e.Fields, "Nothing was imported: "+e.Message+"."
			return v
		})
		return
	}
	if c.PostForm("dry_run") == "" {
		opt.DryRun = true // checking is the safe default
	}
	opt.Mapping = mapping
	res, err := s.svc.ImportContacts(c.Request.Context(), a, func() (io.ReadCloser, error) { return fh.Open() }, opt)
	if err != nil {
		s.formError(c, err, "contact_import.html", "Import contacts", func(e *model.Error) any {
			v.Errors, v.Message = e.Fields, "Nothing was imported: "+e.Message+"."
			return v
		})
		return
	}
	if !opt.DryRun && res.ErrorsTotal == 0 {
		s.flash(c, importSummary(opt.FileName, res))
		c.Redirect(http.StatusSeeOther, "/contacts?sort=updated&dir=desc")
		return
	}
	v.Result = res
	if v.Mapping == nil {
		v.Mapping = res.Mapping
	}
	status := http.StatusOK
	if res.ErrorsTotal > 0 {
		status = http.StatusUnprocessableEntity
	}
	s.render(c, status, "contact_import.html", "Import contacts", v)
}

func importSummary(name string, r *service.ImportResult) string {
	var b strings.Builder
	b.WriteString("Imported ")
	b.WriteString(truncateRunes(name, 40))
	b.WriteString(": ")
	b.WriteString(strconv.Itoa(r.Rows) + " row(s), " + strconv.Itoa(r.Created) + " created, " +
		strconv.Itoa(r.Updated) + " updated, " + strconv.Itoa(r.Skipped) + " skipped as already known.")
	return b.String()
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

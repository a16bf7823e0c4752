package server

import (
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"ratify/internal/auth"
	"ratify/internal/model"
	"ratify/internal/service"
)

// importOptionsFromForm reads dry_run, mode (update or skip) and an optional
// mapping ({"field": column index}) from a multipart form.
func importOptionsFromForm(c *gin.Context, fh *multipart.FileHeader) (service.ImportOptions, error) {
	opt := service.ImportOptions{FileName: fh.Filename}
	fe := model.FieldErrors{}
	if v := c.PostForm("dry_run"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			fe.Add("dry_run", "true or false")
		}
		opt.DryRun = b
	}
	switch c.DefaultPostForm("mode", "skip") {
	case "skip":
	case "update":
		opt.UpdateExisting = true
	default:
		fe.Add("mode", "update or skip")
	}
	if m := c.PostForm("mapping"); m != "" {
		if err := json.Unmarshal([]byte(m), &opt.Mapping); err != nil {
			fe.Add("mapping", `a JSON object such as {"name":0,"email":1}`)
		}
		for f := range opt.Mapping {
			if !containsString(service.ImportFields, f) {
				fe.Add("mapping", "unknown field "+strconv.Quote(f))
			}
		}
	}
	if len(fh.Filename) > 200 || !model.PlainLine(fh.Filename) {
		opt.FileName = "upload.csv"
	}
	return opt, fe.Err()
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (s *Server) apiImportContacts(c *gin.Context) {
	// Refuse before reading the upload: someone who may not import gets a
	// 403 rather than remarks on their file, and nothing is spooled.
	if !actor(c).Can(auth.ManageCampaigns) {
		s.fail(c, model.Forbidden())
		return
	}
	fh, err := c.FormFile("file")
	if err != nil {
		s.fail(c, formFileError(err))
		return
	}
	opt, err := importOptionsFromForm(c, fh)
	if err != nil {
		s.fail(c, err)
		return
	}
	res, err := s.svc.ImportContacts(c.Request.Context(), actor(c), func() (io.ReadCloser, error) { return fh.Open() }, opt)
	if err != nil {
		s.fail(c, err)
		return
	}
	status := http.StatusOK
	if res.ErrorsTotal > 0 {
		status = http.StatusUnprocessableEntity
	}
	// Every error carries its field, empty when it is about the whole line.
	errs := make([]importErrorJSON, len(res.Errors))
	for i, le := range res.Errors {
		errs[i] = importErrorJSON{Line: le.Line, Field: le.Field, Message: le.Message}
	}
	c.JSON(status, gin.H{"rows": res.Rows, "created": res.Created, "updated": res.Updated, "skipped": res.Skipped,
		"errors": errs, "errors_total": res.ErrorsTotal, "dry_run": res.DryRun})
}

// importErrorJSON is one line's problem in the import answer.
type importErrorJSON struct {
	Line    int    `json:"line"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

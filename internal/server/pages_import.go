package server

import (
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"ratify/internal/auth"
	"ratify/internal/model"
	"ratify/internal/service"
)

type importView struct {
	Instruments []model.Instrument
	Code        string
	Source      string
	// Content carries the uploaded file from the preview to the apply step,
	// so nothing is kept on the server between the two.
	Content string
	Report  *service.ImportReport
	Errors  map[string]string
	Message string
}

func (s *Server) importPage(c *gin.Context) {
	a := actor(c)
	if !a.Can(auth.RecordTreatyStatus) {
		s.fail(c, model.Forbidden())
		return
	}
	insts, err := s.svc.Instruments(c.Request.Context(), a)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "import.html", "Update from an official list", importView{Instruments: insts, Code: c.DefaultQuery("instrument", "ICRMW")})
}

// importSubmit shows the differences of an uploaded file (step 1) and applies
// the ones the coordinator ticked (step 2).
func (s *Server) importSubmit(c *gin.Context) {
	a := actor(c)
	// Refuse before reading the upload, as importPage refuses the form.
	if !a.Can(auth.RecordTreatyStatus) {
		s.fail(c, model.Forbidden())
		return
	}
	ctx := c.Request.Context()
	v := importView{Code: c.PostForm("instrument"), Source: c.PostForm("source")}
	var err error
	if v.Instruments, err = s.svc.Instruments(ctx, a); err != nil {
		s.fail(c, err)
		return
	}
	apply := c.PostForm("step") == "apply"
	if apply {
		v.Content = c.PostForm("content")
	} else {
		fh, ferr := c.FormFile("file")
		if ferr != nil {
			if _, isMax := ferr.(*http.MaxBytesError); isMax {
				s.fail(c, ferr)
				return
			}
			v.Errors = map[string]string{"file": "choose a CSV file to upload"}
			s.render(c, http.StatusBadRequest, "import.html", "Update from an official list", v)
			return
		}
		f, ferr := fh.Open()
		if ferr != nil {
			s.fail(c, ferr)
			return
		}
		b, ferr := io.ReadAll(io.LimitReader(f, service.MaxImportBytes+1))
		f.Close()
		if ferr != nil {
			s.fail(c, ferr)
			return
		}
		v.Content = string(b)
	}
	accepted := map[string]bool{}
	for _, iso := range c.PostFormArray("accept") {
		accepted[strings.ToUpper(iso)] = true
	}
	rep, err := s.svc.ImportRatifications(ctx, a, v.Code, strings.NewReader(v.Content), v.Source, apply,
		func(iso3 string) bool { return accepted[iso3] })
	if err != nil {
		s.formError(c, err, "import.html", "Update from an official list", func(e *model.Error) any {
			v.Errors, v.Message = e.Fields, e.Message
			return v
		})
		return
	}
	v.Report = rep
	if apply && len(rep.Errors) == 0 {
		s.flash(c, itoa(rep.Applied)+" change(s) recorded from the file.")
		c.Redirect(http.StatusSeeOther, "/countries")
		return
	}
	status := http.StatusOK
	if len(rep.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	s.render(c, status, "import.html", "Update from an official list", v)
}

package server

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"ratify/internal/auth"
	"ratify/internal/model"
)

type referenceView struct {
	Stages      []model.Stage
	Instruments []model.Instrument
	Form        createInstrumentRequest
	Errors      map[string]string
	Message     string
}

func (s *Server) referenceData(c *gin.Context, v referenceView) (referenceView, error) {
	a := actor(c)
	var err error
	if v.Stages, err = s.svc.Stages(c.Request.Context(), a); err != nil {
		return v, err
	}
	v.Instruments, err = s.svc.Instruments(c.Request.Context(), a)
	return v, err
}

func (s *Server) stagesPage(c *gin.Context) {
	if !actor(c).Can(auth.ManageReferenceLists) {
		s.fail(c, model.Forbidden())
		return
	}
	v, err := s.referenceData(c, referenceView{})
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "stages.html", "Campaign stages", v)
}

func (s *Server) stageFormError(c *gin.Context, err error) {
	s.formError(c, err, "stages.html", "Campaign stages", func(e *model.Error) any {
		v, _ := s.referenceData(c, referenceView{Errors: e.Fields, Message: e.Message})
		return v
	})
}

func (s *Server) stageCreate(c *gin.Context) {
	if _, err := s.svc.CreateStage(c.Request.Context(), actor(c), c.PostForm("name")); err != nil {
		s.stageFormError(c, err)
		return
	}
	s.flash(c, "Stage added.")
	c.Redirect(http.StatusSeeOther, "/admin/stages")
}

func (s *Server) stageUpdate(c *gin.Context) {
	id, err := idParam(c, "id", "stage")
	if err == nil {
		pos, _ := strconv.Atoi(c.PostForm("position"))
		_, err = s.svc.UpdateStage(c.Request.Context(), actor(c), id, c.PostForm("name"), pos)
	}
	if err != nil {
		s.stageFormError(c, err)
		return
	}
	s.flash(c, "Stage saved.")
	c.Redirect(http.StatusSeeOther, "/admin/stages")
}

func (s *Server) stageDelete(c *gin.Context) {
	id, err := idParam(c, "id", "stage")
	if err == nil {
		err = s.svc.DeleteStage(c.Request.Context(), actor(c), id)
	}
	if err != nil {
		s.stageFormError(c, err)
		return
	}
	s.flash(c, "Stage removed.")
	c.Redirect(http.StatusSeeOther, "/admin/stages")
}

func (s *Server) instrumentsPage(c *gin.Context) {
	if !actor(c).Can(auth.ManageReferenceLists) {
		s.fail(c, model.Forbidden())
		return
	}
	v, err := s.referenceData(c, referenceView{Form: createInstrumentRequest{Kind: model.KindUNTreaty}})
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "instruments.html", "Instruments", v)
}

func (s *Server) instrumentCreate(c *gin.Context) {
	in := createInstrumentRequest{Code: c.PostForm("code"), Title: c.PostForm("title"), ShortTitle: c.PostForm("short_title"),
		Kind: model.InstrumentKind(c.PostForm("kind")), AdoptedDate: c.PostForm("adopted_date")}
	fe := model.FieldErrors{}
	adopted := parseDay("adopted_date", in.AdoptedDate, fe)
	err := fe.Err()
	if err == nil {
		_, err = s.svc.CreateInstrument(c.Request.Context(), actor(c), model.Instrument{Code: in.Code, Title: in.Title,
			ShortTitle: in.ShortTitle, Kind: in.Kind, AdoptedDate: adopted})
	}
	if err != nil {
		s.formError(c, err, "instruments.html", "Instruments", func(e *model.Error) any {
			v, _ := s.referenceData(c, referenceView{Form: in, Errors: e.Fields, Message: e.Message})
			return v
		})
		return
	}
	s.flash(c, "Instrument added. It now has a column in the comparative table.")
	c.Redirect(http.StatusSeeOther, "/admin/instruments")
}

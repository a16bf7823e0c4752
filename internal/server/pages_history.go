package server

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"ratify/internal/model"
)

type historyView struct {
	Country    model.Country
	Instrument model.Instrument
	Events     []model.RatificationEvent
	Pager      pager
}

// historyPage lists a state's whole timeline on one instrument, 100 at a time.
func (s *Server) historyPage(c *gin.Context) {
	p, err := pageParams(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if c.Query("per_page") == "" {
		p.PerPage = 100
	}
	h, err := s.svc.RatificationHistory(c.Request.Context(), actor(c), c.Param("iso3"), c.Param("code"), p)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "history.html", h.Country.Name+": history", historyView{Country: h.Country, Instrument: h.Instrument,
		Events: h.Events, Pager: newPager(p, h.Total, url.Values{})})
}

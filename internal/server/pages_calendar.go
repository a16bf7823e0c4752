package server

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
)

// accountCalendar creates the personal calendar link, or resets it so the
// old address stops working.
func (s *Server) accountCalendar(c *gin.Context) {
	a := actor(c)
	reset := a.User.CalendarToken != ""
	if _, err := s.svc.CalendarToken(c.Request.Context(), a, reset); err != nil {
		s.fail(c, err)
		return
	}
	if reset {
		s.flash(c, "Your calendar link is reset: the old address no longer works. Subscribe again with the new one.")
	} else {
		s.flash(c, "Your calendar link is ready.")
	}
	c.Redirect(http.StatusSeeOther, "/account#calendar")
}

// calendarURL is the user's feed address, or "" before they asked for one.
func (s *Server) calendarURL(c *gin.Context) string {
	u := actor(c).User
	if u == nil || u.CalendarToken == "" {
		return ""
	}
	base := strings.TrimRight(s.opts.PublicURL, "/")
	if base == "" {
		scheme := "http"
		if c.Request.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + c.Request.Host
	}
	return base + "/followups.ics?" + url.Values{"token": {u.CalendarToken}}.Encode()
}

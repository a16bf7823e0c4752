package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"ratify/internal/model"
)

// accountDigest saves the daily follow-up digest choice from the account
// page. The hour is a menu of 0–23, so a bad value only comes from a forged
// form and gets the error page.
func (s *Server) accountDigest(c *gin.Context) {
	enabled := c.PostForm("digest_enabled") == "on"
	hour, err := strconv.Atoi(strings.TrimSpace(c.PostForm("digest_hour")))
	if err != nil {
		s.fail(c, &model.Error{Code: model.CodeInvalid, Message: "please correct the highlighted fields",
			Fields: map[string]string{"digest_hour": "an hour from 0 to 23 (UTC)"}})
		return
	}
	if err := s.svc.SetDigest(c.Request.Context(), actor(c), enabled, hour); err != nil {
		s.fail(c, err)
		return
	}
	if enabled {
		s.flash(c, "Your daily digest comes at "+strconv.Itoa(hour)+":00 UTC on days with follow-ups due.")
	} else {
		s.flash(c, "The daily digest is off.")
	}
	c.Redirect(http.StatusSeeOther, "/account#digest")
}

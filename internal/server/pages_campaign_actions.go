package server

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"ratify/internal/model"
)

// mailCampaignStart saves the draft as shown (so what is counted is what is
// sent) and starts it now, or at the UTC time given.
func (s *Server) mailCampaignStart(c *gin.Context) {
	ctx, a := c.Request.Context(), actor(c)
	id, err := idParam(c, "id", "campaign")
	if err != nil {
		s.fail(c, err)
		return
	}
	f, err := postForm(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if f.Get("with_draft") == "1" {
		if _, ok := s.saveDraftFromForm(c, id); !ok {
			return
		}
	}
	var at *time.Time
	if f.Get("when") == "later" {
		t, perr := time.ParseInLocation("2006-01-02T15:04", f.Get("at"), time.UTC)
		if perr != nil {
			err = &model.Error{Code: model.CodeInvalid, Message: "choose when to start", Fields: map[string]string{"at": "a date and time, in UTC"}}
		}
		at = &t
	}
	var cp *model.Campaign
	if err == nil {
		cp, err = s.svc.StartCampaign(ctx, a, id, at)
	}
	if err != nil {
		e, ok := model.AsError(err)
		if !ok || (e.Code != model.CodeInvalid && e.Code != model.CodeUnprocessable && e.Code != model.CodeConflict) {
			s.fail(c, err)
			return
		}
		cur, _, gerr := s.svc.Campaign(ctx, a, id)
		if gerr != nil {
			s.fail(c, gerr)
			return
		}
		if cur.Status != model.CampaignDraft {
			s.flash(c, e.Message)
			c.Redirect(http.StatusSeeOther, "/campaigns/"+strconv.FormatInt(id, 10))
			return
		}
		form := campaignValues(cur)
		form.Set("at", f.Get("at"))
		s.renderCampaignForm(c, statusFor(e.Code), mailCampaignFormView{Campaign: cur, Form: form, StartMessage: e.Message, StartErrors: e.Fields})
		return
	}
	if cp.Status == model.CampaignScheduled && cp.ScheduledAt != nil {
		s.flash(c, "The campaign is scheduled for "+formatDateTime(*cp.ScheduledAt)+". Its audience is frozen.")
	} else {
		s.flash(c, "Sending has started. The audience is frozen; this page follows the progress.")
	}
	c.Redirect(http.StatusSeeOther, "/campaigns/"+strconv.FormatInt(id, 10))
}

// mailCampaignChange pauses, resumes or cancels; cancelling needs the
// confirmation page's "yes". A change the campaign's state does not allow
// comes back as a message on the campaign's page.
func (s *Server) mailCampaignChange(action string) gin.HandlerFunc {
	done := map[string]string{"pause": "The campaign is paused: no more messages go out until you resume it.",
		"resume": "The campaign is sending again.", "cancel": "The campaign is cancelled: queued messages will not be sent."}
	return func(c *gin.Context) {
		id, err := idParam(c, "id", "campaign")
		if err != nil {
			s.fail(c, err)
			return
		}
		back := "/campaigns/" + strconv.FormatInt(id, 10)
		if action == "cancel" && c.PostForm("confirm") != "yes" {
			c.Redirect(http.StatusSeeOther, back+"/cancel")
			return
		}
		if _, err := s.svc.ChangeCampaign(c.Request.Context(), actor(c), id, action); err != nil {
			if model.ErrorCode(err) != model.CodeConflict {
				s.fail(c, err)
				return
			}
			e, _ := model.AsError(err)
			s.flash(c, "Nothing changed: "+e.Message+".")
			c.Redirect(http.StatusSeeOther, back)
			return
		}
		s.flash(c, done[action])
		c.Redirect(http.StatusSeeOther, back)
	}
}

func (s *Server) mailCampaignCancelPage(c *gin.Context) {
	id, err := idParam(c, "id", "campaign")
	if err != nil {
		s.fail(c, err)
		return
	}
	cp, counts, err := s.svc.Campaign(c.Request.Context(), actor(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.renderCampaignProgress(c, cp, counts, true)
}

func (s *Server) mailCampaignRetry(c *gin.Context) {
	id, err := idParam(c, "id", "campaign")
	if err != nil {
		s.fail(c, err)
		return
	}
	back := "/campaigns/" + strconv.FormatInt(id, 10)
	n, err := s.svc.RetryFailed(c.Request.Context(), actor(c), id)
	if err != nil {
		if model.ErrorCode(err) != model.CodeConflict {
			s.fail(c, err)
			return
		}
		e, _ := model.AsError(err)
		s.flash(c, "Nothing changed: "+e.Message+".")
		c.Redirect(http.StatusSeeOther, back)
		return
	}
	s.flash(c, fmt.Sprintf("%d failed recipient(s) queued again.", n))
	c.Redirect(http.StatusSeeOther, back)
}

// mailCampaignProgress answers the polled parts of the progress page; a
// plain visit goes to the page itself.
func (s *Server) mailCampaignProgress(c *gin.Context) {
	id, err := idParam(c, "id", "campaign")
	if err != nil {
		s.fail(c, err)
		return
	}
	cp, counts, err := s.svc.Campaign(c.Request.Context(), actor(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	if c.GetHeader("HX-Request") != "true" {
		c.Redirect(http.StatusSeeOther, "/campaigns/"+strconv.FormatInt(id, 10))
		return
	}
	s.renderCampaignProgress(c, cp, counts, false)
}

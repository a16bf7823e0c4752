package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"ratify/internal/model"
	"ratify/internal/service"
	"ratify/internal/store"
)

// mailCampaignView is the progress page of a started campaign. Two parts of
// it poll while the campaign is live: the figures ("progress") and the
// recipient list ("recipients"); Part names the one an htmx request wants.
type mailCampaignView struct {
	C             *model.Campaign
	Counts        model.CampaignCounts
	Criteria      []string
	Now           time.Time
	Part          string
	ConfirmCancel bool
	// Rate is messages per second: over the last poll when Recent, else
	// the average since the start. End is the estimated end.
	Rate    float64
	Recent  bool
	Average float64
	End     *time.Time
	window  rateWindow
	// The recipient list, filtered by State ("ambiguous" is a flag, not a state).
	State         string
	Recipients    []model.CampaignRecipient
	Pager         pager
	Outreach      []model.Outreach
	OutreachTotal int64
}

// Live reports whether anything may still change by itself.
func (v mailCampaignView) Live() bool {
	switch v.C.Status {
	case model.CampaignScheduled, model.CampaignSending:
		return true
	}
	return v.Counts.Sending > 0
}

// CanPause, CanResume, CanCancel and CanRetry show only the actions the
// campaign's state allows.
func (v mailCampaignView) CanPause() bool {
	return v.C.Status == model.CampaignSending || v.C.Status == model.CampaignScheduled
}
func (v mailCampaignView) CanResume() bool { return v.C.Status == model.CampaignPaused }
func (v mailCampaignView) CanCancel() bool {
	return v.C.Status != model.CampaignDone && v.C.Status != model.CampaignCancelled
}
func (v mailCampaignView) CanRetry() bool {
	return v.Counts.Failed > 0 && v.C.Status != model.CampaignCancelled && v.C.Status != model.CampaignDraft
}

// Done is the number of rows in a final state; Percent is its share.
func (v mailCampaignView) Done() int64 {
	return v.Counts.Sent + v.Counts.Failed + v.Counts.Skipped + v.Counts.Cancelled
}

// Percent is how far the campaign has come, 0-100.
func (v mailCampaignView) Percent() int64 {
	if t := v.Counts.Total(); t > 0 {
		return v.Done() * 100 / t
	}
	return 0
}

// Waiting is what is still to be sent.
func (v mailCampaignView) Waiting() int64 { return v.Counts.Queued + v.Counts.Sending }

// PollURL carries the rate window (the sent count and time at its start,
// and the rate it last measured), so that later polls can tell the current
// rate: senders work in batches, so two polls 2 s apart say little.
func (v mailCampaignView) PollURL() string {
	q := url.Values{"ws": {strconv.FormatInt(v.window.sent, 10)}, "wt": {strconv.FormatInt(v.window.at.UnixMilli(), 10)}}
	if v.Recent {
		q.Set("wr", strconv.FormatFloat(v.Rate, 'f', 3, 64))
	}
	return fmt.Sprintf("/campaigns/%d/progress?%s", v.C.ID, q.Encode())
}

// ListURL polls the recipient list with the same filter and page.
func (v mailCampaignView) ListURL() string {
	q := url.Values{"page": {strconv.Itoa(v.Pager.Page)}}
	if v.State != "" {
		q.Set("state", v.State)
	}
	return fmt.Sprintf("/campaigns/%d/progress?%s", v.C.ID, q.Encode())
}

// States are the recipient filter's choices.
func (mailCampaignView) States() []string {
	return []string{"queued", "sending", "sent", "failed", "ambiguous", "skipped", "cancelled"}
}

// rateText says a rate for people.
func rateText(perSecond float64) string {
	switch {
	case perSecond <= 0:
		return "—"
	case perSecond >= 1:
		return fmt.Sprintf("%.1f per second", perSecond)
	default:
		return fmt.Sprintf("%.1f per minute", perSecond*60)
	}
}

// RateText is the rate shown.
func (v mailCampaignView) RateText() string { return rateText(v.Rate) }

// AverageText is the average since the start.
func (v mailCampaignView) AverageText() string { return rateText(v.Average) }

func (s *Server) renderCampaignProgress(c *gin.Context, cp *model.Campaign, counts model.CampaignCounts, confirmCancel bool) {
	ctx, a := c.Request.Context(), actor(c)
	v := mailCampaignView{C: cp, Counts: counts, Now: time.Now().UTC(), ConfirmCancel: confirmCancel, State: c.Query("state")}
	stages, err := s.svc.Stages(ctx, a)
	if err != nil {
		s.fail(c, err)
		return
	}
	v.Criteria = describeAudience(service.CampaignAudience(cp), func(id int64) string {
		for _, st := range stages {
			if st.ID == id {
				return st.Name
			}
		}
		return "stage " + strconv.FormatInt(id, 10)
	}, func(id int64) string {
		if in, err := s.svc.Institution(ctx, a, id); err == nil {
			return in.Name + " (" + in.CountryISO3 + ")"
		}
		return "institution " + strconv.FormatInt(id, 10)
	})
	if c.GetHeader("HX-Request") == "true" {
		v.Part = c.GetHeader("HX-Target")
	}
	v.rates(c.Query("ws"), c.Query("wt"), c.Query("wr"))
	p, err := pageParams(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	state, ambiguous := v.State, false
	if state == "ambiguous" {
		state, ambiguous = "", true
	}
	rs, total, err := s.svc.Recipients(ctx, a, cp.ID, state, ambiguous, p)
	if err != nil {
		s.fail(c, err)
		return
	}
	q := url.Values{}
	if v.State != "" {
		q.Set("state", v.State)
	}
	v.Recipients, v.Pager = rs, newPager(p, total, q)
	if v.Outreach, v.OutreachTotal, err = s.svc.ListOutreach(ctx, a, store.OutreachFilter{CampaignID: cp.ID, Page: model.Page{PerPage: 5}}); err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "mail_campaign.html", cp.Name, v)
}

// rateWindow is where the current rate is measured from.
type rateWindow struct {
	sent int64
	at   time.Time
}

// The current rate is measured over windows of at least rateWindowMin; a
// window older than rateWindowMax (a sleeping laptop) starts again.
const (
	rateWindowMin = 10 * time.Second
	rateWindowMax = 2 * time.Minute
)

// rates works out the sending rate — over the last window of polls when the
// page carries one, else on average since the start — and from it when the
// queue should be empty.
func (v *mailCampaignView) rates(ws, wt, wr string) {
	if v.C.StartedAt != nil && v.Counts.Sent > 0 {
		end := v.Now
		if v.C.FinishedAt != nil {
			end = *v.C.FinishedAt
		}
		if secs := end.Sub(*v.C.StartedAt).Seconds(); secs > 0 {
			v.Average = float64(v.Counts.Sent) / secs
		}
	}
	v.Rate = v.Average
	v.window = rateWindow{sent: v.Counts.Sent, at: v.Now}
	sent, err1 := strconv.ParseInt(ws, 10, 64)
	ms, err2 := strconv.ParseInt(wt, 10, 64)
	if err1 == nil && err2 == nil && sent >= 0 && sent <= v.Counts.Sent && v.C.Status == model.CampaignSending {
		start := time.UnixMilli(ms)
		switch age := v.Now.Sub(start); {
		case age >= rateWindowMin && age <= rateWindowMax:
			v.Rate, v.Recent = float64(v.Counts.Sent-sent)/age.Seconds(), true
		case age >= 0 && age < rateWindowMin:
			// Keep the window open and show what the last one measured.
			v.window = rateWindow{sent: sent, at: start}
			if r, err := strconv.ParseFloat(wr, 64); err == nil && r >= 0 && r < 1e6 {
				v.Rate, v.Recent = r, true
			}
		}
	}
	if v.C.Status == model.CampaignSending && v.Waiting() > 0 {
		rate := v.Rate
		if rate <= 0 {
			rate = v.Average
		}
		if rate > 0 {
			end := v.Now.Add(time.Duration(float64(v.Waiting()) / rate * float64(time.Second))).Truncate(time.Second)
			v.End = &end
		}
	}
}

// describeAudience lists a saved audience's criteria for people.
func describeAudience(a model.Audience, stage, institution func(int64) string) []string {
	var out []string
	add := func(label string, xs []string) {
		if len(xs) > 0 {
			out = append(out, label+": "+strings.Join(xs, ", "))
		}
	}
	strs := func(n int, f func(int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	add("Countries", a.Countries)
	add("Regions", a.Regions)
	cond := func(label string, r model.RatificationCriteria) {
		var st []string
		for _, x := range r.Status {
			st = append(st, ratStatusLabel(x))
		}
		out = append(out, label+r.Instrument+": "+strings.Join(st, " or "))
	}
	if a.Ratification != nil {
		cond("", *a.Ratification)
	}
	for _, r := range a.Also {
		cond("and ", r)
	}
	add("Priority", strs(len(a.Priorities), func(i int) string { return a.Priorities[i].Label() }))
	add("Stage", strs(len(a.StageIDs), func(i int) string { return stage(a.StageIDs[i]) }))
	add("Contact kind", strs(len(a.Kinds), func(i int) string { return a.Kinds[i].Label() }))
	add("Institution kind", strs(len(a.InstitutionKinds), func(i int) string { return a.InstitutionKinds[i].Label() }))
	add("Committee or institution", strs(len(a.InstitutionIDs), func(i int) string { return institution(a.InstitutionIDs[i]) }))
	add("Party", a.Parties)
	add("Tag", a.Tags)
	add("Stance", strs(len(a.Stances), func(i int) string { return a.Stances[i].Label() }))
	add("Language", a.Languages)
	if len(out) == 0 {
		out = append(out, "Every contact")
	}
	return out
}

func ratStatusLabel(x string) string {
	for _, c := range ratStatusChoices {
		if c[0] == x {
			return c[1]
		}
	}
	return x
}

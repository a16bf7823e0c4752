package server

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"ratify/internal/model"
	"ratify/internal/service"
)

// This file turns the campaign editor's form into a campaign and an
// audience and back, and shapes the live count.

var ratStatusChoices = [][2]string{{"party", "party (ratified, acceded or succeeded)"}, {"not_party", "not a party"},
	{"signed", "signed but not ratified"}, {"none", "no action"}, {"denounced", "denounced"}}

// audienceView is the live count: who will be mailed, in which language,
// and who is left out and why.
type audienceView struct {
	Count        int
	Langs        []labelCount
	Reasons      []labelCount
	ExcludedN    int
	Excluded     []service.Exclusion
	MoreExcluded int
	Sample       []service.Planned
	Error        string
	Fields       map[string]string
}

type labelCount struct {
	Label string
	N     int
}

const audienceSample = 100

func newAudienceView(p *service.AudiencePreview) *audienceView {
	v := &audienceView{Count: len(p.Recipients), ExcludedN: len(p.Excluded)}
	langs := map[string]int{}
	for _, r := range p.Recipients {
		langs[r.Language]++
	}
	for l, n := range langs {
		v.Langs = append(v.Langs, labelCount{l, n})
	}
	slices.SortFunc(v.Langs, func(a, b labelCount) int {
		if a.N != b.N {
			return b.N - a.N
		}
		return strings.Compare(a.Label, b.Label)
	})
	by := p.CountsByReason()
	for _, r := range []string{service.ReasonDNC, service.ReasonNoAddress, service.ReasonSuppressed, service.ReasonNoVariant, service.ReasonAlready} {
		if by[r] > 0 || r == service.ReasonDNC || r == service.ReasonNoAddress || r == service.ReasonSuppressed {
			v.Reasons = append(v.Reasons, labelCount{r, by[r]})
		}
	}
	v.Excluded = p.Excluded[:min(len(p.Excluded), audienceSample)]
	v.MoreExcluded = len(p.Excluded) - len(v.Excluded)
	v.Sample = p.Recipients[:min(len(p.Recipients), 20)]
	return v
}

// audienceFromForm reads the builder. A ratification condition needs both
// its instrument and its status; ids must be ids.
func audienceFromForm(f url.Values, fe model.FieldErrors) model.Audience {
	list := func(k string) []string {
		var out []string
		for _, x := range f[k] {
			if x = strings.TrimSpace(x); x != "" && !slices.Contains(out, x) {
				out = append(out, x)
			}
		}
		return out
	}
	ids := func(k string) []int64 {
		var out []int64
		for _, x := range list(k) {
			id, err := parseID(x)
			if err != nil {
				fe.Add("audience."+k, "choose from the list")
				continue
			}
			out = append(out, id)
		}
		return out
	}
	a := model.Audience{Countries: list("countries"), Regions: list("regions"), InstitutionIDs: ids("institution_ids"),
		Parties: list("parties"), Tags: list("tags"), StageIDs: ids("stage_ids")}
	for _, k := range list("kinds") {
		a.Kinds = append(a.Kinds, model.ContactKind(k))
	}
	for _, k := range list("institution_kinds") {
		a.InstitutionKinds = append(a.InstitutionKinds, model.InstitutionKind(k))
	}
	for _, k := range list("stances") {
		a.Stances = append(a.Stances, model.Stance(k))
	}
	for _, k := range list("priorities") {
		a.Priorities = append(a.Priorities, model.Priority(k))
	}
	for _, l := range strings.FieldsFunc(strings.ToLower(f.Get("languages")), func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		if !slices.Contains(a.Languages, l) {
			a.Languages = append(a.Languages, l)
		}
	}
	cond := func(prefix string) *model.RatificationCriteria {
		in, st := strings.TrimSpace(f.Get(prefix+"_instrument")), strings.TrimSpace(f.Get(prefix+"_status"))
		switch {
		case in == "" && st == "":
			return nil
		case in == "":
			fe.Add("audience."+prefix, "choose the instrument too")
			return nil
		case st == "":
			fe.Add("audience."+prefix, "choose the status too")
			return nil
		}
		return &model.RatificationCriteria{Instrument: in, Status: []string{st}}
	}
	a.Ratification = cond("rat")
	if also := cond("also"); also != nil {
		if a.Ratification == nil {
			a.Ratification = also
		} else {
			a.Also = []model.RatificationCriteria{*also}
		}
	}
	return a
}

// audienceValues is the builder's form for a saved audience.
func audienceValues(a model.Audience, f url.Values) {
	f["countries"], f["regions"], f["parties"], f["tags"] = a.Countries, a.Regions, a.Parties, a.Tags
	for _, k := range a.Kinds {
		f.Add("kinds", string(k))
	}
	for _, k := range a.InstitutionKinds {
		f.Add("institution_kinds", string(k))
	}
	for _, k := range a.Stances {
		f.Add("stances", string(k))
	}
	for _, k := range a.Priorities {
		f.Add("priorities", string(k))
	}
	for _, id := range a.InstitutionIDs {
		f.Add("institution_ids", strconv.FormatInt(id, 10))
	}
	for _, id := range a.StageIDs {
		f.Add("stage_ids", strconv.FormatInt(id, 10))
	}
	f.Set("languages", strings.Join(a.Languages, ", "))
	set := func(prefix string, r *model.RatificationCriteria) {
		if r != nil && len(r.Status) > 0 {
			f.Set(prefix+"_instrument", r.Instrument)
			f.Set(prefix+"_status", r.Status[0])
		}
	}
	set("rat", a.Ratification)
	if len(a.Also) > 0 {
		set("also", &a.Also[0])
	}
}

func campaignValues(c *model.Campaign) url.Values {
	f := url.Values{"name": {c.Name}, "template_id": {strconv.FormatInt(c.TemplateID, 10)},
		"fallback_language": {c.FallbackLanguage}, "rate_per_second": {strconv.Itoa(c.RatePerSecond)},
		"connections": {strconv.Itoa(c.Connections)}}
	if c.SenderID != nil {
		f.Set("sender_id", strconv.FormatInt(*c.SenderID, 10))
	}
	audienceValues(service.CampaignAudience(c), f)
	return f
}

// campaignInputFromForm reads the editor; typing problems come back in fe.
func campaignInputFromForm(f url.Values, fe model.FieldErrors) service.CampaignInput {
	in := service.CampaignInput{Name: f.Get("name"), FallbackLanguage: f.Get("fallback_language")}
	if x := f.Get("template_id"); x == "" {
		fe.Add("template_id", "choose a template")
	} else if id, err := parseID(x); err != nil {
		fe.Add("template_id", "choose a template from the list")
	} else {
		in.TemplateID = id
	}
	if x := f.Get("sender_id"); x != "" {
		if id, err := parseID(x); err != nil {
			fe.Add("sender_id", "choose a sender from the list")
		} else {
			in.SenderID = &id
		}
	}
	num := func(k string) int {
		x := strings.TrimSpace(f.Get(k))
		if x == "" {
			return 0
		}
		n, err := strconv.Atoi(x)
		if err != nil {
			fe.Add(k, "a whole number")
		}
		return n
	}
	in.RatePerSecond, in.Connections = num("rate_per_second"), num("connections")
	in.Audience = audienceFromForm(f, fe)
	return in
}

// postForm parses the body once; a body over the limit is a 413.
func postForm(c *gin.Context) (url.Values, error) {
	if err := c.Request.ParseForm(); err != nil {
		return nil, err
	}
	return c.Request.PostForm, nil
}

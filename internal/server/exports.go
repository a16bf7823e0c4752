package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"ratify/internal/auth"
	"ratify/internal/csvexport"
	"ratify/internal/model"
)

func startCSV(c *gin.Context, name string) (*csvexport.Writer, error) {
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusOK)
	return csvexport.NewWriter(c.Writer)
}

// contactsCSV exports the contacts of the current filter (members and up).
func (s *Server) contactsCSV(c *gin.Context) {
	a := actor(c)
	q, err := contactQueryParams(c)
	if err == nil && !a.Can(auth.ExportCSV) {
		err = model.Forbidden()
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	// Check the filter before the first byte goes out, so a bad one is a 400.
	if _, _, err := s.svc.Contacts(c.Request.Context(), a, q); err != nil {
		s.fail(c, err)
		return
	}
	w, err := startCSV(c, "ratify-contacts.csv")
	if err != nil {
		return
	}
	_ = w.Write("id", "honorific", "first_name", "last_name", "kind", "country", "party", "emails", "phones",
		"preferred_language", "languages", "tags", "stance", "stance_evidence", "positions", "do_not_contact", "data_source", "lawful_basis")
	err = s.svc.EachContact(c.Request.Context(), a, q, func(ct *model.Contact) error {
		var emails, phones, pos []string
		for _, e := range ct.Emails {
			emails = append(emails, e.Email)
		}
		for _, p := range ct.Phones {
			phones = append(phones, p.Number)
		}
		for _, p := range ct.Positions {
			if p.EndDate != nil {
				continue
			}
			t := p.Title
			if p.Institution != nil {
				t += ", " + p.Institution.Name
			}
			pos = append(pos, t)
		}
		country := ""
		if ct.CountryISO3 != nil {
			country = *ct.CountryISO3
		}
		return w.Write(strconv.FormatInt(ct.ID, 10), ct.Honorific, ct.FirstName, ct.LastName, string(ct.Kind), country, ct.Party,
			strings.Join(emails, "; "), strings.Join(phones, "; "), ct.PreferredLanguage, ct.Languages, strings.Join(ct.TagList(), "; "),
			string(ct.Stance), ct.StanceEvidence, strings.Join(pos, "; "), strconv.FormatBool(ct.DoNotContact), ct.DataSource, ct.LawfulBasis)
	})
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		logger(c).Warn("contacts export cut short", "err", err)
	}
}

// outreachCSV exports the outreach of the current filter that the user may see.
func (s *Server) outreachCSV(c *gin.Context) {
	a := actor(c)
	f, err := outreachFilterParams(c)
	if err == nil && !a.Can(auth.ExportCSV) {
		err = model.Forbidden()
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	w, err := startCSV(c, "ratify-outreach.csv")
	if err != nil {
		return
	}
	_ = w.Write("id", "date", "type", "country", "instruments", "contacts", "summary", "outcome", "next_steps", "visibility", "organisation", "logged_by")
	err = s.svc.EachOutreach(c.Request.Context(), a, f, func(o *model.Outreach) error {
		var names []string
		for _, oc := range o.Contacts {
			if oc.Contact != nil {
				if oc.Contact.Removed() {
					names = append(names, "(removed contact)")
				} else {
					names = append(names, oc.Contact.FullName())
				}
			}
		}
		country, org, by := "", "", ""
		if o.CountryISO3 != nil {
			country = *o.CountryISO3
		}
		if o.Organisation != nil {
			org = o.Organisation.ShortName
		}
		if o.User != nil {
			by = o.User.Name
		}
		return w.Write(strconv.FormatInt(o.ID, 10), o.Date.UTC().Format("2006-01-02"), string(o.Type), country,
			strings.Join(o.InstrumentCodes(), "; "), strings.Join(names, "; "), o.Summary, string(o.Outcome), o.NextSteps,
			string(o.Visibility), org, by)
	})
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		logger(c).Warn("outreach export cut short", "err", err)
	}
}

// followupsICS is the personal calendar feed: open follow-ups as all-day
// events. The secret token in the URL is the only credential, so calendar
// programs can subscribe; an unknown token is a 404.
func (s *Server) followupsICS(c *gin.Context) {
	u, fs, err := s.svc.CalendarFollowups(c.Request.Context(), c.Query("token"))
	if err != nil {
		s.fail(c, err)
		return
	}
	var b strings.Builder
	line := func(format string, args ...any) { b.WriteString(icsFold(fmt.Sprintf(format, args...)) + "\r\n") }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//Ratify//Follow-ups//EN")
	line("CALSCALE:GREGORIAN")
	line("X-WR-CALNAME:%s", icsText("Ratify follow-ups: "+u.Name))
	stamp := time.Now().UTC().Format("20060102T150405Z")
	host := strings.TrimPrefix(strings.TrimPrefix(s.opts.PublicURL, "https://"), "http://")
	for _, f := range fs {
		line("BEGIN:VEVENT")
		line("UID:followup-%d@%s", f.ID, icsText(host))
		line("DTSTAMP:%s", stamp)
		line("DTSTART;VALUE=DATE:%s", f.DueDate.UTC().Format("20060102"))
		line("DTEND;VALUE=DATE:%s", f.DueDate.UTC().AddDate(0, 0, 1).Format("20060102"))
		line("SUMMARY:%s", icsText(f.Title))
		if f.Details != "" {
			line("DESCRIPTION:%s", icsText(f.Details))
		}
		line("URL:%s/followups/%d", s.opts.PublicURL, f.ID)
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	c.Header("Cache-Control", "no-store")
	c.Header("Referrer-Policy", "no-referrer")
	c.Data(http.StatusOK, "text/calendar; charset=utf-8", []byte(b.String()))
}

// icsText escapes text for an iCalendar value (RFC 5545 3.3.11).
func icsText(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
}

// icsFold folds lines longer than 75 octets without splitting a character.
func icsFold(s string) string {
	if len(s) <= 75 {
		return s
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		l := len(string(r))
		if n+l > 75 {
			b.WriteString("\r\n ")
			n = 1
		}
		b.WriteRune(r)
		n += l
	}
	return b.String()
}

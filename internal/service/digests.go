package service

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	"ratify/internal/auth"
	"ratify/internal/mail"
	"ratify/internal/model"
	"ratify/internal/store"
)

// SetDigest stores the actor's daily digest choice.
func (s *Service) SetDigest(ctx context.Context, a Actor, enabled bool, hour int) error {
	if err := require(a, auth.ReadCoalition); err != nil {
		return err
	}
	if hour < 0 || hour > 23 {
		return &model.Error{Code: model.CodeInvalid, Message: "please correct the highlighted fields", Fields: map[string]string{"digest_hour": "an hour from 0 to 23 (UTC)"}}
	}
	return s.store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.store.UpdateDigestSettings(ctx, a.User.ID, enabled, hour); err != nil {
			return err
		}
		return s.audit(ctx, a, "user.digest", "user", strconv.FormatInt(a.User.ID, 10), fmt.Sprintf("digest %t at %02d:00 UTC", enabled, hour))
	})
}

var digestHTML = template.Must(template.New("digest").Parse(`<p>Hello {{.Name}},</p>
<p>These follow-ups are due today or overdue:</p>
<ul>{{range .Items}}<li>{{.Due}} — <a href="{{.URL}}">{{.Title}}</a>{{if .Overdue}} (overdue){{end}}</li>{{end}}</ul>
<p><a href="{{.Base}}/followups">Open your follow-ups in Ratify</a>. You can change the hour or stop this email under Account.</p>`))

type digestItem struct {
	Title, Due, URL string
	Overdue         bool
}

// SendDigests mails each user whose digest hour is now their open follow-ups
// due today or overdue. A user gets at most one per day, across restarts and
// processes: the day is marked before sending, and unmarked if sending fails.
func (s *Service) SendDigests(ctx context.Context) (int, error) {
	now := s.now().UTC()
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	users, err := s.store.DigestCandidates(ctx, now.Hour())
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, u := range users {
		fs, _, err := s.store.ListFollowups(ctx, store.FollowupFilter{ViewerOrgID: u.OrganisationID, AssigneeID: u.ID,
			Status: model.FollowupOpen, DueBefore: day.AddDate(0, 0, 1), Page: model.Page{PerPage: model.MaxPerPage}})
		if err != nil {
			return sent, err
		}
		if len(fs) == 0 {
			continue
		}
		taken, err := s.store.DigestTaken(ctx, u.ID, day, now)
		if err != nil || !taken {
			if err != nil {
				return sent, err
			}
			continue
		}
		msg := s.digestMessage(&u, fs, day)
		if err := s.sendOne(ctx, msg); err != nil {
			s.log.WarnContext(ctx, "digest not sent", "user", u.ID, "err", err)
			_ = s.store.ForgetDigest(ctx, u.ID, day)
			continue
		}
		sent++
	}
	return sent, nil
}

func (s *Service) digestMessage(u *model.User, fs []model.Followup, day time.Time) *mail.Message {
	base := strings.TrimRight(s.mail.PublicURL, "/")
	data := struct {
		Name, Base string
		Items      []digestItem
	}{Name: u.Name, Base: base}
	var text strings.Builder
	fmt.Fprintf(&text, "Hello %s,\n\nThese follow-ups are due today or overdue:\n\n", u.Name)
	for _, f := range fs {
		it := digestItem{Title: f.Title, Due: f.DueDate.UTC().Format("2 Jan 2006"), URL: fmt.Sprintf("%s/followups/%d", base, f.ID), Overdue: f.DueDate.Before(day)}
		data.Items = append(data.Items, it)
		fmt.Fprintf(&text, "- %s: %s\n  %s\n", it.Due, it.Title, it.URL)
	}
	fmt.Fprintf(&text, "\nOpen your follow-ups: %s/followups\nChange the hour or stop this email under Account.\n", base)
	var html bytes.Buffer
	_ = digestHTML.Execute(&html, data)
	return &mail.Message{FromName: s.mail.FromName, FromAddr: s.mail.FromAddr, ToName: u.Name, ToAddr: u.Email,
		Subject: fmt.Sprintf("Ratify: %d follow-up(s) due", len(fs)), HTML: html.String(), Text: text.String(),
		MessageID: fmt.Sprintf("digest-%d-%s@%s", u.ID, day.Format("20060102"), s.mailHost())}
}

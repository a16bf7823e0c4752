package service_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"ratify/internal/auth"
	"ratify/internal/dbtest"
	"ratify/internal/mail"
	"ratify/internal/model"
	"ratify/internal/service"
	"ratify/internal/store"
)

// These tests pin how a contact's language variant is chosen: the preferred
// language, then the languages they speak in the order given, then the
// campaign's fallback, and nothing when none of them has a variant.

func TestRouteLanguage(t *testing.T) {
	for _, c := range []struct {
		name       string
		preferred  string
		languages  string
		have       []string
		fallback   string
		want       string
		whyMatters string
	}{
		{"preferred first", "fr", "es,en", []string{"en", "es", "fr"}, "en", "fr", "the preferred language wins over spoken ones"},
		{"preferred missing, spoken in order", "de", "es,fr", []string{"en", "fr", "es"}, "en", "es", "spoken languages are tried in the contact's order, not the template's"},
		{"spoken order reversed", "de", "fr,es", []string{"en", "fr", "es"}, "en", "fr", "same template, other order"},
		{"spoken beats fallback", "", "es", []string{"en", "es"}, "en", "es", "a language they speak beats the fallback"},
		{"spaces in the list", "", " pt , fr ", []string{"en", "fr"}, "en", "fr", "the list is trimmed"},
		{"fallback", "de", "pt,it", []string{"en", "fr"}, "en", "en", "nothing matches: the fallback"},
		{"no preference at all", "", "", []string{"fr", "en"}, "fr", "fr", "nothing known: the fallback"},
		{"fallback missing", "de", "pt", []string{"en", "fr"}, "es", "", "the fallback has no variant either: none"},
		{"no variants", "en", "en", nil, "en", "", "a template without variants routes nowhere"},
		{"empty fallback", "", "", []string{"en"}, "", "", "an empty fallback is not a language"},
		{"preferred equals fallback", "en", "fr", []string{"en", "fr"}, "en", "en", "preferred still first"},
	} {
		ct := &model.Contact{PreferredLanguage: c.preferred, Languages: c.languages}
		if got := service.RouteLanguage(ct, c.have, c.fallback); got != c.want {
			t.Errorf("%s: RouteLanguage(pref %q, speaks %q, have %v, fallback %q) = %q, want %q (%s)",
				c.name, c.preferred, c.languages, c.have, c.fallback, got, c.want, c.whyMatters)
		}
	}
}

// rtEnv is a service over st with an outbox transport, an organisation and a coordinator.
func rtEnv(t *testing.T, st *store.Store) (*service.Service, service.Actor) {
	t.Helper()
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := service.New(service.Deps{Store: st, Hasher: auth.NewHasherCost(2, 8*1024, 1), Log: quiet,
		Mail: service.MailDeps{Transport: &mail.Outbox{Dir: t.TempDir()}, FromAddr: "noreply@example.org", PublicURL: "http://ratify.test",
			Unsubscribe: auth.NewUnsubscribe([]byte("routing-test-secret-of-at-least-32-bytes")), Outbox: true}})
	if _, err := svc.CreateOrganisationSystem(ctx, model.Organisation{Name: "Org A", ShortName: "A", Kind: model.OrgNGO}); err != nil {
		t.Fatal(err)
	}
	u, _, err := svc.CreateUserCLI(ctx, service.NewUser{Email: "coordinator@a.test", Name: "Coordinator A", Role: model.RoleCoordinator,
		Password: "correct horse battery"}, "A")
	if err != nil {
		t.Fatal(err)
	}
	return svc, service.Actor{User: u}
}

func TestStartCampaignRoutesLanguages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		svc, a := rtEnv(t, st)
		tpl := model.EmailTemplate{Name: "Letter"}
		for _, l := range []string{"en", "fr", "es"} {
			tpl.Variants = append(tpl.Variants, model.TemplateVariant{Language: l, Subject: "Subject " + l, HTML: "<p>" + l + " {{.Contact.LastName}}</p>"})
		}
		saved, err := svc.SaveTemplate(ctx, a, tpl)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{} // last name → language
		add := func(last, pref, langs, wantLang string) {
			t.Helper()
			iso := "SEN"
			c := model.Contact{FirstName: "Routed", LastName: last, Kind: model.ContactParliamentarian, CountryISO3: &iso,
				PreferredLanguage: pref, Languages: langs, Emails: []model.ContactEmail{{Email: last + "@example.org"}}}
			if _, err := svc.CreateContact(ctx, a, c); err != nil {
				t.Fatalf("contact %s: %v", last, err)
			}
			want[last] = wantLang
		}
		add("preferred", "FR", "es", "fr")
		add("spoken", "de", "de,es,fr", "es")
		add("spokenfr", "it", "fr,es", "fr")
		add("fallback", "pt", "pt,it", "en")
		add("unknown", "", "", "en")

		// Before a start, the preview already shows the routing; with a
		// fallback the template lacks, unmatched contacts are left out.
		aud := model.Audience{Countries: []string{"SEN"}}
		prev, err := svc.PreviewAudience(ctx, a, aud, saved.ID, "de", 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := prev.CountsByReason()[service.ReasonNoVariant]; got != 2 || len(prev.Recipients) != 3 {
			t.Errorf("fallback without a variant: %d recipients, %v", len(prev.Recipients), prev.CountsByReason())
		}

		cp, err := svc.SaveCampaign(ctx, a, 0, service.CampaignInput{Name: "Routing", TemplateID: saved.ID, FallbackLanguage: "en", Audience: aud})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.StartCampaign(ctx, a, cp.ID, nil); err != nil {
			t.Fatal(err)
		}
		rows, total, err := svc.Recipients(ctx, a, cp.ID, "", false, model.Page{PerPage: 100})
		if err != nil || total != int64(len(want)) {
			t.Fatalf("recipients: %d %v", total, err)
		}
		for _, r := range rows {
			if r.Contact == nil {
				t.Fatalf("row %d without its contact", r.ID)
			}
			if w := want[r.Contact.LastName]; r.Language != w || r.State != model.RecipientQueued {
				t.Errorf("%s: language %q state %s, want %q queued", r.Contact.LastName, r.Language, r.State, w)
			}
		}
	})
}

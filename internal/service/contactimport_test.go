package service

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"ratify/internal/model"
)

// These are unit tests of the contacts CSV import's header guessing and row
// parsing; the import as a whole is tested through the API in the server
// package.

func TestGuessMapping(t *testing.T) {
	for _, c := range []struct {
		header []string
		want   map[string]int
	}{
		{[]string{"Name", "E-mail", "Country", "Party", "Position", "Institution", "Phone", "Tags", "Language"},
			map[string]int{"name": 0, "email": 1, "country": 2, "party": 3, "position": 4, "institution": 5, "phone": 6, "tags": 7, "language": 8}},
		// A UTF-8 byte-order mark, spaces and letter case do not matter.
		{[]string{"\ufeffFull Name", " EMAIL ", "iso3"}, map[string]int{"name": 0, "email": 1, "country": 2}},
		// Underscores and hyphens read as spaces.
		{[]string{"first_name", "last-name", "e_mail", "preferred_language", "political-party"},
			map[string]int{"first_name": 0, "last_name": 1, "email": 2, "language": 3, "party": 4}},
		// French and Spanish headers.
		{[]string{"Prénom", "Nom de famille", "Courriel", "Pays", "Téléphone", "Langue", "Fonction"},
			map[string]int{"first_name": 0, "last_name": 1, "email": 2, "country": 3, "phone": 4, "language": 5, "position": 6}},
		{[]string{"Nombre", "Apellidos", "Correo", "País", "Teléfono", "Idioma", "Cargo", "Partido"},
			map[string]int{"name": 0, "last_name": 1, "email": 2, "country": 3, "phone": 4, "language": 5, "position": 6, "party": 7}},
		// "Title" alone is the post; next to a position column it is the honorific.
		{[]string{"Name", "Title"}, map[string]int{"name": 0, "position": 1}},
		{[]string{"Title", "Name", "Position"}, map[string]int{"honorific": 0, "name": 1, "position": 2}},
		// The first column naming a field wins; unknown columns are left out.
		{[]string{"email", "mail", "shoe size", "", "name"}, map[string]int{"email": 0, "name": 4}},
		{[]string{"Chamber", "Stance", "Kind", "Languages", "Salutation"},
			map[string]int{"chamber": 0, "stance": 1, "kind": 2, "languages": 3, "honorific": 4}},
		{nil, map[string]int{}},
	} {
		got := GuessMapping(c.header)
		if !maps.Equal(got, c.want) {
			t.Errorf("GuessMapping(%q) = %v, want %v", c.header, got, c.want)
		}
	}
	// Every field can be guessed from its own name.
	for _, f := range ImportFields {
		if got := GuessMapping([]string{f}); got[f] != 0 || len(got) != 1 {
			t.Errorf("GuessMapping([%q]) = %v", f, got)
		}
	}
}

// parseCase runs parseImportRow over one record and collects its errors.
func parseCase(t *testing.T, header []string, rec []string) (importRow, bool, []LineError) {
	t.Helper()
	countries := map[string]string{"che": "CHE", "ch": "CHE", "switzerland": "CHE", "civ": "CIV", "ci": "CIV",
		foldText("Côte d'Ivoire"): "CIV", "phl": "PHL", "ph": "PHL", "philippines": "PHL"}
	var errs []LineError
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	row, ok := parseImportRow(rec, 7, GuessMapping(header), countries, now, func(line int, field, msg string) {
		errs = append(errs, LineError{Line: line, Field: field, Message: msg})
	})
	return row, ok, errs
}

func TestParseImportRow(t *testing.T) {
	header := []string{"name", "email", "country", "party", "phone", "tags", "language", "languages", "kind", "stance", "position", "institution"}
	rec := func(kv ...string) []string {
		r := make([]string, len(header))
		for i := 0; i < len(kv); i += 2 {
			r[slices.Index(header, kv[i])] = kv[i+1]
		}
		return r
	}
	row, ok, errs := parseCase(t, header, rec("name", "  María del Carmen López ", "email", "MCL@Example.org; mcl@home.example | third@example.org",
		"country", "Côte d'Ivoire", "party", "Green", "phone", "+41 22 917 1234, 022 917 00 00", "tags", "ILO; Priority",
		"language", "FR", "languages", "fr, es", "kind", "Government official", "stance", "Supportive",
		"position", "Ambassador", "institution", "Permanent Mission"))
	if !ok || len(errs) != 0 {
		t.Fatalf("a good row: ok=%t errors %+v", ok, errs)
	}
	c := row.contact
	if c.FirstName != "María del Carmen" || c.LastName != "López" || c.Party != "Green" || c.CountryISO3 == nil || *c.CountryISO3 != "CIV" ||
		c.PreferredLanguage != "fr" || c.Languages != "fr,es" || c.Kind != model.ContactOfficial || c.Stance != model.StanceSupportive {
		t.Errorf("parsed %+v", c)
	}
	var emails, phones []string
	for _, e := range c.Emails {
		emails = append(emails, e.Email)
	}
	for _, p := range c.Phones {
		phones = append(phones, p.Number)
	}
	if want := []string{"mcl@example.org", "mcl@home.example", "third@example.org"}; !slices.Equal(emails, want) {
		t.Errorf("emails %v, want %v", emails, want)
	}
	if want := []string{"+41 22 917 1234", "022 917 00 00"}; !slices.Equal(phones, want) {
		t.Errorf("phones %v, want %v", phones, want)
	}
	if !slices.Equal(c.TagList(), []string{"ilo", "priority"}) {
		t.Errorf("tags %v", c.TagList())
	}
	if row.position != "Ambassador" || row.institution != "Permanent Mission" || row.line != 7 {
		t.Errorf("row %+v", row)
	}

	// Countries by ISO3, ISO2 and name, in any case and without accents.
	for _, v := range []string{"CHE", "che", "CH", "ch", "Switzerland", "SWITZERLAND"} {
		if row, ok, errs := parseCase(t, []string{"name", "country"}, []string{"A B", v}); !ok || *row.contact.CountryISO3 != "CHE" {
			t.Errorf("country %q: ok=%t %+v", v, ok, errs)
		}
	}
	if row, ok, _ := parseCase(t, []string{"name", "country"}, []string{"A B", "cote d'ivoire"}); !ok || *row.contact.CountryISO3 != "CIV" {
		t.Errorf("a country name without accents is not found")
	}
	// One-word names are last names; no name at all is an error.
	if row, ok, _ := parseCase(t, []string{"name"}, []string{"Madonna"}); !ok || row.contact.LastName != "Madonna" || row.contact.FirstName != "" {
		t.Errorf("one-word name: %+v", row.contact)
	}
	// Separate first and last name columns win over a full name column.
	if row, ok, _ := parseCase(t, []string{"name", "first name", "last name"}, []string{"Ignored Name", "Ada", "Lovelace"}); !ok ||
		row.contact.FirstName != "Ada" || row.contact.LastName != "Lovelace" {
		t.Errorf("first and last name columns: %+v", row.contact)
	}
	// A chamber alone becomes a parliament institution.
	if row, ok, _ := parseCase(t, []string{"name", "country", "chamber"}, []string{"A B", "PHL", "Senate"}); !ok ||
		row.institution != "Senate" || row.instKind != model.InstParliament {
		t.Errorf("chamber: %+v", row)
	}
	// A record shorter than the mapping leaves the missing fields empty.
	if row, ok, _ := parseCase(t, []string{"name", "email", "country"}, []string{"A B"}); !ok || row.contact.CountryISO3 != nil || len(row.contact.Emails) != 0 {
		t.Errorf("short record: ok=%t %+v", ok, row.contact)
	}
	// Phone-looking cells are not formulas, in the phone column only.
	if _, ok, errs := parseCase(t, []string{"name", "phone"}, []string{"A B", "+41 22 917 1234"}); !ok {
		t.Errorf("an international number was refused: %+v", errs)
	}

	for _, c := range []struct {
		name   string
		header []string
		rec    []string
		fields []string
	}{
		{"no name", []string{"name", "email"}, []string{"", "a@example.org"}, []string{"last_name"}},
		{"unknown country", []string{"name", "country"}, []string{"A B", "Atlantis"}, []string{"country"}},
		{"bad email", []string{"name", "email"}, []string{"A B", "a@@example"}, []string{"emails"}},
		{"bad phone", []string{"name", "phone"}, []string{"A B", "call the office"}, []string{"phones"}},
		{"bad language", []string{"name", "language"}, []string{"A B", "French"}, []string{"preferred_language"}},
		{"bad languages", []string{"name", "languages"}, []string{"A B", "en, english"}, []string{"languages"}},
		{"bad kind", []string{"name", "kind"}, []string{"A B", "king"}, []string{"kind"}},
		{"bad stance", []string{"name", "stance"}, []string{"A B", "hostile"}, []string{"stance"}},
		{"bad tag", []string{"name", "tags"}, []string{"A B", "ok; !!"}, []string{"tags"}},
		{"formula name", []string{"name"}, []string{`=HYPERLINK("http://evil.example","x")`}, []string{"name", "last_name"}},
		{"formula party", []string{"name", "party"}, []string{"A B", "+SUM(A1:A9)"}, []string{"party"}},
		{"formula email", []string{"name", "email"}, []string{"A B", "@evil"}, []string{"email"}},
		{"formula tags", []string{"name", "tags"}, []string{"A B", "-2+3"}, []string{"tags"}},
		{"formula phone", []string{"name", "phone"}, []string{"A B", "=1+1"}, []string{"phone"}},
		{"formula after spaces", []string{"name", "party"}, []string{"A B", "  =cmd|' /C calc'!A0"}, []string{"party"}},
		{"not UTF-8", []string{"name", "party"}, []string{"A B", "Parti socialiste fran\xe7ais"}, []string{"party"}},
		{"not UTF-8 name", []string{"name"}, []string{"Jos\xe9 P\xe9rez"}, []string{"name", "last_name"}},
		{"institution without country", []string{"name", "institution"}, []string{"A B", "Senate"}, []string{"institution"}},
		{"long position", []string{"name", "country", "position"}, []string{"A B", "CHE", strings.Repeat("p", 201)}, []string{"position"}},
		{"several problems at once", []string{"name", "email", "country", "kind"}, []string{"A B", "nope", "Atlantis", "king"},
			[]string{"emails", "country", "kind"}},
	} {
		_, ok, errs := parseCase(t, c.header, c.rec)
		if ok {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		var got []string
		for _, e := range errs {
			if e.Line != 7 || e.Message == "" {
				t.Errorf("%s: error %+v, want line 7 with a message", c.name, e)
			}
			got = append(got, e.Field)
		}
		for _, f := range c.fields {
			if !slices.Contains(got, f) {
				t.Errorf("%s: errors on %v, want one on %q", c.name, got, f)
			}
		}
		for _, e := range errs {
			if !utf8.ValidString(e.Message) {
				t.Errorf("%s: the message echoes bytes that are not UTF-8: %q", c.name, e.Message)
			}
		}
	}
}

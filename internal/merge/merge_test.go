package merge

import (
	"strings"
	"testing"
)

var codes = []string{"ICRMW", "C097", "C143", "C189"}

func sample() *Data {
	return &Data{
		Contact: Contact{Honorific: "Senator", FirstName: "Ada", LastName: "Okafor", FullName: "Senator Ada Okafor"},
		Country: Country{Name: "Nigeria", Instruments: map[string]Instrument{"ICRMW": {Status: "signed", Year: 2009}}},
		Sender:  Sender{Name: "Camille", Organisation: "Secretariat"}, UnsubscribeURL: "https://example.org/u/x",
	}
}

func TestParseAndRender(t *testing.T) {
	tpl, errs := Parse("Dear {{.Contact.Honorific}} {{.Contact.LastName}}",
		`<p>{{.Country.Name}} signed in {{.Country.Instruments.ICRMW.Year}}{{if eq .Country.Instruments.ICRMW.Status "signed"}} but has not yet ratified{{end}}.</p><a href="{{.UnsubscribeURL}}">Unsubscribe</a>`, "", codes)
	if errs != nil {
		t.Fatal(errs)
	}
	r, err := tpl.Render(sample())
	if err != nil {
		t.Fatal(err)
	}
	if r.Subject != "Dear Senator Okafor" || !strings.Contains(r.HTML, "Nigeria signed in 2009 but has not yet ratified.") {
		t.Fatalf("rendered %+v", r)
	}
	if !strings.Contains(r.Text, "Nigeria signed in 2009 but has not yet ratified.") || !strings.Contains(r.Text, "(https://example.org/u/x)") {
		t.Fatalf("derived text %q", r.Text)
	}
}

func TestUnknownFieldsNameTheLine(t *testing.T) {
	cases := []struct{ subject, html, field, want string }{
		{"Hi {{.Contact.Nickname}}", "<p>x</p>", "subject", `line 1: .Contact has no field "Nickname"`},
		{"Hi", "<p>x</p>\n<p>{{.Country.Instruments.C999.Status}}</p>", "html", `line 2: no instrument with code "C999"`},
		{"Hi", "<p>x</p>\n\n{{with .Sender}}{{.Phone}}{{end}}", "html", `line 3: .Sender has no field "Phone"`},
		{"Hi {{", "<p>x</p>", "subject", "line 1"},
		{"Hi", "{{template \"x\"}}", "html", "not supported"},
		{"Hi", "{{define \"x\"}}y{{end}}", "html", "not supported"},
		{"Hi {{$.Contact.Phone}}", "<p>x</p>", "subject", `no field "Phone"`},
	}
	for _, c := range cases {
		_, errs := Parse(c.subject, c.html, "", codes)
		if errs == nil || !strings.Contains(errs[c.field], c.want) {
			t.Errorf("Parse(%q, %q) errors %v, want %s containing %q", c.subject, c.html, errs, c.field, c.want)
		}
	}
}

func TestEscapingAndHeaderSafety(t *testing.T) {
	tpl, errs := Parse("Hello {{.Contact.FullName}}", "<p>Dear {{.Contact.FullName}}</p>", "", codes)
	if errs != nil {
		t.Fatal(errs)
	}
	d := sample()
	d.Contact.FullName = "<script>alert(1)</script>\r\nBcc: victim@example.org"
	r, err := tpl.Render(d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(r.HTML, "<script>") || !strings.Contains(r.HTML, "&lt;script&gt;") {
		t.Fatalf("html not escaped: %q", r.HTML)
	}
	if strings.ContainsAny(r.Subject, "\r\n") {
		t.Fatalf("subject keeps a line break: %q", r.Subject)
	}
}

// html/template checks HTML contexts only when a template first runs: a body
// it cannot escape must be refused when saved, not fail at every send.
func TestUnescapableHTMLIsRefusedWhenParsed(t *testing.T) {
	for _, html := range []string{
		"<p>x</p>\n<IMG SRC=JaVaScRiPt:alert('XSS')>",
		`<a href="{{.UnsubscribeURL}}`,
		"<p>{{.Contact.FullName}}</p>\n<script>var x = '{{.Contact.LastName}}",
	} {
		tpl, errs := Parse("Hi", html, "", codes)
		if errs == nil || errs["html"] == "" {
			_, err := tpl.Render(sample())
			t.Errorf("%q was accepted (render: %v)", html, err)
		}
	}
	// A body that is fine renders as before after the check ran.
	tpl, errs := Parse("Hi", `<p title="{{.Contact.FullName}}">{{.Contact.FullName}}</p><a href="{{.UnsubscribeURL}}">x</a>`, "", codes)
	if errs != nil {
		t.Fatal(errs)
	}
	r, err := tpl.Render(sample())
	if err != nil || !strings.Contains(r.HTML, `href="https://example.org/u/x"`) {
		t.Fatalf("render %q, %v", r.HTML, err)
	}
}

package merge

import (
	"strings"
	"testing"
)

// FuzzParseRender: a template either is refused with messages per part, or
// renders the sample data without a panic, and its subject stays one line.
func FuzzParseRender(f *testing.F) {
	for _, s := range []string{"Dear {{.Contact.LastName}}", "{{if .Country.Instruments.ICRMW.Year}}x{{end}}", "{{range .Country.Instruments}}{{.Status}}{{end}}",
		"{{.Nope}}", "{{template \"x\"}}", "{{", "{{printf \"%s\" .Contact.FullName}}", "{{with $x := .Sender}}{{$x.Name}}{{end}}",
		"{{.Country.Instruments.ICRMW.Status.Foo}}", "<script>{{.Contact.FullName}}</script>"} {
		f.Add(s, "<p>"+s+"</p>")
	}
	f.Fuzz(func(t *testing.T, subject, html string) {
		tpl, errs := Parse(subject, html, "", []string{"ICRMW", "C097"})
		if errs != nil {
			for part, msg := range errs {
				if msg == "" {
					t.Fatalf("empty message for %s", part)
				}
			}
			return
		}
		d := sample()
		d.Contact.LastName = "Ok\r\nBcc: x@example.org"
		r, err := tpl.Render(d)
		if err == nil && strings.ContainsAny(r.Subject, "\r\n") {
			t.Fatalf("subject %q keeps a line break", r.Subject)
		}
	})
}

// FuzzCompiled: whatever a template and the data hold, its compiled parts
// render exactly what text/template renders.
func FuzzCompiled(f *testing.F) {
	_, letterHTML, _ := letter()
	for _, body := range append(append([]string{letterHTML}, compiledBodies...), fallbackBodies...) {
		f.Add(body, "O'Brien <b>&</b>", "javascript:x", 2009)
	}
	f.Fuzz(func(t *testing.T, body, name, url string, year int) {
		tpl, errs := Parse("Re: {{.Contact.FullName}}", body, "", codes)
		if errs != nil {
			return
		}
		d := sample()
		d.Contact.FullName, d.Contact.LastName, d.Country.Name, d.UnsubscribeURL = name, name+url, url, url
		d.Country.Instruments["C097"] = Instrument{Status: name, Year: year}
		sameBothWays(t, tpl, d)
	})
}

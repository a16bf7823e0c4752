package merge

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// letter is a campaign letter of the benchmark's shape: about 6 KB of HTML
// with the recipient's name, the country's standing on each treaty, and the
// unsubscribe link, and its text version.
func letter() (subject, html, text string) {
	var h, x strings.Builder
	h.WriteString(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>To {{.Contact.FullName}}</title></head><body>` + "\n")
	h.WriteString(`<p style="font-size:16px">Dear {{if .Contact.Honorific}}{{.Contact.Honorific}} {{.Contact.LastName}}{{else}}{{.Contact.FullName}}{{end}},</p>` + "\n")
	h.WriteString(`<p>As {{.Contact.Position}} of the {{.Contact.Institution}}, <strong>{{.Country.Name}}</strong> looks to you.</p>` + "\n")
	x.WriteString("Dear {{.Contact.FullName}},\n\n{{.Country.Name}}\n")
	for _, code := range codes {
		fmt.Fprintf(&h, `<tr><td>%s</td><td>{{if eq .Country.Instruments.%[1]s.Status "none"}}not signed{{else}}{{.Country.Instruments.%[1]s.Status}}{{if .Country.Instruments.%[1]s.Year}} ({{.Country.Instruments.%[1]s.Year}}){{end}}{{end}}</td></tr>`+"\n", code)
		fmt.Fprintf(&x, "- %s: {{.Country.Instruments.%[1]s.Status}}{{if .Country.Instruments.%[1]s.Year}} ({{.Country.Instruments.%[1]s.Year}}){{end}}\n", code)
	}
	for range 8 {
		h.WriteString("<p style=\"line-height:1.5\">" + strings.Repeat("We ask for ratification. ", 20) + "</p>\n")
		x.WriteString(strings.Repeat("We ask for ratification. ", 20) + "\n\n")
	}
	h.WriteString(`<p>{{.Sender.Name}}<br>{{.Sender.Organisation}}</p><p><a href="{{.UnsubscribeURL}}" style="color:#777">Unsubscribe</a></p></body></html>` + "\n")
	x.WriteString("{{.Sender.Name}}\n{{.Sender.Organisation}}\n\nUnsubscribe: {{.UnsubscribeURL}}\n")
	return "{{.Country.Name}} and the Convention: a request to {{.Contact.FullName}}", h.String(), x.String()
}

// compiledBodies are HTML bodies compile handles: each context a letter
// uses, and each kind of condition.
var compiledBodies = []string{
	`<p>{{.Contact.FullName}}</p>`,
	`<p title="{{.Contact.FullName}}" class='{{.Contact.LastName}}'>x</p>`,
	`<p data-x={{.Contact.LastName}}>x</p>`,
	`<a href="{{.UnsubscribeURL}}">u</a><a href="https://example.org/?q={{.Contact.LastName}}&amp;c={{.Country.Name}}">s</a>`,
	`<a href="mailto:{{.Contact.FirstName}}@example.org">m</a><a href={{.UnsubscribeURL}}>u</a>`,
	`<title>{{.Contact.FullName}}</title><textarea>{{.Contact.LastName}}</textarea>`,
	`<!-- {{.Contact.FullName}} --><p>{{"<b>literal</b>"}} {{42}} {{-7}}</p>`,
	`{{if .Contact.Honorific}}{{.Contact.Honorific}}{{else if .Contact.FirstName}}{{.Contact.FirstName}}{{else}}Sir or Madam{{end}}`,
	`{{if eq .Country.Instruments.ICRMW.Status "signed" "ratified" "acceded"}}yes{{else}}no{{end}}`,
	`{{if ne .Contact.LastName .Contact.FirstName}}a{{end}}{{if lt .Country.Instruments.C097.Year 2000}}b{{end}}{{if le .Country.Instruments.C097.Year 1990}}c{{end}}`,
	`{{if gt .Contact.LastName "M"}}d{{end}}{{if ge .Country.Instruments.ICRMW.Year .Country.Instruments.C097.Year}}e{{end}}{{if eq .Country.Instruments.C143.Year 0}}f{{end}}`,
	`{{if not .Contact.Position}}g{{end}}{{if and .Contact.Position (eq .Country.Name "Nigeria")}}h{{end}}{{if or (not .Contact.Institution) .Sender.Name}}i{{end}}`,
}

// fallbackBodies use what compile leaves to html/template.
var fallbackBodies = []string{
	`<script>var n = {{.Contact.FullName}};</script>`,
	`<style>p { color: {{.Contact.LastName}} }</style>`,
	`{{with .Contact}}{{.FirstName}}{{end}}`,
	`{{range .Country.Instruments}}{{.Status}}{{end}}`,
	`{{printf "%s!" .Contact.FullName}}`,
	`{{$n := .Contact.LastName}}{{$n}}`,
	`{{.Contact}}`,
	`{{1e3}} {{0x10}}`,
	`{{if eq .Country.Name 3}}x{{end}}`,
	`<img srcset="{{.UnsubscribeURL}}">`,
	`<p {{.Contact.LastName}}="x">`,
	`{{if and}}{{end}}`, // an error when executed
}

// awkward holds values that exercise every escaper's every branch.
var awkward = []string{
	"", "Okafor", "O'Brien & Sons", `"quoted" <b>bold</b>`, "a+b=c `tick`", "tab\there\nline\rcr\f\v",
	"nul\x00byte", "bad\xffutf8\xc3", "ünïcödé 中文", "non\uFDD0char\uFFFE\uFFFF\uFFFD",
	"javascript:alert(1)", "JavaScript:x", "HTTPS://example.org/a?b=c&d=e#f", "mailto:x@example.org", "//evil.example/x:y",
	"/relative:path", "100%", "%4a%4A%zz%", "[x]!$*,;@~", "  spaced  ", "Senator\r\nBcc: x@example.org",
}

func randomData(r *rand.Rand) *Data {
	pick := func() string { return awkward[r.IntN(len(awkward))] }
	d := &Data{
		Contact: Contact{Honorific: pick(), FirstName: pick(), LastName: pick(), FullName: pick(), Position: pick(), Institution: pick()},
		Country: Country{Name: pick(), Instruments: map[string]Instrument{}},
		Sender:  Sender{Name: pick(), Organisation: pick()}, UnsubscribeURL: pick(),
	}
	statuses := []string{"none", "signed", "ratified", "acceded", pick()}
	years := []int{0, 1990, 2009, -1}
	for _, code := range codes {
		if r.IntN(8) > 0 { // sometimes missing: text/template's error, both ways
			d.Country.Instruments[code] = Instrument{Status: statuses[r.IntN(len(statuses))], Year: years[r.IntN(len(years))]}
		}
	}
	if r.IntN(4) == 0 {
		d.Country.Name = "Nigeria"
	}
	return d
}

// sameBothWays renders each part compiled and by text/template and fails
// on any difference, in output or in whether it errs.
func sameBothWays(t *testing.T, tpl *Template, d *Data) {
	t.Helper()
	parts := []struct {
		name string
		fast program
		slow executor
	}{{"subject", tpl.fastSubject, tpl.subject}, {"html", tpl.fastHTML, tpl.html}}
	if tpl.text != nil {
		parts = append(parts, struct {
			name string
			fast program
			slow executor
		}{"text", tpl.fastText, tpl.text})
	}
	for _, p := range parts {
		var slow, fast bytes.Buffer
		serr := p.slow.Execute(&slow, d)
		ferr := execute(&fast, p.fast, p.slow, d)
		if (serr == nil) != (ferr == nil) || slow.String() != fast.String() {
			t.Fatalf("%s differs for %+v:\ntext/template: %q (err %v)\ncompiled:      %q (err %v)", p.name, d, slow.String(), serr, fast.String(), ferr)
		}
	}
}

func TestCompiledMatchesExecute(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	subject, html, text := letter()
	bodies := append([]string{html}, compiledBodies...)
	for i, body := range append(bodies, fallbackBodies...) {
		tpl, errs := Parse(subject, body, text, codes)
		if errs != nil {
			t.Fatalf("body %d %q: %v", i, body, errs)
		}
		if tpl.fastSubject == nil || tpl.fastText == nil {
			t.Fatalf("the letter's subject and text should compile")
		}
		if compiled := tpl.fastHTML != nil; compiled != (i < len(bodies)) {
			t.Fatalf("body %q: compiled %v, want %v", body, compiled, i < len(bodies))
		}
		for range 300 {
			sameBothWays(t, tpl, randomData(r))
		}
		sameBothWays(t, tpl, sample())
	}
}

// TestFieldCoversData: every string and int of Data is readable compiled,
// and reads what text/template reads; a field added to Data without a case
// in field() fails here instead of quietly falling back.
func TestFieldCoversData(t *testing.T) {
	d := randomData(rand.New(rand.NewPCG(3, 4)))
	for _, code := range codes {
		d.Country.Instruments[code] = Instrument{Status: "signed " + code, Year: 2000 + len(code)}
	}
	var walk func(v reflect.Value, path []string)
	walk = func(v reflect.Value, path []string) {
		switch v.Kind() {
		case reflect.Struct:
			for i := range v.NumField() {
				walk(v.Field(i), append(append([]string{}, path...), v.Type().Field(i).Name))
			}
			return
		case reflect.Map:
			for _, code := range codes {
				walk(v.MapIndex(reflect.ValueOf(code)), append(append([]string{}, path...), code))
			}
			return
		}
		op, ok := field(path)
		if !ok {
			t.Fatalf("no compiled read of .%s", strings.Join(path, "."))
		}
		got, ok := op.get(d)
		want := fmt.Sprint(v.Interface())
		if !ok || got.String() != want || got.isInt != (v.Kind() == reflect.Int) {
			t.Fatalf(".%s: compiled %+v, reflection %q", strings.Join(path, "."), got, want)
		}
	}
	walk(reflect.ValueOf(*d), nil)
}

func BenchmarkRender(b *testing.B) {
	subject, html, text := letter()
	tpl, errs := Parse(subject, html, text, codes)
	if errs != nil {
		b.Fatal(errs)
	}
	d := sample()
	d.Country.Instruments["C097"] = Instrument{Status: "ratified", Year: 1990}
	d.Country.Instruments["C143"] = Instrument{Status: "none"}
	d.Country.Instruments["C189"] = Instrument{Status: "none"}
	for _, mode := range []string{"compiled", "text/template"} {
		b.Run(mode, func(b *testing.B) {
			t := *tpl
			if mode != "compiled" {
				t.fastSubject, t.fastHTML, t.fastText = nil, nil, nil
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := t.Render(d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

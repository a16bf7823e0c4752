// Package merge renders campaign templates over a plain merge-data struct
// and checks, before a template is saved, that every field it names exists.
// Templates get the data and Go's built-in template functions only: nothing
// that reaches files, the network or other records.
package merge

import (
	"bytes"
	htmltemplate "html/template"
	"io"
	"strings"
	"sync"
	texttemplate "text/template"
)

// Data is everything a template may use. It is plain data with no methods.
type Data struct {
	Contact        Contact
	Country        Country
	Sender         Sender
	UnsubscribeURL string
}

// Contact is the recipient.
type Contact struct {
	Honorific, FirstName, LastName, FullName string
	Position, Institution                    string
}

// Country is the recipient's country and where it stands on each instrument.
type Country struct {
	Name        string
	Instruments map[string]Instrument
}

// Instrument is one treaty's standing: Status is none, signed, ratified,
// acceded, succeeded or denounced; Year is 0 when there is no date.
type Instrument struct {
	Status string
	Year   int
}

// Sender is who the message comes from.
type Sender struct {
	Name, Organisation string
}

// Template is a parsed language variant, ready to render many times.
type Template struct {
	subject *texttemplate.Template
	text    *texttemplate.Template
	html    *htmltemplate.Template
	// The parts compiled (see compile.go); nil where a part uses what
	// compile leaves to text/template.
	fastSubject, fastText, fastHTML program
}

// executor is a text or an HTML template.
type executor interface {
	Execute(w io.Writer, data any) error
}

// execute writes one part: compiled when it could be, by text/template
// otherwise or when the compiled part meets data it does not handle.
func execute(b *bytes.Buffer, fast program, slow executor, d *Data) error {
	if fast != nil {
		start := b.Len()
		if fast(b, d) {
			return nil
		}
		b.Truncate(start)
	}
	return slow.Execute(b, d)
}

// Rendered is one message's subject and bodies.
type Rendered struct {
	Subject, HTML, Text string
}

// renderBuffers keeps the buffers of finished renders: a campaign renders
// thousands of messages of the same size, and growing a fresh buffer to 10 KB
// for each was a large share of the sender's garbage.
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Render executes the variant for one recipient. A CR or LF in the subject
// is folded to a space so no merge value can add a header.
func (t *Template) Render(d *Data) (Rendered, error) {
	var r Rendered
	b := renderBuffers.Get().(*bytes.Buffer)
	defer renderBuffers.Put(b)
	b.Reset()
	if err := execute(b, t.fastSubject, t.subject, d); err != nil {
		return r, err
	}
	r.Subject = strings.Join(strings.Fields(b.String()), " ")
	b.Reset()
	if err := execute(b, t.fastHTML, t.html, d); err != nil {
		return r, err
	}
	r.HTML = b.String()
	b.Reset()
	if t.text != nil {
		if err := execute(b, t.fastText, t.text, d); err != nil {
			return r, err
		}
		r.Text = b.String()
	} else {
		r.Text = HTMLToText(r.HTML)
	}
	return r, nil
}

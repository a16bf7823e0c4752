package mail_test

import (
	"bytes"
	"io"
	"mime"
	"mime/quotedprintable"
	"strings"
	"testing"
	"time"

	"ratify/internal/mail"
)

// FuzzEncode holds the encoder to what the SMTP transport relies on when it
// writes a message without dot-stuffing it: CRLF line ends only, no line
// that starts with a dot, body lines within quoted-printable's 76
// characters, and bodies and subject that read back as they went in.
func FuzzEncode(f *testing.F) {
	f.Add("Ratify", "Dear Ada,\n.\n..\nPlease ratify.", "<p>.</p>\r\n.x", "Ada Okafor")
	f.Add("été — 移民", strings.Repeat("é. ", 60), "", "Núñez, \"x\"")
	f.Add("", "trailing space \nand tab\t\r\n", "\r\r\n.\n", "")
	f.Add(strings.Repeat("x", 2500), "", "", strings.Repeat("y", 1200))
	f.Fuzz(fuzzBody)
}

func fuzzBody(t *testing.T, subject, text, html, name string) {
	{
		m := &mail.Message{FromName: name, FromAddr: "news@coalition.example", ToName: name, ToAddr: "ada@example.org",
			Subject: subject, Text: text, HTML: html, MessageID: "fz@ratify.test"}
		if err := m.Encode(time.Unix(0, 0)); err != nil {
			t.Fatal(err)
		}
		raw := m.Bytes()
		if !bytes.HasSuffix(raw, []byte("\r\n")) {
			t.Fatalf("does not end with CRLF: %q", raw)
		}
		_, body, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
		if !ok {
			t.Fatalf("no blank line after the header: %q", raw)
		}
		for _, line := range bytes.Split(raw[:len(raw)-2], []byte("\r\n")) {
			if bytes.ContainsAny(line, "\r\n") {
				t.Fatalf("bare CR or LF in %q", line)
			}
			if bytes.HasPrefix(line, []byte(".")) {
				t.Fatalf("a line starts with a dot: %q", line)
			}
			if len(line) > 998 {
				t.Fatalf("a line of %d characters, more than SMTP takes", len(line))
			}
		}
		for _, line := range bytes.Split(body, []byte("\r\n")) {
			if len(line) > 76 {
				t.Fatalf("body line of %d characters: %q", len(line), line)
			}
			// Quoted-printable is 7-bit: printable ASCII, space and tab,
			// and '=' only before two hex digits or at a soft break.
			for i, c := range line {
				if (c < ' ' && c != '\t') || c > '~' {
					t.Fatalf("byte %#x left unencoded in %q", c, line)
				}
				if c == '=' && i+1 < len(line) && (i+2 >= len(line) || !isUpperHex(line[i+1]) || !isUpperHex(line[i+2])) &&
					!bytes.HasPrefix(line, []byte("--")) && !bytes.Contains(line, []byte(":")) {
					t.Fatalf("a bare '=' in %q", line)
				}
			}
		}
		msg, parts := mtParts(t, raw)
		// Spacing may differ (a reader unfolds runs of white space), and a
		// word too long for any line is cut in pieces that read back with
		// spaces between them.
		sep := " "
		for _, w := range strings.Fields(subject) {
			if len(w) > 900 {
				sep = ""
			}
		}
		if s, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil || strings.Join(strings.Fields(s), sep) != strings.Join(strings.Fields(oneLineTest(subject)), sep) {
			if strings.ToValidUTF8(subject, "") == subject {
				t.Fatalf("subject %q (%v), want %q", s, err, oneLineTest(subject))
			}
		}
		got := parts["text/plain"]
		if html == "" {
			// A single part: mtParts leaves it encoded.
			dec, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(got)))
			if err != nil {
				t.Fatalf("quoted-printable: %v in %q", err, got)
			}
			got = strings.TrimSuffix(string(dec), "\r\n")
		}
		if want := crlf(text); got != want {
			t.Fatalf("text %q, want %q", got, want)
		}
		if html != "" {
			if got, want := parts["text/html"], crlf(html); got != want {
				t.Fatalf("html %q, want %q", got, want)
			}
		}
	}
}

// crlf is a body as it reads back: line breaks as CRLF, a lone CR as it
// was, and without the last line break, which belongs to the MIME delimiter.
func crlf(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
	return strings.TrimSuffix(s, "\r\n")
}

func oneLineTest(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\r' || r == '\n' }), " ")
}

func isUpperHex(c byte) bool { return '0' <= c && c <= '9' || 'A' <= c && c <= 'F' }

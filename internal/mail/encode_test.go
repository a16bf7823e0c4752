package mail_test

import (
	"bytes"
	"context"
	"mime"
	"strings"
	"testing"
	"time"

	"ratify/internal/mail"
)

// The encoder's output must read back as what was put in: words in any
// script, lines of any length, and lines that SMTP would take for the end
// of the message.
func TestEncodeRoundTrips(t *testing.T) {
	long := strings.Repeat("Ratification protects migrant workers and their families. ", 40)
	m := mtMessage("enc@ratify.test", "ada@example.org")
	m.FromName = "Coalition des défenseurs — Genève"
	m.ToName = "Señora Núñez, \"la ministra\""
	m.Subject = "Ratifiez la Convention : " + strings.Repeat("travailleurs migrants ", 6) + "— 移民工人"
	m.Text = "Chère Madame,\n.\n..leading dots\n" + long + "\nfin  \n"
	m.HTML = "<p>Chère Madame,</p>\n.\n<p>" + long + "</p>"
	if err := m.Encode(time.Now()); err != nil {
		t.Fatal(err)
	}
	raw := m.Bytes()
	for i, line := range bytes.Split(raw, []byte("\r\n")) {
		if len(line) > 78 {
			t.Errorf("line %d has %d characters: %q", i+1, len(line), line)
		}
		if bytes.ContainsAny(line, "\r\n") {
			t.Errorf("line %d has a bare CR or LF: %q", i+1, line)
		}
		if bytes.HasPrefix(line, []byte(".")) {
			t.Errorf("line %d starts with a dot, which SMTP would have to stuff: %q", i+1, line)
		}
	}
	msg, parts := mtParts(t, raw)
	dec := new(mime.WordDecoder)
	if got, err := dec.DecodeHeader(msg.Header.Get("Subject")); err != nil || got != m.Subject {
		t.Errorf("subject %q (%v), want %q", got, err, m.Subject)
	}
	from, err := msg.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != m.FromName || from[0].Address != m.FromAddr {
		t.Errorf("From %v %v", from, err)
	}
	to, err := msg.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Name != m.ToName || to[0].Address != m.ToAddr {
		t.Errorf("To %v %v", to, err)
	}
	wantText := strings.ReplaceAll(strings.TrimSuffix(m.Text, "\n"), "\n", "\r\n")
	if parts["text/plain"] != wantText {
		t.Errorf("text part:\n%q\nwant\n%q", parts["text/plain"], wantText)
	}
	if parts["text/html"] != strings.ReplaceAll(m.HTML, "\n", "\r\n") {
		t.Errorf("html part:\n%q", parts["text/html"])
	}

	// And through a server: the dots are not taken for the end of DATA.
	srv := newMTServer(t, nil)
	conn := mtOpen(t, srv)
	if r := conn.Send(context.Background(), []*mail.Message{m}); r[0].Outcome != mail.Sent {
		t.Fatalf("send: %+v", r[0])
	}
	got := srv.got()
	if len(got) != 1 || !bytes.Equal(bytes.TrimRight(got[0].raw, "\r\n"), bytes.TrimRight(raw, "\r\n")) {
		t.Errorf("the server received other bytes than were encoded")
	}
}

func TestEncodeRefusesBadAddresses(t *testing.T) {
	for _, addr := range []string{"", "not an address", "a@b.example\r\nBcc: x@evil.example", "Ada <ada@example.org>"} {
		m := mtMessage("bad@ratify.test", addr)
		if err := m.Encode(time.Now()); err == nil {
			t.Errorf("%q: encoded", addr)
		}
		if r := (&mail.Outbox{Dir: t.TempDir()}).Send(context.Background(), []*mail.Message{m}); r[0].Outcome != mail.Failed {
			t.Errorf("%q: %+v, want failed", addr, r[0])
		}
	}
}

// A released message's buffer serves the next message; the released one
// no longer offers its bytes.
func TestEncodeReleaseReusesTheBuffer(t *testing.T) {
	a, b := mtMessage("a@ratify.test", "ada@example.org"), mtMessage("b@ratify.test", "ben@example.org")
	b.HTML = strings.Repeat("<p>Other words.</p>", 20)
	if err := a.Encode(time.Now()); err != nil {
		t.Fatal(err)
	}
	a.Release()
	if a.Bytes() != nil {
		t.Error("a released message still offers bytes")
	}
	if err := b.Encode(time.Now()); err != nil {
		t.Fatal(err)
	}
	_, parts := mtParts(t, b.Bytes())
	if parts["text/html"] != b.HTML {
		t.Errorf("the second message reads %q", parts["text/html"])
	}
	a.Release() // twice is harmless
}

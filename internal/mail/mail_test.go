package mail_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"mime"
	"mime/multipart"
	"net"
	netmail "net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"ratify/internal/mail"
)

// These tests drive both transports for real: the outbox writes files into a
// temporary folder, and the SMTP transport talks to an in-process go-smtp
// server on 127.0.0.1 that answers as each test scripts it.

func mtMessage(id, to string) *mail.Message {
	return &mail.Message{FromName: "Coalition", FromAddr: "news@coalition.example", ReplyTo: "team@coalition.example",
		ToName: "Ada Okafor", ToAddr: to, Subject: "Ratify the Convention",
		HTML: "<p>Dear Ada,</p><p>Please ratify.</p>", Text: "Dear Ada,\n\nPlease ratify.\n",
		MessageID: id, ListUnsubscribe: "http://ratify.test/u/tok." + id}
}

// mtParts reads a message and returns its headers and the bodies of its
// text/plain and text/html parts (decoded).
func mtParts(t *testing.T, raw []byte) (*netmail.Message, map[string]string) {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("not a message: %v\n%s", err, raw)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("content type %q: %v", msg.Header.Get("Content-Type"), err)
	}
	parts := map[string]string{}
	if !strings.HasPrefix(mt, "multipart/") {
		body, _ := io.ReadAll(msg.Body)
		parts[mt] = string(body)
		return msg, parts
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart() // decodes quoted-printable
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("part: %v", err)
		}
		pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		b, _ := io.ReadAll(p)
		parts[pt] = string(b)
	}
	return msg, parts
}

func TestOutboxWritesOneFilePerMessageNamedByMessageID(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox") // Open creates it
	ob := &mail.Outbox{Dir: dir}
	if !strings.Contains(ob.String(), dir) {
		t.Errorf("String() = %q", ob.String())
	}
	conn, err := ob.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ids := []string{"a1b2c3@ratify.test", "d4e5f6@ratify.test", "<g7h8@ratify.test>"}
	var msgs []*mail.Message
	for i, id := range ids {
		msgs = append(msgs, mtMessage(id, []string{"ada@example.org", "ben@example.org", "chloe@example.org"}[i]))
	}
	for i, r := range conn.Send(context.Background(), msgs) {
		if r.Outcome != mail.Sent {
			t.Fatalf("message %d: %v %s", i, r.Outcome, r.Reply)
		}
	}
	// Sending the same message again (a resend after a crash) rewrites its file.
	if r := conn.Send(context.Background(), msgs[:1]); r[0].Outcome != mail.Sent {
		t.Fatalf("resend: %+v", r[0])
	}
	files, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(ids) {
		t.Fatalf("outbox holds %d files, want %d", len(files), len(ids))
	}
	for i, id := range ids {
		bare := strings.Trim(id, "<>")
		name := strings.ReplaceAll(bare, "@", "_at_") + ".eml"
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("no file %s for %s: %v", name, id, err)
		}
		msg, parts := mtParts(t, raw)
		if got := msg.Header.Get("Message-ID"); got != "<"+bare+">" {
			t.Errorf("%s: Message-ID %q", name, got)
		}
		to, err := msg.Header.AddressList("To")
		if err != nil || len(to) != 1 || to[0].Address != msgs[i].ToAddr || to[0].Name != "Ada Okafor" {
			t.Errorf("%s: To %v %v", name, to, err)
		}
		if got := msg.Header.Get("List-Unsubscribe"); got != "<http://ratify.test/u/tok."+id+">" {
			t.Errorf("%s: List-Unsubscribe %q", name, got)
		}
		if got := msg.Header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
			t.Errorf("%s: List-Unsubscribe-Post %q", name, got)
		}
		if got := msg.Header.Get("Reply-To"); !strings.Contains(got, "team@coalition.example") {
			t.Errorf("%s: Reply-To %q", name, got)
		}
		if !strings.Contains(parts["text/html"], "<p>Please ratify.</p>") || !strings.Contains(parts["text/plain"], "Please ratify.") {
			t.Errorf("%s: parts %v", name, parts)
		}
	}
	for _, f := range files {
		if strings.HasSuffix(f.Name(), ".tmp") {
			t.Errorf("a temporary file was left: %s", f.Name())
		}
	}

	// A message that cannot be built fails for good; nothing is written.
	bad := mtMessage("bad@ratify.test", "not an address")
	if r := conn.Send(context.Background(), []*mail.Message{bad}); r[0].Outcome != mail.Failed {
		t.Errorf("bad address: %+v", r[0])
	}
	// A stopping sender does not write and asks for a retry.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if r := conn.Send(ctx, []*mail.Message{mtMessage("late@ratify.test", "ada@example.org")}); r[0].Outcome != mail.Retry {
		t.Errorf("cancelled: %+v", r[0])
	}
	if files, _ := os.ReadDir(dir); len(files) != len(ids) {
		t.Errorf("outbox holds %d files after refused sends", len(files))
	}
}

func TestOutboxHeaderInjection(t *testing.T) {
	dir := t.TempDir()
	conn, err := (&mail.Outbox{Dir: dir}).Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m := mtMessage("inj@ratify.test", "ada@example.org")
	m.ToName = "Ada Okafor\r\nBcc: x@evil.example"
	m.FromName = "Coalition\nBcc: y@evil.example"
	m.Subject = "Hello\r\nBcc: z@evil.example\r\n\r\nbody"
	m.ListUnsubscribe = "http://ratify.test/u/x\r\nBcc: w@evil.example"
	if r := conn.Send(context.Background(), []*mail.Message{m}); r[0].Outcome != mail.Sent {
		t.Fatalf("send: %+v", r[0])
	}
	raw, err := os.ReadFile(filepath.Join(dir, "inj_at_ratify.test.eml"))
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := mtParts(t, raw)
	mtNoInjection(t, msg, raw)
}

// mtNoInjection checks that no Bcc header made it in and that every header
// value is one line.
func mtNoInjection(t *testing.T, msg *netmail.Message, raw []byte) {
	t.Helper()
	if _, ok := msg.Header["Bcc"]; ok {
		t.Errorf("a Bcc header was injected:\n%s", raw)
	}
	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	for _, line := range strings.Split(string(head), "\r\n") {
		if strings.HasPrefix(strings.ToLower(line), "bcc:") {
			t.Errorf("a Bcc line is in the header: %q", line)
		}
	}
	for k, vs := range msg.Header {
		for _, v := range vs {
			if strings.ContainsAny(v, "\r\n") {
				t.Errorf("header %s spans lines: %q", k, v)
			}
		}
	}
	to, err := msg.Header.AddressList("To")
	if err != nil || len(to) != 1 {
		t.Errorf("To is not one address: %v %v", to, err)
	}
	if len(msg.Header["Subject"]) != 1 || len(msg.Header["To"]) != 1 {
		t.Errorf("Subject or To repeated: %v", msg.Header)
	}
}

// mtScript says how the server answers one recipient address.
type mtScript struct {
	rcptCode int  // non-zero: refuse RCPT with this code
	dataCode int  // non-zero: refuse the message after DATA with this code
	dropData bool // read the message, then close the connection without a reply
	dropRcpt bool // close the connection at RCPT, before DATA
}

type mtReceived struct {
	from string
	rcpt []string
	raw  []byte
}

// mtServer is an in-process SMTP server without TLS.
type mtServer struct {
	addr string

	mu       sync.Mutex
	script   map[string]mtScript
	received []mtReceived
	sessions int
	// onData, when set, runs as each message has been read.
	onData func(rcpt []string)
}

func newMTServer(t *testing.T, script map[string]mtScript) *mtServer {
	t.Helper()
	s := &mtServer{script: script}
	srv := smtp.NewServer(s)
	srv.Domain = "mx.test"
	srv.ReadTimeout, srv.WriteTimeout = 30*time.Second, 30*time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

func (s *mtServer) url() string { return "smtp://" + s.addr + "?tls=none" }

func (s *mtServer) got() []mtReceived {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]mtReceived(nil), s.received...)
}

func (s *mtServer) NewSession(c *smtp.Conn) (smtp.Session, error) {
	s.mu.Lock()
	s.sessions++
	s.mu.Unlock()
	return &mtSession{s: s, c: c}, nil
}

type mtSession struct {
	s    *mtServer
	c    *smtp.Conn
	from string
	rcpt []string
}

func (ss *mtSession) Reset()        { ss.from, ss.rcpt = "", nil }
func (ss *mtSession) Logout() error { return nil }
func (ss *mtSession) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	return nil
}

func (ss *mtSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	sc := ss.s.script[to]
	ss.s.mu.Unlock()
	switch {
	case sc.dropRcpt:
		_ = ss.c.Conn().Close()
		return errors.New("dropped at RCPT")
	case sc.rcptCode != 0:
		return &smtp.SMTPError{Code: sc.rcptCode, EnhancedCode: smtp.EnhancedCodeNotSet, Message: "scripted refusal"}
	}
	ss.rcpt = append(ss.rcpt, to)
	return nil
}

func (ss *mtSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	var sc mtScript
	ss.s.mu.Lock()
	for _, to := range ss.rcpt {
		sc = ss.s.script[to]
	}
	ss.s.mu.Unlock()
	switch {
	case sc.dropData:
		// The whole message was taken in; the client never hears so.
		_ = ss.c.Conn().Close()
		return errors.New("dropped after DATA")
	case sc.dataCode != 0:
		return &smtp.SMTPError{Code: sc.dataCode, EnhancedCode: smtp.EnhancedCodeNotSet, Message: "scripted refusal after DATA"}
	}
	ss.s.mu.Lock()
	ss.s.received = append(ss.s.received, mtReceived{from: ss.from, rcpt: ss.rcpt, raw: raw})
	onData := ss.s.onData
	ss.s.mu.Unlock()
	if onData != nil {
		onData(ss.rcpt)
	}
	return nil
}

func mtOpen(t *testing.T, s *mtServer) mail.Conn {
	t.Helper()
	tr, err := mail.ParseSMTPURL(s.url())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := tr.Open(ctx)
	if err != nil {
		t.Fatalf("open %s: %v", tr, err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func TestSMTPDeliversMultipartWithHeaders(t *testing.T) {
	srv := newMTServer(t, nil)
	conn := mtOpen(t, srv)
	msgs := []*mail.Message{mtMessage("m1@ratify.test", "ada@example.org"), mtMessage("m2@ratify.test", "ben@example.org")}
	for i, r := range conn.Send(context.Background(), msgs) {
		if r.Outcome != mail.Sent {
			t.Fatalf("message %d: %v %s", i, r.Outcome, r.Reply)
		}
		if !strings.HasPrefix(r.Reply, "2") && r.Reply != "" {
			t.Errorf("message %d: reply %q", i, r.Reply)
		}
	}
	got := srv.got()
	if len(got) != 2 {
		t.Fatalf("server received %d messages", len(got))
	}
	for i, g := range got {
		if g.from != "news@coalition.example" || len(g.rcpt) != 1 || g.rcpt[0] != msgs[i].ToAddr {
			t.Errorf("envelope %d: from %q rcpt %v", i, g.from, g.rcpt)
		}
		msg, parts := mtParts(t, g.raw)
		mt, _, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
		if mt != "multipart/alternative" {
			t.Errorf("message %d: content type %q", i, msg.Header.Get("Content-Type"))
		}
		if !strings.Contains(parts["text/plain"], "Please ratify.") || !strings.Contains(parts["text/html"], "<p>Please ratify.</p>") {
			t.Errorf("message %d: parts %v", i, parts)
		}
		want := map[string]string{
			"Message-ID":            "<" + msgs[i].MessageID + ">",
			"Subject":               "Ratify the Convention",
			"List-Unsubscribe":      "<" + msgs[i].ListUnsubscribe + ">",
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		}
		for k, v := range want {
			if got := msg.Header.Get(k); got != v {
				t.Errorf("message %d: %s = %q, want %q", i, k, got, v)
			}
		}
		if from, err := msg.Header.AddressList("From"); err != nil || len(from) != 1 || from[0].Address != "news@coalition.example" || from[0].Name != "Coalition" {
			t.Errorf("message %d: From %v %v", i, from, err)
		}
		if msg.Header.Get("Date") == "" {
			t.Errorf("message %d: no Date", i)
		}
	}
}

func TestSMTPClassifiesReplies(t *testing.T) {
	script := map[string]mtScript{
		"rcpt451@example.org":  {rcptCode: 451},
		"rcpt550@example.org":  {rcptCode: 550},
		"data451@example.org":  {dataCode: 451},
		"data550@example.org":  {dataCode: 550},
		"data554@example.org":  {dataCode: 554},
		"drop@example.org":     {dropData: true},
		"droprcpt@example.org": {dropRcpt: true},
	}
	srv := newMTServer(t, script)

	// Refusals keep the connection usable: one batch, one connection.
	conn := mtOpen(t, srv)
	batch := []*mail.Message{
		mtMessage("ok1@ratify.test", "ok1@example.org"),
		mtMessage("r451@ratify.test", "rcpt451@example.org"),
		mtMessage("r550@ratify.test", "rcpt550@example.org"),
		mtMessage("d451@ratify.test", "data451@example.org"),
		mtMessage("d550@ratify.test", "data550@example.org"),
		mtMessage("d554@ratify.test", "data554@example.org"),
		mtMessage("ok2@ratify.test", "ok2@example.org"),
	}
	want := []mail.Outcome{mail.Sent, mail.Retry, mail.Failed, mail.Retry, mail.Failed, mail.Failed, mail.Sent}
	res := conn.Send(context.Background(), batch)
	for i, r := range res {
		if r.Outcome != want[i] {
			t.Errorf("%s: %v (%s), want %v", batch[i].ToAddr, r.Outcome, r.Reply, want[i])
		}
	}
	for i, code := range map[int]string{1: "451", 2: "550", 3: "451", 4: "550", 5: "554"} {
		if !strings.Contains(res[i].Reply, code) {
			t.Errorf("%s: the reply %q does not carry the server's code %s", batch[i].ToAddr, res[i].Reply, code)
		}
	}
	if n := len(srv.got()); n != 2 {
		t.Errorf("server accepted %d messages, want 2", n)
	}

	// The line goes dead after the message was handed over: ambiguous, and
	// the connection is not used again.
	conn = mtOpen(t, srv)
	res = conn.Send(context.Background(), []*mail.Message{mtMessage("drop@ratify.test", "drop@example.org"), mtMessage("after@ratify.test", "after@example.org")})
	if res[0].Outcome != mail.Ambiguous {
		t.Errorf("dropped after DATA: %v (%s), want ambiguous", res[0].Outcome, res[0].Reply)
	}
	if res[1].Outcome != mail.Retry {
		t.Errorf("after a dropped connection: %v (%s), want retry", res[1].Outcome, res[1].Reply)
	}
	if res := conn.Send(context.Background(), []*mail.Message{mtMessage("later@ratify.test", "later@example.org")}); res[0].Outcome != mail.Retry ||
		!strings.Contains(res[0].Reply, "not attempted") {
		t.Errorf("a broken connection was used again: %+v", res[0])
	}

	// The line goes dead before DATA: nothing was handed over, so retry.
	conn = mtOpen(t, srv)
	res = conn.Send(context.Background(), []*mail.Message{mtMessage("dr@ratify.test", "droprcpt@example.org")})
	if res[0].Outcome != mail.Retry {
		t.Errorf("dropped at RCPT: %v (%s), want retry", res[0].Outcome, res[0].Reply)
	}
	for _, g := range srv.got() {
		if strings.Contains(string(g.raw), "drop@ratify.test") {
			t.Error("the dropped message was recorded as accepted")
		}
	}
}

func TestSMTPOpenFailsClearly(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nobody listens there now
	tr, err := mail.ParseSMTPURL("smtp://user:hunter2secret@" + addr + "?tls=none")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err = tr.Open(ctx)
	if err == nil {
		t.Fatal("open succeeded with no server")
	}
	if !strings.Contains(err.Error(), addr) || strings.Contains(err.Error(), "hunter2secret") {
		t.Errorf("open error %q should name the server and not the password", err)
	}
}

func TestParseSMTPURL(t *testing.T) {
	const pw = "s3cr3t-Passw0rd"
	good := []struct{ raw, want string }{
		{"smtp://user:" + pw + "@smtp.example.org", "smtp smtp.example.org:587 (starttls)"},
		{"smtp://user:" + pw + "@smtp.example.org:2525", "smtp smtp.example.org:2525 (starttls)"},
		{"smtps://user:" + pw + "@smtp.example.org", "smtp smtp.example.org:465 (implicit)"},
		{"smtps://smtp.example.org:1465", "smtp smtp.example.org:1465 (implicit)"},
		{"smtp://127.0.0.1:1025?tls=none", "smtp 127.0.0.1:1025 (none)"},
		{"smtp://user:" + pw + "@localhost:1025?tls=none", "smtp localhost:1025 (none)"},
	}
	for _, c := range good {
		s, err := mail.ParseSMTPURL(c.raw)
		if err != nil {
			t.Errorf("ParseSMTPURL(%q): %v", c.raw, err)
			continue
		}
		if got := s.String(); got != c.want {
			t.Errorf("ParseSMTPURL(%q).String() = %q, want %q", c.raw, got, c.want)
		}
		if strings.Contains(s.String(), pw) || strings.Contains(s.String(), "user") {
			t.Errorf("String() shows the credentials: %q", s.String())
		}
	}
	bad := []struct{ raw, want string }{
		{"ftp://user:" + pw + "@files.example.org", `scheme "ftp" must be smtp or smtps`},
		{"http://smtp.example.org", `scheme "http" must be smtp or smtps`},
		{"smtps://user:" + pw + "@smtp.example.org?tls=none", "smtps:// always uses TLS"},
		{"smtp://user:" + pw + "@smtp.example.org:99999", `port "99999" is not a number from 1 to 65535`},
		{"smtp://smtp.example.org:0", `port "0" is not a number from 1 to 65535`},
		{"smtp://user:" + pw + "@smtp.example.org:abc", "not a URL such as smtp://"},
		{"smtp://smtp.example.org?tls=starttls", "tls may only be none"},
		{"smtp.example.org:587", "smtp"},
		{"", "not a URL such as smtp://"},
		{"smtp://", "not a URL such as smtp://"},
	}
	for _, c := range bad {
		s, err := mail.ParseSMTPURL(c.raw)
		if err == nil {
			t.Errorf("ParseSMTPURL(%q) accepted: %v", c.raw, s)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseSMTPURL(%q) = %q, want it to say %q", c.raw, err, c.want)
		}
		if strings.Contains(err.Error(), pw) {
			t.Errorf("ParseSMTPURL(%q) error shows the password: %q", c.raw, err)
		}
	}
}

// To a server that offers PIPELINING, a message's envelope goes out with
// the message before it. A sender that stops meanwhile still sends that
// message whole (its DATA was answered: a bare dot would deliver an empty
// one) and starts no other.
func TestSMTPPipelinedStopFinishesTheChainedMessage(t *testing.T) {
	srv := newMTServer(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv.onData = func(rcpt []string) {
		if len(rcpt) == 1 && rcpt[0] == "first@example.org" {
			cancel()
		}
	}
	conn := mtOpen(t, srv)
	batch := []*mail.Message{mtMessage("p1@ratify.test", "first@example.org"), mtMessage("p2@ratify.test", "second@example.org"),
		mtMessage("p3@ratify.test", "third@example.org")}
	res := conn.Send(ctx, batch)
	if res[0].Outcome != mail.Sent || res[1].Outcome != mail.Sent {
		t.Fatalf("the first two: %+v", res[:2])
	}
	if res[2].Outcome != mail.Retry || !strings.Contains(res[2].Reply, "not attempted") {
		t.Fatalf("the third, after the stop: %+v", res[2])
	}
	got := srv.got()
	if len(got) != 2 {
		t.Fatalf("the server took %d messages, want 2", len(got))
	}
	for i, g := range got {
		if !bytes.Contains(g.raw, []byte("Message-ID: <"+batch[i].MessageID+">")) || !bytes.Contains(g.raw, []byte("text/html")) {
			t.Errorf("message %d arrived incomplete: %q", i, g.raw)
		}
	}
	// The connection is still in step for the next batch.
	if res := conn.Send(context.Background(), batch[2:]); res[0].Outcome != mail.Sent {
		t.Fatalf("the next batch: %+v", res[0])
	}
}

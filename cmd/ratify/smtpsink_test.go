package main

import (
	"bytes"
	"errors"
	"io"
	"log"
	"maps"
	"net"
	netmail "net/mail"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// sinkScript is how the sink answers one recipient address.
type sinkScript struct {
	// TempFails answers TempCode (421 or 451) to the first TempFails RCPT
	// commands for the address, then accepts it.
	TempFails int
	TempCode  int
	// PermFail answers 550 to every RCPT for the address.
	PermFail bool
	// DropFirst closes the connection right after reading the first DATA
	// for the address, before replying: the message was handed over (and is
	// counted as received) but the client never hears so.
	DropFirst bool
}

// sinkMessage is one message the sink took in: its DATA was read to the end.
type sinkMessage struct {
	MessageID string   // the Message-ID header without <>
	Rcpt      []string // the RCPT TO addresses, lower case
	Listener  string   // the address the message came in on
	Dropped   bool     // the connection was closed instead of answering
}

// smtpSink is an in-process SMTP server (github.com/emersion/go-smtp) that
// records every message and answers as scripted per recipient address. It is
// safe for concurrent sessions and for the test reading it while they run.
type smtpSink struct {
	srv *smtp.Server

	mu        sync.Mutex
	addrs     []string
	delay     time.Duration
	roles     func(seen int) sinkScript
	script    map[string]sinkScript
	rcptTimes map[string][]time.Time
	dataCount map[string]int
	received  []sinkMessage
	perID     map[string]int
}

// newSMTPSink starts a sink on n listeners (127.0.0.1:0 each); it is closed
// at cleanup. Several listeners let a test tell apart which process sent.
func newSMTPSink(t *testing.T, n int) *smtpSink {
	t.Helper()
	s := &smtpSink{script: map[string]sinkScript{}, rcptTimes: map[string][]time.Time{}, dataCount: map[string]int{},
		perID: map[string]int{}}
	s.srv = smtp.NewServer(s)
	s.srv.Domain = "sink.test"
	s.srv.ReadTimeout = 2 * time.Minute
	s.srv.WriteTimeout = 30 * time.Second
	s.srv.MaxMessageBytes = 4 << 20
	s.srv.ErrorLog = log.New(io.Discard, "", 0) // a killed client is expected, not news
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		s.addrs = append(s.addrs, ln.Addr().String())
		go func() { _ = s.srv.Serve(ln) }()
	}
	t.Cleanup(func() { _ = s.srv.Close() })
	return s
}

// url is RATIFY_SMTP_URL for the i-th listener.
func (s *smtpSink) url(i int) string { return "smtp://" + s.addrs[i] + "?tls=none" }

// setDelay makes every accepted message take d, as a slow server would, so
// that a batch is in flight long enough to be killed in the middle.
func (s *smtpSink) setDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// setRoles scripts the answers by the order in which addresses first come:
// the address first named in a RCPT after seen others gets roles(seen).
// Scripting by arrival rather than by address keeps a test free of the
// order the engine sends in: an address first seen before the first dropped
// line is known to have had its first try unharmed by it.
func (s *smtpSink) setRoles(roles func(seen int) sinkScript) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.roles = roles
}

// scripted returns the answers given so far to each address.
func (s *smtpSink) scripted() map[string]sinkScript {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.script)
}

// distinct counts the different Message-IDs received.
func (s *smtpSink) distinct() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.perID)
}

// messages returns a copy of everything received, in arrival order.
func (s *smtpSink) messages() []sinkMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]sinkMessage, len(s.received))
	copy(out, s.received)
	return out
}

// rcptAt reports when RCPT commands named addr.
func (s *smtpSink) rcptAt(addr string) []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.rcptTimes[strings.ToLower(addr)])
}

// dataTries reports how many DATA transfers were for addr.
func (s *smtpSink) dataTries(addr string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dataCount[strings.ToLower(addr)]
}

// NewSession implements smtp.Backend.
func (s *smtpSink) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &sinkSession{sink: s, conn: c}, nil
}

type sinkSession struct {
	sink *smtpSink
	conn *smtp.Conn
	rcpt []string
}

func (ss *sinkSession) Reset()        { ss.rcpt = nil }
func (ss *sinkSession) Logout() error { return nil }

func (ss *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }

func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s := ss.sink
	to = strings.ToLower(to)
	s.mu.Lock()
	if _, seen := s.rcptTimes[to]; !seen && s.roles != nil {
		if sc := s.roles(len(s.rcptTimes)); sc != (sinkScript{}) {
			s.script[to] = sc
		}
	}
	s.rcptTimes[to] = append(s.rcptTimes[to], time.Now())
	n, sc := len(s.rcptTimes[to]), s.script[to]
	s.mu.Unlock()
	switch {
	case sc.PermFail:
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "mailbox unavailable (scripted)"}
	case n <= sc.TempFails:
		code := sc.TempCode
		if code == 0 {
			code = 451
		}
		return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "try again later (scripted)"}
	}
	ss.rcpt = append(ss.rcpt, to)
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	s := ss.sink
	raw, err := io.ReadAll(r)
	if err != nil {
		return err // the client went away mid-message: nothing was handed over
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "unreadable message: " + err.Error()}
	}
	id := strings.Trim(strings.TrimSpace(msg.Header.Get("Message-ID")), "<>")
	if id == "" {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "no Message-ID"}
	}
	s.mu.Lock()
	delay := s.delay
	drop := false
	for _, a := range ss.rcpt {
		s.dataCount[a]++
		if s.script[a].DropFirst && s.dataCount[a] == 1 {
			drop = true
		}
	}
	s.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}
	s.mu.Lock()
	s.received = append(s.received, sinkMessage{MessageID: id, Rcpt: append([]string(nil), ss.rcpt...),
		Listener: ss.conn.Conn().LocalAddr().String(), Dropped: drop})
	s.perID[id]++
	s.mu.Unlock()
	if drop {
		// Taken in, then the line goes dead before the reply.
		_ = ss.conn.Conn().Close()
		return errors.New("connection dropped after DATA (scripted)")
	}
	return nil
}

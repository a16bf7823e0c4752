package mail_test

import (
	"context"
	"io"
	"log"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"ratify/internal/mail"
)

// idleServer is an SMTP server that drops clients idle for a short while,
// as real servers do after a minute or so.
type idleServer struct {
	sessions, messages atomic.Int64
}

func (s *idleServer) NewSession(*smtp.Conn) (smtp.Session, error) {
	s.sessions.Add(1)
	return idleSession{s}, nil
}

type idleSession struct{ s *idleServer }

func (idleSession) Reset()                               {}
func (idleSession) Logout() error                        { return nil }
func (idleSession) Mail(string, *smtp.MailOptions) error { return nil }
func (idleSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (ss idleSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	ss.s.messages.Add(1)
	return nil
}

// A pooled connection the server closed while it sat idle is replaced before
// the next batch, instead of answering the whole batch "retry later".
func TestSMTPReconnectsAfterIdleDrop(t *testing.T) {
	be := &idleServer{}
	srv := smtp.NewServer(be)
	srv.Domain = "idle.test"
	srv.ReadTimeout = 150 * time.Millisecond
	srv.WriteTimeout = 5 * time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	tr, err := mail.ParseSMTPURL("smtp://" + ln.Addr().String() + "?tls=none")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err := tr.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	msg := func(id string) *mail.Message {
		return &mail.Message{FromName: "Coalition", FromAddr: "news@coalition.example", ToName: "Ada", ToAddr: id + "@example.org",
			Subject: "Ratify", Text: "Please ratify.", HTML: "<p>Please ratify.</p>", MessageID: id + "@ratify.test"}
	}
	for i, batch := range [][]*mail.Message{{msg("a1"), msg("a2")}, {msg("b1"), msg("b2")}} {
		if i > 0 {
			time.Sleep(600 * time.Millisecond) // the server drops the idle connection
		}
		for k, r := range conn.Send(ctx, batch) {
			if r.Outcome != mail.Sent {
				t.Fatalf("batch %d message %d: %v %q", i, k, r.Outcome, r.Reply)
			}
			if strings.Contains(r.Reply, "not attempted") {
				t.Fatalf("batch %d message %d: %q", i, k, r.Reply)
			}
		}
	}
	if be.messages.Load() != 4 || be.sessions.Load() != 2 {
		t.Fatalf("server took %d messages in %d sessions, want 4 in 2", be.messages.Load(), be.sessions.Load())
	}
}

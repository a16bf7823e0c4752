package mail_test

import (
	"bufio"
	"context"
	"net"
	"strings"
	"sync"
	"testing"

	"ratify/internal/mail"
)

// plainServer is a bare SMTP server. Without pipelining it offers no
// extension at all, so the client must wait for each reply before its next
// command; with it, it offers PIPELINING. It refuses RCPT for addresses that
// start with "refuse", then refuses DATA (RFC 2920) unless lenient, and
// records each command and each message.
type plainServer struct {
	addr       string
	pipelining bool
	lenient    bool // answers DATA with 354 even with no recipient

	mu        sync.Mutex
	commands  []string
	messages  []string
	pipelined bool // a command arrived before the reply to the one before
}

func newPlainServer(t *testing.T, pipelining, lenient bool) *plainServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	s := &plainServer{addr: ln.Addr().String(), pipelining: pipelining, lenient: lenient}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *plainServer) wasPipelined() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pipelined
}

func (s *plainServer) serve(c net.Conn) {
	defer c.Close()
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	reply := func(line string) {
		_, _ = w.WriteString(line + "\r\n")
		_ = w.Flush()
	}
	reply("220 plain.test ready")
	rcpts := 0
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		s.mu.Lock()
		s.commands = append(s.commands, line)
		if r.Buffered() > 0 {
			s.pipelined = true
		}
		s.mu.Unlock()
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch {
		case verb == "EHLO" && s.pipelining:
			reply("250-plain.test\r\n250 PIPELINING")
		case verb == "EHLO" || verb == "HELO":
			reply("250 plain.test")
		case strings.HasPrefix(strings.ToUpper(line), "RCPT TO:<REFUSE"):
			reply("550 5.1.1 no such mailbox")
		case verb == "RCPT":
			rcpts++
			reply("250 ok")
		case verb == "DATA" && rcpts == 0 && !s.lenient:
			reply("554 5.5.1 no valid recipients")
		case verb == "DATA":
			reply("354 go ahead")
			var msg strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				msg.WriteString(strings.TrimPrefix(l, "."))
			}
			if rcpts == 0 {
				reply("554 5.5.1 no valid recipients")
				continue
			}
			s.mu.Lock()
			s.messages = append(s.messages, msg.String())
			s.mu.Unlock()
			reply("250 2.0.0 queued")
		case verb == "RSET" || verb == "MAIL":
			rcpts = 0
			reply("250 ok")
		case verb == "QUIT":
			reply("221 bye")
			return
		default: // MAIL, RCPT, RSET, NOOP
			reply("250 ok")
		}
	}
}

func TestSMTPWithoutPipeliningWaitsForEachReply(t *testing.T) {
	srv := newPlainServer(t, false, false)
	plainSend(t, srv)
	if srv.wasPipelined() {
		t.Error("commands were pipelined to a server that does not offer PIPELINING")
	}
}

func TestSMTPPipelinesWhenOffered(t *testing.T) {
	for _, lenient := range []bool{false, true} {
		srv := newPlainServer(t, true, lenient)
		plainSend(t, srv)
		if !srv.wasPipelined() {
			t.Errorf("lenient=%v: MAIL, RCPT and DATA were not sent in one go to a server that offers PIPELINING", lenient)
		}
	}
}

// plainSend sends three messages, the second refused at RCPT, and checks
// what the server took and the commands it was given.
func plainSend(t *testing.T, srv *plainServer) {
	t.Helper()
	tr, err := mail.ParseSMTPURL("smtp://" + srv.addr + "?tls=none")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := tr.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	msgs := []*mail.Message{mtMessage("p1@ratify.test", "ada@example.org"), mtMessage("p2@ratify.test", "refuse@example.org"),
		mtMessage("p3@ratify.test", "ben@example.org")}
	res := conn.Send(context.Background(), msgs)
	want := []mail.Outcome{mail.Sent, mail.Failed, mail.Sent}
	for i, r := range res {
		if r.Outcome != want[i] {
			t.Errorf("%s: %v (%s), want %v", msgs[i].ToAddr, r.Outcome, r.Reply, want[i])
		}
	}
	if !strings.Contains(res[1].Reply, "550") {
		t.Errorf("the refusal's reply %q does not carry the server's code", res[1].Reply)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.messages) != 2 {
		t.Fatalf("the server took %d messages, want 2", len(srv.messages))
	}
	for i, m := range []*mail.Message{msgs[0], msgs[2]} {
		if got := strings.TrimRight(srv.messages[i], "\r\n"); got != strings.TrimRight(string(m.Bytes()), "\r\n") {
			t.Errorf("message %d arrived changed", i)
		}
	}
	var mailCmds int
	for _, c := range srv.commands {
		if strings.HasPrefix(c, "MAIL FROM:") {
			mailCmds++
			if c != "MAIL FROM:<news@coalition.example>" {
				t.Errorf("MAIL command %q, want the address in angle brackets", c)
			}
		}
		if strings.HasPrefix(c, "RCPT TO:") && !strings.HasPrefix(c, "RCPT TO:<") {
			t.Errorf("RCPT command %q, want the address in angle brackets", c)
		}
	}
	if mailCmds != 3 {
		t.Errorf("%d MAIL commands, want 3: %q", mailCmds, srv.commands)
	}
}

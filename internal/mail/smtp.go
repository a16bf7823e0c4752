package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
	gmsmtp "github.com/wneessen/go-mail/smtp"
)

// SMTP opens connections to one SMTP server.
type SMTP struct {
	host     string
	port     int
	tlsMode  string // starttls, implicit, none
	user     string
	password string
	timeout  time.Duration
}

// ParseSMTPURL reads smtp://user:pass@host:587 (STARTTLS), smtps://… (implicit
// TLS) and ?tls=none (plain, for local test servers only).
func ParseSMTPURL(raw string) (*SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, errors.New("not a URL such as smtp://user:password@smtp.example.org:587")
	}
	s := &SMTP{host: u.Hostname(), timeout: 30 * time.Second}
	switch u.Scheme {
	case "smtp":
		s.tlsMode, s.port = "starttls", 587
	case "smtps":
		s.tlsMode, s.port = "implicit", 465
	default:
		return nil, fmt.Errorf("scheme %q must be smtp or smtps", u.Scheme)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("port %q is not a number from 1 to 65535", p)
		}
		s.port = n
	}
	switch u.Query().Get("tls") {
	case "":
	case "none":
		if s.tlsMode == "implicit" {
			return nil, errors.New("smtps:// always uses TLS; use smtp://…?tls=none for a plain local server")
		}
		s.tlsMode = "none"
	default:
		return nil, errors.New("tls may only be none")
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.password, _ = u.User.Password()
	}
	return s, nil
}

// String describes the server without the password, for logs and banners.
func (s *SMTP) String() string {
	return fmt.Sprintf("smtp %s:%d (%s)", s.host, s.port, s.tlsMode)
}

// Open dials and greets the server; the connection is reused for many messages.
func (s *SMTP) Open(ctx context.Context) (Conn, error) {
	opts := []gomail.Option{gomail.WithPort(s.port), gomail.WithTimeout(s.timeout), gomail.WithHELO("ratify.localhost")}
	switch s.tlsMode {
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case "implicit":
		opts = append(opts, gomail.WithSSL(), gomail.WithTLSConfig(&tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory), gomail.WithTLSConfig(&tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}))
	}
	if s.user != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(s.user), gomail.WithPassword(s.password))
	}
	// go-mail would otherwise send NOOP and RSET around every message: two
	// extra round trips per message that RFC 5321 does not ask for (a
	// transaction ends with the reply to the final dot). Send checks the
	// connection with one NOOP per batch instead.
	opts = append(opts, gomail.WithoutNoop(), gomail.WithoutRset())
	c, err := gomail.NewClient(s.host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp client: %w", err)
	}
	conn, err := c.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", s, err)
	}
	return &smtpConn{c: c, conn: conn, timeout: s.timeout}, nil
}

type smtpConn struct {
	c       *gomail.Client
	conn    *gmsmtp.Client
	timeout time.Duration
	broken  bool
	// chained is the message whose envelope went out behind the message
	// before it (see deliver); its replies are still to be read.
	chained *Message
}

// Send hands the messages over one by one on the open connection. After a
// connection failure, or once ctx is done, the remaining messages are
// answered Retry without trying; after a failure the caller opens a new
// connection.
func (sc *smtpConn) Send(ctx context.Context, msgs []*Message) []Result {
	out := make([]Result, len(msgs))
	data := make([][]byte, len(msgs))
	todo := 0
	for i, m := range msgs {
		d, err := m.encoded()
		if err != nil {
			out[i] = Result{Outcome: Failed, Reply: err.Error()}
			continue
		}
		data[i] = d
		todo++
	}
	if sc.broken || ctx.Err() != nil {
		for i := range msgs {
			if data[i] != nil {
				out[i] = Result{Outcome: Retry, Reply: "not attempted: connection closed"}
			}
		}
		return out
	}
	if todo > 0 {
		// One check per batch. A connection the server closed while it sat
		// idle (servers drop idle clients after a minute or so, and a
		// campaign's connections idle while it waits for retries) is
		// replaced once, before any message is tried, so that the batch is
		// not charged a delivery attempt and a back-off for an old line.
		if err := sc.check(); err != nil {
			_ = sc.conn.Close()
			conn, derr := sc.c.DialToSMTPClientWithContext(ctx)
			if derr != nil {
				sc.broken = true
				for i := range msgs {
					if data[i] != nil {
						out[i] = Result{Outcome: Retry, Reply: "not attempted: connection check: " + err.Error() + "; reconnect: " + derr.Error()}
					}
				}
				return out
			}
			sc.conn = conn
		}
	}
	for i, m := range msgs {
		if data[i] == nil {
			continue
		}
		if sc.broken {
			out[i] = Result{Outcome: Retry, Reply: "not attempted: connection closed"}
			continue
		}
		// A sender that stops, or whose rows' lease is running short, starts
		// no more messages; the one on the wire is finished, and so is one
		// whose envelope went out with it.
		if ctx.Err() != nil && sc.chained != m {
			out[i] = Result{Outcome: Retry, Reply: "not attempted: stopping"}
			continue
		}
		var next *Message
		for j := i + 1; j < len(msgs) && ctx.Err() == nil; j++ {
			if data[j] != nil {
				next = msgs[j]
				break
			}
		}
		out[i] = sc.deliver(m, data[i], next)
	}
	sc.chained = nil
	return out
}

// deliver runs one mail transaction: MAIL, RCPT, DATA, the message and the
// final dot. A reply code decides the outcome; a line that fails without
// one is not used again, and only a failure after the whole message was
// handed over is ambiguous.
//
// To a server that offers PIPELINING (RFC 2920), the envelope of the next
// message goes out in the same write as this message and its final dot, as
// the RFC allows: one round trip per message instead of two. Once its
// envelope is out the next message is committed to (a server that answered
// its DATA waits for a message, and a bare dot would deliver an empty one),
// so next is nil when the sender is stopping.
func (sc *smtpConn) deliver(m *Message, data []byte, next *Message) Result {
	// One message at a time, so the deadline is extended per message.
	if err := sc.conn.UpdateDeadline(sc.timeout); err != nil {
		sc.broken = true
		return Result{Outcome: Retry, Reply: "not attempted: " + err.Error()}
	}
	t := sc.conn.Text
	if pipelining, _ := sc.conn.Extension("PIPELINING"); pipelining {
		if sc.chained != m {
			_, err := t.W.WriteString(sc.envelopeCommands(m))
			if err == nil {
				err = t.W.Flush()
			}
			if err != nil {
				sc.broken = true
				return Result{Outcome: Retry, Reply: "not attempted: " + err.Error()}
			}
		}
		sc.chained = nil
		if res, ready := sc.envelopeReplies(); !ready {
			return res
		}
	} else {
		next = nil
		if res, ready := sc.envelope(m); !ready {
			return res
		}
	}
	// Encode writes CRLF line ends and no line that starts with a dot
	// (FuzzEncode holds it to that), so the message goes as it is, without
	// a pass to dot-stuff it. The final dot (and the next envelope) go in
	// the same write: one segment on the wire rather than small ones that
	// both ends would handle apart. The encoder's buffer has room for them.
	out := append(data, ".\r\n"...)
	if next != nil {
		out = append(out, sc.envelopeCommands(next)...)
	}
	_, err := t.W.Write(out)
	if err == nil {
		err = t.W.Flush()
	}
	if err != nil {
		// Without the final dot the server cannot have taken the message.
		sc.broken = true
		return Result{Outcome: Retry, Reply: "message not handed over: " + err.Error()}
	}
	sc.chained = next
	code, msg, err := t.ReadResponse(250)
	return sc.accepted(code, msg, err)
}

// accepted reads the reply to the final dot. Without a reply the message
// may or may not have been taken: ambiguous, and the line is not used again.
func (sc *smtpConn) accepted(code int, msg string, err error) Result {
	if err != nil {
		var te *textproto.Error
		if !errors.As(err, &te) {
			sc.broken = true
			return Result{Outcome: Ambiguous, Reply: "no reply after the message: " + err.Error()}
		}
		return Result{Outcome: outcomeOf(te.Code), Reply: fmt.Sprintf("%d %s", te.Code, te.Msg)}
	}
	return Result{Outcome: Sent, Reply: strings.TrimSpace(fmt.Sprintf("%d %s", code, msg))}
}

// envelope sends MAIL, RCPT and DATA one at a time; ready means the server
// waits for the message.
func (sc *smtpConn) envelope(m *Message) (Result, bool) {
	if err := sc.conn.Mail("<" + m.FromAddr + ">"); err != nil {
		return sc.refused("MAIL FROM", err), false
	}
	if err := sc.conn.Rcpt("<" + m.ToAddr + ">"); err != nil {
		return sc.refused("RCPT TO", err), false
	}
	t := sc.conn.Text
	id, err := t.Cmd("DATA")
	if err != nil {
		return sc.refused("DATA", err), false
	}
	t.StartResponse(id)
	_, _, err = t.ReadResponse(354)
	t.EndResponse(id)
	if err != nil {
		return sc.refused("DATA", err), false
	}
	return Result{}, true
}

// envelopeCommands are MAIL, RCPT and DATA for one write to a server that
// offers PIPELINING (RFC 2920): one round trip instead of three before the
// message goes.
func (sc *smtpConn) envelopeCommands(m *Message) string {
	return sc.mailCommand(m) + "\r\nRCPT TO:<" + m.ToAddr + ">\r\nDATA\r\n"
}

// envelopeReplies reads the replies to pipelined MAIL, RCPT and DATA; ready
// means the server waits for the message. The first refusal decides the
// outcome; a server that accepted DATA all the same is given an empty
// message to end it (it has no recipient to deliver it to), and the
// transaction is reset.
func (sc *smtpConn) envelopeReplies() (Result, bool) {
	t := sc.conn.Text
	stages := [...]string{"MAIL FROM", "RCPT TO", "DATA"}
	expect := [...]int{250, 25, 354}
	var refusal error
	stage, open := "", false
	for i := range stages {
		code, _, err := t.ReadResponse(expect[i])
		var te *textproto.Error
		if err != nil && !errors.As(err, &te) {
			sc.broken = true
			return Result{Outcome: Retry, Reply: stages[i] + ": " + err.Error()}, false
		}
		if err != nil && refusal == nil {
			refusal, stage = err, stages[i]
		}
		open = i == 2 && code == 354
	}
	if refusal == nil {
		return Result{}, true
	}
	if open {
		_, err := t.W.WriteString(".\r\n")
		if err == nil {
			err = t.W.Flush()
		}
		if err == nil {
			_, _, err = t.ReadResponse(0)
		}
		if err != nil && !errors.As(err, new(*textproto.Error)) {
			sc.broken = true
		}
	}
	if sc.broken {
		var te *textproto.Error
		errors.As(refusal, &te)
		return Result{Outcome: outcomeOf(te.Code), Reply: fmt.Sprintf("%s: %d %s", stage, te.Code, te.Msg)}, false
	}
	return sc.refused(stage, refusal), false
}

// mailCommand is the MAIL command of a pipelined transaction; go-mail's Mail
// adds the same parameters on its own.
func (sc *smtpConn) mailCommand(m *Message) string {
	arg := "MAIL FROM:<" + m.FromAddr + ">"
	if !isASCII(m.FromAddr + m.ToAddr) {
		if ok, _ := sc.conn.Extension("SMTPUTF8"); ok {
			arg += " SMTPUTF8"
		}
	}
	return arg
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// refused classifies a failure before the message was handed over: nothing
// was delivered. After a reply the transaction is reset for the next
// message; without one the line is not used again.
func (sc *smtpConn) refused(stage string, err error) Result {
	var te *textproto.Error
	if !errors.As(err, &te) {
		sc.broken = true
		return Result{Outcome: Retry, Reply: stage + ": " + err.Error()}
	}
	if rerr := sc.conn.Reset(); rerr != nil {
		sc.broken = true
	}
	return Result{Outcome: outcomeOf(te.Code), Reply: fmt.Sprintf("%s: %d %s", stage, te.Code, te.Msg)}
}

// outcomeOf reads a refusal's reply code: 5xx for good, anything else
// (4xx) for now.
func outcomeOf(code int) Outcome {
	if code >= 500 {
		return Failed
	}
	return Retry
}

// check extends the deadline and sends NOOP.
func (sc *smtpConn) check() error {
	if err := sc.conn.UpdateDeadline(sc.timeout); err != nil {
		return err
	}
	return sc.conn.Noop()
}

func (sc *smtpConn) Close() error {
	return sc.c.CloseWithSMTPClient(sc.conn)
}

package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
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
}

// Send hands the messages over one by one on the open connection. After a
// connection failure the remaining messages are answered Retry without
// trying, and the caller opens a new connection.
func (sc *smtpConn) Send(ctx context.Context, msgs []*Message) []Result {
	out := make([]Result, len(msgs))
	built := make([]*gomail.Msg, 0, len(msgs))
	index := make([]int, 0, len(msgs))
	for i, m := range msgs {
		gm, err := build(m)
		if err != nil {
			out[i] = Result{Outcome: Failed, Reply: err.Error()}
			continue
		}
		built = append(built, gm)
		index = append(index, i)
	}
	if sc.broken || ctx.Err() != nil {
		for _, i := range index {
			out[i] = Result{Outcome: Retry, Reply: "not attempted: connection closed"}
		}
		return out
	}
	if len(built) > 0 {
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
				for _, i := range index {
					out[i] = Result{Outcome: Retry, Reply: "not attempted: connection check: " + err.Error() + "; reconnect: " + derr.Error()}
				}
				return out
			}
			sc.conn = conn
		}
	}
	for k, gm := range built {
		if sc.broken {
			out[index[k]] = Result{Outcome: Retry, Reply: "not attempted: connection closed"}
			continue
		}
		// One message per call, so the deadline is extended per message.
		err := sc.c.SendWithSMTPClient(sc.conn, gm)
		out[index[k]] = classify(gm, err)
		// Not even tried (the connection check failed), taken in without a
		// reply, or no reply at all: this connection is done.
		if (err != nil && !gm.HasSendError()) || out[index[k]].Outcome == Ambiguous || lostConnection(gm) {
			sc.broken = true
		}
	}
	return out
}

// check extends the deadline and sends NOOP.
func (sc *smtpConn) check() error {
	if err := sc.conn.UpdateDeadline(sc.timeout); err != nil {
		return err
	}
	return sc.conn.Noop()
}

// lostConnection reports a send that failed without an SMTP reply (the
// line went dead or timed out): the connection is not used again.
func lostConnection(gm *gomail.Msg) bool {
	var se *gomail.SendError
	if !gm.HasSendError() || !errors.As(gm.SendError(), &se) {
		return false
	}
	switch se.Reason {
	case gomail.ErrGetSender, gomail.ErrGetRcpts, gomail.ErrNoUnencoded:
		return false // the message, not the line
	}
	return se.ErrorCode() == 0
}

// classify turns go-mail's per-message error into an Outcome.
func classify(gm *gomail.Msg, callErr error) Result {
	if gm.IsDelivered() {
		return Result{Outcome: Sent, Reply: strings.TrimSpace(gm.ServerResponse())}
	}
	if !gm.HasSendError() {
		if callErr != nil {
			return Result{Outcome: Retry, Reply: "not attempted: " + callErr.Error()}
		}
		return Result{Outcome: Retry, Reply: "not attempted"}
	}
	var se *gomail.SendError
	if !errors.As(gm.SendError(), &se) {
		return Result{Outcome: Retry, Reply: gm.SendError().Error()}
	}
	reply := se.Error()
	code := se.ErrorCode()
	switch se.Reason {
	case gomail.ErrGetSender, gomail.ErrGetRcpts, gomail.ErrNoUnencoded:
		return Result{Outcome: Failed, Reply: reply}
	case gomail.ErrSMTPDataClose:
		// The message was handed over; only a reply code says what happened.
		switch {
		case code >= 500:
			return Result{Outcome: Failed, Reply: reply}
		case code >= 400:
			return Result{Outcome: Retry, Reply: reply}
		}
		return Result{Outcome: Ambiguous, Reply: reply}
	}
	if code >= 500 && !se.IsTemp() {
		return Result{Outcome: Failed, Reply: reply}
	}
	return Result{Outcome: Retry, Reply: reply}
}

func (sc *smtpConn) Close() error {
	return sc.c.CloseWithSMTPClient(sc.conn)
}

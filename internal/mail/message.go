// Package mail builds email messages and carries them over SMTP (go-mail) or
// into .eml files for installations without a mail server.
package mail

import (
	"context"
	"fmt"
	"strings"

	gomail "github.com/wneessen/go-mail"
)

// Message is one email, ready to go.
type Message struct {
	FromName, FromAddr string
	ReplyTo            string
	ToName, ToAddr     string
	Subject            string
	HTML, Text         string
	// MessageID is made once, when the recipient is queued, so a resend
	// after a crash carries the same id.
	MessageID string
	// ListUnsubscribe is the one-click unsubscribe URL (RFC 8058), if any.
	ListUnsubscribe string
}

// Outcome classifies what happened to one message.
type Outcome int

const (
	// Sent: the server accepted the message (2xx after DATA).
	Sent Outcome = iota
	// Retry: refused for now (4xx) or the connection failed before DATA.
	Retry
	// Failed: refused for good (5xx) or the message cannot be built.
	Failed
	// Ambiguous: the connection failed after the message was handed over, so
	// it may or may not have been delivered; retried and flagged.
	Ambiguous
)

func (o Outcome) String() string {
	return [...]string{"sent", "retry", "failed", "ambiguous"}[o]
}

// Result is the outcome of one message and the server's words.
type Result struct {
	Outcome Outcome
	Reply   string
}

// Conn is one open connection (or file writer) that sends messages in order.
type Conn interface {
	Send(ctx context.Context, msgs []*Message) []Result
	Close() error
}

// oneLine keeps header values on one line, so no text can add a header.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\r' || r == '\n' }), " ")
}

// build turns a Message into a go-mail message.
func build(m *Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.FromFormat(oneLine(m.FromName), m.FromAddr); err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	if err := msg.AddToFormat(oneLine(m.ToName), m.ToAddr); err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	if m.ReplyTo != "" {
		if err := msg.ReplyTo(m.ReplyTo); err != nil {
			return nil, fmt.Errorf("reply-to: %w", err)
		}
	}
	msg.Subject(oneLine(m.Subject))
	msg.SetMessageIDWithValue(strings.Trim(m.MessageID, "<>"))
	msg.SetDate()
	msg.SetGenHeader(gomail.Header("X-Mailer"), "Ratify")
	if m.ListUnsubscribe != "" {
		msg.SetGenHeader(gomail.Header("List-Unsubscribe"), "<"+oneLine(m.ListUnsubscribe)+">")
		msg.SetGenHeader(gomail.Header("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click")
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

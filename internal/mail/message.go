// Package mail builds email messages and carries them over SMTP (go-mail) or
// into .eml files for installations without a mail server.
package mail

import (
	"context"
	"strings"
	"time"
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

	data []byte // the encoded message, once Encode has run
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

// encoded returns the message's bytes, encoding it first if need be.
func (m *Message) encoded() ([]byte, error) {
	if m.data == nil {
		if err := m.Encode(time.Now()); err != nil {
			return nil, err
		}
	}
	return m.data, nil
}

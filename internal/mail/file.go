package mail

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Outbox writes each message as an .eml file into a folder, so a newcomer
// sees campaigns work without a mail server.
type Outbox struct {
	Dir string
}

// String describes the transport for banners.
func (o *Outbox) String() string { return "outbox folder " + o.Dir }

// Open makes sure the folder exists.
func (o *Outbox) Open(context.Context) (Conn, error) {
	if err := os.MkdirAll(o.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	return o, nil
}

// Send writes the messages; a file named by the Message-ID is written once.
func (o *Outbox) Send(ctx context.Context, msgs []*Message) []Result {
	out := make([]Result, len(msgs))
	for i, m := range msgs {
		if ctx.Err() != nil {
			out[i] = Result{Outcome: Retry, Reply: "not attempted: stopping"}
			continue
		}
		data, err := m.encoded()
		if err != nil {
			out[i] = Result{Outcome: Failed, Reply: err.Error()}
			continue
		}
		name := strings.NewReplacer("/", "_", "\\", "_", "<", "", ">", "", "@", "_at_").Replace(m.MessageID) + ".eml"
		path := filepath.Join(o.Dir, name)
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, data, 0o640); err != nil {
			out[i] = Result{Outcome: Retry, Reply: "write: " + err.Error()}
			continue
		}
		if err := os.Rename(tmp, path); err != nil {
			out[i] = Result{Outcome: Retry, Reply: "write: " + err.Error()}
			continue
		}
		out[i] = Result{Outcome: Sent, Reply: "250 written to the outbox folder"}
	}
	return out
}

// Close does nothing: files need no connection.
func (o *Outbox) Close() error { return nil }

// Package smtpblast is the campaign benchmark's raw baseline: pre-rendered
// messages sent over a number of connections with net/smtp — MAIL, RCPT,
// DATA per message and nothing else. The benchmark runs it in its own
// process and, through cmd rawblast, as a process of its own.
package smtpblast

import (
	"errors"
	"net/smtp"
	"sync"
	"sync/atomic"
)

// Message is one pre-rendered message and its recipient.
type Message struct {
	To   string
	Data []byte
}

// Blast sends every message once over conns connections to addr.
func Blast(msgs []Message, addr, from string, conns int) error {
	var next atomic.Int64
	errs := make([]error, conns)
	var wg sync.WaitGroup
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = func() error {
				c, err := smtp.Dial(addr)
				if err != nil {
					return err
				}
				defer c.Close()
				if err := c.Hello("raw.localhost"); err != nil {
					return err
				}
				for {
					i := int(next.Add(1)) - 1
					if i >= len(msgs) {
						return c.Quit()
					}
					if err := send(c, from, msgs[i]); err != nil {
						return err
					}
				}
			}()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func send(c *smtp.Client, from string, m Message) error {
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt(m.To); err != nil {
		return err
	}
	wc, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := wc.Write(m.Data); err != nil {
		return err
	}
	return wc.Close()
}

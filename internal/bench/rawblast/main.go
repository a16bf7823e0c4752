// Command rawblast is the campaign benchmark's raw baseline run as a
// process of its own, as `ratify serve` is: it sends pre-rendered messages
// to an SMTP server over a number of connections with net/smtp — MAIL,
// RCPT, DATA per message and nothing else — and prints how long that took.
//
//	rawblast -file MESSAGES -addr HOST:PORT -conns 4 -from ADDRESS
//
// MESSAGES holds, for each message, a line with the recipient's address and
// the message's length in bytes, then the message itself.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/smtp"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type message struct {
	to   string
	data []byte
}

func main() {
	file := flag.String("file", "", "the pre-rendered messages")
	addr := flag.String("addr", "", "the SMTP server, host:port")
	conns := flag.Int("conns", 4, "connections")
	from := flag.String("from", "", "the envelope sender")
	flag.Parse()
	msgs, err := load(*file)
	if err != nil {
		fmt.Fprintln(os.Stderr, "rawblast:", err)
		os.Exit(1)
	}
	cpu0 := cpuSeconds()
	t0 := time.Now()
	if err := blast(msgs, *addr, *from, *conns); err != nil {
		fmt.Fprintln(os.Stderr, "rawblast:", err)
		os.Exit(1)
	}
	out := map[string]any{"messages": len(msgs), "seconds": time.Since(t0).Seconds(), "cpu_s": cpuSeconds() - cpu0}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		os.Exit(1)
	}
}

func load(path string) ([]message, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	var out []message
	for {
		var m message
		var n int
		if _, err := fmt.Fscanf(r, "%s %d\n", &m.to, &n); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, fmt.Errorf("message %d: %w", len(out)+1, err)
		}
		m.data = make([]byte, n)
		if _, err := io.ReadFull(r, m.data); err != nil {
			return nil, fmt.Errorf("message %d: %w", len(out)+1, err)
		}
		out = append(out, m)
	}
}

func blast(msgs []message, addr, from string, conns int) error {
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

func send(c *smtp.Client, from string, m message) error {
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt(m.to); err != nil {
		return err
	}
	wc, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := wc.Write(m.data); err != nil {
		return err
	}
	return wc.Close()
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

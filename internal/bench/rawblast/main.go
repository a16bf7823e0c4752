// Command rawblast is the campaign benchmark's raw baseline (smtpblast) run
// as a process of its own, as `ratify serve` is: it sends pre-rendered
// messages to an SMTP server and prints how long that took.
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
	"os"
	"syscall"
	"time"

	"ratify/internal/bench/smtpblast"
)

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
	if err := smtpblast.Blast(msgs, *addr, *from, *conns); err != nil {
		fmt.Fprintln(os.Stderr, "rawblast:", err)
		os.Exit(1)
	}
	out := map[string]any{"messages": len(msgs), "seconds": time.Since(t0).Seconds(), "cpu_s": cpuSeconds() - cpu0}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		os.Exit(1)
	}
}

func load(path string) ([]smtpblast.Message, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	var out []smtpblast.Message
	for {
		var m smtpblast.Message
		var n int
		if _, err := fmt.Fscanf(r, "%s %d\n", &m.To, &n); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, fmt.Errorf("message %d: %w", len(out)+1, err)
		}
		m.Data = make([]byte, n)
		if _, err := io.ReadFull(r, m.Data); err != nil {
			return nil, fmt.Errorf("message %d: %w", len(out)+1, err)
		}
		out = append(out, m)
	}
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

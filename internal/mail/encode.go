package mail

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net/mail"
	"strings"
	"sync"
	"time"
)

// Encode renders the message as RFC 5322 text with CRLF line ends: the
// headers, then a text/plain part and, when there is HTML, a text/html
// alternative, both quoted-printable in UTF-8. No line is longer than 78
// characters or starts with a dot, so the bytes go over SMTP as they are.
// The sender encodes while the batch before is on the wire, so Send only
// copies bytes; Send encodes a message that was not.
func (m *Message) Encode(now time.Time) error {
	from, err := address(m.FromName, m.FromAddr)
	if err != nil {
		return fmt.Errorf("from: %w", err)
	}
	to, err := address(m.ToName, m.ToAddr)
	if err != nil {
		return fmt.Errorf("to: %w", err)
	}
	// Quoted-printable makes prose about an eighth longer.
	b := encodeBuffer(len(m.HTML) + len(m.Text) + (len(m.HTML)+len(m.Text))/6 + 1024)
	b = header(b, "Date", now.Format(time.RFC1123Z))
	b = header(b, "From", from)
	b = header(b, "To", to)
	if m.ReplyTo != "" {
		rt, err := address("", m.ReplyTo)
		if err != nil {
			return fmt.Errorf("reply-to: %w", err)
		}
		b = header(b, "Reply-To", rt)
	}
	b = header(b, "Subject", mime.QEncoding.Encode("UTF-8", oneLine(m.Subject)))
	if id := oneLine(strings.Trim(m.MessageID, "<>")); id != "" {
		b = header(b, "Message-ID", "<"+id+">")
	}
	b = header(b, "X-Mailer", "Ratify")
	if m.ListUnsubscribe != "" {
		b = header(b, "List-Unsubscribe", "<"+oneLine(m.ListUnsubscribe)+">")
		b = header(b, "List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	}
	b = header(b, "MIME-Version", "1.0")
	if m.HTML == "" {
		m.data = part(b, "text/plain", m.Text)
		return nil
	}
	var nonce [12]byte
	_, _ = rand.Read(nonce[:])
	boundary := "ratify-" + hex.EncodeToString(nonce[:])
	b = header(b, "Content-Type", `multipart/alternative; boundary="`+boundary+`"`)
	b = append(b, "\r\n"...)
	for _, p := range [...]struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		// The CRLF that ends a part belongs to the delimiter after it.
		b = append(b, "--"+boundary+"\r\n"...)
		b = part(b, p.typ, p.body)
	}
	m.data = append(b, "--"+boundary+"--\r\n"...)
	return nil
}

// Bytes returns the encoded message, nil before Encode.
func (m *Message) Bytes() []byte { return m.data }

// encodeBuffers holds the buffers of messages that were sent and released:
// a campaign encodes thousands of messages of about the same size each
// second, and reusing their buffers spares the garbage collector most of
// the sender's garbage.
var encodeBuffers sync.Pool

func encodeBuffer(size int) []byte {
	if p, ok := encodeBuffers.Get().(*[]byte); ok && cap(*p) >= size {
		return (*p)[:0]
	}
	return make([]byte, 0, size)
}

// Release hands the message's encoded bytes back for another message, once
// it has been sent and nothing reads them any more; Bytes is nil after it.
func (m *Message) Release() {
	if m.data == nil {
		return
	}
	b := m.data[:0]
	m.data = nil
	encodeBuffers.Put(&b)
}

// address checks an address and formats it with its display name, which
// is encoded as RFC 2047 words when it is not plain ASCII.
func address(name, addr string) (string, error) {
	if strings.ContainsAny(addr, "\r\n") {
		return "", errors.New("the address spans lines")
	}
	a, err := mail.ParseAddress(addr)
	if err != nil || a.Name != "" || a.Address != addr {
		return "", fmt.Errorf("%q is not an email address", addr)
	}
	a.Name = oneLine(name)
	return a.String(), nil
}

// header appends one header field, folded at spaces so that its lines stay
// within the 78 characters RFC 5322 recommends where the value allows.
// Values are one line already (oneLine); encoded words hold no spaces. A
// long first word goes on a line of its own after the name. A word longer
// than a line may ever be (998 characters, RFC 5322; SMTP servers refuse
// longer lines) is cut into pieces on lines of their own, which a reader
// joins with a space: no real address, id or link is that long, and a
// subject that is has its words Q-encoded unless it is plain ASCII.
func header(b []byte, name, value string) []byte {
	const most = 990
	b = append(b, name...)
	b = append(b, ':')
	n := len(name) + 1
	for _, word := range strings.Split(value, " ") {
		for len(word) > most {
			b = append(b, "\r\n "...)
			b = append(b, word[:most]...)
			word = word[most:]
			n = most + 1
		}
		if n+1+len(word) > 78 {
			b = append(b, "\r\n"...)
			n = 0
		}
		b = append(b, ' ')
		b = append(b, word...)
		n += 1 + len(word)
	}
	return append(b, "\r\n"...)
}

// part appends a body part's headers, a blank line and the body as
// quoted-printable, ending with CRLF.
func part(b []byte, typ, body string) []byte {
	b = header(b, "Content-Type", typ+"; charset=UTF-8")
	b = header(b, "Content-Transfer-Encoding", "quoted-printable")
	b = append(b, "\r\n"...)
	b = quotedPrintable(b, body)
	if len(b) < 2 || string(b[len(b)-2:]) != "\r\n" {
		b = append(b, "\r\n"...)
	}
	return b
}

// qpLiteral marks the bytes that quoted-printable writes as they are.
var qpLiteral = func() (t [256]bool) {
	for c := '!'; c <= '~'; c++ {
		t[c] = c != '='
	}
	t[' '], t['\t'] = true, true
	return t
}()

// quotedPrintable appends s encoded as RFC 2045 quoted-printable: LF or
// CRLF line breaks become CRLF, lines are broken softly before 76
// characters, trailing spaces are encoded, and so is a dot that would start
// a line (so the text needs no dot-stuffing on the wire). It is written for
// speed, as every message of a campaign goes through it; the standard
// library's encoder writes byte by byte through an io.Writer.
func quotedPrintable(b []byte, s string) []byte {
	const hexDigits = "0123456789ABCDEF"
	for len(s) > 0 {
		line, rest, hard := s, "", false
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			line, rest, hard = strings.TrimSuffix(s[:i], "\r"), s[i+1:], true
		}
		n := 0 // characters on the output line so far
		for i := 0; i < len(line); {
			if n >= 75 {
				b = append(b, "=\r\n"...)
				n = 0
			}
			// A run of bytes that go as they are, up to the line's limit;
			// not a dot that would start a line, nor a space or tab at
			// the end of one.
			j, end := i, min(len(line), i+75-n)
			if n > 0 || line[i] != '.' {
				// Eight bytes at a time while all eight are printable
				// ASCII other than '=' (a tab is left to the byte loop):
				// the tests for a byte below a bound, above one, and equal
				// to zero are the classic ones of "Bit Twiddling Hacks".
				// Prose is nearly all such bytes, and this makes the
				// encoder about twice as fast as a table lookup per byte.
				const ones, highs = 0x0101010101010101, 0x8080808080808080
				for ; j+8 <= end; j += 8 {
					w := line[j : j+8]
					x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
						uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
					eq := x ^ (ones * '=')
					if ((x-ones*0x20)&^x|((x+ones*(127-0x7e))|x)|(eq-ones)&^eq)&highs != 0 {
						break
					}
				}
				for j < end && qpLiteral[line[j]] {
					j++
				}
				if j == len(line) && (line[j-1] == ' ' || line[j-1] == '\t') {
					j--
				}
			}
			if j > i {
				b = append(b, line[i:j]...)
				n += j - i
				i = j
				continue
			}
			if n+3 > 75 {
				b = append(b, "=\r\n"...)
				n = 0
			}
			c := line[i]
			b = append(b, '=', hexDigits[c>>4], hexDigits[c&15])
			n += 3
			i++
		}
		if hard {
			b = append(b, "\r\n"...)
		}
		s = rest
	}
	return b
}

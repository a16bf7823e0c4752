// Package csvexport writes CSV files that are safe to open in a spreadsheet:
// a cell that a spreadsheet would run as a formula is neutralised, while
// phone numbers such as "+41 22 917 1234" stay as they are.
package csvexport

import (
	"encoding/csv"
	"io"
	"regexp"
)

// phoneLike matches cells made only of digits and phone punctuation, or a
// list of such numbers joined by semicolons as exports write several phones;
// such a cell cannot call a function, so it is left readable.
var phoneLike = regexp.MustCompile(`^[+\-]?[0-9][0-9 ().\-/]*(; *[+\-]?[0-9][0-9 ().\-/]*)*$`)

// Cell neutralises a value that starts with =, +, -, @, tab or CR by
// prefixing an apostrophe (OWASP's advice), unless it is phone-like.
func Cell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if s[0] != '=' && s[0] != '@' && phoneLike.MatchString(s) {
			return s
		}
		return "'" + s
	}
	return s
}

// Writer is a csv.Writer that neutralises every cell.
type Writer struct {
	w   *csv.Writer
	buf []string
}

// NewWriter starts a CSV with a UTF-8 byte-order mark so spreadsheet
// programs read accents correctly.
func NewWriter(w io.Writer) (*Writer, error) {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return nil, err
	}
	return &Writer{w: csv.NewWriter(w)}, nil
}

// Write writes one record.
func (w *Writer) Write(record ...string) error {
	w.buf = w.buf[:0]
	for _, c := range record {
		w.buf = append(w.buf, Cell(c))
	}
	return w.w.Write(w.buf)
}

// Flush writes buffered data and reports any error.
func (w *Writer) Flush() error {
	w.w.Flush()
	return w.w.Error()
}

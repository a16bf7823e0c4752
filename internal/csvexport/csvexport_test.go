package csvexport

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

func TestCell(t *testing.T) {
	cases := map[string]string{
		"Kenya":                    "Kenya",
		"=HYPERLINK(\"http://x\")": "'=HYPERLINK(\"http://x\")",
		"+cmd|' /C calc'!A0":       "'+cmd|' /C calc'!A0",
		"-2+3":                     "'-2+3", // arithmetic is still a formula
		"-SUM(A1)":                 "'-SUM(A1)",
		"@SUM(A1)":                 "'@SUM(A1)",
		"\tx":                      "'\tx",
		"\rx":                      "'\rx",
		"+41 22 917 1234":          "+41 22 917 1234",
		"+1 (212) 555-0100":        "+1 (212) 555-0100",
		"=1+1":                     "'=1+1",
		"":                         "",
	}
	for in, want := range cases {
		if got := Cell(in); got != want {
			t.Errorf("Cell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriterRoundTrip(t *testing.T) {
	var b bytes.Buffer
	w, err := NewWriter(&b)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write("Côte d'Ivoire", "=1+1", "+41 22 917 1234"); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	rec, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(b.String(), "\ufeff"))).Read()
	if err != nil {
		t.Fatal(err)
	}
	if rec[0] != "Côte d'Ivoire" || rec[1] != "'=1+1" || rec[2] != "+41 22 917 1234" {
		t.Fatalf("record = %q", rec)
	}
}

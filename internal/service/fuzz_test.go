package service

import (
	"testing"
	"time"
)

// FuzzParseImportRow: any CSV record either parses to a contact that passes
// validation or reports at least one line-numbered problem; never a panic.
func FuzzParseImportRow(f *testing.F) {
	for _, r := range [][4]string{{"Amina Diallo", "amina@example.org", "SEN", "+221 33 123"}, {"=cmd|' /C calc'!A0", "", "", ""},
		{"", "x@y", "Atlantis", "@SUM(1)"}, {"Jean Côté", "JEAN@EXAMPLE.ORG; j2@example.org", "france", "+33 1 2; 06 12"}, {"\xff\xfe", "\x00", "", ""}} {
		f.Add(r[0], r[1], r[2], r[3])
	}
	countries := map[string]string{"sen": "SEN", "sn": "SEN", "senegal": "SEN", "fra": "FRA", "fr": "FRA", "france": "FRA"}
	mapping := map[string]int{"name": 0, "email": 1, "country": 2, "phone": 3}
	f.Fuzz(func(t *testing.T, name, email, country, phone string) {
		problems := 0
		row, ok := parseImportRow([]string{name, email, country, phone}, 7, mapping, countries, time.Now(), func(line int, field, msg string) {
			if line != 7 || msg == "" {
				t.Fatalf("problem without its line or message: %d %q %q", line, field, msg)
			}
			problems++
		})
		if ok && problems > 0 {
			t.Fatalf("row accepted with %d problems", problems)
		}
		if !ok && problems == 0 {
			t.Fatal("row refused without a reason")
		}
		if ok {
			if err := row.contact.Validate(time.Now()); err != nil {
				t.Fatalf("accepted row does not validate: %v", err)
			}
		}
	})
}

package csvexport

import "testing"

// FuzzCell: no exported cell starts with a formula character unless it is a
// phone-like value, which cannot call a function.
func FuzzCell(f *testing.F) {
	for _, s := range []string{"=1+1", "+41 22 917 1234", "-SUM(A1)", "@x", "\tx", "Kenya", "", "+1; +2", "'=x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := Cell(s)
		if c == "" {
			return
		}
		switch c[0] {
		case '=', '@', '\t', '\r':
			t.Fatalf("Cell(%q) = %q starts with a formula character", s, c)
		case '+', '-':
			if !phoneLike.MatchString(c) {
				t.Fatalf("Cell(%q) = %q starts with %q and is not phone-like", s, c, c[0])
			}
		}
	})
}

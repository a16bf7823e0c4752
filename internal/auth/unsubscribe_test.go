package auth

import "testing"

func TestUnsubscribeTokens(t *testing.T) {
	u := NewUnsubscribe([]byte("0123456789abcdef0123456789abcdef"))
	tok := u.Sign(42, "ada@example.org")
	id, email, err := u.Verify(tok)
	if err != nil || id != 42 || email != "ada@example.org" {
		t.Fatalf("Verify = %d %q %v", id, email, err)
	}
	other := NewUnsubscribe([]byte("another-secret-another-secret-xx"))
	forged := other.Sign(42, "ada@example.org")
	bad := []string{"", "x", tok + "x", tok[:len(tok)-2], "AAAA." + tok[len(tok)-24:], forged,
		u.Sign(43, "ada@example.org")[:12] + tok[12:]}
	for _, b := range bad {
		if _, _, err := u.Verify(b); err == nil {
			t.Errorf("Verify(%q) accepted a bad token", b)
		}
	}
}

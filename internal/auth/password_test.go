package auth

import (
	"context"
	"strings"
	"testing"
)

func TestHashRecordsItsCost(t *testing.T) {
	ctx := context.Background()
	cheap, full := NewHasherCost(1, 8*1024, 1), NewHasher(1)
	h, err := cheap.Hash(ctx, "a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h, "m=8192,t=1") {
		t.Fatalf("hash %q does not record its cost", h)
	}
	for _, hs := range []*Hasher{cheap, full} {
		ok, err := hs.Verify(ctx, h, "a long enough password")
		if err != nil || !ok {
			t.Fatalf("verify with another cost: %v %v", ok, err)
		}
		if ok, _ := hs.Verify(ctx, h, "a long enough passwore"); ok {
			t.Fatal("a wrong password verified")
		}
	}
	if ok, _ := full.Verify(ctx, "", "anything"); ok {
		t.Fatal("the dummy hash verified")
	}
}

func TestPasswordPolicy(t *testing.T) {
	h := NewHasherCost(1, 8*1024, 1)
	for pw, bad := range map[string]bool{"short": true, "password1234": true, "correct horse battery": false,
		strings.Repeat("x", MaxPasswordLength+1): true} {
		if err := h.CheckPolicy(pw); (err != nil) != bad {
			t.Errorf("CheckPolicy(%.20q) = %v", pw, err)
		}
	}
}

// Package auth holds password hashing, token issue and verification, and the
// permission policy of DESIGN.md.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"ratify/internal/model"
)

// Argon2id parameters (RFC 9106's second recommended option, scaled to a
// small server): 64 MiB, 2 passes, 2 lanes.
const (
	argonMemory  = 64 * 1024
	argonTime    = 2
	argonThreads = 2
	argonKeyLen  = 32
	saltLen      = 16

	// MinPasswordLength is the shortest password accepted.
	MinPasswordLength = 12
	// MaxPasswordLength bounds the work an attacker can ask for per hash.
	MaxPasswordLength = 256
)

//go:embed common_passwords.txt
var commonPasswordsText string

// Hasher hashes and verifies passwords. The semaphore bounds how many argon2
// computations (64 MiB each) run at once, so a burst of logins queues instead
// of exhausting memory.
type Hasher struct {
	memory uint32 // KiB
	passes uint32
	slots  chan struct{}
	common map[string]struct{}
	// dummy is verified against for unknown accounts so they cost the same time.
	dummy string
}

// NewHasher allows at most concurrent hashes at a time, at the production cost.
func NewHasher(concurrent int) *Hasher {
	return NewHasherCost(concurrent, argonMemory, argonTime)
}

// NewHasherCost sets the argon2id memory (KiB) and passes; tests use a lower
// cost to stay fast. Hashes record their cost, so any hash verifies anywhere.
func NewHasherCost(concurrent int, memoryKiB, passes uint32) *Hasher {
	if concurrent < 1 {
		concurrent = 1
	}
	h := &Hasher{memory: memoryKiB, passes: passes, slots: make(chan struct{}, concurrent), common: map[string]struct{}{}}
	for _, line := range strings.Split(commonPasswordsText, "\n") {
		if p := strings.TrimSpace(line); p != "" {
			h.common[strings.ToLower(p)] = struct{}{}
		}
	}
	// The dummy's key is all zeros rather than a computed hash: verifying
	// against it costs a full argon2id run all the same, no password hashes
	// to all zeros, and no process pays 64 MiB at start for it (which would
	// also set the heap's first GC goal at twice that).
	h.dummy = h.encode(make([]byte, saltLen), make([]byte, argonKeyLen))
	return h
}

// CheckPolicy returns a field error when pw is too short, too long or too common.
func (h *Hasher) CheckPolicy(pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLength:
		return fieldErr(fmt.Sprintf("use at least %d characters", MinPasswordLength))
	case len(pw) > MaxPasswordLength:
		return fieldErr(fmt.Sprintf("use at most %d characters", MaxPasswordLength))
	}
	if _, bad := h.common[strings.ToLower(pw)]; bad {
		return fieldErr("this password is too common; choose another")
	}
	return nil
}

func fieldErr(msg string) error {
	return &model.Error{Code: model.CodeInvalid, Message: "the password is not acceptable", Fields: map[string]string{"password": msg}}
}

func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting to hash a password: %w", ctx.Err())
	}
}

func (h *Hasher) release() { <-h.slots }

// Hash returns an encoded argon2id hash of pw.
func (h *Hasher) Hash(ctx context.Context, pw string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	return h.encode(salt, argon2.IDKey([]byte(pw), salt, h.passes, h.memory, argonThreads, argonKeyLen)), nil
}

// Verify reports whether pw matches encoded. An empty encoded hash is checked
// against a dummy so that unknown accounts take as long as known ones.
func (h *Hasher) Verify(ctx context.Context, encoded, pw string) (bool, error) {
	if encoded == "" {
		encoded = h.dummy
		pw = "\x00" + pw // never matches the dummy
	}
	salt, key, t, m, p, err := decode(encoded)
	if err != nil {
		return false, err
	}
	if len(pw) > MaxPasswordLength {
		pw = pw[:MaxPasswordLength] + "\x00" // bounded work, and still no match
	}
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

func (h *Hasher) encode(salt, key []byte) string {
	b := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.memory, h.passes, argonThreads, b.EncodeToString(salt), b.EncodeToString(key))
}

func decode(s string) (salt, key []byte, t, m uint32, p uint8, err error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return nil, nil, 0, 0, 0, errors.New("password hash: not an argon2id hash")
	}
	var v int
	if _, err = fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return nil, nil, 0, 0, 0, errors.New("password hash: unsupported version")
	}
	if _, err = fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return nil, nil, 0, 0, 0, fmt.Errorf("password hash parameters: %w", err)
	}
	if salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil {
		return nil, nil, 0, 0, 0, fmt.Errorf("password hash salt: %w", err)
	}
	if key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil {
		return nil, nil, 0, 0, 0, fmt.Errorf("password hash key: %w", err)
	}
	return salt, key, t, m, p, nil
}

// GeneratePassword makes a random password for bootstrap and resets.
func GeneratePassword() (string, error) {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

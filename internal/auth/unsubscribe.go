package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
)

// Unsubscribe signs the one-click unsubscribe links of campaign emails. A
// token carries the recipient row and the address, so a POST can suppress
// the address without a login and without looking anything up first.
type Unsubscribe struct {
	key []byte
}

// NewUnsubscribe derives its own key from the installation secret, so an
// unsubscribe token can never pass as a session token or the other way round.
func NewUnsubscribe(secret []byte) *Unsubscribe {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("ratify unsubscribe v1"))
	return &Unsubscribe{key: m.Sum(nil)}
}

// Sign makes the token for one recipient row and address.
func (u *Unsubscribe) Sign(recipientID int64, email string) string {
	payload := make([]byte, 8, 8+len(email))
	binary.BigEndian.PutUint64(payload, uint64(recipientID))
	payload = append(payload, email...)
	return base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(u.mac(payload))
}

func (u *Unsubscribe) mac(payload []byte) []byte {
	m := hmac.New(sha256.New, u.key)
	m.Write(payload)
	return m.Sum(nil)[:18]
}

// ErrBadUnsubscribeToken is any forged, altered or malformed token.
var ErrBadUnsubscribeToken = errors.New("this unsubscribe link is not valid")

// Verify checks a token and returns what it carries.
func (u *Unsubscribe) Verify(token string) (int64, string, error) {
	if len(token) > 600 {
		return 0, "", ErrBadUnsubscribeToken
	}
	p, sig, ok := strings.Cut(token, ".")
	if !ok {
		return 0, "", ErrBadUnsubscribeToken
	}
	// Strict: the unused bits of the last character must be zero, so no
	// altered spelling of a token decodes to the same payload and passes.
	payload, err1 := base64.RawURLEncoding.Strict().DecodeString(p)
	mac, err2 := base64.RawURLEncoding.Strict().DecodeString(sig)
	if err1 != nil || err2 != nil || len(payload) < 9 || !hmac.Equal(mac, u.mac(payload)) {
		return 0, "", ErrBadUnsubscribeToken
	}
	return int64(binary.BigEndian.Uint64(payload[:8])), string(payload[8:]), nil
}

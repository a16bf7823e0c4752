package server

import (
	"bytes"
	"encoding/json"
)

// optional tells apart a JSON field that is absent, null, or set, which a
// PATCH needs for fields that can be cleared.
type optional[T any] struct {
	Set   bool
	Null  bool
	Value T
}

func (o *optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		o.Null = true
		return nil
	}
	return json.Unmarshal(b, &o.Value)
}

// apply writes the field into dst when it was sent: nil for null.
func (o optional[T]) apply(dst **T) {
	switch {
	case !o.Set:
	case o.Null:
		*dst = nil
	default:
		v := o.Value
		*dst = &v
	}
}

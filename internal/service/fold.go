package service

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// foldText lower-cases s and strips accents so "cote" finds "Côte d'Ivoire".
func foldText(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if isASCII(s) {
		return s // nothing to decompose: skip building the transform chain
	}
	// A chain carries buffers of some kilobytes: building one per call was
	// most of what a CSV import allocated. transform.String resets it.
	t := foldChains.Get().(transform.Transformer)
	defer foldChains.Put(t)
	out, _, err := transform.String(t, s)
	if err != nil {
		return s
	}
	return out
}

var foldChains = sync.Pool{New: func() any {
	return transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
}}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

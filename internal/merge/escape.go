package merge

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// The escapers html/template puts in the pipelines of an HTML template, for
// the contexts a letter uses: text, RCDATA (a title), attribute values and
// URLs. A compiled template calls these instead of html/template's own,
// which it cannot reach; each one does exactly what html/template's does
// for a plain string (the merge data holds no typed HTML or URLs), which
// TestCompiledMatchesExecute and FuzzCompiled check against html/template
// itself. A pipeline that needs any other escaper (script, style, srcset,
// attribute names) is left to html/template.
var escapers = map[string]func(string) string{
	"_html_template_htmlescaper":    escapeHTML,
	"_html_template_attrescaper":    escapeHTML,
	"_html_template_rcdataescaper":  escapeHTML,
	"_html_template_nospaceescaper": escapeUnquoted,
	"_html_template_commentescaper": func(string) string { return "" },
	"_html_template_urlfilter":      filterURL,
	"_html_template_urlnormalizer":  func(s string) string { return escapeURL(s, true) },
	"_html_template_urlescaper":     func(s string) string { return escapeURL(s, false) },
}

// unsafeOutput is what html/template writes in place of a value it refuses.
const unsafeOutput = "ZgotmplZ"

var htmlTable = [...]string{
	0:    "\uFFFD",
	'"':  "&#34;",
	'&':  "&amp;",
	'\'': "&#39;",
	'+':  "&#43;",
	'<':  "&lt;",
	'>':  "&gt;",
}

var unquotedTable = [...]string{
	0:    "&#xfffd;",
	'\t': "&#9;",
	'\n': "&#10;",
	'\v': "&#11;",
	'\f': "&#12;",
	'\r': "&#13;",
	' ':  "&#32;",
	'"':  "&#34;",
	'&':  "&amp;",
	'\'': "&#39;",
	'+':  "&#43;",
	'<':  "&lt;",
	'=':  "&#61;",
	'>':  "&gt;",
	'`':  "&#96;",
}

// escapeHTML is html/template's escaper for text, RCDATA and quoted
// attribute values.
func escapeHTML(s string) string { return replaceRunes(s, htmlTable[:], false) }

// escapeUnquoted is html/template's escaper for unquoted attribute values.
func escapeUnquoted(s string) string {
	if s == "" {
		return unsafeOutput
	}
	return replaceRunes(s, unquotedTable[:], true)
}

// replaceRunes replaces the runes the table names; with nonchars, Unicode
// noncharacters (and so undecodable bytes, read as U+FFFD) become
// character references too. It returns s itself when nothing changes.
func replaceRunes(s string, table []string, nonchars bool) string {
	var b strings.Builder
	written := 0
	for i, w := 0, 0; i < len(s); i += w {
		var r rune
		r, w = utf8.DecodeRuneInString(s[i:])
		repl := ""
		if int(r) < len(table) {
			repl = table[r]
		} else if nonchars && (0xfdd0 <= r && r <= 0xfdef || 0xfff0 <= r && r <= 0xffff) {
			repl = "&#x" + strconv.FormatInt(int64(r), 16) + ";"
		}
		if repl == "" {
			continue
		}
		if written == 0 {
			b.Grow(len(s) + 8)
		}
		b.WriteString(s[written:i])
		b.WriteString(repl)
		written = i + w
	}
	if written == 0 {
		return s
	}
	b.WriteString(s[written:])
	return b.String()
}

// filterURL refuses a URL whose scheme is not http, https or mailto.
func filterURL(s string) string {
	if scheme, _, ok := strings.Cut(s, ":"); ok && !strings.Contains(scheme, "/") {
		if !strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") && !strings.EqualFold(scheme, "mailto") {
			return "#" + unsafeOutput
		}
	}
	return s
}

// escapeURL percent-encodes the bytes a URL may not hold as they are; norm
// keeps the reserved characters and valid escapes (a whole URL), without it
// every byte but the unreserved ones is encoded (a query value).
func escapeURL(s string, norm bool) string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	written := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '!', '#', '$', '&', '*', '+', ',', '/', ':', ';', '=', '?', '@', '[', ']':
			if norm {
				continue
			}
		case '-', '.', '_', '~':
			continue
		case '%':
			if norm && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
				continue
			}
		default:
			if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
				continue
			}
		}
		if written == 0 {
			b.Grow(len(s) + 16)
		}
		b.WriteString(s[written:i])
		b.Write([]byte{'%', hex[c>>4], hex[c&15]})
		written = i + 1
	}
	if written == 0 {
		return s
	}
	b.WriteString(s[written:])
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

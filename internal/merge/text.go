package merge

import (
	"strings"

	"golang.org/x/net/html"
)

// HTMLToText derives a plain-text body from HTML: text kept, blocks on their
// own lines, links followed by their address, script and style dropped.
func HTMLToText(src string) string {
	z := html.NewTokenizer(strings.NewReader(src))
	var b strings.Builder
	var href string
	skip := 0
	newline := func() {
		s := b.String()
		if s != "" && !strings.HasSuffix(s, "\n") {
			b.WriteString("\n")
		}
	}
	for {
		switch z.Next() {
		case html.ErrorToken:
			return tidy(b.String())
		case html.TextToken:
			if skip == 0 {
				b.WriteString(strings.Join(strings.Fields(string(z.Text())), " "))
				if t := string(z.Text()); strings.HasSuffix(t, " ") || strings.HasSuffix(t, "\n") {
					b.WriteString(" ")
				}
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch string(name) {
			case "script", "style", "head", "title":
				skip++
			case "br":
				b.WriteString("\n")
			case "p", "div", "h1", "h2", "h3", "h4", "li", "tr", "table", "ul", "ol", "blockquote":
				newline()
				if string(name) == "li" {
					b.WriteString("- ")
				}
			case "a":
				href = ""
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					if string(k) == "href" {
						href = string(v)
					}
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style", "head", "title":
				if skip > 0 {
					skip--
				}
			case "p", "div", "h1", "h2", "h3", "h4", "table", "ul", "ol", "blockquote":
				newline()
				b.WriteString("\n")
			case "a":
				if href != "" && !strings.HasPrefix(href, "#") {
					b.WriteString(" (" + href + ")")
				}
				href = ""
			}
		}
	}
}

func tidy(s string) string {
	lines := strings.Split(s, "\n")
	var out []string
	blank := 0
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" {
			blank++
			if blank > 1 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n")) + "\n"
}

package server

import (
	"net/url"
	"strings"
)

// Current is the aria-current value of a navigation link: "page" on the
// page itself, "true" anywhere below it, "" elsewhere.
func (v view) Current(section string) string {
	switch {
	case v.Path == section:
		return "page"
	case section != "/" && strings.HasPrefix(v.Path, section+"/"):
		return "true"
	}
	return ""
}

// LogOutreachURL is the nav's "Log outreach" address, prefilled with the
// country or contact of the page it is pressed on.
func (v view) LogOutreachURL() string {
	parts := strings.Split(strings.Trim(v.Path, "/"), "/")
	if len(parts) >= 2 {
		switch {
		case parts[0] == "countries" && len(parts[1]) == 3:
			return "/outreach/new?" + url.Values{"country": {strings.ToUpper(parts[1])}}.Encode()
		case parts[0] == "contacts" && isDigits(parts[1]):
			return "/outreach/new?" + url.Values{"contact": {parts[1]}}.Encode()
		}
	}
	return "/outreach/new"
}

func isDigits(s string) bool {
	if s == "" || len(s) > 18 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

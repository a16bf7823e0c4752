package server

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"ratify/internal/auth"
	"ratify/internal/model"
	"ratify/internal/service"
	"ratify/web"
)

// pages holds one template set per page (layout + partials + the page), so
// {{define}} names in one page never collide with another's.
type pages struct {
	sets map[string]*template.Template
}

func loadPages(as *assets) (*pages, error) {
	funcs := template.FuncMap{
		"asset":    as.url,
		"date":     formatDate,
		"datetime": formatDateTime,
		"iso":      func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"isoDate":  func(t time.Time) string { return t.UTC().Format("2006-01-02") },
		"derefTime": func(t *time.Time) time.Time {
			if t == nil {
				return time.Time{}
			}
			return *t
		},
		"roles":      func() []model.Role { return model.Roles },
		"orgKinds":   func() []model.OrgKind { return model.OrgKinds },
		"add":        func(a, b int) int { return a + b },
		"priorities": func() []model.Priority { return model.Priorities },
		"statuses":   func() []model.Status { return model.Statuses },
		"deref": func(p *int64) int64 {
			if p == nil {
				return 0
			}
			return *p
		},
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, fmt.Errorf("dict needs pairs")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, fmt.Errorf("dict key %v is not a string", kv[i])
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
	}
	names, err := fs.Glob(web.Templates, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{sets: map[string]*template.Template{}}
	for _, n := range names {
		t, err := template.New("").Funcs(funcs).ParseFS(web.Templates,
			"templates/layouts/*.html", "templates/partials/*.html", n)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", n, err)
		}
		p.sets[n[len("templates/pages/"):]] = t
	}
	return p, nil
}

// formatDate shows "26 Sep 2023"; the zero time shows as an empty string.
func formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2 Jan 2006")
}

func formatDateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2 Jan 2006 15:04 UTC")
}

// view is what every page template receives.
type view struct {
	Title   string
	Actor   service.Actor
	Flash   string
	Path    string
	Version string
	Data    any
	// Outbox is set when mail goes to files, not a server; every page says so.
	Outbox      bool
	OutboxWhere string
}

// User is the signed-in user or nil.
func (v view) User() *model.User { return v.Actor.User }

// Can lets templates show only what the role may use.
func (v view) Can(action string) bool { return v.Actor.Can(auth.Action(action)) }

func (s *Server) render(c *gin.Context, status int, page, title string, data any) {
	t, ok := s.pages.sets[page]
	if !ok {
		s.fail(c, fmt.Errorf("no page template %q", page))
		return
	}
	v := view{Title: title, Actor: actor(c), Path: c.Request.URL.Path, Version: s.opts.Version, Data: data, Flash: s.takeFlash(c)}
	v.Outbox, v.OutboxWhere = s.svc.MailBanner()
	var buf bytes.Buffer
	name := "base"
	if c.GetHeader("HX-Request") == "true" && c.GetHeader("HX-Target") != "" && t.Lookup("fragment") != nil {
		name = "fragment"
	}
	if err := t.ExecuteTemplate(&buf, name, v); err != nil {
		logger(c).Error("render", "page", page, "err", err)
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("page could not be rendered"))
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

const flashCookie = "ratify_flash"

// flash keeps a one-line message for the next page (Post/Redirect/Get).
func (s *Server) flash(c *gin.Context, msg string) {
	http.SetCookie(c.Writer, &http.Cookie{Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString([]byte(msg)),
		Path: "/", MaxAge: 60, HttpOnly: true, Secure: s.opts.SecureCookies, SameSite: http.SameSiteLaxMode})
}

func (s *Server) takeFlash(c *gin.Context) string {
	ck, err := c.Cookie(flashCookie)
	if err != nil || ck == "" {
		return ""
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.opts.SecureCookies, SameSite: http.SameSiteLaxMode})
	b, err := base64.RawURLEncoding.DecodeString(ck)
	if err != nil || len(b) > 300 {
		return ""
	}
	return string(b)
}

func itoa(n int) string { return strconv.Itoa(n) }

// pager is the data the pager partial needs.
type pager struct {
	Page, PerPage int
	Total         int64
	Query         url.Values
}

func newPager(p model.Page, total int64, q url.Values) pager {
	p = p.Normalize()
	return pager{Page: p.Number, PerPage: p.PerPage, Total: total, Query: q}
}

// Pages is the number of pages.
func (p pager) Pages() int {
	if p.Total == 0 {
		return 1
	}
	return int((p.Total + int64(p.PerPage) - 1) / int64(p.PerPage))
}

// First and Last are the 1-based positions of the rows shown.
func (p pager) First() int64 {
	if p.Total == 0 {
		return 0
	}
	return int64((p.Page-1)*p.PerPage) + 1
}

// Last is the position of the last row shown.
func (p pager) Last() int64 { return min(int64(p.Page*p.PerPage), p.Total) }

// URL links to page n with the same filters.
func (p pager) URL(n int) string {
	q := url.Values{}
	for k, v := range p.Query {
		q[k] = v
	}
	q.Set("page", strconv.Itoa(n))
	return "?" + q.Encode()
}

package server_test

import (
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"ratify/internal/dbtest"
	"ratify/internal/store"
)

// TestOpenAPIRoutes checks that the router's /api/v1 routes and the
// document's operations are the same set, so a route added without its
// description (or a description left behind) fails, and that the document
// is served without a login exactly as it is in the tree.
func TestOpenAPIRoutes(t *testing.T) {
	c, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		engine, ok := e.srv.Config.Handler.(*gin.Engine)
		if !ok {
			t.Fatalf("the handler is a %T, not a gin engine", e.srv.Config.Handler)
		}
		param := regexp.MustCompile(`[:*]([A-Za-z0-9_]+)`)
		routed := map[string]bool{}
		for _, r := range engine.Routes() {
			if rel, ok := strings.CutPrefix(r.Path, apiPrefix); ok {
				routed[r.Method+" "+param.ReplaceAllString(rel, "{$1}")] = true
			}
		}
		documented := map[string]bool{}
		for _, op := range c.ops {
			documented[op.String()] = true
			if !routed[op.String()] {
				t.Errorf("%s is documented but not routed", op)
			}
		}
		for r := range routed {
			if !documented[r] {
				t.Errorf("%s is routed but not in openapi.json", r)
			}
		}

		// The served document is the file, public like /healthz.
		want, err := os.ReadFile("openapi.json")
		if err != nil {
			t.Fatal(err)
		}
		res := e.do("GET", apiPrefix+"/openapi.json", "", nil)
		if res.Status != 200 || res.Body != string(want) {
			t.Fatalf("GET /api/v1/openapi.json: %d, %d bytes; want 200 and the %d bytes of openapi.json", res.Status, len(res.Body), len(want))
		}
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type %q", ct)
		}
	})
}

// TestOpenAPIDocument checks what the schema compiler leaves alone: each
// operation declares exactly the parameters of its path template, documents
// a success, and has its own operationId, which client generators name
// their functions after.
func TestOpenAPIDocument(t *testing.T) {
	c, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range c.ops {
		var inPath []string
		for _, s := range op.segs {
			if name, ok := strings.CutPrefix(s, "{"); ok {
				inPath = append(inPath, strings.TrimSuffix(name, "}"))
			}
		}
		declared := slices.Clone(op.pathParams)
		slices.Sort(inPath)
		slices.Sort(declared)
		if !slices.Equal(inPath, declared) {
			t.Errorf("%s: path parameters %v are declared as %v", op, inPath, declared)
		}
		success := false
		for s := range op.responses {
			success = success || (s >= 200 && s < 300)
		}
		if !success {
			t.Errorf("%s documents no success", op)
		}
	}
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi is %q, want 3.1.0", doc.OpenAPI)
	}
	ids := map[string]string{}
	for path, item := range doc.Paths {
		for method, raw := range item {
			var op struct {
				OperationID string `json:"operationId"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			switch prev, dup := ids[op.OperationID]; {
			case op.OperationID == "":
				t.Errorf("%s %s has no operationId", method, path)
			case dup:
				t.Errorf("operationId %s is used by %s and %s %s", op.OperationID, prev, method, path)
			}
			ids[op.OperationID] = method + " " + path
		}
	}
}

// TestOpenAPIRejectsWrongBodies proves that the check fails on answers that
// drift from the document, so a passing suite means something.
func TestOpenAPIRejectsWrongBodies(t *testing.T) {
	c, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	js := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	org := `{"id":1,"name":"Org A","short_name":"A","kind":"ngo","created_at":"2026-01-31T10:00:00Z"}`
	good := []struct {
		name, method, path string
		status             int
		header             http.Header
		body               string
	}{
		{"an organisation", "GET", "/api/v1/organisations/1", 200, js, org},
		{"an error", "GET", "/api/v1/organisations/9", 404, js, `{"error":{"code":"not_found","message":"no such organisation"}}`},
		{"no content", "DELETE", "/api/v1/stages/3", 204, http.Header{}, ""},
		{"an unknown route", "GET", "/api/v1/nowhere", 404, js, `{"error":{"code":"not_found","message":"there is no page at this address"}}`},
		{"a CSV", "GET", "/api/v1/contacts.csv", 200, http.Header{"Content-Type": {"text/csv; charset=utf-8"}}, "id\n"},
	}
	for _, g := range good {
		if _, err := c.check(g.method, g.path, g.status, g.header, []byte(g.body)); err != nil {
			t.Errorf("%s: refused: %v", g.name, err)
		}
	}
	bad := []struct {
		name, method, path string
		status             int
		header             http.Header
		body               string
	}{
		{"a renamed field", "GET", "/api/v1/organisations/1", 200, js, strings.Replace(org, `"short_name"`, `"shortName"`, 1)},
		{"an extra field", "GET", "/api/v1/organisations/1", 200, js, strings.Replace(org, `}`, `,"secret":"x"}`, 1)},
		{"a wrong type", "GET", "/api/v1/organisations/1", 200, js, strings.Replace(org, `"id":1`, `"id":"1"`, 1)},
		{"a value outside the enum", "GET", "/api/v1/organisations/1", 200, js, strings.Replace(org, `"ngo"`, `"club"`, 1)},
		{"a malformed date-time", "GET", "/api/v1/organisations/1", 200, js, strings.Replace(org, `2026-01-31T10:00:00Z`, `31 Jan 2026`, 1)},
		{"an undocumented status", "GET", "/api/v1/organisations/1", 418, js, `{"error":{"code":"invalid","message":"x"}}`},
		{"an undocumented content type", "GET", "/api/v1/organisations/1", 200, http.Header{"Content-Type": {"text/html"}}, "<p>hi</p>"},
		{"not JSON", "GET", "/api/v1/organisations/1", 200, js, "{"},
		{"an error without a message", "GET", "/api/v1/organisations/9", 404, js, `{"error":{"code":"not_found"}}`},
		{"an error code that does not match the status", "GET", "/api/v1/organisations/9", 404, js, `{"error":{"code":"forbidden","message":"x"}}`},
		{"an item of the wrong shape in a list", "GET", "/api/v1/organisations", 200, js, `{"items":[{"id":1}],"total":1,"page":1,"per_page":1}`},
		{"a list without its total", "GET", "/api/v1/organisations", 200, js, `{"items":[],"page":1,"per_page":1}`},
		{"a body where none is documented", "DELETE", "/api/v1/stages/3", 204, js, `{}`},
		{"a success on an unknown route", "GET", "/api/v1/nowhere", 200, js, `{}`},
		{"a wrong method answered as not found", "PATCH", "/api/v1/contacts/1", 404, js, `{"error":{"code":"not_found","message":"x"}}`},
	}
	for _, b := range bad {
		if _, err := c.check(b.method, b.path, b.status, b.header, []byte(b.body)); err == nil {
			t.Errorf("%s: accepted", b.name)
		}
	}
}

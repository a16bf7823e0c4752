package server_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"ratify/internal/auth"
	"ratify/internal/dbtest"
	"ratify/internal/model"
	"ratify/internal/store"
)

// This file tests the contacts, institutions, positions, outreach and
// follow-up routes of the JSON API through the real router and store: who may
// call each route, how each body route answers bad input (and that it then
// changes nothing), and what the contact routes do with good input.

// cxTables are the tables the contact, outreach and follow-up routes write.
var cxTables = []string{"institutions", "contacts", "contact_emails", "contact_phones", "contact_tags", "positions",
	"outreach", "outreach_instruments", "outreach_contacts", "followups", "suppressions", "audit_log"}

// cxCounts counts the rows of every table in cxTables.
func cxCounts(t *testing.T, e *env) map[string]int64 {
	t.Helper()
	db, err := e.st.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, tb := range cxTables {
		var n int64
		if err := db.QueryRow("SELECT count(*) FROM " + tb).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", tb, err)
		}
		out[tb] = n
	}
	return out
}

// cxState fingerprints every row of every table in cxTables, so an update
// that changes no row count is caught too.
func cxState(t *testing.T, e *env) string {
	t.Helper()
	db, err := e.st.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, tb := range cxTables {
		rows, err := db.Query("SELECT * FROM " + tb + " ORDER BY 1, 2")
		if err != nil {
			t.Fatalf("read %s: %v", tb, err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("scan %s: %v", tb, err)
			}
			b.WriteString(tb)
			for _, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&b, " %v", v)
			}
			b.WriteString("\n")
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// cxUnchanged fails when any row differs from the fingerprint before.
func cxUnchanged(t *testing.T, e *env, before string, what string) {
	t.Helper()
	after := cxState(t, e)
	if after == before {
		return
	}
	t.Errorf("%s changed the database:\nbefore only:\n%s\nafter only:\n%s", what,
		strings.Join(apiLineDiff(before, after), "\n"), strings.Join(apiLineDiff(after, before), "\n"))
}

// cxErr is an API error answer.
type cxErr struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

// cxWant checks an answer's status and, for errors, its code and the field
// named (field may be empty).
func cxWant(t *testing.T, what string, res response, status int, code, field string) {
	t.Helper()
	if res.Status != status {
		t.Errorf("%s: status %d, want %d: %s", what, res.Status, status, cxTrim(res.Body))
		return
	}
	if code == "" {
		return
	}
	var b cxErr
	if err := json.Unmarshal([]byte(res.Body), &b); err != nil {
		t.Errorf("%s: not a JSON error: %s", what, cxTrim(res.Body))
		return
	}
	if b.Error.Code != code {
		t.Errorf("%s: code %q, want %q: %s", what, b.Error.Code, code, cxTrim(res.Body))
	}
	if b.Error.Message == "" {
		t.Errorf("%s: error without a message: %s", what, cxTrim(res.Body))
	}
	if field != "" && b.Error.Fields[field] == "" {
		t.Errorf("%s: fields %v do not name %q", what, b.Error.Fields, field)
	}
}

func cxTrim(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}

// cxDay is the date days from the test clock's today, as YYYY-MM-DD.
func cxDay(e *env, days int) string {
	return e.clock.Now().UTC().AddDate(0, 0, days).Format("2006-01-02")
}

// cxID posts body to path as email and returns the new record's id.
func cxID(t *testing.T, e *env, email, path string, body any) int64 {
	t.Helper()
	res := e.do("POST", path, e.token(email), body)
	if res.Status != 201 {
		t.Fatalf("POST %s as %s: %d %s", path, email, res.Status, cxTrim(res.Body))
	}
	var out struct {
		ID      int64 `json:"id"`
		Contact struct {
			ID int64 `json:"id"`
		} `json:"contact"`
	}
	res.decode(t, &out)
	if out.Contact.ID != 0 {
		return out.Contact.ID
	}
	if out.ID == 0 {
		t.Fatalf("POST %s: no id in %s", path, res.Body)
	}
	return out.ID
}

// cxContact creates a contact in country iso3 as email, with extra fields.
func cxContact(t *testing.T, e *env, email, first, last, iso3 string, extra map[string]any) int64 {
	t.Helper()
	body := map[string]any{"first_name": first, "last_name": last, "kind": "parliamentarian"}
	if iso3 != "" {
		body["country"] = iso3
	}
	for k, v := range extra {
		body[k] = v
	}
	return cxID(t, e, email, "/api/v1/contacts", body)
}

// cxOutreach logs a meeting as email and returns its id.
func cxOutreach(t *testing.T, e *env, email, summary, visibility, iso3 string, contacts ...int64) int64 {
	t.Helper()
	if contacts == nil {
		contacts = []int64{}
	}
	return cxID(t, e, email, "/api/v1/outreach", map[string]any{"type": "meeting", "date": cxDay(e, -3), "country": iso3,
		"instruments": []string{"ICRMW"}, "contact_ids": contacts, "summary": summary, "next_steps": "next: " + summary,
		"visibility": visibility})
}

// cxInstitution creates an institution as email and returns its id.
func cxInstitution(t *testing.T, e *env, email, iso3, kind, name string) int64 {
	t.Helper()
	return cxID(t, e, email, "/api/v1/institutions", map[string]any{"country": iso3, "kind": kind, "name": name})
}

// cxFollowup creates a follow-up as email and returns its id.
func cxFollowup(t *testing.T, e *env, email string, body map[string]any) int64 {
	t.Helper()
	if _, ok := body["due_date"]; !ok {
		body["due_date"] = cxDay(e, 7)
	}
	return cxID(t, e, email, "/api/v1/followups", body)
}

// cxList is a list answer with the ids of its items.
type cxList struct {
	Items []struct {
		ID         int64   `json:"id"`
		FullName   string  `json:"full_name"`
		ContactIDs []int64 `json:"contact_ids"`
	} `json:"items"`
	Total   int64 `json:"total"`
	Page    int   `json:"page"`
	PerPage int   `json:"per_page"`
}

func (l cxList) ids() []int64 {
	out := make([]int64, len(l.Items))
	for i, it := range l.Items {
		out[i] = it.ID
	}
	return out
}

// cxGetList GETs a list as email and decodes it.
func cxGetList(t *testing.T, e *env, email, path string) cxList {
	t.Helper()
	res := e.do("GET", path, e.token(email), nil)
	if res.Status != 200 {
		t.Fatalf("GET %s as %s: %d %s", path, email, res.Status, cxTrim(res.Body))
	}
	var l cxList
	res.decode(t, &l)
	return l
}

// cxAudit returns the summaries of the audit rows with the action.
func cxAudit(t *testing.T, e *env, action string) []string {
	t.Helper()
	db, err := e.st.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query("SELECT summary FROM audit_log WHERE action = '" + action + "' ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// cxCount runs a count query.
func cxCount(t *testing.T, e *env, query string) int64 {
	t.Helper()
	db, err := e.st.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := db.QueryRow(query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// cxCSV parses a CSV answer (after its byte-order mark) into rows.
func cxCSV(t *testing.T, res response) [][]string {
	t.Helper()
	if res.Status != 200 {
		t.Fatalf("CSV export: %d %s", res.Status, cxTrim(res.Body))
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.Body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatalf("CSV export does not parse: %v", err)
	}
	return rows
}

var cxRoles = []string{"viewer", "member", "coordinator", "admin"}

// cxEnv is newEnv with every user's token issued up front, without the
// password checks of a sign-in (slow by design) and without their audit rows.
func cxEnv(t *testing.T, st *store.Store) *env {
	t.Helper()
	e := newEnv(t, st)
	tokens, err := auth.NewTokens(testSecret, time.Hour, e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	for email, u := range e.users {
		tok, _, err := tokens.Issue(u.ID, u.TokenVersion)
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[email] = tok
	}
	return e
}

// cxAuditAfter is cxAudit without the first n rows.
func cxAuditAfter(t *testing.T, e *env, action string, n int) []string {
	t.Helper()
	return cxAudit(t, e, action)[n:]
}

// TestContactsAPI runs the contact, institution, outreach and follow-up API
// tests over one environment per database; each part keeps to its own
// records, so they do not disturb each other.
func TestContactsAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := cxEnv(t, st)
		for _, part := range []struct {
			name string
			fn   func(*testing.T, *env)
		}{
			{"Permissions", cxPermissions},
			{"DoNotContact", cxDoNotContact},
			{"FollowupPermissions", cxFollowupPermissions},
			{"BadInput", cxBadInput},
			{"DuplicatesAndSearch", cxDuplicatesAndSearch},
			{"BulkTag", cxBulkTag},
			{"DeleteKeepsOutreach", cxDeleteKeepsOutreach},
			{"Merge", cxMerge},
			{"Erase", cxErase},
			{"SubjectExport", cxSubjectExport},
		} {
			t.Run(part.name, func(t *testing.T) { part.fn(t, e) })
		}
	})
}

// cxPermissions walks the permission table of DESIGN.md for every
// new route and every role; the expected statuses are for viewer, member,
// coordinator and admin in turn, each request valid so a refusal is about the
// role alone.
func cxPermissions(t *testing.T, e *env) {
	inst := cxInstitution(t, e, "member@a.test", "CHE", "parliament", "Federal Assembly")
	shared := cxContact(t, e, "member@a.test", "Ruth", "Dreifuss", "CHE", nil)
	pos := cxID(t, e, "member@a.test", fmt.Sprintf("/api/v1/contacts/%d/positions", shared), map[string]any{"institution_id": inst, "title": "Member"})
	meeting := cxOutreach(t, e, "member@a.test", "Coalition meeting", "coalition", "CHE", shared)
	task := cxFollowup(t, e, "coordinator@a.test", map[string]any{"title": "Task", "assignee_id": e.users["member@a.test"].ID})

	type row struct {
		method string
		path   func(role string) string
		body   func(role string) any
		want   [4]int
	}
	fixed := func(p string) func(string) string { return func(string) string { return p } }
	fresh := func(role string) int64 { return cxContact(t, e, "admin@a.test", "Fresh", "For "+role, "CHE", nil) }
	freshOutreach := func(role string) int64 {
		return cxOutreach(t, e, "member@a.test", "To delete, "+role, "coalition", "CHE")
	}
	file := "name,email,country\nImported Person,imported@example.org,CHE\n"
	rows := []row{
		{"GET", fixed("/api/v1/institutions"), nil, [4]int{200, 200, 200, 200}},
		{"GET", fixed(fmt.Sprintf("/api/v1/institutions/%d", inst)), nil, [4]int{200, 200, 200, 200}},
		{"POST", fixed("/api/v1/institutions"), func(r string) any {
			return map[string]any{"country": "CHE", "kind": "ministry", "name": "Ministry by " + r}
		}, [4]int{403, 201, 201, 201}},
		{"PUT", fixed(fmt.Sprintf("/api/v1/institutions/%d", inst)), func(r string) any {
			return map[string]any{"country": "CHE", "kind": "parliament", "name": "Federal Assembly (" + r + ")"}
		}, [4]int{403, 200, 200, 200}},
		{"GET", fixed("/api/v1/contacts"), nil, [4]int{200, 200, 200, 200}},
		{"GET", fixed(fmt.Sprintf("/api/v1/contacts/%d", shared)), nil, [4]int{200, 200, 200, 200}},
		{"GET", fixed(fmt.Sprintf("/api/v1/contacts/%d/duplicates", shared)), nil, [4]int{200, 200, 200, 200}},
		{"GET", fixed(fmt.Sprintf("/api/v1/contacts/%d/positions", shared)), nil, [4]int{200, 200, 200, 200}},
		{"POST", fixed("/api/v1/contacts"), func(r string) any {
			return map[string]any{"first_name": "New", "last_name": "By " + r, "kind": "diplomat"}
		}, [4]int{403, 201, 201, 201}},
		{"PUT", fixed(fmt.Sprintf("/api/v1/contacts/%d", shared)), func(r string) any {
			return map[string]any{"first_name": "Ruth", "last_name": "Dreifuss", "kind": "minister", "country": "CHE", "party": r}
		}, [4]int{403, 200, 200, 200}},
		{"POST", fixed(fmt.Sprintf("/api/v1/contacts/%d/positions", shared)), func(r string) any {
			return map[string]any{"institution_id": inst, "title": "Rapporteur " + r}
		}, [4]int{403, 201, 201, 201}},
		{"PUT", fixed(fmt.Sprintf("/api/v1/contacts/%d/positions/%d", shared, pos)), func(r string) any {
			return map[string]any{"institution_id": inst, "title": "Member " + r}
		}, [4]int{403, 200, 200, 200}},
		{"POST", fixed("/api/v1/contacts/tags"), func(r string) any {
			return map[string]any{"ids": []int64{shared}, "tag": "tag-" + r}
		}, [4]int{403, 200, 200, 200}},
		{"DELETE", func(r string) string { return fmt.Sprintf("/api/v1/contacts/%d", fresh(r)) }, nil, [4]int{403, 204, 204, 204}},
		{"POST", fixed("/api/v1/contacts/merge"), func(r string) any {
			return map[string]any{"keep_id": fresh(r), "drop_id": fresh(r + " too")}
		}, [4]int{403, 403, 200, 200}},
		{"POST", func(r string) string { return fmt.Sprintf("/api/v1/contacts/%d/erase", fresh(r)) }, nil, [4]int{403, 403, 204, 204}},
		{"GET", fixed(fmt.Sprintf("/api/v1/contacts/%d/export", shared)), nil, [4]int{403, 403, 200, 200}},
		{"GET", fixed("/api/v1/contacts.csv"), nil, [4]int{403, 200, 200, 200}},
		{"GET", fixed("/api/v1/outreach"), nil, [4]int{200, 200, 200, 200}},
		{"GET", fixed("/api/v1/outreach.csv"), nil, [4]int{403, 200, 200, 200}},
		{"POST", fixed("/api/v1/outreach"), func(r string) any {
			return map[string]any{"type": "call", "date": cxDay(e, -1), "summary": "Call by " + r, "visibility": "coalition"}
		}, [4]int{403, 201, 201, 201}},
		{"GET", fixed(fmt.Sprintf("/api/v1/outreach/%d", meeting)), nil, [4]int{200, 200, 200, 200}},
		{"PUT", fixed(fmt.Sprintf("/api/v1/outreach/%d", meeting)), func(r string) any {
			return map[string]any{"type": "meeting", "date": cxDay(e, -3), "summary": "Edited by " + r, "visibility": "coalition"}
		}, [4]int{403, 200, 200, 200}},
		{"DELETE", func(r string) string { return fmt.Sprintf("/api/v1/outreach/%d", freshOutreach(r)) }, nil, [4]int{403, 204, 204, 204}},
		{"GET", fixed("/api/v1/followups"), nil, [4]int{200, 200, 200, 200}},
		{"GET", fixed(fmt.Sprintf("/api/v1/followups/%d", task)), nil, [4]int{200, 200, 200, 200}},
		{"PUT", fixed(fmt.Sprintf("/api/v1/followups/%d", task)), func(r string) any {
			return map[string]any{"title": "Task edited by " + r, "due_date": cxDay(e, 5)}
		}, [4]int{403, 200, 200, 200}},
		{"POST", fixed(fmt.Sprintf("/api/v1/followups/%d/close", task)), func(r string) any {
			return map[string]any{"status": "done", "outcome": "closed by " + r}
		}, [4]int{403, 200, 200, 200}},
		{"POST", fixed("/api/v1/followups"), func(r string) any {
			return map[string]any{"title": "Own task of " + r, "due_date": cxDay(e, 3)}
		}, [4]int{403, 201, 201, 201}},
	}
	for _, r := range rows {
		for i, role := range cxRoles {
			email := role + "@a.test"
			path := r.path(role)
			var body any
			if r.body != nil {
				body = r.body(role)
			}
			want := r.want[i]
			before := cxState(t, e)
			res := e.do(r.method, path, e.token(email), body)
			what := fmt.Sprintf("%s %s as %s", r.method, path, role)
			if want == 403 {
				cxWant(t, what, res, want, "forbidden", "")
				cxUnchanged(t, e, before, what)
				continue
			}
			cxWant(t, what, res, want, "", "")
		}
	}
	// The import takes a multipart form.
	for i, role := range cxRoles {
		for _, dry := range []string{"true", "false"} {
			before := cxState(t, e)
			res := cxImport(t, e, role+"@a.test", "people.csv", []byte(file), map[string]string{"dry_run": dry})
			what := "import (dry_run=" + dry + ") as " + role
			if want := [4]int{403, 403, 200, 200}[i]; want == 403 {
				cxWant(t, what, res, 403, "forbidden", "")
				cxUnchanged(t, e, before, what)
			} else {
				cxWant(t, what, res, 200, "", "")
			}
		}
	}
}

// cxDoNotContact: anyone who edits may set do-not-contact; only a
// coordinator or an admin may clear it, and a refused clear changes nothing.
func cxDoNotContact(t *testing.T, e *env) {
	id := cxContact(t, e, "member@a.test", "Aung", "Thu", "MMR", nil)
	body := func(dnc bool) map[string]any {
		return map[string]any{"first_name": "Aung", "last_name": "Thu", "kind": "parliamentarian", "country": "MMR",
			"do_not_contact": dnc, "do_not_contact_reason": "asked us not to write"}
	}
	path := fmt.Sprintf("/api/v1/contacts/%d", id)
	cxWant(t, "member sets do-not-contact", e.do("PUT", path, e.token("member@a.test"), body(true)), 200, "", "")
	for _, who := range []string{"member@a.test", "member@b.test"} {
		before := cxState(t, e)
		cxWant(t, who+" clears do-not-contact", e.do("PUT", path, e.token(who), body(false)), 403, "forbidden", "")
		cxUnchanged(t, e, before, who+"'s refused clear")
	}
	cxWant(t, "viewer clears do-not-contact", e.do("PUT", path, e.token("viewer@a.test"), body(false)), 403, "forbidden", "")
	for _, who := range []string{"coordinator@b.test", "admin@a.test"} {
		cxWant(t, "set again", e.do("PUT", path, e.token("member@a.test"), body(true)), 200, "", "")
		res := e.do("PUT", path, e.token(who), body(false))
		cxWant(t, who+" clears do-not-contact", res, 200, "", "")
		var c struct {
			DoNotContact bool `json:"do_not_contact"`
		}
		res.decode(t, &c)
		if c.DoNotContact {
			t.Errorf("%s cleared do-not-contact but it is still set", who)
		}
	}
	if got := cxAudit(t, e, "contact.update"); !slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, "do-not-contact true → false") }) {
		t.Errorf("no audit entry records clearing do-not-contact: %q", got)
	}
}

// cxFollowupPermissions: members create follow-ups for themselves,
// coordinators assign and reassign them to anyone, viewers cannot be assigned,
// and only the assignee, the assigner or a coordinator may close or edit one.
func cxFollowupPermissions(t *testing.T, e *env) {
	id := func(email string) int64 { return e.users[email].ID }
	var f struct {
		ID           int64  `json:"id"`
		AssigneeID   int64  `json:"assignee_id"`
		AssignedByID int64  `json:"assigned_by_id"`
		Status       string `json:"status"`
	}

	// Creating.
	cxWant(t, "viewer creates", e.do("POST", "/api/v1/followups", e.token("viewer@a.test"),
		map[string]any{"title": "Watch", "due_date": cxDay(e, 2)}), 403, "forbidden", "")
	res := e.do("POST", "/api/v1/followups", e.token("member@a.test"), map[string]any{"title": "Mine", "due_date": cxDay(e, 2)})
	cxWant(t, "member creates for self", res, 201, "", "")
	res.decode(t, &f)
	if f.AssigneeID != id("member@a.test") || f.AssignedByID != id("member@a.test") || f.Status != "open" {
		t.Errorf("member's own follow-up: %+v", f)
	}
	own := f.ID
	cxWant(t, "member creates naming self", e.do("POST", "/api/v1/followups", e.token("member@a.test"),
		map[string]any{"title": "Mine too", "due_date": cxDay(e, 2), "assignee_id": id("member@a.test")}), 201, "", "")
	for _, other := range []string{"coordinator@a.test", "member@b.test", "admin@b.test"} {
		before := cxState(t, e)
		cxWant(t, "member assigns to "+other, e.do("POST", "/api/v1/followups", e.token("member@a.test"),
			map[string]any{"title": "For someone else", "due_date": cxDay(e, 2), "assignee_id": id(other)}), 403, "forbidden", "")
		cxUnchanged(t, e, before, "a refused assignment")
	}
	res = e.do("POST", "/api/v1/followups", e.token("coordinator@a.test"),
		map[string]any{"title": "Assigned", "due_date": cxDay(e, 2), "assignee_id": id("member@b.test")})
	cxWant(t, "coordinator assigns to a member of another organisation", res, 201, "", "")
	res.decode(t, &f)
	if f.AssigneeID != id("member@b.test") || f.AssignedByID != id("coordinator@a.test") {
		t.Errorf("assigned follow-up: %+v", f)
	}
	assigned := f.ID
	for _, v := range []string{"viewer@a.test", "viewer@b.test"} {
		before := cxState(t, e)
		cxWant(t, "coordinator assigns to "+v, e.do("POST", "/api/v1/followups", e.token("coordinator@a.test"),
			map[string]any{"title": "For a viewer", "due_date": cxDay(e, 2), "assignee_id": id(v)}), 400, "invalid", "assignee_id")
		cxUnchanged(t, e, before, "assigning a viewer")
	}

	// Reassigning through PUT.
	put := func(who string, fid, assignee int64, title string) response {
		return e.do("PUT", fmt.Sprintf("/api/v1/followups/%d", fid), e.token(who),
			map[string]any{"title": title, "due_date": cxDay(e, 4), "assignee_id": assignee})
	}
	before := cxState(t, e)
	cxWant(t, "member reassigns own", put("member@a.test", own, id("admin@a.test"), "Mine"), 403, "forbidden", "")
	cxUnchanged(t, e, before, "a refused reassignment")
	cxWant(t, "member edits own keeping assignee", put("member@a.test", own, 0, "Mine, renamed"), 200, "", "")
	cxWant(t, "another member edits it", put("member@b.test", own, 0, "Not mine"), 403, "forbidden", "")
	cxWant(t, "viewer edits it", put("viewer@a.test", own, 0, "Not mine"), 403, "forbidden", "")
	cxWant(t, "coordinator reassigns to a viewer", put("coordinator@b.test", own, id("viewer@b.test"), "Mine"), 400, "invalid", "assignee_id")
	res = put("coordinator@b.test", own, id("admin@a.test"), "Mine, reassigned")
	cxWant(t, "coordinator reassigns", res, 200, "", "")
	res.decode(t, &f)
	if f.AssigneeID != id("admin@a.test") || f.AssignedByID != id("member@a.test") {
		t.Errorf("reassigned follow-up: %+v", f)
	}
	if got := cxAudit(t, e, "followup.update"); !slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, "reassigned") }) {
		t.Errorf("no audit entry records the reassignment: %q", got)
	}

	// Closing: the assignee, the assigner or a coordinator.
	close := func(who string, fid int64) response {
		return e.do("POST", fmt.Sprintf("/api/v1/followups/%d/close", fid), e.token(who), map[string]any{"outcome": "done by " + who})
	}
	for _, who := range []string{"viewer@b.test", "member@a.test", "viewer@a.test"} {
		before := cxState(t, e)
		cxWant(t, who+" closes someone else's", close(who, assigned), 403, "forbidden", "")
		cxUnchanged(t, e, before, "a refused close")
	}
	res = close("member@b.test", assigned)
	cxWant(t, "the assignee closes", res, 200, "", "")
	res.decode(t, &f)
	if f.Status != "done" {
		t.Errorf("closed follow-up status %q", f.Status)
	}
	// member@a.test assigned "own" to itself and a coordinator moved it
	// to admin@a.test: member@a.test is still its assigner.
	cxWant(t, "the assigner closes", close("member@a.test", own), 200, "", "")
	third := cxFollowup(t, e, "member@b.test", map[string]any{"title": "B's task"})
	cxWant(t, "a member of A closes B's task", close("member@a.test", third), 403, "forbidden", "")
	cxWant(t, "a coordinator of A closes B's task", close("coordinator@a.test", third), 200, "", "")
	fourth := cxFollowup(t, e, "member@b.test", map[string]any{"title": "B's other task"})
	cxWant(t, "an admin closes B's task", e.do("POST", fmt.Sprintf("/api/v1/followups/%d/close", fourth), e.token("admin@a.test"),
		map[string]any{"status": "cancelled"}), 200, "", "")
}

// cxBadInput sends bad input of every kind to every body route and
// checks the exact status, code and field, and that nothing changed.
func cxBadInput(t *testing.T, e *env) {
	inst := cxInstitution(t, e, "member@a.test", "FRA", "parliament", "Assemblée nationale")
	other := cxInstitution(t, e, "member@a.test", "CHE", "parliament", "Conseil national")
	c := cxContact(t, e, "member@a.test", "Marie", "Curie", "FRA", map[string]any{"emails": []map[string]string{{"email": "marie@example.org"}}})
	c2 := cxContact(t, e, "member@a.test", "Pierre", "Curie", "FRA", nil)
	pos := cxID(t, e, "member@a.test", fmt.Sprintf("/api/v1/contacts/%d/positions", c), map[string]any{"institution_id": inst, "title": "Députée"})
	o := cxOutreach(t, e, "member@a.test", "A meeting", "coalition", "FRA", c)
	f := cxFollowup(t, e, "coordinator@a.test", map[string]any{"title": "Write back", "assignee_id": e.users["member@a.test"].ID})

	big := `{"summary":"` + strings.Repeat("x", 70<<10) + `"}`
	type route struct {
		method, path, as string
		valid            map[string]any // a valid body, to vary
		typed            string         // a field to send with the wrong type
	}
	contactBody := map[string]any{"first_name": "Irène", "last_name": "Joliot", "kind": "minister", "country": "FRA"}
	outreachBody := map[string]any{"type": "meeting", "date": cxDay(e, -1), "country": "FRA", "instruments": []string{"C097"},
		"contact_ids": []int64{c}, "summary": "Talked", "visibility": "coalition"}
	followupBody := map[string]any{"title": "Call again", "due_date": cxDay(e, 5)}
	routes := []route{
		{"POST", "/api/v1/institutions", "member@a.test", map[string]any{"country": "FRA", "kind": "ministry", "name": "Ministère du Travail"}, "parent_id"},
		{"PUT", fmt.Sprintf("/api/v1/institutions/%d", inst), "member@a.test", map[string]any{"country": "FRA", "kind": "parliament", "name": "AN"}, "name"},
		{"POST", "/api/v1/contacts", "member@a.test", contactBody, "first_name"},
		{"PUT", fmt.Sprintf("/api/v1/contacts/%d", c), "member@a.test", contactBody, "emails"},
		{"POST", "/api/v1/contacts/merge", "coordinator@a.test", map[string]any{"keep_id": c, "drop_id": c2}, "keep_id"},
		{"POST", "/api/v1/contacts/tags", "member@a.test", map[string]any{"ids": []int64{c}, "tag": "ilo"}, "ids"},
		{"POST", fmt.Sprintf("/api/v1/contacts/%d/positions", c), "member@a.test", map[string]any{"institution_id": inst, "title": "Présidente"}, "institution_id"},
		{"PUT", fmt.Sprintf("/api/v1/contacts/%d/positions/%d", c, pos), "member@a.test", map[string]any{"institution_id": inst, "title": "Ancienne"}, "start_date"},
		{"POST", "/api/v1/outreach", "member@a.test", outreachBody, "contact_ids"},
		{"PUT", fmt.Sprintf("/api/v1/outreach/%d", o), "member@a.test", outreachBody, "date"},
		{"POST", "/api/v1/followups", "member@a.test", followupBody, "due_date"},
		{"PUT", fmt.Sprintf("/api/v1/followups/%d", f), "member@a.test", followupBody, "assignee_id"},
		{"POST", fmt.Sprintf("/api/v1/followups/%d/close", f), "member@a.test", map[string]any{"status": "done", "outcome": "ok"}, "outcome"},
	}
	with := func(base map[string]any, kv ...any) map[string]any {
		m := map[string]any{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
			} else {
				m[kv[i].(string)] = kv[i+1]
			}
		}
		return m
	}
	check := func(what, method, path, as string, body any, status int, code, field string) {
		t.Helper()
		before := cxState(t, e)
		cxWant(t, what+": "+method+" "+path, e.do(method, path, e.token(as), body), status, code, field)
		cxUnchanged(t, e, before, what+": "+method+" "+path)
	}
	for _, r := range routes {
		check("malformed JSON", r.method, r.path, r.as, `{"title": "x",`, 400, "invalid_json", "")
		check("not an object", r.method, r.path, r.as, `[1,2]`, 400, "invalid_json", "")
		check("null", r.method, r.path, r.as, `null`, 400, "invalid_json", "")
		check("empty body", r.method, r.path, r.as, ``, 400, "invalid_json", "")
		check("two values", r.method, r.path, r.as, `{} {}`, 400, "invalid_json", "")
		check("unknown field", r.method, r.path, r.as, with(r.valid, "owner_organisation_id", 2), 400, "invalid", "owner_organisation_id")
		wrong := any(true)
		if r.typed == "emails" || r.typed == "ids" || r.typed == "contact_ids" {
			wrong = "not a list"
		}
		check("wrong type", r.method, r.path, r.as, with(r.valid, r.typed, wrong), 400, "invalid", r.typed)
		check("oversized body", r.method, r.path, r.as, big, 413, "too_large", "")
		// An oversized body without a Content-Length is cut off while read.
		before := cxState(t, e)
		req, err := http.NewRequest(r.method, e.srv.URL+r.path, io.NopCloser(strings.NewReader(big)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+e.token(r.as))
		cxWant(t, "oversized chunked body: "+r.method+" "+r.path, e.send(req), 413, "too_large", "")
		cxUnchanged(t, e, before, "oversized chunked body: "+r.method+" "+r.path)
		// A body that is not JSON by its Content-Type is refused too.
		before = cxState(t, e)
		req, err = http.NewRequest(r.method, e.srv.URL+r.path, strings.NewReader("title=x"))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bearer "+e.token(r.as))
		cxWant(t, "form body: "+r.method+" "+r.path, e.send(req), 400, "invalid_json", "")
		cxUnchanged(t, e, before, "form body: "+r.method+" "+r.path)
	}

	// Unknown ids in the path are not found, whatever the body.
	for _, p := range []struct{ method, path, as string }{
		{"PUT", "/api/v1/institutions/999999", "member@a.test"},
		{"PUT", "/api/v1/institutions/abc", "member@a.test"},
		{"PUT", "/api/v1/contacts/999999", "member@a.test"},
		{"PUT", "/api/v1/contacts/-1", "member@a.test"},
		{"DELETE", "/api/v1/contacts/999999", "member@a.test"},
		{"POST", "/api/v1/contacts/999999/positions", "member@a.test"},
		{"PUT", fmt.Sprintf("/api/v1/contacts/%d/positions/999999", c), "member@a.test"},
		{"PUT", fmt.Sprintf("/api/v1/contacts/%d/positions/%d", c2, pos), "member@a.test"}, // another contact's post
		{"PUT", fmt.Sprintf("/api/v1/contacts/999999/positions/%d", pos), "member@a.test"},
		{"POST", "/api/v1/contacts/999999/erase", "coordinator@a.test"},
		{"GET", "/api/v1/contacts/999999/export", "coordinator@a.test"},
		{"GET", "/api/v1/contacts/999999/duplicates", "member@a.test"},
		{"GET", "/api/v1/contacts/999999/positions", "member@a.test"},
		{"GET", "/api/v1/contacts/12abc", "member@a.test"},
		{"GET", "/api/v1/institutions/999999", "member@a.test"},
		{"PUT", "/api/v1/outreach/999999", "member@a.test"},
		{"DELETE", "/api/v1/outreach/999999", "member@a.test"},
		{"GET", "/api/v1/outreach/999999", "member@a.test"},
		{"PUT", "/api/v1/followups/999999", "member@a.test"},
		{"GET", "/api/v1/followups/999999", "member@a.test"},
		{"POST", "/api/v1/followups/999999/close", "member@a.test"},
	} {
		var body any
		switch {
		case strings.Contains(p.path, "institutions"):
			body = map[string]any{"country": "FRA", "kind": "parliament", "name": "X"}
		case strings.Contains(p.path, "positions"):
			body = map[string]any{"institution_id": inst, "title": "X"}
		case strings.Contains(p.path, "contacts") && p.method == "PUT":
			body = contactBody
		case strings.Contains(p.path, "outreach") && p.method == "PUT":
			body = outreachBody
		case strings.HasSuffix(p.path, "/close"):
			body = map[string]any{"status": "done"}
		case strings.Contains(p.path, "followups") && p.method == "PUT":
			body = followupBody
		}
		if p.method == "GET" || p.method == "DELETE" || strings.HasSuffix(p.path, "/erase") {
			body = nil
		}
		check("unknown id in the path", p.method, p.path, p.as, body, 404, "not_found", "")
	}
	// Merging an unknown contact is not found either.
	check("merge an unknown contact", "POST", "/api/v1/contacts/merge", "coordinator@a.test", map[string]any{"keep_id": c, "drop_id": 999999}, 404, "not_found", "")
	check("merge into an unknown contact", "POST", "/api/v1/contacts/merge", "coordinator@a.test", map[string]any{"keep_id": 999999, "drop_id": c}, 404, "not_found", "")

	// Unknown ids in the body, and invalid values: 400 naming the field.
	type bad struct {
		what, method, path, as string
		body                   map[string]any
		field                  string
	}
	instBody := map[string]any{"country": "FRA", "kind": "ministry", "name": "Ministère"}
	posBody := map[string]any{"institution_id": inst, "title": "Députée"}
	posPath := fmt.Sprintf("/api/v1/contacts/%d/positions", c)
	putPos := fmt.Sprintf("/api/v1/contacts/%d/positions/%d", c, pos)
	putContact := fmt.Sprintf("/api/v1/contacts/%d", c)
	putOutreach := fmt.Sprintf("/api/v1/outreach/%d", o)
	putFollowup := fmt.Sprintf("/api/v1/followups/%d", f)
	for _, b := range []bad{
		{"unknown country", "POST", "/api/v1/institutions", "member@a.test", with(instBody, "country", "XXX"), "country"},
		{"no country", "POST", "/api/v1/institutions", "member@a.test", with(instBody, "country", nil), "country"},
		{"unknown parent", "POST", "/api/v1/institutions", "member@a.test", with(instBody, "parent_id", 999999), "parent_id"},
		{"parent in another country", "POST", "/api/v1/institutions", "member@a.test", with(instBody, "parent_id", other), "parent_id"},
		{"own parent", "PUT", fmt.Sprintf("/api/v1/institutions/%d", inst), "member@a.test", with(instBody, "parent_id", inst), "parent_id"},
		{"bad kind", "POST", "/api/v1/institutions", "member@a.test", with(instBody, "kind", "club"), "kind"},
		{"empty name", "POST", "/api/v1/institutions", "member@a.test", with(instBody, "name", "  "), "name"},

		{"unknown country", "POST", "/api/v1/contacts", "member@a.test", with(contactBody, "country", "XXX"), "country"},
		{"unknown country", "PUT", putContact, "member@a.test", with(contactBody, "country", "ZZZ"), "country"},
		{"bad email", "POST", "/api/v1/contacts", "member@a.test", with(contactBody, "emails", []map[string]string{{"email": "irene@"}}), "emails"},
		{"bad email", "PUT", putContact, "member@a.test", with(contactBody, "emails", []map[string]string{{"email": "a b@example.org"}}), "emails"},
		{"bad phone", "POST", "/api/v1/contacts", "member@a.test", with(contactBody, "phones", []map[string]string{{"number": "call the office"}}), "phones"},
		{"bad preferred language", "POST", "/api/v1/contacts", "member@a.test", with(contactBody, "preferred_language", "french"), "preferred_language"},
		{"bad language", "POST", "/api/v1/contacts", "member@a.test", with(contactBody, "languages", []string{"fr", "eng"}), "languages"},
		{"bad tag", "POST", "/api/v1/contacts", "member@a.test", with(contactBody, "tags", []string{"!!"}), "tags"},
		{"bad tag", "PUT", putContact, "member@a.test", with(contactBody, "tags", []string{strings.Repeat("t", 51)}), "tags"},
		{"bad kind", "POST", "/api/v1/contacts", "member@a.test", with(contactBody, "kind", "king"), "kind"},
		{"bad stance", "POST", "/api/v1/contacts", "member@a.test", with(contactBody, "stance", "hostile"), "stance"},
		{"future stance date", "POST", "/api/v1/contacts", "member@a.test", with(contactBody, "stance_date", cxDay(e, 30)), "stance_date"},
		{"bad stance date", "POST", "/api/v1/contacts", "member@a.test", with(contactBody, "stance_date", "31/01/2025"), "stance_date"},
		{"no name", "POST", "/api/v1/contacts", "member@a.test", with(contactBody, "first_name", "", "last_name", " "), "last_name"},
		{"control characters", "POST", "/api/v1/contacts", "member@a.test", with(contactBody, "party", "a\u0000b"), "party"},

		{"unknown institution", "POST", posPath, "member@a.test", with(posBody, "institution_id", 999999), "institution_id"},
		{"unknown institution", "PUT", putPos, "member@a.test", with(posBody, "institution_id", 999999), "institution_id"},
		{"end before start", "POST", posPath, "member@a.test", with(posBody, "start_date", "2024-05-01", "end_date", "2023-05-01"), "end_date"},
		{"end before start", "PUT", putPos, "member@a.test", with(posBody, "start_date", "2024-05-01", "end_date", "2024-04-30"), "end_date"},
		{"bad date", "POST", posPath, "member@a.test", with(posBody, "start_date", "2024-02-30"), "start_date"},
		{"no title", "POST", posPath, "member@a.test", with(posBody, "title", ""), "title"},

		{"unknown country", "POST", "/api/v1/outreach", "member@a.test", with(outreachBody, "country", "XXX"), "country"},
		{"unknown contact", "POST", "/api/v1/outreach", "member@a.test", with(outreachBody, "contact_ids", []int64{c, 999999}), "contact_ids"},
		{"unknown instrument", "POST", "/api/v1/outreach", "member@a.test", with(outreachBody, "instruments", []string{"C999"}), "instruments"},
		{"future date", "POST", "/api/v1/outreach", "member@a.test", with(outreachBody, "date", cxDay(e, 3)), "date"},
		{"no date", "POST", "/api/v1/outreach", "member@a.test", with(outreachBody, "date", nil), "date"},
		{"bad date", "POST", "/api/v1/outreach", "member@a.test", with(outreachBody, "date", "yesterday"), "date"},
		{"empty summary", "POST", "/api/v1/outreach", "member@a.test", with(outreachBody, "summary", "   "), "summary"},
		{"bad visibility", "POST", "/api/v1/outreach", "member@a.test", with(outreachBody, "visibility", "public"), "visibility"},
		{"no visibility", "POST", "/api/v1/outreach", "member@a.test", with(outreachBody, "visibility", nil), "visibility"},
		{"bad type", "POST", "/api/v1/outreach", "member@a.test", with(outreachBody, "type", "dinner"), "type"},
		{"bad outcome", "POST", "/api/v1/outreach", "member@a.test", with(outreachBody, "outcome", "great"), "outcome"},
		{"unknown contact", "PUT", putOutreach, "member@a.test", with(outreachBody, "contact_ids", []int64{999999}), "contact_ids"},
		{"unknown instrument", "PUT", putOutreach, "member@a.test", with(outreachBody, "instruments", []string{"XYZ"}), "instruments"},
		{"unknown country", "PUT", putOutreach, "member@a.test", with(outreachBody, "country", "QQQ"), "country"},
		{"future date", "PUT", putOutreach, "member@a.test", with(outreachBody, "date", cxDay(e, 10)), "date"},
		{"empty summary", "PUT", putOutreach, "member@a.test", with(outreachBody, "summary", ""), "summary"},
		{"bad visibility", "PUT", putOutreach, "member@a.test", with(outreachBody, "visibility", "secret"), "visibility"},

		{"unknown assignee", "POST", "/api/v1/followups", "coordinator@a.test", with(followupBody, "assignee_id", 999999), "assignee_id"},
		{"unknown outreach", "POST", "/api/v1/followups", "member@a.test", with(followupBody, "outreach_id", 999999), "outreach_id"},
		{"unknown contact", "POST", "/api/v1/followups", "member@a.test", with(followupBody, "contact_id", 999999), "contact_id"},
		{"unknown country", "POST", "/api/v1/followups", "member@a.test", with(followupBody, "country", "XXX"), "country"},
		{"no due date", "POST", "/api/v1/followups", "member@a.test", with(followupBody, "due_date", nil), "due_date"},
		{"bad due date", "POST", "/api/v1/followups", "member@a.test", with(followupBody, "due_date", "soon"), "due_date"},
		{"bad priority", "POST", "/api/v1/followups", "member@a.test", with(followupBody, "priority", "urgent"), "priority"},
		{"no title", "POST", "/api/v1/followups", "member@a.test", with(followupBody, "title", ""), "title"},
		{"unknown assignee", "PUT", putFollowup, "coordinator@a.test", with(followupBody, "assignee_id", 999999), "assignee_id"},
		{"unknown outreach", "PUT", putFollowup, "member@a.test", with(followupBody, "outreach_id", 999999), "outreach_id"},
		{"bad status", "POST", putFollowup + "/close", "member@a.test", map[string]any{"status": "maybe"}, "status"},
		{"long outcome", "POST", putFollowup + "/close", "member@a.test", map[string]any{"outcome": strings.Repeat("o", 2001)}, "outcome"},

		{"bad tag", "POST", "/api/v1/contacts/tags", "member@a.test", map[string]any{"ids": []int64{c}, "tag": "#!"}, "tag"},
		{"no contacts", "POST", "/api/v1/contacts/tags", "member@a.test", map[string]any{"ids": []int64{}, "tag": "ilo"}, "ids"},
		{"same contact twice", "POST", "/api/v1/contacts/merge", "coordinator@a.test", map[string]any{"keep_id": c, "drop_id": c}, "drop_id"},
	} {
		check(b.what, b.method, b.path, b.as, b.body, 400, "invalid", b.field)
	}

	// Bad list parameters are a 400 naming the parameter.
	for _, q := range []struct{ path, field string }{
		{"/api/v1/contacts?kind=king", "kind"},
		{"/api/v1/contacts?stance=hostile", "stance"},
		{"/api/v1/contacts?institution_kind=club", "institution_kind"},
		{"/api/v1/contacts?language=french", "language"},
		{"/api/v1/contacts?tag=%23%21", "tag"},
		{"/api/v1/contacts?sort=password_hash", "sort"},
		{"/api/v1/contacts?dir=sideways", "dir"},
		{"/api/v1/contacts?do_not_contact=maybe", "do_not_contact"},
		{"/api/v1/contacts?institution_id=x", "institution_id"},
		{"/api/v1/contacts?per_page=0", "per_page"},
		{"/api/v1/contacts?page=-2", "page"},
		{"/api/v1/contacts.csv?kind=king", "kind"},
		{"/api/v1/outreach?type=dinner", "type"},
		{"/api/v1/outreach?visibility=public", "visibility"},
		{"/api/v1/outreach?contact_id=x", "contact_id"},
		{"/api/v1/outreach?from=yesterday", "from"},
		{"/api/v1/outreach.csv?outcome=great", "outcome"},
		{"/api/v1/followups?status=late", "status"},
		{"/api/v1/followups?assignee=someone", "assignee"},
		{"/api/v1/institutions?kind=club", "kind"},
	} {
		check("bad parameter", "GET", q.path, "member@a.test", nil, 400, "invalid", q.field)
	}
}

// cxDuplicatesAndSearch: creating a look-alike answers the
// possible duplicates; search folds accents and finds emails, posts and
// institutions.
func cxDuplicatesAndSearch(t *testing.T, e *env) {
	first := cxContact(t, e, "member@a.test", "Jean", "Côté", "CAN", map[string]any{
		"emails": []map[string]string{{"email": "Jean.Cote@Example.org", "label": "work"}}})

	type dup struct {
		ID       int64  `json:"id"`
		FullName string `json:"full_name"`
		Reason   string `json:"reason"`
	}
	type created struct {
		Contact struct {
			ID     int64 `json:"id"`
			Emails []struct {
				Email string `json:"email"`
			} `json:"emails"`
		} `json:"contact"`
		Dups []dup `json:"possible_duplicates"`
	}
	post := func(body map[string]any) created {
		t.Helper()
		res := e.do("POST", "/api/v1/contacts", e.token("member@b.test"), body)
		if res.Status != 201 {
			t.Fatalf("create: %d %s", res.Status, res.Body)
		}
		var out created
		res.decode(t, &out)
		return out
	}
	// Same address in another letter case, another name.
	byEmail := post(map[string]any{"first_name": "J.", "last_name": "Cote-Tremblay", "kind": "government_official", "country": "CAN",
		"emails": []map[string]string{{"email": "JEAN.COTE@EXAMPLE.ORG"}}})
	if len(byEmail.Contact.Emails) != 1 || byEmail.Contact.Emails[0].Email != "jean.cote@example.org" {
		t.Errorf("the address is not stored lower-cased: %+v", byEmail.Contact.Emails)
	}
	if !slices.Contains(byEmail.Dups, dup{ID: first, FullName: "Jean Côté", Reason: "same email address"}) {
		t.Errorf("same email in another case: possible duplicates %+v, want #%d", byEmail.Dups, first)
	}
	// Same name (accents and case aside) and country, no address.
	byName := post(map[string]any{"first_name": "JEAN", "last_name": "Cote", "kind": "parliamentarian", "country": "can"})
	if len(byName.Dups) != 1 || byName.Dups[0].ID != first || byName.Dups[0].Reason != "same name and country" {
		t.Errorf("same name and country: possible duplicates %+v, want #%d", byName.Dups, first)
	}
	// Same name in another country is someone else.
	if other := post(map[string]any{"first_name": "Jean", "last_name": "Côté", "kind": "parliamentarian", "country": "FRA"}); len(other.Dups) != 0 {
		t.Errorf("same name, other country: possible duplicates %+v", other.Dups)
	}
	var dl struct {
		Items []struct {
			ID     int64  `json:"id"`
			Reason string `json:"reason"`
		} `json:"items"`
	}
	res := e.do("GET", fmt.Sprintf("/api/v1/contacts/%d/duplicates", first), e.token("viewer@a.test"), nil)
	cxWant(t, "duplicates", res, 200, "", "")
	res.decode(t, &dl)
	var dupIDs []int64
	for _, d := range dl.Items {
		dupIDs = append(dupIDs, d.ID)
	}
	slices.Sort(dupIDs)
	if want := []int64{byEmail.Contact.ID, byName.Contact.ID}; !slices.Equal(dupIDs, want) {
		t.Errorf("duplicates of #%d: %v, want %v", first, dupIDs, want)
	}

	search := func(q string) []int64 {
		t.Helper()
		ids := cxGetList(t, e, "viewer@b.test", "/api/v1/contacts?q="+q).ids()
		slices.Sort(ids)
		return ids
	}
	for _, q := range []string{"cote", "COTE", "C%C3%B4t%C3%A9", "jean+cote", "jean.cote%40example"} {
		if got := search(q); !slices.Contains(got, first) {
			t.Errorf("search %q: %v, want #%d among them", q, got, first)
		}
	}
	if got := search("jean.cote%40example.org"); !slices.Equal(got, []int64{first, byEmail.Contact.ID}) {
		t.Errorf("search by address: %v", got)
	}
	if got := search("nobody-at-all"); len(got) != 0 {
		t.Errorf("search for nobody: %v", got)
	}
	// Posts and institutions become searchable once added.
	inst := cxInstitution(t, e, "member@a.test", "CAN", "parliamentary_committee", "Comité permanent des Affaires étrangères")
	if got := search("affaires"); len(got) != 0 {
		t.Errorf("search by institution before the post: %v", got)
	}
	cxID(t, e, "member@a.test", fmt.Sprintf("/api/v1/contacts/%d/positions", first), map[string]any{
		"institution_id": inst, "title": "Vice-présidente", "start_date": "2022-01-10"})
	if got := search("affaires+etrangeres"); !slices.Equal(got, []int64{first}) {
		t.Errorf("search by institution: %v, want [%d]", got, first)
	}
	if got := search("vice-presidente"); !slices.Equal(got, []int64{first}) {
		t.Errorf("search by post: %v, want [%d]", got, first)
	}
	if got := cxGetList(t, e, "viewer@a.test", fmt.Sprintf("/api/v1/contacts?institution_id=%d", inst)).ids(); !slices.Equal(got, []int64{first}) {
		t.Errorf("institution_id filter: %v", got)
	}
	// LIKE wildcards in the query are literal.
	if got := search("%25"); len(got) != 0 {
		t.Errorf("search %%: %v", got)
	}
	if got := search("_"); len(got) != 0 {
		t.Errorf("search _: %v", got)
	}
}

// TestContactsAPIFiltersSortPaging checks each list filter against known data,
// the sort orders, paging and the per_page cap.
func TestContactsAPIFiltersSortPaging(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := cxEnv(t, st)
		parl := cxInstitution(t, e, "member@a.test", "CHE", "parliament", "Conseil national")
		mini := cxInstitution(t, e, "member@a.test", "SEN", "ministry", "Ministère du Travail")
		green := cxContact(t, e, "member@a.test", "Anna", "Zimmermann", "CHE", map[string]any{"party": "Greens", "tags": []string{"ILO"},
			"stance": "supportive", "preferred_language": "fr", "languages": []string{"de"}})
		minister := cxContact(t, e, "member@a.test", "Moussa", "Diallo", "SEN", map[string]any{"kind": "minister", "party": "PS",
			"tags": []string{"priority"}, "stance": "opposed", "preferred_language": "en", "do_not_contact": true, "do_not_contact_reason": "asked"})
		diplomat := cxContact(t, e, "member@b.test", "Ligaya", "Bautista", "PHL", map[string]any{"kind": "diplomat", "stance": "undecided",
			"languages": []string{"es", "en"}})
		nowhere := cxContact(t, e, "member@b.test", "Alex", "Abbott", "", map[string]any{"kind": "other"})
		cxID(t, e, "member@a.test", fmt.Sprintf("/api/v1/contacts/%d/positions", green), map[string]any{"institution_id": parl, "title": "Member"})
		cxID(t, e, "member@a.test", fmt.Sprintf("/api/v1/contacts/%d/positions", minister), map[string]any{"institution_id": mini, "title": "Minister"})
		all := []int64{green, minister, diplomat, nowhere}

		for _, c := range []struct {
			query string
			want  []int64
		}{
			{"", all},
			{"country=CHE", []int64{green}},
			{"country=sen", []int64{minister}},
			{"region=Africa", []int64{minister}},
			{"region=south-eastern+asia", []int64{diplomat}},
			{"region=Europe", []int64{green}},
			{"kind=minister", []int64{minister}},
			{"kind=parliamentarian", []int64{green}},
			{"institution_kind=ministry", []int64{minister}},
			{"institution_kind=parliament", []int64{green}},
			{"institution_kind=embassy", nil},
			{"party=greens", []int64{green}},
			{"party=PS", []int64{minister}},
			{"tag=ilo", []int64{green}},
			{"tag=Priority", []int64{minister}},
			{"stance=opposed", []int64{minister}},
			{"stance=unknown", []int64{nowhere}},
			{"language=de", []int64{green}},
			{"language=fr", []int64{green}},
			{"language=en", []int64{minister, diplomat}},
			{"language=es", []int64{diplomat}},
			{"do_not_contact=true", []int64{minister}},
			{"do_not_contact=false", []int64{green, diplomat, nowhere}},
			{"country=CHE&stance=opposed", nil},
			{"language=en&kind=diplomat", []int64{diplomat}},
		} {
			l := cxGetList(t, e, "viewer@b.test", "/api/v1/contacts?"+c.query)
			got := l.ids()
			slices.Sort(got)
			want := slices.Clone(c.want)
			slices.Sort(want)
			if !slices.Equal(got, want) || l.Total != int64(len(want)) {
				t.Errorf("?%s: %v (total %d), want %v", c.query, got, l.Total, want)
			}
		}

		// Sort by name is by last name then first name; dir=desc reverses it.
		byName := []int64{nowhere, diplomat, minister, green} // Abbott, Bautista, Diallo, Zimmermann
		if got := cxGetList(t, e, "viewer@a.test", "/api/v1/contacts?sort=name").ids(); !slices.Equal(got, byName) {
			t.Errorf("sort=name: %v, want %v", got, byName)
		}
		if got := cxGetList(t, e, "viewer@a.test", "/api/v1/contacts?sort=name&dir=desc").ids(); !slices.Equal(got, []int64{green, minister, diplomat, nowhere}) {
			t.Errorf("sort=name&dir=desc: %v", got)
		}
		got := cxGetList(t, e, "viewer@a.test", "/api/v1/contacts?sort=country").ids()
		if !slices.Equal(got[len(got)-3:], []int64{green, diplomat, minister}) && !slices.Equal(got[:3], []int64{green, diplomat, minister}) {
			t.Errorf("sort=country: %v, want CHE, PHL, SEN in order", got)
		}
		cxWant(t, "update one", e.do("PUT", fmt.Sprintf("/api/v1/contacts/%d", diplomat), e.token("member@a.test"),
			map[string]any{"first_name": "Ligaya", "last_name": "Bautista", "kind": "diplomat", "country": "PHL", "stance": "supportive"}), 200, "", "")
		if got := cxGetList(t, e, "viewer@a.test", "/api/v1/contacts?sort=updated&dir=desc").ids(); got[0] != diplomat {
			t.Errorf("sort=updated&dir=desc: %v, want #%d first", got, diplomat)
		}

		// Paging.
		l := cxGetList(t, e, "viewer@a.test", "/api/v1/contacts?sort=name&per_page=3&page=2")
		if !slices.Equal(l.ids(), []int64{green}) || l.Total != 4 || l.Page != 2 || l.PerPage != 3 {
			t.Errorf("page 2 of 3: %+v", l)
		}
		if l := cxGetList(t, e, "viewer@a.test", "/api/v1/contacts?per_page=3&page=9"); len(l.Items) != 0 || l.Total != 4 {
			t.Errorf("a page past the end: %+v", l)
		}
		if l := cxGetList(t, e, "viewer@a.test", "/api/v1/contacts?per_page=5000"); l.PerPage != 200 {
			t.Errorf("per_page=5000 answered per_page %d, want the cap 200", l.PerPage)
		}
		if l := cxGetList(t, e, "viewer@a.test", "/api/v1/contacts"); l.PerPage != 50 || l.Page != 1 {
			t.Errorf("default paging: page %d per_page %d", l.Page, l.PerPage)
		}
		// Past the cap, the rows really are capped.
		now := e.clock.Now().UTC()
		many := make([]model.Contact, 205)
		for i := range many {
			last := fmt.Sprintf("Bulk%03d", i)
			many[i] = model.Contact{FirstName: "Row", LastName: last, Kind: model.ContactOther, Stance: model.StanceUnknown,
				OwnerOrganisationID: e.orgA.ID, SortName: strings.ToLower(last + " row"), SearchText: strings.ToLower("row " + last),
				CreatedAt: now, UpdatedAt: now}
		}
		if err := e.st.CreateContacts(context.Background(), many); err != nil {
			t.Fatal(err)
		}
		if l := cxGetList(t, e, "viewer@a.test", "/api/v1/contacts?per_page=500&sort=name"); len(l.Items) != 200 || l.PerPage != 200 || l.Total != 209 {
			t.Errorf("per_page=500: %d items, per_page %d, total %d; want 200, 200, 209", len(l.Items), l.PerPage, l.Total)
		}
		if l := cxGetList(t, e, "viewer@a.test", "/api/v1/contacts?per_page=200&page=2&sort=name"); len(l.Items) != 9 {
			t.Errorf("the second page of 200 has %d items, want 9", len(l.Items))
		}
	})
}

// cxBulkTag tags many contacts at once, skipping unknown ids and
// contacts that have the tag already.
func cxBulkTag(t *testing.T, e *env) {
	audits := len(cxAudit(t, e, "contact.tag"))
	a := cxContact(t, e, "member@a.test", "Ana", "Lima", "BRA", map[string]any{"tags": []string{"shortlist"}})
	b := cxContact(t, e, "member@a.test", "Bruno", "Costa", "BRA", nil)
	c := cxContact(t, e, "member@a.test", "Carla", "Souza", "BRA", nil)
	gone := cxContact(t, e, "member@a.test", "Gone", "Person", "BRA", nil)
	cxWant(t, "delete", e.do("DELETE", fmt.Sprintf("/api/v1/contacts/%d", gone), e.token("member@a.test"), nil), 204, "", "")
	tag := func(ids []int64, tag string) int64 {
		t.Helper()
		res := e.do("POST", "/api/v1/contacts/tags", e.token("member@b.test"), map[string]any{"ids": ids, "tag": tag})
		cxWant(t, "bulk tag", res, 200, "", "")
		var out struct {
			Tagged int64 `json:"tagged"`
		}
		res.decode(t, &out)
		return out.Tagged
	}
	if n := tag([]int64{a, b, gone, 999999}, "  ShortList "); n != 1 {
		t.Errorf("tagged %d, want 1 (a has it, the others are deleted or unknown)", n)
	}
	if got := cxGetList(t, e, "viewer@a.test", "/api/v1/contacts?tag=shortlist&sort=name").ids(); !slices.Equal(got, []int64{b, a}) {
		t.Errorf("tag=shortlist: %v, want [%d %d]", got, b, a)
	}
	if n := tag([]int64{a, b, c}, "shortlist"); n != 1 {
		t.Errorf("tagged %d again, want 1", n)
	}
	if n := cxCount(t, e, fmt.Sprintf("SELECT count(*) FROM contact_tags WHERE contact_id = %d", gone)); n != 0 {
		t.Errorf("a deleted contact was tagged")
	}
	if got := cxAuditAfter(t, e, "contact.tag", audits); len(got) != 2 || !strings.Contains(got[0], `tagged 1 contact(s) "shortlist"`) {
		t.Errorf("audit of bulk tags: %q", got)
	}
}

// cxDeleteKeepsOutreach: deleting a contact who appears in
// outreach needs confirmation; the outreach keeps them, shown as removed.
func cxDeleteKeepsOutreach(t *testing.T, e *env) {
	audits := len(cxAudit(t, e, "contact.delete"))
	c := cxContact(t, e, "member@a.test", "Kofi", "Mensah", "GHA", nil)
	other := cxContact(t, e, "member@a.test", "Ama", "Owusu", "GHA", nil)
	o := cxOutreach(t, e, "member@a.test", "Briefing on C143", "coalition", "GHA", c, other)
	before := cxState(t, e)
	cxWant(t, "delete without confirm", e.do("DELETE", fmt.Sprintf("/api/v1/contacts/%d", c), e.token("member@b.test"), nil), 409, "conflict", "")
	cxWant(t, "delete with confirm=false", e.do("DELETE", fmt.Sprintf("/api/v1/contacts/%d?confirm=false", c), e.token("member@b.test"), nil), 409, "conflict", "")
	cxUnchanged(t, e, before, "an unconfirmed delete")
	cxWant(t, "viewer deletes", e.do("DELETE", fmt.Sprintf("/api/v1/contacts/%d?confirm=true", c), e.token("viewer@a.test"), nil), 403, "forbidden", "")
	cxWant(t, "delete with confirm", e.do("DELETE", fmt.Sprintf("/api/v1/contacts/%d?confirm=true", c), e.token("member@b.test"), nil), 204, "", "")
	cxWant(t, "get the deleted contact", e.do("GET", fmt.Sprintf("/api/v1/contacts/%d", c), e.token("member@a.test"), nil), 404, "not_found", "")
	cxWant(t, "delete it again", e.do("DELETE", fmt.Sprintf("/api/v1/contacts/%d?confirm=true", c), e.token("member@a.test"), nil), 404, "not_found", "")
	if got := cxGetList(t, e, "member@a.test", "/api/v1/contacts?country=GHA").ids(); !slices.Equal(got, []int64{other}) {
		t.Errorf("contacts after the delete: %v", got)
	}
	res := e.do("GET", fmt.Sprintf("/api/v1/outreach/%d", o), e.token("member@a.test"), nil)
	cxWant(t, "the outreach", res, 200, "", "")
	var out struct {
		ContactIDs []int64 `json:"contact_ids"`
	}
	res.decode(t, &out)
	slices.Sort(out.ContactIDs)
	if !slices.Equal(out.ContactIDs, []int64{c, other}) {
		t.Errorf("the outreach names %v, want both %d and %d", out.ContactIDs, c, other)
	}
	if l := cxGetList(t, e, "member@a.test", fmt.Sprintf("/api/v1/outreach?contact_id=%d", c)); l.Total != 1 {
		t.Errorf("outreach of the deleted contact: total %d, want 1", l.Total)
	}
	rows := cxCSV(t, e.do("GET", "/api/v1/outreach.csv?country=GHA", e.token("member@a.test"), nil))
	if len(rows) != 2 || rows[1][5] != "(removed contact); Ama Owusu" && rows[1][5] != "Ama Owusu; (removed contact)" {
		t.Errorf("the export shows the contacts as %q", rows[1:])
	}
	if got := cxAuditAfter(t, e, "contact.delete", audits); len(got) != 1 || !strings.Contains(got[0], "Kofi Mensah") {
		t.Errorf("audit of the delete: %q", got)
	}
}

// cxMerge: a merge moves posts, outreach links and follow-ups to
// the contact kept and keeps the union of addresses and tags.
func cxMerge(t *testing.T, e *env) {
	audits := len(cxAudit(t, e, "contact.merge"))
	inst := cxInstitution(t, e, "member@a.test", "KEN", "parliament", "National Assembly")
	keep := cxContact(t, e, "member@a.test", "Wanjiru", "Kamau", "KEN", map[string]any{
		"emails": []map[string]string{{"email": "wk@parliament.example"}, {"email": "shared@example.org"}}, "tags": []string{"ilo"},
		"phones": []map[string]string{{"number": "+254 700 000 000"}}})
	drop := cxContact(t, e, "member@a.test", "W.", "Kamau", "KEN", map[string]any{
		"emails": []map[string]string{{"email": "shared@example.org"}, {"email": "wanjiru@home.example", "label": "home"}},
		"phones": []map[string]string{{"number": "+254 700 000 000"}, {"number": "+254 20 123 4567", "label": "office"}},
		"tags":   []string{"ILO", "priority"}, "do_not_contact": true})
	posKeep := cxID(t, e, "member@a.test", fmt.Sprintf("/api/v1/contacts/%d/positions", keep), map[string]any{"institution_id": inst, "title": "MP"})
	posDrop := cxID(t, e, "member@a.test", fmt.Sprintf("/api/v1/contacts/%d/positions", drop), map[string]any{"institution_id": inst, "title": "Committee chair"})
	oDrop := cxOutreach(t, e, "member@a.test", "Only the dropped record", "coalition", "KEN", drop)
	oBoth := cxOutreach(t, e, "member@a.test", "Both records", "coalition", "KEN", keep, drop)
	oPriv := cxOutreach(t, e, "member@b.test", "B's private note", "organisation", "KEN", drop)
	fDrop := cxFollowup(t, e, "member@a.test", map[string]any{"title": "Send the brief", "contact_id": drop})

	res := e.do("POST", "/api/v1/contacts/merge", e.token("coordinator@a.test"), map[string]any{"keep_id": keep, "drop_id": drop})
	cxWant(t, "merge", res, 200, "", "")
	var kept struct {
		ID     int64 `json:"id"`
		Emails []struct {
			Email string `json:"email"`
			Label string `json:"label"`
		} `json:"emails"`
		Phones []struct {
			Number string `json:"number"`
			Label  string `json:"label"`
		} `json:"phones"`
		Tags         []string `json:"tags"`
		DoNotContact bool     `json:"do_not_contact"`
		Positions    []struct {
			ID int64 `json:"id"`
		} `json:"positions"`
	}
	res.decode(t, &kept)
	var emails []string
	for _, em := range kept.Emails {
		emails = append(emails, em.Email)
	}
	if want := []string{"wk@parliament.example", "shared@example.org", "wanjiru@home.example"}; !slices.Equal(emails, want) {
		t.Errorf("kept addresses %v, want %v", emails, want)
	}
	if len(kept.Phones) != 2 || kept.Phones[0].Number != "+254 700 000 000" || kept.Phones[1].Number != "+254 20 123 4567" || kept.Phones[1].Label != "office" {
		t.Errorf("kept numbers %+v, want both, the kept one's first", kept.Phones)
	}
	// The order holds when read again: the primary address is still the kept one's.
	for i := 0; i < 3; i++ {
		var again struct {
			Emails []struct {
				Email string `json:"email"`
			} `json:"emails"`
		}
		e.do("GET", fmt.Sprintf("/api/v1/contacts/%d", keep), e.token("viewer@a.test"), nil).decode(t, &again)
		if len(again.Emails) != 3 || again.Emails[0].Email != "wk@parliament.example" || again.Emails[2].Email != "wanjiru@home.example" {
			t.Errorf("addresses read again: %+v", again.Emails)
		}
	}
	slices.Sort(kept.Tags)
	if !slices.Equal(kept.Tags, []string{"ilo", "priority"}) {
		t.Errorf("kept tags %v", kept.Tags)
	}
	if !kept.DoNotContact {
		t.Errorf("do-not-contact of the dropped record was lost")
	}
	var posIDs []int64
	for _, p := range kept.Positions {
		posIDs = append(posIDs, p.ID)
	}
	slices.Sort(posIDs)
	if !slices.Equal(posIDs, []int64{posKeep, posDrop}) {
		t.Errorf("kept positions %v, want %d and %d", posIDs, posKeep, posDrop)
	}
	for _, o := range []int64{oDrop, oBoth} {
		r := e.do("GET", fmt.Sprintf("/api/v1/outreach/%d", o), e.token("member@a.test"), nil)
		var out struct {
			ContactIDs []int64 `json:"contact_ids"`
		}
		r.decode(t, &out)
		if !slices.Equal(out.ContactIDs, []int64{keep}) {
			t.Errorf("outreach %d names %v after the merge, want [%d]", o, out.ContactIDs, keep)
		}
	}
	// The private outreach of B moved too, and stays private to B.
	if n := cxCount(t, e, fmt.Sprintf("SELECT count(*) FROM outreach_contacts WHERE outreach_id = %d AND contact_id = %d", oPriv, keep)); n != 1 {
		t.Errorf("B's private outreach was not moved to the kept contact")
	}
	if l := cxGetList(t, e, "coordinator@a.test", fmt.Sprintf("/api/v1/outreach?contact_id=%d", keep)); l.Total != 2 {
		t.Errorf("A sees %d outreach records of the kept contact, want 2", l.Total)
	}
	r := e.do("GET", fmt.Sprintf("/api/v1/followups/%d", fDrop), e.token("member@a.test"), nil)
	var fu struct {
		ContactID *int64 `json:"contact_id"`
	}
	r.decode(t, &fu)
	if fu.ContactID == nil || *fu.ContactID != keep {
		t.Errorf("the follow-up points at %v after the merge, want %d", fu.ContactID, keep)
	}
	cxWant(t, "the dropped contact", e.do("GET", fmt.Sprintf("/api/v1/contacts/%d", drop), e.token("member@a.test"), nil), 404, "not_found", "")
	cxWant(t, "merge it again", e.do("POST", "/api/v1/contacts/merge", e.token("coordinator@a.test"),
		map[string]any{"keep_id": keep, "drop_id": drop}), 404, "not_found", "")
	if got := cxAuditAfter(t, e, "contact.merge", audits); len(got) != 1 || !strings.Contains(got[0], fmt.Sprintf("#%d", drop)) {
		t.Errorf("audit of the merge: %q", got)
	}
}

// cxErase: erasure empties the personal fields, removes
// addresses, numbers and posts, suppresses the addresses, keeps the outreach,
// and audits without the erased data.
func cxErase(t *testing.T, e *env) {
	audits := len(cxAudit(t, e, "contact.erase"))
	suppressed := cxCount(t, e, "SELECT count(*) FROM suppressions")
	inst := cxInstitution(t, e, "member@a.test", "NPL", "ministry", "Ministry of Labour")
	c := cxContact(t, e, "member@a.test", "Sita", "Gurung", "NPL", map[string]any{"honorific": "Hon.", "party": "Nepali Congress",
		"emails": []map[string]string{{"email": "Sita.Gurung@Example.org"}, {"email": "sita@home.example"}},
		"phones": []map[string]string{{"number": "+977 1 4211 111"}}, "tags": []string{"ilo"}, "stance": "supportive",
		"stance_evidence": "Spoke at the launch", "preferred_language": "ne", "data_source": "Parliament website", "lawful_basis": "legitimate interest"})
	cxID(t, e, "member@a.test", fmt.Sprintf("/api/v1/contacts/%d/positions", c), map[string]any{"institution_id": inst, "title": "Minister"})
	o := cxOutreach(t, e, "member@a.test", "Meeting with the minister", "coalition", "NPL", c)
	db, err := e.st.SQLDB()
	if err != nil {
		t.Fatal(err)
	}

	cxWant(t, "member erases", e.do("POST", fmt.Sprintf("/api/v1/contacts/%d/erase", c), e.token("member@a.test"), nil), 403, "forbidden", "")
	cxWant(t, "erase", e.do("POST", fmt.Sprintf("/api/v1/contacts/%d/erase", c), e.token("coordinator@b.test"), nil), 204, "", "")

	var first, last, hon, party, evidence, lang, source, basis string
	var erased any
	if err := db.QueryRow(fmt.Sprintf(`SELECT first_name, last_name, honorific, party, stance_evidence, preferred_language,
		data_source, lawful_basis, erased_at FROM contacts WHERE id = %d`, c)).Scan(&first, &last, &hon, &party, &evidence, &lang, &source, &basis, &erased); err != nil {
		t.Fatal(err)
	}
	if first+last+hon+party+evidence+lang+source+basis != "" || erased == nil {
		t.Errorf("after erasure the row holds %q %q %q %q %q %q %q %q erased=%v", first, last, hon, party, evidence, lang, source, basis, erased)
	}
	for _, tb := range []string{"contact_emails", "contact_phones", "contact_tags", "positions"} {
		if n := cxCount(t, e, fmt.Sprintf("SELECT count(*) FROM %s WHERE contact_id = %d", tb, c)); n != 0 {
			t.Errorf("%d rows left in %s", n, tb)
		}
	}
	if n := cxCount(t, e, "SELECT count(*) FROM suppressions WHERE lower(email) IN ('sita.gurung@example.org', 'sita@home.example') AND reason = 'erasure'"); n != 2 {
		t.Errorf("%d of the 2 addresses are suppressed", n)
	}
	if n := cxCount(t, e, fmt.Sprintf("SELECT count(*) FROM outreach_contacts WHERE outreach_id = %d AND contact_id = %d", o, c)); n != 1 {
		t.Errorf("the outreach lost the erased contact's link")
	}
	res := e.do("GET", fmt.Sprintf("/api/v1/outreach/%d", o), e.token("member@a.test"), nil)
	cxWant(t, "the outreach after erasure", res, 200, "", "")
	if strings.Contains(res.Body, "Gurung") {
		t.Errorf("the outreach still shows the erased name: %s", res.Body)
	}
	rows := cxCSV(t, e.do("GET", "/api/v1/outreach.csv?country=NPL", e.token("member@a.test"), nil))
	if len(rows) != 2 || rows[1][5] != "(removed contact)" {
		t.Errorf("the outreach export shows %q", rows[1:])
	}
	got := cxAuditAfter(t, e, "contact.erase", audits)
	if len(got) != 1 {
		t.Fatalf("audit rows contact.erase: %q", got)
	}
	for _, secret := range []string{"Sita", "Gurung", "sita", "example.org", "Nepali"} {
		if strings.Contains(got[0], secret) {
			t.Errorf("the erasure audit %q holds %q", got[0], secret)
		}
	}
	cxWant(t, "get the erased contact", e.do("GET", fmt.Sprintf("/api/v1/contacts/%d", c), e.token("member@a.test"), nil), 404, "not_found", "")
	cxWant(t, "erase again", e.do("POST", fmt.Sprintf("/api/v1/contacts/%d/erase", c), e.token("admin@a.test"), nil), 404, "not_found", "")
	if l := cxGetList(t, e, "member@a.test", "/api/v1/contacts?q=gurung"); l.Total != 0 {
		t.Errorf("search still finds the erased contact")
	}
	// A deleted contact can still be erased.
	d := cxContact(t, e, "member@a.test", "Deleted", "Then Erased", "NPL", map[string]any{"emails": []map[string]string{{"email": "sita@home.example"}}})
	cxWant(t, "delete", e.do("DELETE", fmt.Sprintf("/api/v1/contacts/%d", d), e.token("member@a.test"), nil), 204, "", "")
	cxWant(t, "erase the deleted", e.do("POST", fmt.Sprintf("/api/v1/contacts/%d/erase", d), e.token("admin@a.test"), nil), 204, "", "")
	if n := cxCount(t, e, "SELECT count(*) FROM suppressions"); n != suppressed+2 {
		t.Errorf("suppressions %d, want 2 (an address suppressed twice is kept once)", n)
	}
}

// cxSubjectExport: the JSON export holds the contact's fields,
// posts, the outreach the requester may see and the follow-ups.
func cxSubjectExport(t *testing.T, e *env) {
	audits := len(cxAudit(t, e, "contact.export"))
	inst := cxInstitution(t, e, "member@a.test", "MEX", "permanent_mission", "Permanent Mission of Mexico in Geneva")
	c := cxContact(t, e, "member@a.test", "Lucía", "Hernández", "MEX", map[string]any{"kind": "diplomat", "party": "Independent",
		"emails": []map[string]string{{"email": "lh@mission.example"}}, "phones": []map[string]string{{"number": "+41 22 000 00 00"}},
		"tags": []string{"geneva"}, "lawful_basis": "legitimate interest"})
	cxID(t, e, "member@a.test", fmt.Sprintf("/api/v1/contacts/%d/positions", c), map[string]any{"institution_id": inst,
		"title": "Counsellor", "start_date": "2021-09-01", "end_date": "2024-08-31"})
	o1 := cxOutreach(t, e, "member@a.test", "Coalition meeting with the mission", "coalition", "MEX", c)
	o2 := cxOutreach(t, e, "member@a.test", "A's private note", "organisation", "MEX", c)
	fu := cxFollowup(t, e, "member@a.test", map[string]any{"title": "Send the ratification kit", "contact_id": c})

	res := e.do("GET", fmt.Sprintf("/api/v1/contacts/%d/export", c), e.token("coordinator@a.test"), nil)
	cxWant(t, "export", res, 200, "", "")
	if cd := res.Header.Get("Content-Disposition"); !strings.Contains(cd, "attachment") || !strings.Contains(cd, fmt.Sprintf("contact-%d.json", c)) {
		t.Errorf("Content-Disposition %q", cd)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	var exp struct {
		Contact struct {
			FirstName   string   `json:"first_name"`
			LastName    string   `json:"last_name"`
			Party       string   `json:"party"`
			LawfulBasis string   `json:"lawful_basis"`
			Tags        []string `json:"tags"`
			Emails      []struct {
				Email string `json:"email"`
			} `json:"emails"`
			Phones []struct {
				Number string `json:"number"`
			} `json:"phones"`
		} `json:"contact"`
		Positions []map[string]any `json:"positions"`
		Outreach  []map[string]any `json:"outreach"`
		Followups []map[string]any `json:"followups"`
		Exported  string           `json:"exported_at"`
	}
	res.decode(t, &exp)
	ct := exp.Contact
	if ct.FirstName != "Lucía" || ct.LastName != "Hernández" || ct.Party != "Independent" || ct.LawfulBasis != "legitimate interest" ||
		len(ct.Emails) != 1 || ct.Emails[0].Email != "lh@mission.example" || len(ct.Phones) != 1 || !slices.Equal(ct.Tags, []string{"geneva"}) {
		t.Errorf("exported contact: %+v", ct)
	}
	if len(exp.Positions) != 1 || exp.Positions[0]["title"] != "Counsellor" || exp.Positions[0]["institution"] != "Permanent Mission of Mexico in Geneva" {
		t.Errorf("exported positions: %v", exp.Positions)
	}
	var oids []int64
	for _, o := range exp.Outreach {
		oids = append(oids, int64(o["id"].(float64)))
	}
	slices.Sort(oids)
	if !slices.Equal(oids, []int64{o1, o2}) {
		t.Errorf("A's coordinator exports outreach %v, want %v", oids, []int64{o1, o2})
	}
	if len(exp.Followups) != 1 || int64(exp.Followups[0]["id"].(float64)) != fu || exp.Followups[0]["title"] != "Send the ratification kit" {
		t.Errorf("exported follow-ups: %v", exp.Followups)
	}
	if exp.Exported == "" {
		t.Errorf("no exported_at")
	}
	if got := cxAuditAfter(t, e, "contact.export", audits); len(got) != 1 || !strings.Contains(got[0], "Lucía Hernández") {
		t.Errorf("audit of the export: %q", got)
	}
	if len(exp.Positions) == 1 && (exp.Positions[0]["start_date"] == nil || exp.Positions[0]["end_date"] == nil) {
		t.Errorf("exported position without its dates: %v", exp.Positions[0])
	}
	// Another organisation's coordinator gets the same person without A's private note.
	res = e.do("GET", fmt.Sprintf("/api/v1/contacts/%d/export", c), e.token("coordinator@b.test"), nil)
	cxWant(t, "B's export", res, 200, "", "")
	exp.Outreach = nil
	res.decode(t, &exp)
	if len(exp.Outreach) != 1 || int64(exp.Outreach[0]["id"].(float64)) != o1 || strings.Contains(res.Body, "A's private note") {
		t.Errorf("B's coordinator exports outreach %v, want only %d", exp.Outreach, o1)
	}
}

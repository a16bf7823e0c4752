package server_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"ratify/internal/dbtest"
	"ratify/internal/service"
	"ratify/internal/store"
)

// This file proves the privacy rule of DESIGN.md through the JSON API:
// outreach private to an organisation, and the follow-ups that hang on it, are
// invisible to every user of another organisation, whatever their role — in
// lists, filters, totals, single reads, edits, exports and the calendar feed —
// and another organisation's private record answers 404, never 403.

const (
	privMark = "PRIVMARK" // in every organisation-private summary
	pubMark  = "PUBMARK"  // in every coalition summary
)

// privFixture is organisation A's outreach, with a follow-up on each record.
type privFixture struct {
	contact           int64
	public, private   []int64 // outreach ids
	publicF, privF    []int64 // follow-up ids
	bPublic, bPublicF int64   // B's own coalition record and follow-up
}

func privSetup(t *testing.T, e *env) privFixture {
	t.Helper()
	var fx privFixture
	fx.contact = cxContact(t, e, "member@a.test", "Hamid", "Rahimi", "CHE", map[string]any{"kind": "diplomat"})
	for _, role := range cxRoles {
		email := role + "@a.test"
		if role == "viewer" {
			before := cxState(t, e)
			res := e.do("POST", "/api/v1/outreach", e.token(email), map[string]any{"type": "meeting", "date": cxDay(e, -1),
				"summary": privMark + " by a viewer", "visibility": "organisation"})
			cxWant(t, "viewer logs outreach", res, 403, "forbidden", "")
			cxUnchanged(t, e, before, "a viewer's outreach")
			continue
		}
		pub := cxOutreach(t, e, email, fmt.Sprintf("%s-%s frank remarks", pubMark, role), "coalition", "CHE", fx.contact)
		priv := cxOutreach(t, e, email, fmt.Sprintf("%s-%s frank remarks", privMark, role), "organisation", "CHE", fx.contact)
		fx.public, fx.private = append(fx.public, pub), append(fx.private, priv)
		fx.publicF = append(fx.publicF, cxFollowup(t, e, email, map[string]any{"title": pubMark + " follow-up by " + role,
			"outreach_id": pub, "details": pubMark}))
		fx.privF = append(fx.privF, cxFollowup(t, e, email, map[string]any{"title": privMark + " follow-up by " + role,
			"outreach_id": priv, "details": privMark, "assignee_id": e.users["member@a.test"].ID}))
	}
	fx.bPublic = cxOutreach(t, e, "member@b.test", "B's coalition meeting", "coalition", "CHE", fx.contact)
	fx.bPublicF = cxFollowup(t, e, "member@b.test", map[string]any{"title": "B's follow-up", "outreach_id": fx.bPublic})
	return fx
}

func sortedIDs(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

// TestPrivacy runs the privacy tests over one environment per database: the
// readers first, then the calendar, then the edits that change the fixture.
func TestPrivacy(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := cxEnv(t, st)
		fx := privSetup(t, e)
		t.Run("OtherOrganisationSeesNothing", func(t *testing.T) { privOtherOrganisationSeesNothing(t, e, fx) })
		t.Run("OwnOrganisationSeesAll", func(t *testing.T) { privOwnOrganisationSeesAll(t, e, fx) })
		t.Run("FollowupsFollowTheirOutreach", func(t *testing.T) { privFollowupsFollowTheirOutreach(t, e) })
		t.Run("CalendarFeed", func(t *testing.T) { privCalendarFeed(t, e) })
		t.Run("OutreachEditRules", func(t *testing.T) { privOutreachEditRules(t, e, fx) })
	})
}

// privOtherOrganisationSeesNothing: for every role of organisation B,
// A's private outreach and its follow-ups never appear, and counts leave
// them out.
func privOtherOrganisationSeesNothing(t *testing.T, e *env, fx privFixture) {
	visible := sortedIDs(append(slices.Clone(fx.public), fx.bPublic))
	visibleF := sortedIDs(append(slices.Clone(fx.publicF), fx.bPublicF))
	ctx := context.Background()
	notFound := e.do("GET", "/api/v1/outreach/999999", e.token("admin@b.test"), nil)

	for _, role := range cxRoles {
		email := role + "@b.test"
		tok := e.token(email)
		noMark := func(what string, res response) {
			t.Helper()
			if strings.Contains(res.Body, privMark) {
				t.Errorf("%s: %s sees private text: %s", email, what, cxTrim(res.Body))
			}
		}
		// Lists, filters and totals.
		for _, q := range []string{"?per_page=200", fmt.Sprintf("?contact_id=%d", fx.contact), "?country=CHE", "?country=che",
			"?instrument=ICRMW", "?type=meeting", fmt.Sprintf("?organisation_id=%d", e.orgA.ID), "?from=2000-01-01&to=" + cxDay(e, 1)} {
			res := e.do("GET", "/api/v1/outreach"+q, tok, nil)
			noMark("outreach"+q, res)
			var l cxList
			res.decode(t, &l)
			want := visible
			if strings.Contains(q, "organisation_id") {
				want = sortedIDs(fx.public)
			}
			if got := sortedIDs(l.ids()); !slices.Equal(got, want) || l.Total != int64(len(want)) {
				t.Errorf("%s: outreach%s lists %v (total %d), want %v", email, q, got, l.Total, want)
			}
		}
		if l := cxGetList(t, e, email, "/api/v1/outreach?visibility=organisation"); l.Total != 0 {
			t.Errorf("%s: ?visibility=organisation counts %d", email, l.Total)
		}
		// One record: 404, word for word the answer for a record that never existed.
		for _, id := range fx.private {
			path := fmt.Sprintf("/api/v1/outreach/%d", id)
			res := e.do("GET", path, tok, nil)
			cxWant(t, email+" GET "+path, res, 404, "not_found", "")
			if res.Body != notFound.Body {
				t.Errorf("%s: the 404 for a private record %q differs from one for no record %q", email, res.Body, notFound.Body)
			}
			before := cxState(t, e)
			body := map[string]any{"type": "call", "date": cxDay(e, -1), "summary": "overwritten", "visibility": "coalition"}
			want, code := 404, "not_found"
			if role == "viewer" {
				want, code = 403, "forbidden" // a viewer may change nothing at all
			}
			cxWant(t, email+" PUT "+path, e.do("PUT", path, tok, body), want, code, "")
			cxWant(t, email+" DELETE "+path, e.do("DELETE", path, tok, nil), want, code, "")
			cxUnchanged(t, e, before, email+"'s edits of a private record")
		}
		// Exports.
		if role == "viewer" {
			cxWant(t, email+" outreach.csv", e.do("GET", "/api/v1/outreach.csv", tok, nil), 403, "forbidden", "")
		} else {
			res := e.do("GET", "/api/v1/outreach.csv", tok, nil)
			noMark("outreach.csv", res)
			if rows := cxCSV(t, res); len(rows) != len(visible)+1 {
				t.Errorf("%s: outreach.csv has %d records, want %d", email, len(rows)-1, len(visible))
			}
			res = e.do("GET", "/api/v1/outreach.csv?contact_id="+fmt.Sprint(fx.contact), tok, nil)
			noMark("outreach.csv?contact_id", res)
		}
		exportPath := fmt.Sprintf("/api/v1/contacts/%d/export", fx.contact)
		if role == "coordinator" || role == "admin" {
			res := e.do("GET", exportPath, tok, nil)
			cxWant(t, email+" export", res, 200, "", "")
			noMark("the subject export", res)
			var exp struct {
				Outreach  []map[string]any `json:"outreach"`
				Followups []map[string]any `json:"followups"`
			}
			res.decode(t, &exp)
			if len(exp.Outreach) != len(visible) {
				t.Errorf("%s: the subject export has %d outreach records, want %d", email, len(exp.Outreach), len(visible))
			}
		} else {
			cxWant(t, email+" export", e.do("GET", exportPath, tok, nil), 403, "forbidden", "")
		}
		// Follow-ups on private outreach.
		for _, q := range []string{"?per_page=200", "?country=CHE", "?status=open", fmt.Sprintf("?assignee=%d", e.users["member@a.test"].ID)} {
			res := e.do("GET", "/api/v1/followups"+q, tok, nil)
			noMark("followups"+q, res)
			var l cxList
			res.decode(t, &l)
			for _, id := range l.ids() {
				if slices.Contains(fx.privF, id) {
					t.Errorf("%s: followups%s lists private follow-up %d", email, q, id)
				}
			}
			if q == "?per_page=200" {
				if got := sortedIDs(l.ids()); !slices.Equal(got, visibleF) || l.Total != int64(len(visibleF)) {
					t.Errorf("%s: followups lists %v (total %d), want %v", email, got, l.Total, visibleF)
				}
			}
		}
		for i, fid := range fx.privF {
			if l := cxGetList(t, e, email, fmt.Sprintf("/api/v1/followups?outreach_id=%d", fx.private[i])); l.Total != 0 {
				t.Errorf("%s: follow-ups of private outreach counted %d", email, l.Total)
			}
			path := fmt.Sprintf("/api/v1/followups/%d", fid)
			cxWant(t, email+" GET "+path, e.do("GET", path, tok, nil), 404, "not_found", "")
			before := cxState(t, e)
			want, code := 404, "not_found"
			if role == "viewer" {
				want, code = 403, "forbidden"
			}
			cxWant(t, email+" PUT "+path, e.do("PUT", path, tok, map[string]any{"title": "taken over", "due_date": cxDay(e, 1)}), want, code, "")
			cxWant(t, email+" close "+path, e.do("POST", path+"/close", tok, map[string]any{"status": "done"}), want, code, "")
			cxUnchanged(t, e, before, email+"'s edits of a private follow-up")
		}
		// Linking a new follow-up to private outreach: the same answer as for no record.
		if role != "viewer" {
			for _, id := range []int64{fx.private[0], 999999} {
				before := cxState(t, e)
				res := e.do("POST", "/api/v1/followups", tok, map[string]any{"title": "Piggyback", "due_date": cxDay(e, 2), "outreach_id": id})
				cxWant(t, email+" follow-up on private outreach", res, 400, "invalid", "outreach_id")
				cxUnchanged(t, e, before, email+"'s follow-up on private outreach")
			}
		}
		// The calendar feed of every user of B.
		tokCal, err := e.svc.CalendarToken(ctx, service.Actor{User: e.users[email]}, false)
		if err != nil {
			t.Fatal(err)
		}
		res := e.do("GET", "/followups.ics?token="+tokCal, "", nil)
		cxWant(t, email+" calendar", res, 200, "", "")
		noMark("the calendar", res)
	}
	// Deleting a contact counts only the outreach the user may see.
	res := e.do("DELETE", fmt.Sprintf("/api/v1/contacts/%d", fx.contact), e.token("member@b.test"), nil)
	cxWant(t, "B deletes the contact", res, 409, "conflict", "")
	if want := fmt.Sprintf("appears in %d outreach", len(visible)); !strings.Contains(res.Body, want) {
		t.Errorf("B's conflict message %s, want %q", res.Body, want)
	}
	res = e.do("DELETE", fmt.Sprintf("/api/v1/contacts/%d", fx.contact), e.token("member@a.test"), nil)
	if want := fmt.Sprintf("appears in %d outreach", len(visible)+len(fx.private)); !strings.Contains(res.Body, want) {
		t.Errorf("A's conflict message %s, want %q", res.Body, want)
	}
}

// privOwnOrganisationSeesAll: every role of organisation A sees its
// private outreach and follow-ups, in lists, reads and exports.
func privOwnOrganisationSeesAll(t *testing.T, e *env, fx privFixture) {
	all := sortedIDs(append(append(slices.Clone(fx.public), fx.private...), fx.bPublic))
	for _, role := range cxRoles {
		email := role + "@a.test"
		tok := e.token(email)
		l := cxGetList(t, e, email, fmt.Sprintf("/api/v1/outreach?contact_id=%d", fx.contact))
		if got := sortedIDs(l.ids()); !slices.Equal(got, all) || l.Total != int64(len(all)) {
			t.Errorf("%s: outreach lists %v (total %d), want %v", email, got, l.Total, all)
		}
		if l := cxGetList(t, e, email, "/api/v1/outreach?visibility=organisation"); !slices.Equal(sortedIDs(l.ids()), sortedIDs(fx.private)) {
			t.Errorf("%s: ?visibility=organisation lists %v", email, l.ids())
		}
		for i, id := range fx.private {
			res := e.do("GET", fmt.Sprintf("/api/v1/outreach/%d", id), tok, nil)
			cxWant(t, email+" reads private outreach", res, 200, "", "")
			if !strings.Contains(res.Body, privMark) {
				t.Errorf("%s: private outreach without its summary: %s", email, res.Body)
			}
			cxWant(t, email+" reads its follow-up", e.do("GET", fmt.Sprintf("/api/v1/followups/%d", fx.privF[i]), tok, nil), 200, "", "")
			if l := cxGetList(t, e, email, fmt.Sprintf("/api/v1/followups?outreach_id=%d", id)); !slices.Equal(l.ids(), []int64{fx.privF[i]}) {
				t.Errorf("%s: follow-ups of private outreach %d: %v", email, id, l.ids())
			}
		}
		if role != "viewer" {
			res := e.do("GET", "/api/v1/outreach.csv", tok, nil)
			if rows := cxCSV(t, res); len(rows) != len(all)+1 || !strings.Contains(res.Body, privMark) {
				t.Errorf("%s: outreach.csv has %d records, want %d with the private ones", email, len(rows)-1, len(all))
			}
		}
		if role == "coordinator" || role == "admin" {
			res := e.do("GET", fmt.Sprintf("/api/v1/contacts/%d/export", fx.contact), tok, nil)
			var exp struct {
				Outreach []map[string]any `json:"outreach"`
			}
			res.decode(t, &exp)
			if len(exp.Outreach) != len(all) || !strings.Contains(res.Body, privMark) {
				t.Errorf("%s: the subject export has %d outreach records, want %d", email, len(exp.Outreach), len(all))
			}
		}
	}
	// A follow-up on private outreach stays in the organisation: nobody from
	// another one can be its assignee.
	before := cxState(t, e)
	cxWant(t, "assign B to a follow-up on A's private outreach", e.do("POST", "/api/v1/followups", e.token("coordinator@a.test"),
		map[string]any{"title": "Ask B", "due_date": cxDay(e, 2), "outreach_id": fx.private[0], "assignee_id": e.users["member@b.test"].ID}),
		400, "invalid", "assignee_id")
	cxWant(t, "reassign a private follow-up to B", e.do("PUT", fmt.Sprintf("/api/v1/followups/%d", fx.privF[0]), e.token("coordinator@a.test"),
		map[string]any{"title": "Ask B", "due_date": cxDay(e, 2), "outreach_id": fx.private[0], "assignee_id": e.users["admin@b.test"].ID}),
		400, "invalid", "assignee_id")
	cxUnchanged(t, e, before, "assigning another organisation's user to private work")
	// member@a.test is assigned every private follow-up: its calendar has them.
	tok, err := e.svc.CalendarToken(context.Background(), service.Actor{User: e.users["member@a.test"]}, false)
	if err != nil {
		t.Fatal(err)
	}
	res := e.do("GET", "/followups.ics?token="+tok, "", nil)
	if n := strings.Count(res.Body, "SUMMARY:"+privMark); n != len(fx.privF) {
		t.Errorf("member@a.test's calendar has %d private follow-ups, want %d", n, len(fx.privF))
	}
}

// privOutreachEditRules: members and coordinators edit and delete
// their own organisation's records; admins every record they can see; an
// organisation's private record is a 404 to other organisations' admins;
// viewers change nothing.
func privOutreachEditRules(t *testing.T, e *env, fx privFixture) {
	body := func(summary, vis string) map[string]any {
		return map[string]any{"type": "letter", "date": cxDay(e, -2), "country": "CHE", "contact_ids": []int64{fx.contact},
			"summary": summary, "visibility": vis}
	}
	put := func(who string, id int64, b map[string]any) response {
		return e.do("PUT", fmt.Sprintf("/api/v1/outreach/%d", id), e.token(who), b)
	}
	// fx.public/private are by member, coordinator and admin of A in turn.
	cxWant(t, "member of A edits the coordinator's private record", put("member@a.test", fx.private[1], body("edited by member", "organisation")), 200, "", "")
	cxWant(t, "member of A edits the admin's coalition record", put("member@a.test", fx.public[2], body("edited by member", "coalition")), 200, "", "")
	cxWant(t, "coordinator of A edits the member's private record", put("coordinator@a.test", fx.private[0], body("edited by coordinator", "organisation")), 200, "", "")
	cxWant(t, "coordinator of A edits the member's coalition record", put("coordinator@a.test", fx.public[0], body("edited by coordinator", "coalition")), 200, "", "")

	for _, who := range []string{"member@b.test", "coordinator@b.test"} {
		before := cxState(t, e)
		cxWant(t, who+" edits A's coalition record", put(who, fx.public[0], body("hijacked", "coalition")), 403, "forbidden", "")
		cxWant(t, who+" deletes A's coalition record", e.do("DELETE", fmt.Sprintf("/api/v1/outreach/%d", fx.public[0]), e.token(who), nil), 403, "forbidden", "")
		cxWant(t, who+" edits A's private record", put(who, fx.private[0], body("hijacked", "coalition")), 404, "not_found", "")
		cxUnchanged(t, e, before, who+"'s refused edits")
	}
	for _, who := range []string{"viewer@a.test", "viewer@b.test"} {
		before := cxState(t, e)
		for _, id := range []int64{fx.public[0], fx.private[0], 999999} {
			want, code := 403, "forbidden"
			cxWant(t, who+" edits", put(who, id, body("viewer edit", "coalition")), want, code, "")
			cxWant(t, who+" deletes", e.do("DELETE", fmt.Sprintf("/api/v1/outreach/%d", id), e.token(who), nil), want, code, "")
		}
		cxWant(t, who+" logs", e.do("POST", "/api/v1/outreach", e.token(who), body("viewer log", "coalition")), 403, "forbidden", "")
		cxWant(t, who+" creates a follow-up", e.do("POST", "/api/v1/followups", e.token(who), map[string]any{"title": "x", "due_date": cxDay(e, 1)}), 403, "forbidden", "")
		cxUnchanged(t, e, before, who+"'s refused writes")
	}

	// An admin of B edits A's coalition record; it stays A's.
	res := put("admin@b.test", fx.public[1], body("corrected by B's admin", "coalition"))
	cxWant(t, "admin of B edits A's coalition record", res, 200, "", "")
	var o struct {
		OrganisationID int64 `json:"organisation_id"`
		UserID         int64 `json:"user_id"`
		Summary        string
	}
	res.decode(t, &o)
	if o.OrganisationID != e.orgA.ID || o.UserID != e.users["coordinator@a.test"].ID || o.Summary != "corrected by B's admin" {
		t.Errorf("after B's admin's edit: %+v", o)
	}
	before := cxState(t, e)
	cxWant(t, "admin of B edits A's private record", put("admin@b.test", fx.private[1], body("x", "coalition")), 404, "not_found", "")
	cxWant(t, "admin of B deletes A's private record", e.do("DELETE", fmt.Sprintf("/api/v1/outreach/%d", fx.private[1]), e.token("admin@b.test"), nil), 404, "not_found", "")
	cxUnchanged(t, e, before, "B's admin's refused edits")
	cxWant(t, "admin of B deletes A's coalition record", e.do("DELETE", fmt.Sprintf("/api/v1/outreach/%d", fx.public[1]), e.token("admin@b.test"), nil), 204, "", "")
	cxWant(t, "the deleted record", e.do("GET", fmt.Sprintf("/api/v1/outreach/%d", fx.public[1]), e.token("admin@a.test"), nil), 404, "not_found", "")
	cxWant(t, "member of A deletes A's private record", e.do("DELETE", fmt.Sprintf("/api/v1/outreach/%d", fx.private[2]), e.token("member@a.test"), nil), 204, "", "")
	cxWant(t, "delete it again", e.do("DELETE", fmt.Sprintf("/api/v1/outreach/%d", fx.private[2]), e.token("member@a.test"), nil), 404, "not_found", "")
	for _, a := range []string{"outreach.update", "outreach.delete"} {
		if len(cxAudit(t, e, a)) == 0 {
			t.Errorf("no %s audit entries", a)
		}
	}
}

// privFollowupsFollowTheirOutreach: a follow-up on a coalition record
// turns invisible to other organisations when the record is made private,
// and visible again when it is shared.
func privFollowupsFollowTheirOutreach(t *testing.T, e *env) {
	c := cxContact(t, e, "member@a.test", "Late", "Secret", "CHE", nil)
	o := cxOutreach(t, e, "member@a.test", "At first shared", "coalition", "CHE", c)
	f := cxFollowup(t, e, "member@a.test", map[string]any{"title": "LATEMARK follow-up", "outreach_id": o})
	path := fmt.Sprintf("/api/v1/followups/%d", f)
	cxWant(t, "B reads the shared follow-up", e.do("GET", path, e.token("member@b.test"), nil), 200, "", "")
	set := func(vis string) {
		cxWant(t, "make it "+vis, e.do("PUT", fmt.Sprintf("/api/v1/outreach/%d", o), e.token("member@a.test"), map[string]any{
			"type": "meeting", "date": cxDay(e, -3), "country": "CHE", "contact_ids": []int64{c}, "summary": "Now " + vis, "visibility": vis}), 200, "", "")
	}
	set("organisation")
	for _, role := range cxRoles {
		email := role + "@b.test"
		cxWant(t, email+" reads the follow-up of now private outreach", e.do("GET", path, e.token(email), nil), 404, "not_found", "")
		res := e.do("GET", "/api/v1/followups?per_page=200", e.token(email), nil)
		if strings.Contains(res.Body, "LATEMARK") {
			t.Errorf("%s lists the follow-up of now private outreach", email)
		}
	}
	cxWant(t, "A still reads it", e.do("GET", path, e.token("viewer@a.test"), nil), 200, "", "")
	set("coalition")
	cxWant(t, "B reads it once shared again", e.do("GET", path, e.token("viewer@b.test"), nil), 200, "", "")
}

// privCalendarFeed: the feed lists the token owner's open follow-ups
// as escaped all-day events; unknown and old tokens are a 404.
func privCalendarFeed(t *testing.T, e *env) {
	ctx := context.Background()
	me := e.users["coordinator@b.test"]
	resets := len(cxAudit(t, e, "user.calendar_reset"))
	f1 := cxFollowup(t, e, "coordinator@b.test", map[string]any{"title": `Call the minister; bring notes, and the \ draft`,
		"details": "Line one\nLine two", "due_date": cxDay(e, 3)})
	long := strings.Repeat("Ratification de la Convention — étape suivante ", 5)
	f2 := cxFollowup(t, e, "coordinator@a.test", map[string]any{"title": long, "assignee_id": me.ID, "due_date": cxDay(e, -2)})
	done := cxFollowup(t, e, "coordinator@b.test", map[string]any{"title": "DONEMARK"})
	cxWant(t, "close", e.do("POST", fmt.Sprintf("/api/v1/followups/%d/close", done), e.token("coordinator@b.test"), map[string]any{}), 200, "", "")
	cxFollowup(t, e, "coordinator@a.test", map[string]any{"title": "OTHERMARK for someone else"})

	for _, bad := range []string{"", "?token=", "?token=short", "?token=" + strings.Repeat("A", 32), "?token=" + strings.Repeat("x", 200)} {
		cxWant(t, "calendar "+bad, e.do("GET", "/followups.ics"+bad, "", nil), 404, "", "") // an HTML error page
	}
	tok, err := e.svc.CalendarToken(ctx, service.Actor{User: me}, false)
	if err != nil {
		t.Fatal(err)
	}
	res := e.do("GET", "/followups.ics?token="+tok, "", nil)
	cxWant(t, "calendar", res, 200, "", "")
	if ct := res.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	for _, l := range strings.SplitAfter(res.Body, "\r\n") {
		if l == "" {
			continue
		}
		if !strings.HasSuffix(l, "\r\n") || len(l) > 77 || !utf8.ValidString(l) {
			t.Errorf("bad calendar line %q", l)
		}
	}
	body := strings.ReplaceAll(res.Body, "\r\n ", "") // unfold
	if n := strings.Count(body, "BEGIN:VEVENT"); n != 2 {
		t.Errorf("%d events, want 2:\n%s", n, body)
	}
	for _, want := range []string{
		"BEGIN:VCALENDAR\r\n", "END:VCALENDAR\r\n",
		fmt.Sprintf("UID:followup-%d@ratify.test\r\n", f1),
		`SUMMARY:Call the minister\; bring notes\, and the \\ draft` + "\r\n",
		`DESCRIPTION:Line one\nLine two` + "\r\n",
		"DTSTART;VALUE=DATE:" + strings.ReplaceAll(cxDay(e, 3), "-", "") + "\r\n",
		"DTEND;VALUE=DATE:" + strings.ReplaceAll(cxDay(e, 4), "-", "") + "\r\n",
		fmt.Sprintf("UID:followup-%d@ratify.test\r\n", f2),
		"SUMMARY:" + strings.TrimSpace(long) + "\r\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the feed lacks %q:\n%s", want, body)
		}
	}
	for _, not := range []string{"DONEMARK", "OTHERMARK"} {
		if strings.Contains(body, not) {
			t.Errorf("the feed holds %s", not)
		}
	}
	// A reset kills the old link at once.
	tok2, err := e.svc.CalendarToken(ctx, service.Actor{User: me}, true)
	if err != nil {
		t.Fatal(err)
	}
	if tok2 == tok {
		t.Fatalf("the reset kept the token")
	}
	cxWant(t, "the old token", e.do("GET", "/followups.ics?token="+tok, "", nil), 404, "", "")
	cxWant(t, "the new token", e.do("GET", "/followups.ics?token="+tok2, "", nil), 200, "", "")
	if got := cxAuditAfter(t, e, "user.calendar_reset", resets); len(got) != 1 {
		t.Errorf("calendar reset audited %d times", len(got))
	}
}

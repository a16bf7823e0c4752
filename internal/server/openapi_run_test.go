package server_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ratify/internal/dbtest"
	"ratify/internal/store"
)

// contractRun drives the API and notes which documented operations answered
// with a success; env.send checks each answer against the document.
type contractRun struct {
	t     *testing.T
	e     *env
	c     *apiContract
	seen  map[string]bool
	calls int64
}

// call sends a JSON request and requires the status.
func (r *contractRun) call(method, path, token string, body any, want int) response {
	r.t.Helper()
	return r.note(method, path, r.e.do(method, path, token, body), want)
}

// upload sends a multipart form with a file and requires the status.
func (r *contractRun) upload(path, token, csv string, fields map[string]string, want int) response {
	r.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			r.t.Fatal(err)
		}
	}
	fw, err := mw.CreateFormFile("file", "upload.csv")
	if err == nil {
		_, err = fw.Write([]byte(csv))
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		r.t.Fatal(err)
	}
	req, err := http.NewRequest("POST", r.e.srv.URL+path, &b)
	if err != nil {
		r.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	return r.note("POST", path, r.e.send(req), want)
}

func (r *contractRun) note(method, path string, res response, want int) response {
	r.t.Helper()
	r.calls++
	if res.Status != want {
		r.t.Fatalf("%s %s: %d, want %d: %s", method, path, res.Status, want, apiClip(res.Body))
	}
	u, err := url.Parse(path)
	if err != nil {
		r.t.Fatal(err)
	}
	if op, _ := r.c.match(method, strings.TrimPrefix(u.Path, apiPrefix)); op != nil && res.Status < 300 {
		r.seen[op.String()] = true
	}
	return res
}

// id reads the id of a created record.
func (r *contractRun) id(res response) int64 {
	r.t.Helper()
	var b struct {
		ID      int64
		Contact struct{ ID int64 }
	}
	res.decode(r.t, &b)
	if b.ID == 0 {
		b.ID = b.Contact.ID
	}
	if b.ID == 0 {
		r.t.Fatalf("no id in %s", apiClip(res.Body))
	}
	return b.ID
}

// TestOpenAPIResponses makes every documented operation succeed at least
// once, mostly as an admin over data of every kind, with common errors
// among them (400, 401, 403, 404, 405, 409, 413, 422), so every success
// schema is held to a real answer on both databases whatever the other tests
// happen to call. It uses the env with a mail outbox, so a campaign's test
// message and start succeed.
func TestOpenAPIResponses(t *testing.T) {
	c, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e, _ := mpEnv(t, st)
		r := &contractRun{t: t, e: e, c: c, seen: map[string]bool{}}
		checked := contractChecks.Load()
		admin, viewer := e.token("admin@a.test"), e.token("viewer@a.test")
		const v1 = apiPrefix

		// Signing in and out; the document itself.
		r.call("GET", v1+"/openapi.json", "", nil, 200)
		r.call("POST", v1+"/auth/login", "", map[string]string{"email": "admin@a.test", "password": "not the password"}, 401)
		r.call("POST", v1+"/auth/login", "", map[string]string{"email": "", "password": ""}, 400)
		r.call("POST", v1+"/auth/login", "", `{"email":`, 400)
		var login struct{ Token string }
		r.call("POST", v1+"/auth/login", "", map[string]string{"email": "member@a.test", "password": testPassword}, 200).decode(t, &login)
		r.call("GET", v1+"/me", login.Token, nil, 200)
		r.call("POST", v1+"/auth/logout", login.Token, nil, 204)
		r.call("GET", v1+"/me", login.Token, nil, 401)
		r.call("GET", v1+"/nowhere", admin, nil, 404)
		r.call("PATCH", v1+"/me", admin, nil, 405)
		r.call("POST", v1+"/organisations", admin, `{"name":"`+strings.Repeat("x", 65<<10)+`"}`, 413)

		// Users, organisations, the audit log.
		r.call("GET", v1+"/users?role=viewer&per_page=2", admin, nil, 200)
		r.call("GET", v1+"/users", viewer, nil, 403)
		r.call("GET", v1+"/users?page=0", admin, nil, 400)
		newUser := map[string]any{"email": "contract@a.test", "name": "Contract User", "role": "member", "organisation_id": e.orgA.ID}
		user := r.id(r.call("POST", v1+"/users", admin, newUser, 201))
		r.call("POST", v1+"/users", admin, newUser, 409)
		r.call("GET", v1+"/users/"+apiID(user), admin, nil, 200)
		r.call("PATCH", v1+"/users/"+apiID(user), admin, map[string]any{"name": "Contract User Renamed", "password": ""}, 200)
		r.call("PATCH", v1+"/users/"+apiID(user), admin, map[string]any{"nickname": "x"}, 400)
		r.call("GET", v1+"/users/999999", admin, nil, 404)
		r.call("GET", v1+"/organisations", viewer, nil, 200)
		org := r.id(r.call("POST", v1+"/organisations", admin, map[string]string{"name": "Contract Org", "short_name": "CO", "kind": "io"}, 201))
		r.call("GET", v1+"/organisations/"+apiID(org), viewer, nil, 200)
		r.call("PATCH", v1+"/organisations/"+apiID(org), admin, map[string]string{"name": "Contract Org Renamed"}, 200)
		r.call("GET", v1+"/audit?action=user.create", admin, nil, 200)
		r.call("GET", v1+"/audit?from=yesterday", admin, nil, 400)

		// Reference data: instruments, stages, countries, ratifications.
		r.call("GET", v1+"/instruments", viewer, nil, 200)
		r.call("POST", v1+"/instruments", admin, map[string]string{"code": "C181", "title": "Private Employment Agencies Convention",
			"short_title": "C181", "kind": "ilo_convention", "adopted_date": "1997-06-19"}, 201)
		r.call("GET", v1+"/stages", viewer, nil, 200)
		stage := r.id(r.call("POST", v1+"/stages", admin, map[string]string{"name": "Contract stage"}, 201))
		r.call("PATCH", v1+"/stages/"+apiID(stage), admin, map[string]any{"name": "Contract stage renamed", "position": 1}, 200)
		spare := r.id(r.call("POST", v1+"/stages", admin, map[string]string{"name": "Spare stage"}, 201))
		r.call("DELETE", v1+"/stages/"+apiID(spare), admin, nil, 204)
		r.call("DELETE", v1+"/stages/"+apiID(spare), admin, nil, 404)
		r.call("PATCH", v1+"/countries/SEN", admin, map[string]any{"priority": "high", "stage_id": stage, "focal_organisation_id": e.orgA.ID,
			"focal_user_id": e.users["coordinator@a.test"].ID, "next_step": "Meet the minister", "next_step_date": "2030-01-31"}, 200)
		r.call("PATCH", v1+"/countries/SEN", viewer, map[string]any{"priority": "low"}, 403)
		r.call("PUT", v1+"/countries/SEN/ratifications/C181", admin, map[string]string{"status": "ratified",
			"ratification_date": "2020-05", "source": "https://example.org/ilo"}, 200)
		r.call("PUT", v1+"/countries/SEN/ratifications/C181", admin, map[string]string{"status": "ratified",
			"ratification_date": "2020-05", "source": "https://example.org/ilo"}, 422)
		r.call("GET", v1+"/countries", viewer, nil, 200)
		r.call("GET", v1+"/countries?instrument=ICRMW&status=party&status_C143=party,signed&sort=region&dir=desc&stage="+apiID(stage), viewer, nil, 200)
		r.call("GET", v1+"/countries?status=party", viewer, nil, 400)
		r.call("GET", v1+"/countries.csv?region=Africa", admin, nil, 200)
		r.call("GET", v1+"/countries.csv", viewer, nil, 403)
		r.call("GET", v1+"/countries/SEN", viewer, nil, 200)
		r.call("GET", v1+"/countries/XXX", viewer, nil, 404)
		r.call("GET", v1+"/countries/SEN/ratifications/C181/events", viewer, nil, 200)
		header := "country,iso3,signature_date,signature_precision,ratification_date,ratification_precision,action,source,notes\n"
		r.upload(v1+"/instruments/ICRMW/import", admin, header+"Finland,FIN,,,2020-01-01,day,accession,https://example.org/list,\n",
			map[string]string{"dry_run": "true", "source": "https://example.org/list"}, 200)
		r.upload(v1+"/instruments/ICRMW/import", admin, header+"Nowhere,XXX,,,2020-01-01,day,accession,,\n", nil, 422)

		// Institutions and contacts.
		inst := r.id(r.call("POST", v1+"/institutions", admin, map[string]any{"country": "SEN", "kind": "parliament", "name": "Contract Assembly"}, 201))
		r.call("GET", v1+"/institutions?country=SEN&kind=parliament", viewer, nil, 200)
		r.call("GET", v1+"/institutions/"+apiID(inst), viewer, nil, 200)
		r.call("PUT", v1+"/institutions/"+apiID(inst), admin, map[string]any{"country": "SEN", "kind": "parliament", "name": "Contract Assembly", "location": "Dakar"}, 200)
		person := map[string]any{"honorific": "Hon.", "first_name": "Awa", "last_name": "Contract", "kind": "parliamentarian", "country": "SEN",
			"party": "Green", "emails": []map[string]string{{"email": "awa.contract@example.org", "label": "work"}},
			"phones": []map[string]string{{"number": "+221 33 000 00 00", "label": "office"}}, "preferred_language": "fr",
			"languages": []string{"fr", "en"}, "tags": []string{"contract"}, "stance": "supportive", "stance_evidence": "Said so in plenary",
			"stance_date": "2024-01-15", "data_source": "Parliament website", "lawful_basis": "legitimate interest"}
		contact := r.id(r.call("POST", v1+"/contacts", admin, person, 201))
		twin := r.id(r.call("POST", v1+"/contacts", admin, person, 201))
		r.call("POST", v1+"/contacts", viewer, person, 403)
		r.call("GET", v1+"/contacts?country=SEN&sort=updated&dir=desc&per_page=5", viewer, nil, 200)
		r.call("GET", v1+"/contacts?do_not_contact=maybe", viewer, nil, 400)
		person["party"] = "Blue"
		r.call("PUT", v1+"/contacts/"+apiID(contact), admin, person, 200)
		pos := r.id(r.call("POST", v1+"/contacts/"+apiID(contact)+"/positions", admin, map[string]any{"institution_id": inst, "title": "Member", "start_date": "2022-09-01"}, 201))
		r.call("PUT", v1+"/contacts/"+apiID(contact)+"/positions/"+apiID(pos), admin, map[string]any{"institution_id": inst, "title": "Member", "start_date": "2022-09-01", "end_date": "2024-09-01"}, 200)
		r.call("GET", v1+"/contacts/"+apiID(contact)+"/positions", viewer, nil, 200)
		r.call("GET", v1+"/contacts/"+apiID(contact), viewer, nil, 200)
		r.call("GET", v1+"/contacts/999999", viewer, nil, 404)
		r.call("GET", v1+"/contacts/"+apiID(contact)+"/duplicates", viewer, nil, 200)
		r.call("POST", v1+"/contacts/tags", admin, map[string]any{"ids": []int64{contact, twin}, "tag": "briefed"}, 200)
		r.call("POST", v1+"/contacts/tags", admin, map[string]any{"ids": []string{"one"}, "tag": "briefed"}, 400)
		r.call("GET", v1+"/contacts.csv?tag=contract", admin, nil, 200)
		r.call("GET", v1+"/contacts/"+apiID(contact)+"/export", viewer, nil, 403)
		r.upload(v1+"/contacts/import", admin, "name,email\nFatou Contract,fatou.contract@example.org\n", map[string]string{"dry_run": "true"}, 200)
		r.upload(v1+"/contacts/import", admin, "name,email\nFatou Contract,not an address\n", map[string]string{"dry_run": "true"}, 422)

		// Outreach and follow-ups.
		meeting := map[string]any{"type": "meeting", "date": "2024-03-01", "country": "SEN", "instruments": []string{"ICRMW"},
			"contact_ids": []int64{contact}, "summary": "Met about the ICRMW", "outcome": "positive", "next_steps": "Send a briefing",
			"visibility": "coalition"}
		outreach := r.id(r.call("POST", v1+"/outreach", admin, meeting, 201))
		meeting["visibility"] = "organisation"
		r.call("PUT", v1+"/outreach/"+apiID(outreach), admin, meeting, 200)
		r.call("GET", v1+"/outreach?country=SEN&type=meeting&from=2024-01-01&to=2024-12-31", viewer, nil, 200)
		r.call("GET", v1+"/outreach?type=chat", viewer, nil, 400)
		r.call("GET", v1+"/outreach/"+apiID(outreach), viewer, nil, 200)
		r.call("GET", v1+"/outreach/"+apiID(outreach), e.token("viewer@b.test"), nil, 404)
		r.call("GET", v1+"/outreach.csv", admin, nil, 200)
		spareMeeting := r.id(r.call("POST", v1+"/outreach", admin, meeting, 201))
		r.call("DELETE", v1+"/outreach/"+apiID(spareMeeting), admin, nil, 204)
		task := map[string]any{"title": "Send the briefing", "details": "In French", "due_date": "2030-01-01", "priority": "high",
			"country": "SEN", "contact_id": contact, "outreach_id": outreach}
		followup := r.id(r.call("POST", v1+"/followups", admin, task, 201))
		task["priority"] = "low"
		r.call("PUT", v1+"/followups/"+apiID(followup), admin, task, 200)
		r.call("GET", v1+"/followups?assignee=me&status=open", admin, nil, 200)
		r.call("GET", v1+"/followups/"+apiID(followup), admin, nil, 200)
		r.call("POST", v1+"/followups/"+apiID(followup)+"/close", admin, map[string]string{"outcome": "Sent"}, 200)

		// Email: templates, senders, suppressions, campaigns.
		letter := map[string]any{"name": "Contract letter", "variants": []map[string]string{
			{"language": "en", "subject": "Ratify the ICRMW", "html": "<p>Dear {{.Contact.FirstName}}</p>", "text": "Dear {{.Contact.FirstName}}"},
			{"language": "fr", "subject": "Ratifiez la CTM", "html": "<p>Chère {{.Contact.FirstName}}</p>", "text": "Chère {{.Contact.FirstName}}"}}}
		tpl := r.id(r.call("POST", v1+"/templates", admin, letter, 201))
		r.call("PUT", v1+"/templates/"+apiID(tpl), admin, letter, 200)
		r.call("GET", v1+"/templates", admin, nil, 200)
		r.call("GET", v1+"/templates", viewer, nil, 403)
		r.call("GET", v1+"/templates/"+apiID(tpl), admin, nil, 200)
		r.call("POST", v1+"/templates/"+apiID(tpl)+"/preview", admin, map[string]any{"contact_id": contact}, 200)
		spareTpl := r.id(r.call("POST", v1+"/templates", admin, map[string]any{"name": "Spare", "variants": letter["variants"]}, 201))
		r.call("DELETE", v1+"/templates/"+apiID(spareTpl), admin, nil, 204)
		from := r.id(r.call("POST", v1+"/senders", admin, map[string]string{"name": "Coalition", "email": "news@coalition.example"}, 201))
		r.call("GET", v1+"/senders", admin, nil, 200)
		sup := r.id(r.call("POST", v1+"/suppressions", admin, map[string]string{"email": "gone@example.org", "note": "bounced"}, 201))
		r.call("POST", v1+"/suppressions", admin, map[string]string{"email": "gone@example.org"}, 409)
		r.call("GET", v1+"/suppressions?q=gone", admin, nil, 200)
		r.call("DELETE", v1+"/suppressions/"+apiID(sup), admin, nil, 204)
		r.call("POST", v1+"/audience/preview", admin, map[string]any{"template_id": tpl, "audience": map[string]any{
			"countries": []string{"SEN"}, "ratification": map[string]any{"instrument": "ICRMW", "status": []string{"party"}}}}, 200)
		campaign := map[string]any{"name": "Contract campaign", "template_id": tpl, "sender_id": from,
			"fallback_language": "en", "audience": map[string]any{"countries": []string{"SEN"}, "tags": []string{"briefed"}}}
		cp := r.id(r.call("POST", v1+"/campaigns", admin, campaign, 201))
		r.call("PUT", v1+"/campaigns/"+apiID(cp), admin, campaign, 200)
		r.call("GET", v1+"/campaigns", admin, nil, 200)
		r.call("GET", v1+"/campaigns/"+apiID(cp), admin, nil, 200)
		r.call("POST", v1+"/campaigns/"+apiID(cp)+"/test", admin, map[string]any{"contact_id": contact}, 200)
		r.call("POST", v1+"/campaigns/"+apiID(cp)+"/start", admin, nil, 200)
		r.call("PUT", v1+"/campaigns/"+apiID(cp), admin, campaign, 409)
		r.call("POST", v1+"/campaigns/"+apiID(cp)+"/pause", admin, nil, 200)
		r.call("POST", v1+"/campaigns/"+apiID(cp)+"/resume", admin, nil, 200)
		r.call("POST", v1+"/campaigns/"+apiID(cp)+"/retry", admin, nil, 200)
		r.call("GET", v1+"/campaigns/"+apiID(cp)+"/recipients?state=queued", admin, nil, 200)
		r.call("GET", v1+"/campaigns/"+apiID(cp)+"/recipients?state=lost", admin, nil, 400)
		r.call("POST", v1+"/campaigns/"+apiID(cp)+"/cancel", admin, nil, 200)
		r.call("POST", v1+"/campaigns/"+apiID(cp)+"/retry", admin, nil, 409)
		r.call("POST", v1+"/campaigns/"+apiID(cp)+"/explode", admin, nil, 404)

		// What ends a contact: merge, delete, erase.
		r.call("GET", v1+"/contacts/"+apiID(contact)+"/export", admin, nil, 200)
		r.call("POST", v1+"/contacts/merge", admin, map[string]any{"keep_id": contact, "drop_id": twin}, 200)
		r.call("DELETE", v1+"/contacts/"+apiID(contact), admin, nil, 409)
		other := r.id(r.call("POST", v1+"/contacts", admin, map[string]any{"first_name": "Erase", "last_name": "Me", "kind": "diplomat"}, 201))
		r.call("POST", v1+"/contacts/"+apiID(other)+"/erase", admin, nil, 204)
		r.call("DELETE", v1+"/contacts/"+apiID(contact)+"?confirm=true", admin, nil, 204)

		// Every answer above went through env.send's check; were the hook
		// lost, the whole suite would stop checking the document silently.
		if n := contractChecks.Load() - checked; n < r.calls {
			t.Errorf("env.send checked %d answers against the document, want at least %d", n, r.calls)
		}
		for _, op := range c.ops {
			if !r.seen[op.String()] {
				t.Errorf("%s never answered with a success in this run, so its success schema went unchecked", op)
			}
		}
	})
}

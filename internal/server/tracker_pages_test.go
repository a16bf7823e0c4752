package server_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"ratify/internal/dbtest"
	"ratify/internal/store"
)

// This file drives the tracker's HTML pages as a browser would: a session
// cookie from the login form, Sec-Fetch-Site on posts, Post/Redirect/Get.

const (
	trXSS        = "<script>alert(1)</script>"
	trXSSEscaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
)

// trPage fetches a page and checks its status.
func trPage(t *testing.T, e *env, path, cookie string, status int) string {
	t.Helper()
	res := trGet(e, path, cookie)
	if res.Status != status {
		t.Errorf("GET %s: %d, want %d: %s", path, res.Status, status, trClip(res.Body))
	}
	return res.Body
}

// trContains checks that a page holds each string.
func trContains(t *testing.T, what, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s does not contain %q", what, w)
		}
	}
}

// trLacks checks that a page holds none of the strings.
func trLacks(t *testing.T, what, body string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(body, b) {
			i := strings.Index(body, b)
			t.Errorf("%s contains %q: …%s…", what, b, body[max(0, i-80):min(len(body), i+len(b)+80)])
		}
	}
}

// trPostMultipart posts a multipart form as a browser on the same site.
func trPostMultipart(t *testing.T, e *env, path, cookie string, file []byte, fields map[string]string) response {
	t.Helper()
	ctype, body := trMultipart(t, file, fields)
	return trPostBody(e, path, cookie, ctype, strings.NewReader(string(body)))
}

func TestTrackerPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		admin := trLogin(e, "admin@a.test")
		coord := trLogin(e, "coordinator@a.test")
		member := trLogin(e, "member@a.test")
		viewer := trLogin(e, "viewer@b.test")
		stages := trStages(t, e)

		t.Run("countries", func(t *testing.T) {
			body := trPage(t, e, "/countries", viewer, http.StatusOK)
			c097, _ := trParties(t, "ilo_c097.csv")
			trContains(t, "/countries", body, "<strong>195 states</strong>", "ICRMW: 59 parties, 11 signed only",
				"C097: "+strconv.Itoa(len(c097))+" parties", `href="/countries/MOZ"`, "Mozambique")
			trLacks(t, "/countries for a viewer", body, "/countries.csv")

			q := "/countries?region=Africa&q=cote&status_ICRMW=party"
			body = trPage(t, e, q, member, http.StatusOK)
			trContains(t, q, body, "<option selected>Africa</option>", `name="q" value="cote"`, `<option value="party" selected>Party</option>`,
				"<strong>1 states</strong>", "ICRMW: 1 parties", `href="/countries/CIV"`,
				`href="/countries.csv?q=cote&amp;region=Africa&amp;status_ICRMW=party"`)
			if n := strings.Count(body, " selected>Party</option>"); n != 1 {
				t.Errorf("%s: %d status menus show Party selected, want only ICRMW's", q, n)
			}
			trLacks(t, q, body, `href="/countries/KEN"`, `href="/countries/MOZ"`)

			if res := e.do("PATCH", "/api/v1/countries/KEN", e.token("coordinator@a.test"), map[string]any{"priority": "high", "stage_id": stages[3].ID}); res.Status != http.StatusOK {
				t.Fatalf("PATCH KEN: %d", res.Status)
			}
			sid := strconv.FormatInt(stages[3].ID, 10)
			q = "/countries?priority=high&stage=" + sid + "&instrument=ICRMW&status=none"
			body = trPage(t, e, q, viewer, http.StatusOK)
			trContains(t, q, body, `<option value="high" selected>High</option>`, `<option value="`+sid+`" selected>`+stages[3].Name+`</option>`,
				`<option value="none" selected>No action</option>`, "<strong>1 states</strong>", `href="/countries/KEN"`)

			body = trPage(t, e, "/countries?priority=urgent", viewer, http.StatusBadRequest)
			trContains(t, "bad filter page", body, "priority")
			trPage(t, e, "/countries?sort=population", viewer, http.StatusBadRequest)
			body = trPage(t, e, "/countries?q="+url.QueryEscape(trXSS), viewer, http.StatusOK)
			trContains(t, "reflected query", body, `value="`+trXSSEscaped+`"`)
			trLacks(t, "reflected query", body, trXSS)
		})

		t.Run("map", func(t *testing.T) {
			if res := e.do("PATCH", "/api/v1/countries/KEN", e.token("coordinator@a.test"), map[string]any{"priority": "high", "stage_id": stages[3].ID}); res.Status != http.StatusOK {
				t.Fatalf("PATCH KEN: %d", res.Status)
			}
			for _, by := range []string{"", "?by=ICRMW", "?by=icrmw", "?by=C097", "?by=stage", "?by=priority"} {
				body := trPage(t, e, "/map"+by, viewer, http.StatusOK)
				trContains(t, "/map"+by, body, "<svg", `class="legend"`)
			}
			body := trPage(t, e, "/map?by=ICRMW", viewer, http.StatusOK)
			trContains(t, "/map?by=ICRMW", body, `Party (ratified, acceded or succeeded) <span class="muted">(59)</span>`,
				`Signed, not ratified <span class="muted">(11)</span>`, "Mozambique: ICRMW: Ratified 2013")
			body = trPage(t, e, "/map?by=stage", viewer, http.StatusOK)
			trContains(t, "/map?by=stage", body, stages[3].Name+` <span class="muted">(1)</span>`, `No stage set <span class="muted">(194)</span>`)
			body = trPage(t, e, "/map?by=priority", viewer, http.StatusOK)
			trContains(t, "/map?by=priority", body, `High <span class="muted">(1)</span>`)
			trPage(t, e, "/map?by=nonsense", viewer, http.StatusBadRequest)
			body = trPage(t, e, "/map?by="+url.QueryEscape(trXSS), viewer, http.StatusBadRequest)
			trLacks(t, "/map?by=<script>", body, trXSS)
		})

		t.Run("dossier", func(t *testing.T) {
			body := trPage(t, e, "/countries/KEN", viewer, http.StatusOK)
			trContains(t, "/countries/KEN", body, "<h1>Kenya</h1>", "Migrant Workers Convention", "No signature or ratification recorded.")
			trLacks(t, "/countries/KEN for a viewer", body, "Record a change", "/countries/KEN/campaign")
			res := trGet(e, "/countries/ken", viewer)
			if res.Status != http.StatusMovedPermanently || res.Header.Get("Location") != "/countries/KEN" {
				t.Errorf("/countries/ken: %d Location %q", res.Status, res.Header.Get("Location"))
			}
			trPage(t, e, "/countries/XXX", viewer, http.StatusNotFound)
			trPage(t, e, "/countries/KENYA", viewer, http.StatusNotFound)

			body = trPage(t, e, "/countries/MOZ", viewer, http.StatusOK)
			trContains(t, "/countries/MOZ", body, `<time datetime="2013">2013</time>`, `<time datetime="2012-03-15">15 Mar 2012</time>`,
				"Ratified 2013", "loaded from the reference data file icrmw.csv")
			trLacks(t, "/countries/MOZ", body, "2013-01-01", "1 Jan 2013")
			body = trPage(t, e, "/countries/ALB", viewer, http.StatusOK)
			trContains(t, "/countries/ALB", body, `<time datetime="2006">2006</time>`)
			trLacks(t, "/countries/ALB", body, "2006-01-01", "1 Jan 2006")

			body = trPage(t, e, "/countries/KEN", coord, http.StatusOK)
			trContains(t, "/countries/KEN for a coordinator", body, `href="/countries/KEN/ratifications/ICRMW"`, `href="/countries/KEN/campaign"`)
		})

		t.Run("record a change", func(t *testing.T) {
			path := "/countries/KEN/ratifications/ICRMW"
			body := trPage(t, e, path, coord, http.StatusOK)
			trContains(t, path, body, "<h1>Kenya: Migrant Workers Convention</h1>", `name="signature_date"`, `name="source" required value=""`)
			trPage(t, e, path, member, http.StatusForbidden)
			trPage(t, e, path, viewer, http.StatusForbidden)
			trPage(t, e, "/countries/KEN/ratifications/C999", coord, http.StatusNotFound)

			form := url.Values{"status": {"signed"}, "signature_date": {"2024-03-01"}, "source": {"https://treaties.un.org/ken"},
				"note": {"signed in New York"}}
			before := trState(t, e)
			counts := trCount(t, e)
			res := trPost(e, path, coord, form)
			if res.Status != http.StatusOK {
				t.Fatalf("preview: %d %s", res.Status, trClip(res.Body))
			}
			trContains(t, "the preview", res.Body, "What will change", "1 Mar 2024", `name="confirm" value="yes"`, "Save this change")
			trUnchanged(t, e, "a preview", before)

			var moz map[string]string
			for _, r := range trData(t, "icrmw.csv") {
				if r["iso3"] == "MOZ" {
					moz = r
				}
			}
			for name, bad := range map[string]url.Values{
				"no source":          {"status": {"signed"}, "signature_date": {"2024-03-01"}, "confirm": {"yes"}},
				"precision mismatch": {"status": {"signed"}, "signature_date": {"2005"}, "signature_precision": {"day"}, "source": {"s"}, "confirm": {"yes"}},
				"unchanged": {"status": {"ratified"}, "signature_date": {"2012-03-15"}, "ratification_date": {"2013"}, "ratification_precision": {"year"},
					"notes": {moz["notes"]}, "source": {moz["source"]}, "as_of": {"2023-09-26"}, "confirm": {"yes"}},
			} {
				p := path
				if name == "unchanged" {
					p = "/countries/MOZ/ratifications/ICRMW"
				}
				res := trPost(e, p, coord, bad)
				if res.Status != http.StatusBadRequest || !strings.Contains(res.Body, `class="form-error"`) {
					t.Errorf("%s: %d %s", name, res.Status, trClip(res.Body))
				}
				if name == "unchanged" && !strings.Contains(res.Body, "matches what is recorded") {
					t.Errorf("unchanged: the page does not say so")
				}
				if sd := bad.Get("signature_date"); sd != "" && !strings.Contains(res.Body, `value="`+sd+`"`) {
					t.Errorf("%s: the typed date is not re-rendered", name)
				}
				trUnchanged(t, e, name, before)
			}
			confirmed := url.Values{}
			for k, v := range form {
				confirmed[k] = v
			}
			confirmed.Set("confirm", "yes")
			for _, who := range []string{member, viewer} {
				if res := trPost(e, path, who, confirmed); res.Status != http.StatusForbidden {
					t.Errorf("confirm by a member or viewer: %d", res.Status)
				}
				trUnchanged(t, e, "a refused confirmation", before)
			}
			res = trPost(e, path, coord, confirmed)
			if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/countries/KEN#ICRMW" {
				t.Fatalf("confirm: %d Location %q %s", res.Status, res.Header.Get("Location"), trClip(res.Body))
			}
			if after := trCount(t, e); after.events != counts.events+1 || after.rats != counts.rats+1 || after.audit != counts.audit+1 {
				t.Errorf("counts %+v → %+v after confirming", counts, after)
			}
			evs := trEvents(t, e, "KEN", "ICRMW", e.token("viewer@a.test"))
			if len(evs) != 1 || evs[0].ToStatus != "signed" || evs[0].Note != "signed in New York" || evs[0].Source != "https://treaties.un.org/ken" {
				t.Errorf("events after confirming = %+v", evs)
			}
			body = trPage(t, e, "/countries/KEN", viewer, http.StatusOK)
			trContains(t, "/countries/KEN after the change", body, "Signed 2024", "signed in New York", "coordinator A")
		})

		t.Run("campaign form", func(t *testing.T) {
			if res := e.do("PATCH", "/api/v1/countries/KEN", e.token("coordinator@a.test"), map[string]any{"priority": "high"}); res.Status != http.StatusOK {
				t.Fatalf("PATCH KEN: %d", res.Status)
			}
			path := "/countries/KEN/campaign"
			body := trPage(t, e, path, coord, http.StatusOK)
			trContains(t, path, body, "<h1>Campaign: Kenya</h1>", `name="priority"`, `<option value="high" selected>High</option>`)
			trPage(t, e, path, member, http.StatusForbidden)
			trPage(t, e, path, viewer, http.StatusForbidden)

			good := url.Values{"priority": {"medium"}, "stage_id": {strconv.FormatInt(stages[2].ID, 10)},
				"focal_organisation_id": {strconv.FormatInt(e.orgA.ID, 10)}, "focal_user_id": {""},
				"next_step": {"Brief the labour committee"}, "next_step_date": {"2027-02-01"}, "notes": {"Two supportive MPs"}}
			before := trState(t, e)
			for name, bad := range map[string]url.Values{
				"stage abc":      {"priority": {"medium"}, "stage_id": {"abc"}, "notes": {"typed notes"}},
				"unknown stage":  {"priority": {"medium"}, "stage_id": {"999999"}, "notes": {"typed notes"}},
				"bad priority":   {"priority": {"urgent"}, "notes": {"typed notes"}},
				"bad date":       {"priority": {"medium"}, "next_step": {"x"}, "next_step_date": {"someday"}, "notes": {"typed notes"}},
				"foreign person": {"priority": {"medium"}, "focal_organisation_id": {strconv.FormatInt(e.orgA.ID, 10)}, "focal_user_id": {strconv.FormatInt(e.users["member@b.test"].ID, 10)}, "notes": {"typed notes"}},
			} {
				res := trPost(e, path, coord, bad)
				if res.Status != http.StatusBadRequest || !strings.Contains(res.Body, "typed notes") || !strings.Contains(res.Body, `class="field-error"`) {
					t.Errorf("%s: %d %s", name, res.Status, trClip(res.Body))
				}
				trUnchanged(t, e, name, before)
			}
			if res := trPost(e, path, member, good); res.Status != http.StatusForbidden {
				t.Errorf("member post: %d", res.Status)
			}
			trUnchanged(t, e, "a member's campaign post", before)
			res := trPost(e, path, coord, good)
			if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/countries/KEN" {
				t.Fatalf("save: %d %q %s", res.Status, res.Header.Get("Location"), trClip(res.Body))
			}
			body = trPage(t, e, "/countries/KEN", viewer, http.StatusOK)
			trContains(t, "/countries/KEN after saving", body, "<dd>Medium</dd>", "<dd>"+stages[2].Name+"</dd>", "<dd>Org A</dd>",
				"Brief the labour committee", `<time datetime="2027-02-01">1 Feb 2027</time>`, "Two supportive MPs")
		})

		t.Run("admin pages", func(t *testing.T) {
			if res := e.do("PATCH", "/api/v1/countries/KEN", e.token("coordinator@a.test"), map[string]any{"stage_id": stages[2].ID}); res.Status != http.StatusOK {
				t.Fatalf("PATCH KEN: %d", res.Status)
			}
			for p, want := range map[string]string{"/admin/stages": `value="Dialogue"`, "/admin/instruments": "<code>ICRMW</code>"} {
				body := trPage(t, e, p, admin, http.StatusOK)
				trContains(t, p, body, want)
				for _, who := range []string{coord, member, viewer} {
					trPage(t, e, p, who, http.StatusForbidden)
				}
			}
			before := trState(t, e)
			for _, who := range []string{coord, member} {
				for _, p := range []string{"/admin/stages", "/admin/stages/" + strconv.FormatInt(stages[0].ID, 10), "/admin/stages/" + strconv.FormatInt(stages[0].ID, 10) + "/delete"} {
					if res := trPost(e, p, who, url.Values{"name": {"Extra"}, "position": {"1"}}); res.Status != http.StatusForbidden {
						t.Errorf("POST %s by a non-admin: %d", p, res.Status)
					}
				}
				if res := trPost(e, "/admin/instruments", who, url.Values{"code": {"C181"}, "title": {"x"}, "kind": {"ilo_convention"}}); res.Status != http.StatusForbidden {
					t.Errorf("POST /admin/instruments by a non-admin: %d", res.Status)
				}
			}
			trUnchanged(t, e, "non-admin posts", before)

			res := trPost(e, "/admin/stages", admin, url.Values{"name": {"Ratified"}})
			if res.Status != http.StatusConflict || !strings.Contains(res.Body, "another stage has this name") {
				t.Errorf("duplicate stage: %d %s", res.Status, trClip(res.Body))
			}
			// The stage KEN is in cannot be removed.
			res = trPost(e, "/admin/stages/"+strconv.FormatInt(stages[2].ID, 10)+"/delete", admin, nil)
			if res.Status != http.StatusConflict {
				t.Errorf("delete a stage in use: %d", res.Status)
			}
			trUnchanged(t, e, "refused admin posts", before)

			res = trPost(e, "/admin/stages", admin, url.Values{"name": {"Follow-up"}})
			if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/admin/stages" {
				t.Fatalf("add a stage: %d %s", res.Status, trClip(res.Body))
			}
			trContains(t, "/admin/stages", trPage(t, e, "/admin/stages", admin, http.StatusOK), `value="Follow-up"`)
			// A seventh stage shares the darkest colour but keeps its own legend line and count.
			var followUp int64
			for _, s := range trStages(t, e) {
				if s.Name == "Follow-up" {
					followUp = s.ID
				}
			}
			if res := e.do("PATCH", "/api/v1/countries/FRA", e.token("coordinator@a.test"), map[string]any{"stage_id": followUp}); res.Status != http.StatusOK {
				t.Fatalf("PATCH FRA: %d", res.Status)
			}
			body := trPage(t, e, "/map?by=stage", viewer, http.StatusOK)
			trContains(t, "/map?by=stage with seven stages", body, `Follow-up <span class="muted">(1)</span>`,
				stages[5].Name+` <span class="muted">(0)</span>`, "France — Follow-up")
			res = trPost(e, "/admin/instruments", admin, url.Values{"code": {"C181"}, "title": {"Private Employment Agencies Convention, 1997 (No. 181)"},
				"short_title": {"ILO C181"}, "kind": {"ilo_convention"}, "adopted_date": {"1997-06-19"}})
			if res.Status != http.StatusSeeOther {
				t.Fatalf("add an instrument: %d %s", res.Status, trClip(res.Body))
			}
			trContains(t, "/countries with C181", trPage(t, e, "/countries", viewer, http.StatusOK), ">C181", "C181: 0 parties")
			res = trPost(e, "/admin/instruments", admin, url.Values{"code": {"C181"}, "title": {"Again"}, "kind": {"ilo_convention"}})
			if res.Status != http.StatusConflict || !strings.Contains(res.Body, `value="Again"`) {
				t.Errorf("duplicate instrument: %d", res.Status)
			}
		})

		t.Run("import", func(t *testing.T) {
			trContains(t, "/ratifications/import", trPage(t, e, "/ratifications/import", coord, http.StatusOK), `name="file"`, `type="file"`)
			trPage(t, e, "/ratifications/import", member, http.StatusForbidden)
			trPage(t, e, "/ratifications/import", viewer, http.StatusForbidden)

			file := trImportFile(t)
			fields := map[string]string{"instrument": "ICRMW", "source": trImportSource, "step": "preview"}
			before := trState(t, e)
			for _, who := range []string{member, viewer} {
				if res := trPostMultipart(t, e, "/ratifications/import", who, file, fields); res.Status != http.StatusForbidden {
					t.Errorf("import by a member or viewer: %d", res.Status)
				}
			}
			res := trPostMultipart(t, e, "/ratifications/import", coord, file, fields)
			if res.Status != http.StatusOK {
				t.Fatalf("preview: %d %s", res.Status, trClip(res.Body))
			}
			trContains(t, "the import preview", res.Body, "new party", "date changed", `value="FRA"`, `value="ALB"`, "1 unchanged",
				`name="step" value="apply"`, "6 Jun 2007")
			trLacks(t, "the import preview", res.Body, `value="DZA"`)
			trUnchanged(t, e, "an import preview", before)

			bad := append([]byte(nil), file...)
			bad = append(bad, []byte("Finland,FIN,,,2020-13-45,day,accession,,\nNowhere,XXX,,,2020-01-01,day,accession,,\n")...)
			res = trPostMultipart(t, e, "/ratifications/import", coord, bad, fields)
			if res.Status != http.StatusUnprocessableEntity {
				t.Errorf("malformed file: %d %s", res.Status, trClip(res.Body))
			}
			trContains(t, "the malformed-file page", res.Body, "nothing was changed", `<td class="num">5</td>`, `<td class="num">6</td>`)
			res = trPostMultipart(t, e, "/ratifications/import", coord, nil, fields)
			if res.Status != http.StatusBadRequest {
				t.Errorf("no file: %d", res.Status)
			}
			trUnchanged(t, e, "refused imports", before)

			// Apply only the ticked difference.
			res = trPost(e, "/ratifications/import", coord, url.Values{"step": {"apply"}, "instrument": {"ICRMW"}, "source": {trImportSource},
				"content": {string(file)}, "accept": {"FRA"}})
			if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/countries" {
				t.Fatalf("apply: %d %s", res.Status, trClip(res.Body))
			}
			tok := e.token("viewer@a.test")
			if fra := trEvents(t, e, "FRA", "ICRMW", tok); len(fra) != 1 || fra[0].Source != trImportSource || fra[0].ToStatus != "acceded" {
				t.Errorf("FRA events = %+v", fra)
			}
			if alb := trEvents(t, e, "ALB", "ICRMW", tok); len(alb) != 1 {
				t.Errorf("ALB was not ticked but has %d events", len(alb))
			}
		})

		t.Run("odd text in forms", func(t *testing.T) {
			before := trState(t, e)
			for _, c := range []struct {
				path, cookie string
				form         url.Values
			}{
				{"/admin/stages", admin, url.Values{"name": {"a\xffb"}}},
				{"/admin/stages", admin, url.Values{"name": {"a\x00b"}}},
				{"/admin/stages/" + strconv.FormatInt(stages[0].ID, 10), admin, url.Values{"name": {"a\xffb"}, "position": {"1"}}},
				{"/admin/instruments", admin, url.Values{"code": {"C181"}, "title": {"a\xffb"}, "kind": {"ilo_convention"}}},
				{"/countries/KEN/campaign", coord, url.Values{"priority": {"low"}, "notes": {"a\xffb"}}},
				{"/countries/KEN/campaign", coord, url.Values{"priority": {"low"}, "next_step": {"a\x00b"}}},
				{"/countries/KEN/ratifications/C189", coord, url.Values{"status": {"ratified"}, "ratification_date": {"2020"}, "source": {"a\xffb"}, "confirm": {"yes"}}},
				{"/countries/KEN/ratifications/C189", coord, url.Values{"status": {"ratified"}, "ratification_date": {"2020"}, "source": {"s"}, "notes": {"\x00"}, "confirm": {"yes"}}},
			} {
				res := trPost(e, c.path, c.cookie, c.form)
				if res.Status != http.StatusBadRequest || !strings.Contains(res.Body, "control characters") {
					t.Errorf("POST %s %q: %d %s", c.path, c.form.Encode(), res.Status, trClip(res.Body))
				}
			}
			trUnchanged(t, e, "odd text in forms", before)
		})

		t.Run("user text is escaped", func(t *testing.T) {
			res := trPost(e, "/admin/stages", admin, url.Values{"name": {trXSS}})
			if res.Status != http.StatusSeeOther {
				t.Fatalf("add the stage: %d %s", res.Status, trClip(res.Body))
			}
			var xssStage int64
			for _, s := range trStages(t, e) {
				if s.Name == trXSS {
					xssStage = s.ID
				}
			}
			if xssStage == 0 {
				t.Fatal("the stage was not saved as typed")
			}
			res = trPost(e, "/countries/KEN/campaign", coord, url.Values{"priority": {"high"}, "stage_id": {strconv.FormatInt(xssStage, 10)},
				"next_step": {trXSS}, "notes": {"before " + trXSS + " after"}})
			if res.Status != http.StatusSeeOther {
				t.Fatalf("campaign: %d %s", res.Status, trClip(res.Body))
			}
			change := url.Values{"status": {"signed"}, "signature_date": {"2020-02-02"}, "source": {`https://x.example/"><script>alert(1)</script>`},
				"notes": {trXSS}, "note": {trXSS}}
			preview := trPost(e, "/countries/GBR/ratifications/ICRMW", coord, change)
			if preview.Status != http.StatusOK {
				t.Fatalf("preview: %d", preview.Status)
			}
			change.Set("confirm", "yes")
			if res := trPost(e, "/countries/GBR/ratifications/ICRMW", coord, change); res.Status != http.StatusSeeOther {
				t.Fatalf("record: %d %s", res.Status, trClip(res.Body))
			}
			sid := strconv.FormatInt(xssStage, 10)
			pages := map[string]string{
				"preview":                   preview.Body,
				"/countries":                trPage(t, e, "/countries", viewer, http.StatusOK),
				"/countries?stage=":         trPage(t, e, "/countries?stage="+sid, viewer, http.StatusOK),
				"/countries/KEN":            trPage(t, e, "/countries/KEN", viewer, http.StatusOK),
				"/countries/GBR":            trPage(t, e, "/countries/GBR", viewer, http.StatusOK),
				"/countries/KEN/campaign":   trPage(t, e, "/countries/KEN/campaign", coord, http.StatusOK),
				"/countries/GBR/ICRMW":      trPage(t, e, "/countries/GBR/ratifications/ICRMW", coord, http.StatusOK),
				"/map?by=stage":             trPage(t, e, "/map?by=stage", viewer, http.StatusOK),
				"/":                         trPage(t, e, "/?by=stage", viewer, http.StatusOK),
				"/admin/stages":             trPage(t, e, "/admin/stages", admin, http.StatusOK),
				"/audit":                    trPage(t, e, "/audit", coord, http.StatusOK),
				"campaign form re-render":   trPost(e, "/countries/KEN/campaign", coord, url.Values{"priority": {"x"}, "notes": {trXSS}, "next_step": {trXSS}}).Body,
				"ratification re-render":    trPost(e, "/countries/GBR/ratifications/ICRMW", coord, url.Values{"status": {"bogus"}, "notes": {trXSS}, "source": {trXSS}}).Body,
				"stage form re-render":      trPost(e, "/admin/stages", admin, url.Values{"name": {trXSS}}).Body,
				"instrument form re-render": trPost(e, "/admin/instruments", admin, url.Values{"code": {"C1"}, "title": {trXSS}, "kind": {trXSS}}).Body,
			}
			for name, body := range pages {
				trLacks(t, name, body, trXSS, "<script>alert")
			}
			for _, name := range []string{"preview", "/countries", "/countries?stage=", "/countries/KEN", "/countries/GBR", "/countries/KEN/campaign",
				"/countries/GBR/ICRMW", "/map?by=stage", "/", "/admin/stages", "campaign form re-render", "ratification re-render", "stage form re-render",
				"instrument form re-render"} {
				trContains(t, name, pages[name], trXSSEscaped)
			}
		})
	})
}

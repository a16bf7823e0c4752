package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"ratify/internal/auth"
	"ratify/internal/dbtest"
	"ratify/internal/mail"
	"ratify/internal/model"
	"ratify/internal/service"
	"ratify/internal/store"
)

// This file is the access-control matrix. mxTable says, for every route the
// router registers (pages and API), who may call it, mirroring the permission
// table of DESIGN.md; TestAccessMatrix checks that the table and the router
// name the same routes, so a new route cannot be added without deciding who
// may use it, and then sends every route as every kind of client: each role
// of organisation A and of organisation B, an anonymous client and a
// deactivated user. A refused client gets 401 (a redirect to the sign-in
// page for pages), 403, or 404 for another organisation's private record,
// and its request changes nothing; an allowed client gets past the
// permission checks. No answer to a client outside organisation A carries
// the text of A's private records, and what other organisations see in
// lists, searches, exports, counts and the dashboard is the same with or
// without those records.

// Markers in the text fields of organisation A's records. The private ones
// must never reach anyone outside A; the coalition ones show that the
// searches for the private ones look where the text would be.
const (
	mxPrivOutreach = "MXPRIVOUTREACH"
	mxPrivFollowup = "MXPRIVFOLLOWUP"
	mxPubOutreach  = "MXPUBOUTREACH"
	mxPubFollowup  = "MXPUBFOLLOWUP"
)

// mxWho is the least a client needs to be allowed a route: no sign-in at
// all, or a signed-in, active user of at least a role.
type mxWho string

const (
	mxPublic      mxWho = "public"
	mxViewer            = mxWho(model.RoleViewer)
	mxMember            = mxWho(model.RoleMember)
	mxCoordinator       = mxWho(model.RoleCoordinator)
	mxAdmin             = mxWho(model.RoleAdmin)
)

// mxRecord is the organisation-owned record of A a route addresses, whose
// visibility decides what users of other organisations get.
type mxRecord int

const (
	mxShared   mxRecord = iota // no such record: organisations do not matter
	mxOutreach                 // an outreach record: {outreach}
	mxFollowup                 // a follow-up on an outreach record: {followup}
)

// mxFresh names the kind of throwaway record a destructive route gets for
// each allowed request, so that every allowed client finds one to destroy.
type mxFresh string

const (
	mxFreshContact     mxFresh = "contact"
	mxFreshContactPair mxFresh = "contact pair" // {fresh} and {fresh2}
	mxFreshOutreach    mxFresh = "outreach"     // of the variant's visibility
	mxFreshTemplate    mxFresh = "template"
	mxFreshSuppression mxFresh = "suppression"
	mxFreshStage       mxFresh = "stage"
	mxFreshCampaign    mxFresh = "campaign"
)

// mxRow is one registered route and who may call it.
type mxRow struct {
	route string // "METHOD /pattern", exactly as registered
	who   mxWho
	// other is the least role a user of another organisation needs on A's
	// coalition-visible record ("" means who); on A's private record they
	// get 404 whatever their role.
	other mxWho
	rec   mxRecord
	// path is the request path with {placeholders} (see mxRun.vars); empty,
	// it is the pattern with each parameter filled with the seeded record.
	path string
	// body is JSON for the API and a form for pages, well formed so that a
	// refusal is about the client alone.
	body  string
	fresh mxFresh
	// view marks lists, searches, exports, counts and the dashboard: other
	// organisations must see exactly the same with or without A's private
	// records.
	view bool
	// logout ends the caller's sessions; an allowed caller signs in again.
	logout bool
}

// mxTable is the permission table of DESIGN.md, route by route. The seeded
// follow-ups are assigned to member@a.test by coordinator@a.test: members
// touch their own follow-ups, coordinators anyone's; members and
// coordinators edit their own organisation's outreach, admins any they see.
var mxTable = []mxRow{
	// Anyone: health, assets, sign-in, and the links whose token is the credential.
	{route: "GET /healthz", who: mxPublic},
	{route: "GET /readyz", who: mxPublic},
	{route: "GET /static/:hash/*path", who: mxPublic, path: "/static/0/favicon.svg"},
	{route: "GET /favicon.ico", who: mxPublic},
	{route: "GET /followups.ics", who: mxPublic, path: "/followups.ics?token={ics}"},
	{route: "GET /u/:token", who: mxPublic},
	{route: "POST /u/:token", who: mxPublic},
	{route: "GET /login", who: mxPublic},
	{route: "POST /login", who: mxPublic, body: "email=viewer%40a.test&password={formpassword}"},
	{route: "POST /api/v1/auth/login", who: mxPublic, body: `{"email":"viewer@a.test","password":"{password}"}`},
	// The API's shape, no data: clients read it before they have a token.
	{route: "GET /api/v1/openapi.json", who: mxPublic},

	// Every signed-in user: their own account and session.
	{route: "POST /logout", who: mxViewer, logout: true},
	{route: "POST /api/v1/auth/logout", who: mxViewer, logout: true},
	{route: "GET /api/v1/me", who: mxViewer},
	{route: "GET /account", who: mxViewer},
	{route: "POST /account/name", who: mxViewer, body: "name=Renamed+{n}"},
	// The confirmation differs: a refusal that changes no password.
	{route: "POST /account/password", who: mxViewer, body: "current_password={formpassword}&new_password=another+long+passphrase&confirm_password=not+the+same+passphrase"},
	{route: "POST /account/calendar", who: mxViewer},
	{route: "POST /account/digest", who: mxViewer, body: "digest_enabled=on&digest_hour=7"},

	// Users and organisations: admins; everyone reads the organisations.
	{route: "GET /api/v1/users", who: mxAdmin},
	{route: "POST /api/v1/users", who: mxAdmin, body: `{"email":"mx{n}@a.test","name":"Matrix {n}","role":"viewer","organisation_id":{orgA},"password":"a long enough passphrase"}`},
	{route: "GET /api/v1/users/:id", who: mxAdmin},
	{route: "PATCH /api/v1/users/:id", who: mxAdmin, body: `{"name":"Target {n}"}`},
	{route: "GET /admin/users", who: mxAdmin},
	{route: "GET /admin/users/new", who: mxAdmin},
	{route: "POST /admin/users", who: mxAdmin, body: "email=mxpage{n}%40a.test&name=Matrix+Page+{n}&role=viewer&organisation_id={orgA}&password=a+long+enough+passphrase"},
	{route: "GET /admin/users/:id", who: mxAdmin},
	{route: "POST /admin/users/:id", who: mxAdmin, body: "email=target%40a.test&name=Target+{n}&role=viewer&organisation_id={orgA}"},
	{route: "POST /admin/users/:id/password", who: mxAdmin, body: "password=another+long+passphrase"},
	{route: "POST /admin/users/:id/active", who: mxAdmin, body: "active=false"},
	{route: "GET /api/v1/organisations", who: mxViewer},
	{route: "POST /api/v1/organisations", who: mxAdmin, body: `{"name":"Matrix Org {n}","short_name":"MX{n}","kind":"io"}`},
	{route: "GET /api/v1/organisations/:id", who: mxViewer},
	{route: "PATCH /api/v1/organisations/:id", who: mxAdmin, body: `{"name":"Org C {n}"}`},
	{route: "GET /admin/organisations", who: mxAdmin},
	{route: "GET /admin/organisations/new", who: mxAdmin},
	{route: "POST /admin/organisations", who: mxAdmin, body: "name=Matrix+Page+Org+{n}&short_name=MXP{n}&kind=ngo"},
	{route: "GET /admin/organisations/:id", who: mxAdmin},
	{route: "POST /admin/organisations/:id", who: mxAdmin, body: "name=Org+C+{n}&short_name=C&kind=ngo"},

	// The audit log: coordinators and admins.
	{route: "GET /api/v1/audit", who: mxCoordinator},
	{route: "GET /audit", who: mxCoordinator},

	// Reference lists: everyone reads them, admins change them.
	{route: "GET /api/v1/instruments", who: mxViewer},
	{route: "POST /api/v1/instruments", who: mxAdmin, body: `{"code":"C181","title":"Private Employment Agencies Convention","kind":"ilo_convention"}`},
	{route: "GET /admin/instruments", who: mxAdmin},
	{route: "POST /admin/instruments", who: mxAdmin, body: "code=C181&title=Private+Employment+Agencies+Convention&kind=ilo_convention"},
	{route: "GET /api/v1/stages", who: mxViewer},
	{route: "POST /api/v1/stages", who: mxAdmin, body: `{"name":"Matrix stage {n}"}`},
	{route: "PATCH /api/v1/stages/:id", who: mxAdmin, body: `{"name":"Matrix stage {n}"}`},
	{route: "DELETE /api/v1/stages/:id", who: mxAdmin, fresh: mxFreshStage},
	{route: "GET /admin/stages", who: mxAdmin},
	{route: "POST /admin/stages", who: mxAdmin, body: "name=Matrix+page+stage+{n}"},
	{route: "POST /admin/stages/:id", who: mxAdmin, body: "name=Matrix+stage+{n}&position=1"},
	{route: "POST /admin/stages/:id/delete", who: mxAdmin, fresh: mxFreshStage},

	// Countries and treaty status: everyone reads, members export,
	// coordinators record status and set campaign fields.
	{route: "GET /api/v1/countries", who: mxViewer, view: true},
	{route: "GET /api/v1/countries.csv", who: mxMember, view: true},
	{route: "GET /api/v1/countries/:iso3", who: mxViewer, view: true},
	{route: "PATCH /api/v1/countries/:iso3", who: mxCoordinator, body: `{"priority":"high"}`},
	{route: "PUT /api/v1/countries/:iso3/ratifications/:code", who: mxCoordinator, body: `{"status":"signed","signature_date":"2020-01-01","source":"matrix"}`},
	{route: "GET /api/v1/countries/:iso3/ratifications/:code/events", who: mxViewer},
	{route: "POST /api/v1/instruments/:code/import", who: mxCoordinator},
	{route: "GET /", who: mxViewer, view: true},
	{route: "GET /countries", who: mxViewer, view: true},
	{route: "GET /countries.csv", who: mxMember, view: true},
	{route: "GET /map", who: mxViewer, view: true},
	{route: "GET /countries/:iso3", who: mxViewer, view: true},
	{route: "GET /countries/:iso3/history/:code", who: mxViewer},
	{route: "GET /countries/:iso3/campaign", who: mxCoordinator},
	{route: "POST /countries/:iso3/campaign", who: mxCoordinator, body: "priority=medium"},
	{route: "GET /countries/:iso3/ratifications/:code", who: mxCoordinator},
	{route: "POST /countries/:iso3/ratifications/:code", who: mxCoordinator, body: "status=signed&signature_date=2021-02-03&source=matrix&confirm=yes"},
	{route: "GET /ratifications/import", who: mxCoordinator},
	{route: "POST /ratifications/import", who: mxCoordinator, body: "instrument=ICRMW&source=matrix&step=preview&content="},

	// Institutions and contacts: everyone reads, members edit,
	// coordinators export a person's data, erase, merge and import.
	{route: "GET /api/v1/institutions", who: mxViewer},
	{route: "POST /api/v1/institutions", who: mxMember, body: `{"country":"CHE","kind":"ministry","name":"Ministry {n}"}`},
	{route: "GET /api/v1/institutions/:id", who: mxViewer},
	{route: "PUT /api/v1/institutions/:id", who: mxMember, body: `{"country":"CHE","kind":"parliament","name":"Federal Assembly {n}"}`},
	{route: "GET /institutions", who: mxViewer},
	{route: "GET /institutions/new", who: mxMember},
	{route: "POST /institutions", who: mxMember, body: "name=Ministry+{n}&kind=ministry&country=CHE"},
	{route: "GET /institutions/:id", who: mxViewer},
	{route: "POST /institutions/:id", who: mxMember, body: "name=Federal+Assembly+{n}&kind=parliament&country=CHE"},
	{route: "GET /api/v1/contacts", who: mxViewer, path: "/api/v1/contacts?q=Dreifuss", view: true},
	{route: "POST /api/v1/contacts", who: mxMember, body: `{"first_name":"New","last_name":"Person {n}","kind":"diplomat"}`},
	{route: "GET /api/v1/contacts.csv", who: mxMember, view: true},
	{route: "POST /api/v1/contacts/import", who: mxCoordinator},
	{route: "POST /api/v1/contacts/merge", who: mxCoordinator, fresh: mxFreshContactPair, body: `{"keep_id":{fresh},"drop_id":{fresh2}}`},
	{route: "POST /api/v1/contacts/tags", who: mxMember, body: `{"ids":[{contact}],"tag":"tag-{n}"}`},
	{route: "GET /api/v1/contacts/:id", who: mxViewer, view: true},
	{route: "PUT /api/v1/contacts/:id", who: mxMember, path: "/api/v1/contacts/{contact2}", body: `{"first_name":"Hamid","last_name":"Rahimi","kind":"diplomat","country":"CHE","party":"P{n}"}`},
	{route: "DELETE /api/v1/contacts/:id", who: mxMember, fresh: mxFreshContact, path: "/api/v1/contacts/{fresh}?confirm=true"},
	{route: "GET /api/v1/contacts/:id/duplicates", who: mxViewer},
	{route: "GET /api/v1/contacts/:id/export", who: mxCoordinator, view: true},
	{route: "POST /api/v1/contacts/:id/erase", who: mxCoordinator, fresh: mxFreshContact},
	{route: "GET /api/v1/contacts/:id/positions", who: mxViewer},
	{route: "POST /api/v1/contacts/:id/positions", who: mxMember, body: `{"institution_id":{institution},"title":"Rapporteur {n}"}`},
	{route: "PUT /api/v1/contacts/:id/positions/:pid", who: mxMember, body: `{"institution_id":{institution},"title":"Member {n}"}`},
	{route: "GET /contacts", who: mxViewer, path: "/contacts?q=Dreifuss", view: true},
	{route: "GET /contacts.csv", who: mxMember, view: true},
	{route: "GET /contacts/picker", who: mxViewer, path: "/contacts/picker?q=Dreifuss"},
	{route: "GET /contacts/picker/chip", who: mxViewer, path: "/contacts/picker/chip?id={contact}"},
	{route: "GET /contacts/picker/none", who: mxViewer},
	{route: "POST /contacts/tags", who: mxMember, body: "ids={contact}&tag=tag{n}"},
	{route: "GET /contacts/new", who: mxMember},
	{route: "POST /contacts", who: mxMember, body: "first_name=Page&last_name=Person+{n}&kind=diplomat"},
	{route: "GET /contacts/import", who: mxCoordinator},
	{route: "POST /contacts/import", who: mxCoordinator},
	{route: "POST /contacts/merge", who: mxCoordinator, fresh: mxFreshContactPair, body: "a={fresh}&b={fresh2}&keep={fresh}"},
	{route: "GET /contacts/:id", who: mxViewer, view: true},
	{route: "POST /contacts/:id", who: mxMember, path: "/contacts/{contact2}", body: "first_name=Hamid&last_name=Rahimi&kind=diplomat&country=CHE"},
	{route: "GET /contacts/:id/edit", who: mxMember},
	{route: "GET /contacts/:id/delete", who: mxMember},
	{route: "POST /contacts/:id/delete", who: mxMember, fresh: mxFreshContact, body: "confirm=yes"},
	{route: "GET /contacts/:id/erase", who: mxCoordinator},
	{route: "POST /contacts/:id/erase", who: mxCoordinator, fresh: mxFreshContact, body: "confirm=yes"},
	{route: "GET /contacts/:id/export", who: mxCoordinator, view: true},
	{route: "GET /contacts/:id/merge", who: mxCoordinator},
	{route: "POST /contacts/:id/positions", who: mxMember, body: "title=Rapporteur+{n}&institution_id={institution}"},
	{route: "POST /contacts/:id/positions/:pid", who: mxMember, body: "title=Member+{n}&institution_id={institution}"},

	// Outreach: everyone reads what they may see; members log it and edit
	// their own organisation's, admins any they see.
	{route: "GET /api/v1/outreach", who: mxViewer, path: "/api/v1/outreach?country=CHE&per_page=200", view: true},
	{route: "POST /api/v1/outreach", who: mxMember, body: `{"type":"call","date":"{day}","summary":"Call {n}","visibility":"coalition"}`},
	{route: "GET /api/v1/outreach.csv", who: mxMember, view: true},
	{route: "GET /api/v1/outreach/:id", who: mxViewer, rec: mxOutreach},
	{route: "PUT /api/v1/outreach/:id", who: mxMember, other: mxAdmin, rec: mxOutreach,
		body: `{"type":"meeting","date":"{day}","country":"CHE","contact_ids":[{contact}],"summary":"{omark} edited {n}","next_steps":"{omark}","visibility":"{vis}"}`},
	{route: "DELETE /api/v1/outreach/:id", who: mxMember, other: mxAdmin, rec: mxOutreach, fresh: mxFreshOutreach},
	{route: "GET /outreach", who: mxViewer, view: true},
	{route: "GET /outreach.csv", who: mxMember, view: true},
	{route: "GET /outreach/new", who: mxMember, rec: mxFollowup, path: "/outreach/new?followup={followup}"},
	{route: "POST /outreach", who: mxMember, body: "type=call&date={day}&summary=Page+call+{n}&visibility=coalition"},
	{route: "GET /outreach/:id", who: mxViewer, rec: mxOutreach},
	{route: "GET /outreach/:id/edit", who: mxMember, other: mxAdmin, rec: mxOutreach},
	{route: "POST /outreach/:id", who: mxMember, other: mxAdmin, rec: mxOutreach,
		body: "type=meeting&date={day}&country=CHE&contact_ids={contact}&summary={omark}+page+edit+{n}&next_steps={omark}&visibility={vis}"},
	{route: "GET /outreach/:id/delete", who: mxMember, other: mxAdmin, rec: mxOutreach},
	{route: "POST /outreach/:id/delete", who: mxMember, other: mxAdmin, rec: mxOutreach, fresh: mxFreshOutreach},

	// Follow-ups: everyone reads what they may see; members create their
	// own and touch those assigned to or by them; coordinators any.
	{route: "GET /api/v1/followups", who: mxViewer, path: "/api/v1/followups?per_page=200", view: true},
	{route: "POST /api/v1/followups", who: mxMember, body: `{"title":"Own task {n}","due_date":"{due}"}`},
	{route: "GET /api/v1/followups/:id", who: mxViewer, rec: mxFollowup},
	{route: "PUT /api/v1/followups/:id", who: mxMember, other: mxCoordinator, rec: mxFollowup,
		body: `{"title":"{fmark} edited {n}","details":"{fmark}","due_date":"{due}","outreach_id":{outreach}}`},
	{route: "POST /api/v1/followups/:id/close", who: mxMember, other: mxCoordinator, rec: mxFollowup, body: `{"status":"done","outcome":"closed {n}"}`},
	{route: "GET /followups", who: mxViewer, view: true},
	{route: "GET /followups/new", who: mxMember, rec: mxOutreach, path: "/followups/new?outreach={outreach}"},
	{route: "POST /followups", who: mxMember, body: "title=Page+task+{n}&due_date={due}"},
	{route: "GET /followups/:id", who: mxViewer, rec: mxFollowup},
	{route: "POST /followups/:id", who: mxMember, other: mxCoordinator, rec: mxFollowup,
		body: "title={fmark}+page+edit+{n}&details={fmark}&due_date={due}&outreach_id={outreach}"},
	{route: "GET /followups/:id/close", who: mxMember, other: mxCoordinator, rec: mxFollowup},
	{route: "POST /followups/:id/close", who: mxMember, other: mxCoordinator, rec: mxFollowup, body: "status=done&outcome=closed+{n}"},

	// Email templates, campaigns, senders and suppressions: coordinators.
	{route: "GET /api/v1/templates", who: mxCoordinator},
	{route: "POST /api/v1/templates", who: mxCoordinator, body: `{"name":"T {n}","variants":[{"language":"en","subject":"S","html":"<p>H</p>"}]}`},
	{route: "GET /api/v1/templates/:id", who: mxCoordinator},
	{route: "PUT /api/v1/templates/:id", who: mxCoordinator, body: `{"name":"Letter {n}","variants":[{"language":"en","subject":"S","html":"<p>Dear {{.Contact.FirstName}}</p>"}]}`},
	{route: "DELETE /api/v1/templates/:id", who: mxCoordinator, fresh: mxFreshTemplate},
	{route: "POST /api/v1/templates/:id/preview", who: mxCoordinator, body: `{"contact_id":{contact}}`},
	{route: "GET /api/v1/senders", who: mxCoordinator},
	{route: "POST /api/v1/senders", who: mxCoordinator, body: `{"name":"S {n}","email":"s{n}@example.org"}`},
	{route: "GET /api/v1/campaigns", who: mxCoordinator},
	{route: "POST /api/v1/campaigns", who: mxCoordinator, body: `{"name":"C {n}","template_id":{template},"fallback_language":"en","audience":{"countries":["CHE"]}}`},
	{route: "GET /api/v1/campaigns/:id", who: mxCoordinator},
	{route: "PUT /api/v1/campaigns/:id", who: mxCoordinator, body: `{"name":"C {n}","template_id":{template},"fallback_language":"en","audience":{"countries":["CHE"]}}`},
	{route: "POST /api/v1/campaigns/:id/:action", who: mxCoordinator, fresh: mxFreshCampaign, path: "/api/v1/campaigns/{fresh}/start", body: `{}`},
	{route: "GET /api/v1/campaigns/:id/recipients", who: mxCoordinator},
	{route: "POST /api/v1/audience/preview", who: mxCoordinator, body: `{"audience":{"countries":["CHE"]},"template_id":{template}}`},
	{route: "GET /api/v1/suppressions", who: mxCoordinator},
	{route: "POST /api/v1/suppressions", who: mxCoordinator, body: `{"email":"off{n}@example.org"}`},
	{route: "DELETE /api/v1/suppressions/:id", who: mxCoordinator, fresh: mxFreshSuppression},
	{route: "GET /templates", who: mxCoordinator},
	{route: "GET /templates/new", who: mxCoordinator},
	{route: "POST /templates", who: mxCoordinator, body: "name=Page+T+{n}&language=en&subject=S&html=%3Cp%3EH%3C%2Fp%3E&text="},
	{route: "GET /templates/:id", who: mxCoordinator},
	{route: "POST /templates/:id", who: mxCoordinator, body: "name=Letter+{n}&language=en&subject=S&html=%3Cp%3EDear%3C%2Fp%3E&text="},
	{route: "GET /templates/:id/delete", who: mxCoordinator},
	{route: "POST /templates/:id/delete", who: mxCoordinator, fresh: mxFreshTemplate},
	{route: "GET /templates/:id/preview.html", who: mxCoordinator, path: "/templates/{template}/preview.html?contact={contact}&lang=en"},
	{route: "POST /templates/:id/test", who: mxCoordinator, body: "contact_id={contact}&lang=en"},
	{route: "GET /campaigns", who: mxCoordinator},
	{route: "GET /campaigns/new", who: mxCoordinator},
	{route: "POST /campaigns", who: mxCoordinator, body: "name=Page+C+{n}&template_id={template}&fallback_language=en&countries=CHE"},
	{route: "POST /campaigns/audience", who: mxCoordinator, body: "name=Page+C+{n}&template_id={template}&fallback_language=en&countries=CHE"},
	{route: "GET /campaigns/:id", who: mxCoordinator},
	{route: "POST /campaigns/:id", who: mxCoordinator, body: "name=Page+C+{n}&template_id={template}&fallback_language=en&countries=CHE"},
	{route: "GET /campaigns/:id/progress", who: mxCoordinator},
	{route: "POST /campaigns/:id/start", who: mxCoordinator, fresh: mxFreshCampaign, body: "when=now"},
	{route: "POST /campaigns/:id/pause", who: mxCoordinator, fresh: mxFreshCampaign},
	{route: "POST /campaigns/:id/resume", who: mxCoordinator, fresh: mxFreshCampaign},
	{route: "GET /campaigns/:id/cancel", who: mxCoordinator},
	{route: "POST /campaigns/:id/cancel", who: mxCoordinator, fresh: mxFreshCampaign, body: "confirm=yes"},
	{route: "POST /campaigns/:id/retry", who: mxCoordinator, fresh: mxFreshCampaign},
	{route: "GET /suppressions", who: mxCoordinator},
	{route: "POST /suppressions", who: mxCoordinator, body: "email=offpage{n}%40example.org&note=matrix"},
	{route: "POST /suppressions/:id/delete", who: mxCoordinator, fresh: mxFreshSuppression},
	{route: "GET /senders", who: mxCoordinator},
	{route: "POST /senders", who: mxCoordinator, body: "name=S+{n}&email=s{n}%40example.org"},
}

// mxSearches are more requests of view rows: filters and searches whose
// answers must also be the same for other organisations with or without
// A's private records. who, when set, is the least role the query needs.
var mxSearches = []struct {
	route, path string
	who         mxWho
}{
	{"GET /api/v1/outreach", "/api/v1/outreach?organisation_id={orgA}", ""},
	{"GET /api/v1/outreach", "/api/v1/outreach?visibility=organisation", ""},
	{"GET /api/v1/outreach", "/api/v1/outreach?contact_id={contact}&instrument=ICRMW&type=meeting", ""},
	{"GET /api/v1/outreach.csv", "/api/v1/outreach.csv?contact_id={contact}", ""},
	{"GET /api/v1/followups", "/api/v1/followups?assignee={memberA}&status=open", ""},
	{"GET /api/v1/followups", "/api/v1/followups?country=CHE&overdue=false", ""},
	{"GET /outreach", "/outreach?country=CHE&organisation_id={orgA}", ""},
	{"GET /followups", "/followups?view=all", mxCoordinator},
	{"GET /followups", "/followups?view=all&assignee={memberA}", mxCoordinator},
	{"GET /contacts", "/contacts?country=CHE", ""},
}

// mxIDs fills an :id parameter from the path segment before it.
var mxIDs = map[string]string{
	"contacts": "{contact}", "outreach": "{outreach}", "followups": "{followup}", "templates": "{template}",
	"campaigns": "{campaign}", "suppressions": "{suppression}", "users": "{user}", "organisations": "{org}",
	"stages": "{stage}", "institutions": "{institution}",
}

// mxPath is the row's request path before its placeholders are filled.
func mxPath(row mxRow) string {
	if row.path != "" {
		return row.path
	}
	_, pattern, _ := strings.Cut(row.route, " ")
	segs := strings.Split(pattern, "/")
	for i, s := range segs {
		switch s {
		case ":id":
			segs[i] = mxIDs[segs[i-1]]
			if row.fresh != "" {
				segs[i] = "{fresh}"
			}
		case ":iso3":
			segs[i] = "CHE"
		case ":code":
			segs[i] = "ICRMW"
		case ":pid":
			segs[i] = "{position}"
		case ":token":
			segs[i] = "{token}"
		}
	}
	return strings.Join(segs, "/")
}

// mxAllows reports whether a user of role r passes the row's role rule.
func mxAllows(who mxWho, r model.Role) bool {
	return who == mxPublic || r.AtLeast(model.Role(who))
}

// mxRoleAllows reports whether a user of role r may call the registered
// route, on a record of their own organisation; permissions_test.go takes
// its expectations from here.
func mxRoleAllows(t *testing.T, route string, r model.Role) bool {
	t.Helper()
	for _, row := range mxTable {
		if row.route == route {
			return mxAllows(row.who, r)
		}
	}
	t.Fatalf("%s has no row in mxTable", route)
	return false
}

// mxOutcome is what a client should get.
type mxOutcome int

const (
	mxAllowed   mxOutcome = iota // past the permission checks
	mxSignIn                     // 401 on the API; a redirect to the sign-in page for pages
	mxForbidden                  // 403
	mxNotFound                   // 404: another organisation's private record
	// mxHidden is another organisation's private record for someone whose
	// role is refused anyway: 403 or 404, as for a record that does not
	// exist.
	mxHidden
)

// mxVariant is which of A's records an owned row addresses.
type mxVariant string

const (
	mxNoRecord  mxVariant = ""
	mxCoalition mxVariant = "coalition record"
	mxPrivate   mxVariant = "private record"
)

// mxClient is one client of the matrix.
type mxClient struct {
	name   string      // the email, or "anonymous"
	user   *model.User // nil when anonymous
	active bool
	token  string // for the API
	cookie string // for pages
}

// expect is the outcome the table gives the client for the row.
func (c *mxClient) expect(row mxRow, v mxVariant, orgA int64) mxOutcome {
	switch {
	case row.who == mxPublic:
		return mxAllowed
	case c.user == nil || !c.active:
		return mxSignIn
	case v == mxPrivate && c.user.OrganisationID != orgA && !mxAllows(row.who, c.user.Role):
		return mxHidden
	case v == mxPrivate && c.user.OrganisationID != orgA:
		return mxNotFound
	case !mxAllows(row.who, c.user.Role):
		return mxForbidden
	case row.rec == mxShared || c.user.OrganisationID == orgA:
		return mxAllowed
	case row.other != "" && !mxAllows(row.other, c.user.Role):
		return mxForbidden
	}
	return mxAllowed
}

// mxRun is one matrix run over one database.
type mxRun struct {
	e       *env
	clients []*mxClient
	vars    map[string]string // placeholders shared by every row
	variant map[mxVariant]map[string]string
	n       int // numbers each request, for unique names in bodies
	sent    int
}

// mxEnv signs every client in once, deactivates the deactivated one and
// seeds what the rows' placeholders name, except A's private records.
func mxEnv(t *testing.T, st *store.Store) *mxRun {
	t.Helper()
	ctx := context.Background()
	e := newEnvWith(t, st, service.MailDeps{Transport: &mail.Outbox{Dir: t.TempDir()}, FromAddr: "noreply@example.org",
		PublicURL: "http://ratify.test", Unsubscribe: auth.NewUnsubscribe(testSecret), Outbox: true})
	m := &mxRun{e: e, vars: map[string]string{}, variant: map[mxVariant]map[string]string{}}
	admin := service.Actor{User: e.users["admin@a.test"]}

	// Users the admin routes act on, and a calendar-feed owner: none of
	// them is a client, so those routes do not sign a client out.
	for _, u := range []service.NewUser{
		{Email: "inactive@a.test", Name: "Inactive A", Role: model.RoleAdmin, Password: testPassword},
		{Email: "target@a.test", Name: "Target A", Role: model.RoleViewer, Password: testPassword},
		{Email: "feed@a.test", Name: "Feed A", Role: model.RoleMember, Password: testPassword},
	} {
		created, _, err := e.svc.CreateUserCLI(ctx, u, "A")
		if err != nil {
			t.Fatalf("seed %s: %v", u.Email, err)
		}
		e.users[u.Email] = created
	}
	for _, org := range []string{"a", "b"} {
		for _, r := range model.Roles {
			m.clients = append(m.clients, &mxClient{name: string(r) + "@" + org + ".test", user: e.users[string(r)+"@"+org+".test"], active: true})
		}
	}
	m.clients = append(m.clients, &mxClient{name: "anonymous"},
		&mxClient{name: "inactive@a.test", user: e.users["inactive@a.test"]})
	for _, c := range m.clients {
		if c.user != nil {
			m.signIn(c)
		}
	}
	// Deactivation ends the sessions the inactive admin had just opened.
	inactive := false
	if _, _, err := e.svc.UpdateUser(ctx, admin, e.users["inactive@a.test"].ID, service.UserPatch{Active: &inactive}); err != nil {
		t.Fatal(err)
	}

	// The organisation the admin routes rename, which no client belongs to.
	orgC, err := e.svc.CreateOrganisationSystem(ctx, model.Organisation{Name: "Org C", ShortName: "C", Kind: model.OrgNGO})
	if err != nil {
		t.Fatal(err)
	}
	ics, err := e.svc.CalendarToken(ctx, service.Actor{User: e.users["feed@a.test"]}, false)
	if err != nil {
		t.Fatal(err)
	}
	stage, err := e.svc.CreateStage(ctx, admin, "Matrix stage")
	if err != nil {
		t.Fatal(err)
	}
	inst := cxInstitution(t, e, "member@a.test", "CHE", "parliament", "Federal Assembly")
	contact := mpContact(t, e, "Ruth", "CHE", "ruth.dreifuss@example.org", func(c *model.Contact) { c.LastName = "Dreifuss" })
	contact2 := mpContact(t, e, "Hamid", "CHE", "", nil)
	pos := cxID(t, e, "member@a.test", fmt.Sprintf("/api/v1/contacts/%d/positions", contact), map[string]any{"institution_id": inst, "title": "Member"})
	tpl := mpTemplate(t, e, "<p>Dear {{.Contact.FirstName}}</p>", "en")
	camp := m.campaign(t, tpl)
	sup, err := e.svc.AddSuppression(ctx, caCoord(e), "gone@example.org", "bounced")
	if err != nil {
		t.Fatal(err)
	}
	m.vars = map[string]string{
		"{orgA}": apiID(e.orgA.ID), "{org}": apiID(orgC.ID), "{user}": apiID(e.users["target@a.test"].ID),
		"{memberA}": apiID(e.users["member@a.test"].ID), "{ics}": ics, "{stage}": apiID(stage.ID),
		"{token}": auth.NewUnsubscribe(testSecret).Sign(1, "leaver@example.org"), "{institution}": apiID(inst),
		"{contact}": apiID(contact), "{contact2}": apiID(contact2), "{position}": apiID(pos), "{template}": apiID(tpl),
		"{campaign}": apiID(camp), "{suppression}": apiID(sup.ID), "{day}": cxDay(e, -1), "{due}": cxDay(e, 7),
		"{password}": testPassword, "{formpassword}": url.QueryEscape(testPassword),
	}
	// A's coalition records, a meeting and a follow-up on it.
	pub := cxOutreach(t, e, "member@a.test", mxPubOutreach+" coalition meeting", "coalition", "CHE", contact)
	m.variant[mxCoalition] = map[string]string{"{outreach}": apiID(pub),
		"{followup}": apiID(m.followup(t, mxPubFollowup, pub)), "{vis}": "coalition", "{omark}": mxPubOutreach, "{fmark}": mxPubFollowup}
	// Rows that address no record of A's may still name one in a body.
	m.variant[mxNoRecord] = m.variant[mxCoalition]
	return m
}

// seedPrivate adds A's private meeting, whose text holds mxPrivOutreach,
// and a follow-up on it, whose text holds mxPrivFollowup.
func (m *mxRun) seedPrivate(t *testing.T) {
	t.Helper()
	contact := m.vars["{contact}"]
	var id int64
	fmt.Sscan(contact, &id)
	priv := cxOutreach(t, m.e, "member@a.test", mxPrivOutreach+" frank remarks", "organisation", "CHE", id)
	m.variant[mxPrivate] = map[string]string{"{outreach}": apiID(priv),
		"{followup}": apiID(m.followup(t, mxPrivFollowup, priv)), "{vis}": "organisation", "{omark}": mxPrivOutreach, "{fmark}": mxPrivFollowup}
}

// followup has coordinator@a.test give member@a.test a follow-up on outreach.
func (m *mxRun) followup(t *testing.T, mark string, outreach int64) int64 {
	t.Helper()
	return cxFollowup(t, m.e, "coordinator@a.test", map[string]any{"title": mark + " task", "details": mark + " details",
		"assignee_id": m.e.users["member@a.test"].ID, "outreach_id": outreach})
}

func (m *mxRun) campaign(t *testing.T, template int64) int64 {
	t.Helper()
	cp, err := m.e.svc.SaveCampaign(context.Background(), caCoord(m.e), 0, service.CampaignInput{Name: "Draft",
		TemplateID: template, Audience: model.Audience{Countries: []string{"CHE"}}})
	if err != nil {
		t.Fatal(err)
	}
	return cp.ID
}

// signIn opens the client's API and browser sessions.
func (m *mxRun) signIn(c *mxClient) {
	c.token = m.e.token(c.name)
	c.cookie = apiBrowserSession(m.e, c.name)
}

// resume gives a client that signed out new sessions without signing in
// again (a password check per client and route would dominate the run).
func (m *mxRun) resume(t *testing.T, c *mxClient) {
	t.Helper()
	tokens, err := auth.NewTokens(testSecret, time.Hour, m.e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	u := m.e.user(c.name)
	if c.token, _, err = tokens.Issue(u.ID, u.TokenVersion); err != nil {
		t.Fatal(err)
	}
	c.cookie = c.token
	m.e.tokens[c.name] = c.token
}

// fresh makes the throwaway records of a destructive row for one allowed
// request.
func (m *mxRun) fresh(t *testing.T, kind mxFresh, v mxVariant) map[string]string {
	t.Helper()
	ctx := context.Background()
	n := fmt.Sprint(m.n)
	var id, id2 int64
	switch kind {
	case mxFreshContact, mxFreshContactPair:
		id = mpContact(t, m.e, "Fresh "+n, "CHE", "", nil)
		id2 = mpContact(t, m.e, "Fresh "+n+" twin", "CHE", "", nil)
	case mxFreshOutreach:
		vars := m.variant[v]
		id = cxOutreach(t, m.e, "member@a.test", vars["{omark}"]+" to delete "+n, vars["{vis}"], "CHE")
	case mxFreshTemplate:
		id = mpTemplate(t, m.e, "<p>x</p>", "en")
	case mxFreshSuppression:
		s, err := m.e.svc.AddSuppression(ctx, caCoord(m.e), "fresh"+n+"@example.org", "")
		if err != nil {
			t.Fatal(err)
		}
		id = s.ID
	case mxFreshStage:
		s, err := m.e.svc.CreateStage(ctx, service.Actor{User: m.e.users["admin@a.test"]}, "Fresh stage "+n)
		if err != nil {
			t.Fatal(err)
		}
		id = s.ID
	case mxFreshCampaign:
		var tpl int64
		fmt.Sscan(m.vars["{template}"], &tpl)
		id = m.campaign(t, tpl)
	default:
		t.Fatalf("no throwaway %q", kind)
	}
	return map[string]string{"{fresh}": apiID(id), "{fresh2}": apiID(id2)}
}

// kept stands in for the throwaway records in refused requests: the
// seeded records, which a refusal must leave as they are.
func (m *mxRun) kept(kind mxFresh, v mxVariant) map[string]string {
	switch kind {
	case mxFreshContact, mxFreshContactPair:
		return map[string]string{"{fresh}": m.vars["{contact2}"], "{fresh2}": m.vars["{contact}"]}
	case mxFreshOutreach:
		return map[string]string{"{fresh}": m.variant[v]["{outreach}"]}
	case mxFreshTemplate:
		return map[string]string{"{fresh}": m.vars["{template}"]}
	case mxFreshSuppression:
		return map[string]string{"{fresh}": m.vars["{suppression}"]}
	case mxFreshStage:
		return map[string]string{"{fresh}": m.vars["{stage}"]}
	case mxFreshCampaign:
		return map[string]string{"{fresh}": m.vars["{campaign}"]}
	}
	return nil
}

// fill replaces the placeholders of s; {n} numbers the request.
func (m *mxRun) fill(s string, more ...map[string]string) string {
	pairs := []string{"{n}", fmt.Sprint(m.n)}
	for _, vars := range append([]map[string]string{m.vars}, more...) {
		for k, v := range vars {
			pairs = append(pairs, k, v)
		}
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// send sends one request as the client: Bearer to the API, the session
// cookie (with this site's Sec-Fetch-Site on posts) to pages.
func (m *mxRun) send(c *mxClient, method, path, body string) response {
	m.n++
	m.sent++
	return permSend(m.e, method, path, body, c.token, c.cookie)
}

// mxState fingerprints what a refused request could change: apiState's
// users, organisations and audit count, caState's email tables, every row
// of the contact, outreach and reference tables, and the countries and
// standings someone has changed.
func mxState(t *testing.T, e *env) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(apiState(t, e))
	b.WriteString(caState(t, e.st))
	qs := []string{
		"SELECT id, calendar_token, digest_enabled, digest_hour FROM users ORDER BY id",
		"SELECT count(*) FROM ratification_events",
		"SELECT * FROM ratifications WHERE updated_by_id IS NOT NULL ORDER BY id",
		"SELECT * FROM countries WHERE updated_by_id IS NOT NULL ORDER BY iso3",
	}
	for _, tb := range []string{"institutions", "contacts", "contact_emails", "contact_phones", "contact_tags", "positions",
		"outreach", "outreach_instruments", "outreach_contacts", "followups", "campaign_stages", "instruments"} {
		qs = append(qs, "SELECT * FROM "+tb+" ORDER BY 1, 2")
	}
	for _, q := range qs {
		b.WriteString(q + "\n")
		for _, r := range caRows(t, e.st, q) {
			b.WriteString(strings.Join(r, "|") + "\n")
		}
	}
	return b.String()
}

// mxRoutes checks that the table and the router name the same routes, once
// each, and returns the registered ones.
func mxRoutes(t *testing.T, e *env) map[string]bool {
	t.Helper()
	engine, ok := e.srv.Config.Handler.(*gin.Engine)
	if !ok {
		t.Fatalf("the handler is a %T, not a gin engine", e.srv.Config.Handler)
	}
	registered := map[string]bool{}
	for _, r := range engine.Routes() {
		registered[r.Method+" "+r.Path] = true
	}
	rows := map[string]bool{}
	for _, row := range mxTable {
		switch {
		case rows[row.route]:
			t.Errorf("%s has two rows in mxTable", row.route)
		case !registered[row.route]:
			t.Errorf("mxTable has a row for %s, which the router does not register", row.route)
		}
		rows[row.route] = true
		if p := mxPath(row); strings.Contains(p, "{}") || strings.Contains(p, "/:") || strings.Contains(p, "*") {
			t.Errorf("%s: no value for a parameter in %q", row.route, p)
		}
	}
	for r := range registered {
		if !rows[r] {
			t.Errorf("%s is registered but has no row in mxTable: say who may call it", r)
		}
	}
	return registered
}

// mxCell is one row, for one of A's records when it addresses one.
type mxCell struct {
	row     mxRow
	variant mxVariant
	method  string
}

// TestAccessMatrix walks every registered route as every client.
func TestAccessMatrix(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		start := time.Now()
		m := mxEnv(t, st)
		registered := mxRoutes(t, m.e)
		m.views(t)
		var cells []mxCell
		for _, row := range mxTable {
			if !registered[row.route] {
				continue
			}
			method, _, _ := strings.Cut(row.route, " ")
			if row.rec == mxShared {
				cells = append(cells, mxCell{row, mxNoRecord, method})
			} else {
				cells = append(cells, mxCell{row, mxCoalition, method}, mxCell{row, mxPrivate, method})
			}
		}
		m.refusals(t, cells)
		m.allowances(t, cells)
		t.Logf("%d routes × %d clients, %d of the routes for both a coalition and a private record of A: %d requests in %s",
			len(registered), len(m.clients), len(cells)-len(registered), m.sent, time.Since(start).Round(time.Millisecond))
	})
}

// refusals sends every refused request, in table order. Refusals change
// nothing and need no throwaway records, so they all run before the
// allowed ones, and the fingerprint taken after each state-changing row
// covers that row and the reads before it.
func (m *mxRun) refusals(t *testing.T, cells []mxCell) {
	t.Helper()
	orgA := m.e.orgA.ID
	// A record that does not exist, for comparing answers about private ones.
	none := map[string]string{"{outreach}": "999999", "{followup}": "999999", "{fresh}": "999999"}
	before := mxState(t, m.e)
	var span []string
	for i, cell := range cells {
		for _, c := range m.clients {
			want := c.expect(cell.row, cell.variant, orgA)
			if want == mxAllowed {
				continue
			}
			vars := []map[string]string{m.variant[cell.variant], m.kept(cell.row.fresh, cell.variant)}
			path, body := m.fill(mxPath(cell.row), vars...), m.fill(cell.row.body, vars...)
			res := m.send(c, cell.method, path, body)
			m.check(t, cell, c, path, res)
			if want == mxNotFound || want == mxHidden {
				// Its existence is private too: the answer is the one for no record.
				vars = append(vars, none)
				nothing := m.send(c, cell.method, m.fill(mxPath(cell.row), vars...), m.fill(cell.row.body, vars...))
				if nothing.Status != res.Status || nothing.Body != res.Body {
					t.Errorf("%s %s as %s: A's private record answers %d, a missing one %d:\n%s", cell.method, path, c.name,
						res.Status, nothing.Status, mxDiff(res.Body, nothing.Body))
				}
			}
		}
		span = append(span, fmt.Sprintf("%s (%s)", cell.row.route, cell.variant))
		if cell.method == "GET" && i < len(cells)-1 {
			continue
		}
		if after := mxState(t, m.e); after != before {
			t.Errorf("refused requests changed the database, in %s:\nbefore only:\n%s\nafter only:\n%s", strings.Join(span, "; "),
				strings.Join(apiLineDiff(before, after), "\n"), strings.Join(apiLineDiff(after, before), "\n"))
			before = after
		}
		span = nil
	}
}

// allowances sends every allowed request, in table order, each destructive
// one on its own throwaway record.
func (m *mxRun) allowances(t *testing.T, cells []mxCell) {
	t.Helper()
	for _, cell := range cells {
		for _, c := range m.clients {
			if c.expect(cell.row, cell.variant, m.e.orgA.ID) != mxAllowed {
				continue
			}
			vars := []map[string]string{m.variant[cell.variant]}
			if cell.row.fresh != "" {
				vars = append(vars, m.fresh(t, cell.row.fresh, cell.variant))
			}
			path, body := m.fill(mxPath(cell.row), vars...), m.fill(cell.row.body, vars...)
			var version int64
			if cell.row.logout {
				version = m.e.user(c.name).TokenVersion
			}
			m.check(t, cell, c, path, m.send(c, cell.method, path, body))
			if cell.row.logout {
				// Signing out is let through when it ends the sessions.
				if m.e.user(c.name).TokenVersion <= version {
					t.Errorf("%s %s as %s: still signed in", cell.method, path, c.name)
				}
				m.resume(t, c)
			}
		}
	}
}

// check compares one answer with the client's expected outcome, and looks
// for A's private text in every answer to someone outside A.
func (m *mxRun) check(t *testing.T, cell mxCell, c *mxClient, path string, res response) {
	t.Helper()
	api := strings.HasPrefix(path, "/api/")
	want := c.expect(cell.row, cell.variant, m.e.orgA.ID)
	what := fmt.Sprintf("%s %s as %s", cell.method, path, c.name)
	if cell.variant != mxNoRecord {
		what += " (A's " + string(cell.variant) + ")"
	}
	if c.user == nil || c.user.OrganisationID != m.e.orgA.ID {
		for _, mark := range []string{mxPrivOutreach, mxPrivFollowup} {
			if i := strings.Index(res.Body, mark); i >= 0 {
				t.Errorf("%s: the answer (%d) holds A's private text: …%s…", what, res.Status, res.Body[max(0, i-120):min(len(res.Body), i+60)])
			}
		}
	}
	var code string
	if api && res.Status >= 400 {
		var b apiErrorBody
		_ = json.Unmarshal([]byte(res.Body), &b)
		code = b.Error.Code
	}
	loc := res.Header.Get("Location")
	switch want {
	case mxAllowed:
		switch {
		case res.Status == 401 || res.Status == 403 || res.Status == 404 || res.Status >= 500:
			t.Errorf("%s: %d, want the request let through: %s", what, res.Status, mxClip(res.Body))
		case cell.row.who == mxPublic || cell.row.logout:
		case res.Status == http.StatusSeeOther && strings.HasPrefix(loc, "/login"):
			t.Errorf("%s: sent to %q, want the request let through", what, loc)
		case cell.method == "GET" && res.Status != 200 && res.Status != http.StatusSeeOther:
			t.Errorf("%s: %d, want 200: %s", what, res.Status, mxClip(res.Body))
		}
	case mxSignIn:
		switch {
		case api && (res.Status != 401 || code != "unauthorized"):
			t.Errorf("%s: %d %q, want 401 unauthorized: %s", what, res.Status, code, mxClip(res.Body))
		case !api && (res.Status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login")):
			t.Errorf("%s: %d to %q, want 303 to /login", what, res.Status, loc)
		case !api && cell.method == "GET" && loc != "/login?next="+url.QueryEscape(path):
			t.Errorf("%s: sent to %q, want /login?next=%s", what, loc, url.QueryEscape(path))
		}
	case mxForbidden:
		switch {
		case res.Status != 403:
			t.Errorf("%s: %d, want 403: %s", what, res.Status, mxClip(res.Body))
		case api && code != "forbidden":
			t.Errorf("%s: code %q, want forbidden", what, code)
		case !api && !strings.Contains(res.Body, "Not allowed"):
			t.Errorf("%s: the 403 page does not say so: %s", what, mxClip(res.Body))
		}
	case mxNotFound, mxHidden:
		switch {
		case want == mxHidden && res.Status == 403:
		case res.Status != 404:
			t.Errorf("%s: %d, want 404 (another organisation's private record): %s", what, res.Status, mxClip(res.Body))
		case api && code != "not_found":
			t.Errorf("%s: code %q, want not_found", what, code)
		}
	}
}

// mxClip shortens an answer for a message: a page to its title and first
// message, JSON to its start.
func mxClip(body string) string {
	if !strings.HasPrefix(body, "<!doctype") {
		return apiClip(body)
	}
	var parts []string
	for _, tag := range []string{"<title>", "<h1>", `role="alert">`} {
		if _, rest, ok := strings.Cut(body, tag); ok {
			text, _, _ := strings.Cut(rest, "<")
			parts = append(parts, strings.TrimSpace(text))
		}
	}
	return "page: " + strings.Join(parts, " | ")
}

// views checks the view rows and searches for every user of B: their
// answers are byte for byte the same before and after A logs private
// records, so no list, search, export, count or dashboard figure lets them
// in. It then seeds those private records for the rest of the matrix.
func (m *mxRun) views(t *testing.T) {
	t.Helper()
	type req struct {
		route, path string
		who         mxWho
	}
	var reqs []req
	for _, row := range mxTable {
		if row.view {
			reqs = append(reqs, req{row.route, mxPath(row), row.who})
		}
	}
	for _, s := range mxSearches {
		if s.who == "" {
			s.who = mxTable[slices.IndexFunc(mxTable, func(row mxRow) bool { return row.route == s.route })].who
		}
		reqs = append(reqs, req{s.route, s.path, s.who})
	}
	var outsiders []*mxClient
	for _, c := range m.clients {
		if c.user != nil && c.active && c.user.OrganisationID != m.e.orgA.ID {
			outsiders = append(outsiders, c)
		}
	}
	look := func() map[string]response {
		out := map[string]response{}
		for _, r := range reqs {
			for _, c := range outsiders {
				if !mxAllows(r.who, c.user.Role) {
					continue
				}
				path := m.fill(r.path)
				method, _, _ := strings.Cut(r.route, " ")
				res := m.send(c, method, path, "")
				if res.Status != 200 {
					t.Errorf("GET %s as %s: %d %s", path, c.name, res.Status, mxClip(res.Body))
				}
				out[c.name+" "+path] = res
			}
		}
		return out
	}
	before := look()
	m.seedPrivate(t)
	after := look()
	for k, b := range before {
		if a := after[k]; a.Body != b.Body {
			t.Errorf("%s: the answer changed when A logged private records:\n%s", k, mxDiff(b.Body, a.Body))
		}
	}
	// The private records are where the lists would show them, and the
	// coalition ones are in the lists other organisations see.
	for _, c := range []struct{ who, path, mark string }{
		{"viewer@a.test", "/api/v1/outreach?per_page=200", mxPrivOutreach},
		{"viewer@a.test", "/api/v1/followups?per_page=200", mxPrivFollowup},
		{"member@a.test", "/outreach.csv", mxPrivOutreach},
		{"viewer@b.test", "/api/v1/outreach?per_page=200", mxPubOutreach},
		{"viewer@b.test", "/api/v1/followups?per_page=200", mxPubFollowup},
		{"member@b.test", "/outreach.csv", mxPubOutreach},
	} {
		i := slices.IndexFunc(m.clients, func(x *mxClient) bool { return x.name == c.who })
		if res := m.send(m.clients[i], "GET", c.path, ""); res.Status != 200 || !strings.Contains(res.Body, c.mark) {
			t.Errorf("GET %s as %s: %d without %s", c.path, c.who, res.Status, c.mark)
		}
	}
}

// mxDiff shows the first lines where two answers differ.
func mxDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d\n- %s\n+ %s", i+1, apiClip(x), apiClip(y))
		}
	}
	return "(same lines)"
}

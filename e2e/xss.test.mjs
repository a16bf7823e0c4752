// Stored cross-site scripting: the filter-evasion payloads of
// e2e/xss-payloads.txt are saved, through the JSON API as an admin, in every
// kind of text field people type (contact names, party, honorific, email and
// phone labels, evidence, source; institution names and post titles;
// outreach summaries and next steps; follow-up titles and details;
// organisation and user names; country notes and a treaty status source;
// template names, subjects and bodies; campaign names; suppression notes).
// Then every page that shows them is visited, in two browsers:
//
// - one with the Content-Security-Policy switched off (Playwright's
//   bypassCSP), so that only the escaping stands between a payload and the
//   page: no dialog may open, no payload may set window.__xss, the payloads
//   must read as text on the page, and the DOM may hold no element or
//   attribute that a payload could have brought (event handlers, script,
//   javascript: URLs, object, base, meta refresh, htmx triggers...);
// - one as shipped, where additionally no CSP violation and no console error
//   may occur, and where a template's rendered body, opened directly, runs no
//   script either (its own sandbox policy).
//
// The template preview shows the coordinator's own HTML (which holds every
// payload as markup) in a sandboxed iframe: script must not run there either.
// A canary first proves the detectors work: the same payloads written into a
// blank page unescaped set them all off.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';

import { api, apiLogin } from './lib/api.mjs';
import { cspViolations, htmxIdle, launchBrowser, login, withPage } from './lib/browser.mjs';
import { startServer } from './lib/server.mjs';

const ADMIN = 'admin@demo.example.org';
const PAYLOADS = readFileSync(new URL('./xss-payloads.txt', import.meta.url), 'utf8')
  .split('\n').map((s) => s.replace(/\r$/, '')).filter((s) => s.trim() !== '');
const norm = (s) => s.replace(/\s+/g, ' ').trim();
const bytes = (s) => Buffer.byteLength(s, 'utf8');
const SHORT = PAYLOADS.filter((p) => bytes(p) <= 50); // for fields of at most 50 characters

let server;
let browser;
const made = {}; // what the setup saved: ids, and which payloads went where

before(async () => {
  assert.ok(PAYLOADS.length >= 40, `only ${PAYLOADS.length} payloads`);
  for (const p of PAYLOADS) assert.ok(bytes(p) <= 100, `payload longer than a name may be: ${p}`);
  [server, browser] = await Promise.all([startServer({ readyTimeoutMs: 60_000 }), launchBrowser()]);
  await store(await apiLogin(server.url, ADMIN));
}, { timeout: 180_000 });

after(async () => {
  await Promise.allSettled([browser?.close(), server?.stop()]);
});

/** Calls the API and returns the HTTP status and body, whatever the status. */
async function call(token, method, path, body) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Saves the payloads in every kind of text field, as the admin. */
async function store({ token, user }) {
  const tok = `x${Date.now().toString(36)}`;
  const P = PAYLOADS;
  const n = P.length;
  const at = (i) => P[((i % n) + n) % n];
  const post = (path, body) => api(server.url, token, 'POST', path, body);
  made.tok = tok;
  const day = (offset) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

  // Organisations named after each payload; the short name is the payload too when it can be.
  made.orgs = [];
  for (let i = 0; i < n; i++) {
    let r = { status: 0 };
    if (!/\s/.test(P[i]) && bytes(P[i]) <= 30) r = await call(token, 'POST', '/organisations', { name: P[i], short_name: P[i], kind: 'ngo' });
    if (r.status !== 201) r = await call(token, 'POST', '/organisations', { name: P[i], short_name: `XSS-${i}-${tok}`, kind: 'ngo' });
    assert.equal(r.status, 201, `organisation "${P[i]}": HTTP ${r.status} ${JSON.stringify(r.body)}`);
    made.orgs.push(r.body);
  }
  // Users with payload names, in payload organisations.
  made.users = [];
  for (const i of [0, 24, 25, 27]) {
    const u = await post('/users', { email: `xss${i}.${tok}@example.org`, name: at(i), role: 'member', organisation_id: made.orgs[i].id, password: 'Xss-probe-password-2024' });
    made.users.push(u.user ?? u);
  }

  // Contacts in Kenya: two payloads as first and last name each, and one in every other text field.
  made.contacts = [];
  for (let i = 0; i * 2 < n; i++) {
    const c = {
      honorific: SHORT[i % SHORT.length], first_name: at(2 * i), last_name: 2 * i + 1 < n ? at(2 * i + 1) : 'Xss',
      kind: 'parliamentarian', country: 'KEN', party: at(2 * i + 5), preferred_language: 'en', tags: ['xss probe'],
      emails: [{ email: `xss${i}.${tok}@example.org`, label: SHORT[(i + 1) % SHORT.length] }],
      phones: [{ number: '+254 20 555 0100', label: SHORT[(i + 2) % SHORT.length] }],
      stance: 'supportive', stance_evidence: P.join('\n'), data_source: at(2 * i + 9), lawful_basis: at(2 * i + 11),
    };
    const res = await post('/contacts', c);
    made.contacts.push({ ...c, id: res.contact.id });
  }
  // A tag may not carry markup: refused with a message for the field, nothing saved.
  const refused = await call(token, 'POST', '/contacts', { first_name: 'Tag', last_name: `Probe ${tok}`, kind: 'other', tags: [P[0]] });
  assert.equal(refused.status, 400, `a tag "${P[0]}" answered ${refused.status}`);
  assert.ok(refused.body.error.fields?.tags, `no message for the tags: ${JSON.stringify(refused.body)}`);

  // Institutions named after each payload, and posts in them with payload titles.
  made.institutions = [];
  for (let i = 0; i < n; i++) made.institutions.push(await post('/institutions', { country: 'KEN', kind: 'parliament', name: P[i] }));
  for (const [i, c] of made.contacts.entries()) {
    await post(`/contacts/${c.id}/positions`, { institution_id: made.institutions[i].id, title: at(i + 13), start_date: '2020-01-01' });
  }

  // Outreach: every payload in the summary and the next steps, with payload people.
  made.outreach = await post('/outreach', {
    type: 'meeting', date: day(0), country: 'KEN', instruments: ['ICRMW'], contact_ids: made.contacts.slice(0, 6).map((c) => c.id),
    summary: P.join('\n'), outcome: 'positive', next_steps: P.slice(0, 30).join('\n'), visibility: 'coalition',
  });
  // Follow-ups titled with each payload, some overdue (so the dashboard lists them).
  made.followups = [];
  for (let i = 0; i < n; i++) {
    made.followups.push(await post('/followups', {
      title: P[i], details: P.join('\n'), due_date: day(i % 4 === 0 ? -900 : 7), priority: i % 2 ? 'normal' : 'high', country: 'KEN',
      contact_id: made.contacts[i % made.contacts.length].id,
    }));
  }

  // The country's campaign card and a treaty status source.
  await api(server.url, token, 'PATCH', '/countries/KEN', { next_step: at(1), notes: P.join('\n'), focal_organisation_id: made.orgs[24].id, focal_user_id: made.users[1].id });
  await api(server.url, token, 'PUT', '/countries/BRA/ratifications/ICRMW', { status: 'signed', signature_date: '2024-02-01', source: 'javascript:alert(1)', note: at(25), notes: at(26) });

  // Templates: payload names and subjects; each body holds the payload as markup (the
  // coordinator's own HTML, for the sandboxed preview) where it parses as a template.
  made.templates = [];
  for (let i = 0; i < n; i++) {
    const subject = P[i].includes('{{') ? `Subject ${i}` : `${P[i]} {{.Contact.FullName}}`;
    const body = (extra) => `<p>Dear {{.Contact.FullName}},</p>\n<p>{{.Contact.LastName}} · {{.Country.Name}}</p>\n${extra}\n<p><a href="{{.UnsubscribeURL}}">Unsubscribe</a></p>`;
    let r = await call(token, 'POST', '/templates', { name: P[i], variants: [{ language: 'en', subject, html: body(P[i]), text: '' }] });
    let raw = true;
    if (r.status === 400) {
      raw = false; // the payload does not parse as an HTML template: keep it as text
      r = await call(token, 'POST', '/templates', { name: P[i], variants: [{ language: 'en', subject, html: body(''), text: '' }] });
    }
    assert.equal(r.status, 201, `template "${P[i]}": HTTP ${r.status} ${JSON.stringify(r.body)}`);
    made.templates.push({ ...r.body, raw, payload: P[i] });
  }
  assert.ok(made.templates.filter((t) => t.raw).length >= n / 2, 'most payloads should be kept as markup in some template body');
  // And one body with every payload that is kept as markup, one after the other.
  const all = made.templates.filter((t) => t.raw).map((t) => `<div>${t.payload}</div>`).join('\n');
  made.probe = await post('/templates', { name: `Sandbox probe ${tok}`, variants: [{ language: 'en', subject: 'Probe {{.Contact.FullName}}', html: `<p>Dear {{.Contact.FullName}},</p>\n${all}`, text: '' }] });
  made.templates.unshift({ ...made.probe, raw: true, payload: made.probe.name });

  // A draft campaign named after a payload, to the payload people; suppression notes.
  made.campaign = await post('/campaigns', { name: at(3), template_id: made.templates[0].id, fallback_language: 'en', audience: { tags: ['xss probe'] } });
  for (let i = 0; i < 5; i++) await post('/suppressions', { email: `xss-sup${i}.${tok}@example.org`, note: at(i + 30) });
  made.admin = user;
}

/**
 * Looks for what a payload would leave behind if it reached the page as
 * markup, and reads the page's text.
 */
function inspect(page) {
  return page.evaluate(() => {
    const bad = [];
    const urlAttr = /^(href|src|action|formaction|xlink:href|data|srcdoc|background|poster|style|content)$/i;
    for (const el of document.querySelectorAll('*')) {
      for (const a of el.attributes) {
        if (/^on/i.test(a.name) || /^hx-on/i.test(a.name)) bad.push(`<${el.localName} ${a.name}="${a.value}">`);
        else if (urlAttr.test(a.name) && /(java|vb)script\s*:|data:text\/html/i.test(a.value)) bad.push(`<${el.localName} ${a.name}="${a.value}">`);
        else if (a.name === 'hx-trigger' && /\bload\b/.test(a.value)) bad.push(`<${el.localName} hx-trigger="${a.value}">`);
      }
    }
    for (const s of document.scripts) {
      if (!s.src || !new URL(s.src, document.baseURI).pathname.startsWith('/static/')) bad.push(`<script src="${s.src}">${s.text.slice(0, 60)}`);
    }
    const foreign = 'object, embed, base, frame, frameset, applet, meta[http-equiv], iframe:not(.preview-frame), math, video, audio, isindex, x, body style, body link';
    for (const el of document.querySelectorAll(foreign)) bad.push(`<${el.localName}> ${el.outerHTML.slice(0, 80)}`);
    if (document.body.parentElement.querySelectorAll('body').length !== 1) bad.push('a second <body>');
    return { bad, xss: Boolean(window.__xss), text: document.body.textContent.replace(/\s+/g, ' ') };
  });
}

/** Opens url, checks it, and returns the payloads found as text (for the expectations). */
async function visit(page, seen, url, { want = [], atLeast = 0 } = {}) {
  const res = await page.goto(url);
  assert.equal(res.status(), 200, `${url} answered ${res.status()}`);
  await page.waitForLoadState('load');
  return checkPage(page, seen, url, { want, atLeast });
}

async function checkPage(page, seen, label, { want = [], atLeast = 0 }) {
  const r = await inspect(page);
  assert.deepEqual(r.bad, [], `${label}: markup a payload could have brought`);
  assert.equal(r.xss, false, `${label}: a payload set window.__xss`);
  for (const frame of page.frames()) {
    if (frame === page.mainFrame()) continue;
    const hit = await frame.evaluate(() => Boolean(window.__xss)).catch(() => false);
    assert.equal(hit, false, `${label}: a payload set window.__xss in the frame ${frame.url()}`);
  }
  assert.deepEqual(seen.dialogs, [], `${label}: a dialog opened`);
  assert.deepEqual(seen.console, [], `${label}: the console shows a payload at work`);
  const missing = want.filter((p) => !r.text.includes(norm(p)));
  const found = PAYLOADS.filter((p) => r.text.includes(norm(p)));
  assert.deepEqual(missing, [], `${label}: payloads not shown as text`);
  assert.ok(found.length >= atLeast, `${label}: ${found.length} payloads shown as text, expected at least ${atLeast}`);
  return found;
}

/**
 * Watches a page for dialogs and for console messages a running payload would
 * cause. errors are the console errors of Ratify's own pages: those of a
 * template's rendered body (the coordinator's HTML, whose images and scripts
 * its sandbox blocks, noisily) are left out.
 */
function watch(page) {
  const seen = { dialogs: [], console: [], errors: [] };
  page.on('dialog', (d) => {
    seen.dialogs.push(`${d.type()}: ${d.message()} on ${page.url()}`);
    d.dismiss().catch(() => {});
  });
  page.on('console', (msg) => {
    const where = msg.location()?.url || page.url();
    // A dialog called from a sandboxed frame is refused, and the console says so.
    if (/allow-modals|Ignored call to|__xss/i.test(msg.text())) seen.console.push(`${msg.type()} at ${where}: ${msg.text()}`);
    if (msg.type() === 'error' && !where.includes('/preview.html')) seen.errors.push(`${where}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => seen.errors.push(`${page.url()}: ${err.message}`));
  return seen;
}

function contextTest(t, fn, contextOptions) {
  return withPage(t, browser, server.url, async (p) => {
    p.context.setDefaultTimeout(20_000);
    p.context.setDefaultNavigationTimeout(30_000);
    return fn(p);
  }, contextOptions);
}

/** The pages that show the payloads, each with what it must show as text. */
function pages() {
  const { tok, contacts, followups, institutions, outreach, orgs, templates, campaign } = made;
  const names = contacts.flatMap((c) => [c.first_name, c.last_name]);
  const list = [
    ['/', { atLeast: 8 }], // "My overdue follow-ups" lists 8 of the payload titles
    ['/countries/KEN', { want: [contacts[0].first_name, institutions[0].name, followups[0].title], atLeast: 10 }],
    ['/countries/BRA', { atLeast: 2 }],
    [`/contacts?q=${tok}`, { want: names.filter((s) => s !== 'Xss') }],
    ['/institutions?country=KEN&per_page=200', { atLeast: PAYLOADS.length }],
    [`/institutions/${institutions[1].id}`, { want: [institutions[1].name] }],
    ['/outreach', { atLeast: 1 }],
    [`/outreach/${outreach.id}`, { want: PAYLOADS }],
    [`/outreach/${outreach.id}/edit`, { want: PAYLOADS }],
    ['/followups', { want: followups.map((f) => f.title) }],
    [`/followups/${followups[1].id}`, { want: PAYLOADS }],
    ['/admin/organisations', { want: orgs.map((o) => o.name) }],
    [`/admin/organisations/${orgs[5].id}`, { want: [orgs[5].name] }],
    ['/admin/users?per_page=200', { want: made.users.map((u) => u.name) }],
    [`/admin/users/${made.users[0].id}`, { want: [made.users[0].name] }],
    ['/templates', { want: templates.map((x) => x.name) }],
    ['/campaigns', { want: [campaign.name] }],
    [`/campaigns/${campaign.id}`, { want: [campaign.name], atLeast: 5 }],
    ['/campaigns/new', { atLeast: 5 }],
    ['/suppressions', { atLeast: 5 }],
    ['/audit', { atLeast: 5 }],
  ];
  for (const c of contacts) list.push([`/contacts/${c.id}`, { want: [...PAYLOADS, c.first_name, c.last_name, c.party, c.honorific, c.data_source, c.lawful_basis, c.emails[0].label, c.phones[0].label] }]);
  return list;
}

test('xss canary: the payloads, written unescaped into a page, set off every detector', { timeout: 60_000 }, async (t) => {
  await contextTest(t, async ({ page }) => {
    const seen = watch(page);
    await page.setContent(`<!doctype html><html><body><div>${PAYLOADS.join('\n')}</div></body></html>`, { waitUntil: 'load' });
    await page.waitForTimeout(200);
    const r = await inspect(page);
    assert.ok(seen.dialogs.length > 0, 'no dialog opened from the unescaped payloads');
    assert.ok(r.xss, 'no payload set window.__xss');
    assert.ok(r.bad.length >= 20, `only ${r.bad.length} traces found: ${r.bad.join(' | ')}`);
  }, { bypassCSP: true });
});

test('xss: with the CSP switched off, escaping alone keeps every stored payload inert on every page', { timeout: 240_000 }, async (t) => {
  await contextTest(t, async ({ page }) => {
    const seen = watch(page);
    await login(page, ADMIN);
    for (const [url, opts] of pages()) await visit(page, seen, url, opts);

    // The outreach form's picker: the payload people as matches and as chips.
    await page.goto(`/outreach/new?country=KEN`);
    await page.waitForFunction(() => typeof window.htmx === 'object');
    const picked = page.waitForResponse((r) => new URL(r.url()).pathname === '/contacts/picker' && new URL(r.url()).searchParams.get('q') === made.tok);
    await page.locator('#contact-q').fill(made.tok);
    await picked;
    await htmxIdle(page);
    const add = page.locator('#picker-results button[name="add_contact"]').first();
    const id = Number(await add.getAttribute('value'));
    const person = made.contacts.find((c) => c.id === id);
    assert.ok(person, `the picker offers #${id}, not one of the payload people`);
    await add.click();
    await page.locator(`#chosen-contacts input[value="${id}"]`).waitFor({ state: 'attached' });
    await checkPage(page, seen, 'outreach picker', { want: [person.first_name, person.last_name], atLeast: 8 });

    // The contact search, answered by htmx.
    await page.goto('/contacts');
    await page.waitForFunction(() => typeof window.htmx === 'object');
    const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/contacts' && r.request().headers()['hx-request'] === 'true');
    await page.locator('form.contact-filters input[name="q"]').fill(made.tok);
    await answered;
    await page.locator('#contact-results .count', { hasText: 'match' }).waitFor();
    await checkPage(page, seen, 'contact search (htmx)', { want: made.contacts.map((c) => c.first_name) });

    // Template previews for a payload contact: subject and text here, the body in the sandboxed frame.
    for (const x of made.templates.filter((x) => x.raw).slice(0, 6)) {
      const c = made.contacts[0];
      await visit(page, seen, `/templates/${x.id}?contact=${c.id}`, { want: [x.name] });
      const frame = page.frameLocator('iframe.preview-frame');
      await frame.locator('p', { hasText: 'Dear' }).first().waitFor();
      // The merge field is escaped inside the frame too: the name reads as text.
      const body = norm(await frame.locator('body').textContent());
      assert.ok(body.includes(norm(`${c.first_name} ${c.last_name}`)), `template ${x.id}: the contact's name is not text in the preview`);
      await page.waitForTimeout(150); // let any handler in the frame (onload, onerror) fire
      await checkPage(page, seen, `template ${x.id} preview`, {});
    }
  }, { bypassCSP: true });
});

test('xss: as shipped, no CSP violation or console error on the pages, and a template body opened directly runs no script', { timeout: 240_000 }, async (t) => {
  await contextTest(t, async ({ page }) => {
    const seen = watch(page);
    await login(page, ADMIN);
    const some = new Set(['/', '/countries/KEN', `/contacts?q=${made.tok}`, `/contacts/${made.contacts[0].id}`, `/outreach/${made.outreach.id}`,
      '/followups', '/admin/organisations', '/admin/users?per_page=200', '/templates', '/audit', `/campaigns/${made.campaign.id}`]);
    for (const [url, opts] of pages().filter(([u]) => some.has(u))) {
      await visit(page, seen, url, opts);
      assert.deepEqual(await cspViolations(page), [], `CSP violations on ${url}`);
    }
    for (const x of made.templates.filter((x) => x.raw).slice(0, 6)) {
      await visit(page, seen, `/templates/${x.id}?contact=${made.contacts[1].id}`, { want: [x.name] });
      assert.deepEqual(await cspViolations(page), [], `CSP violations on template ${x.id}`);
      // The rendered body on its own, as a top-level page: its sandbox policy forbids script.
      const res = await page.goto(`/templates/${x.id}/preview.html?contact=${made.contacts[1].id}&lang=en`);
      assert.equal(res.status(), 200, `template ${x.id} body: HTTP ${res.status()}: ${await res.text()}`);
      assert.match(res.headers()['content-security-policy'] ?? '', /\bsandbox\b/);
      await page.waitForTimeout(150);
      assert.equal(await page.evaluate(() => Boolean(window.__xss)).catch(() => false), false, `template ${x.id}: script ran in the body opened directly`);
      assert.deepEqual(seen.dialogs, [], `template ${x.id}: a dialog opened from the body opened directly`);
    }
    assert.deepEqual(seen.errors, [], 'console errors on the pages');
  });
});

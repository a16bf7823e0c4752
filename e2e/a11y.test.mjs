// Accessibility: axe-core (pinned in package.json) runs on the main pages, as
// they are first shown and in the states they reach (search results, the
// outreach form's picker with a person chosen and sent back with errors, a
// template's preview, an import report).
// No violation of impact "serious" or "critical" may be found; lesser ones
// are reported as diagnostics.
//
// The server runs without a mail server, so every page also carries the
// outbox banner, which must sit in a landmark like the rest.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { api, apiLogin } from './lib/api.mjs';
import { describeViolations, runAxe, serveAxe } from './lib/axe.mjs';
import { htmxIdle, launchBrowser, login, withPage } from './lib/browser.mjs';
import { startServer } from './lib/server.mjs';

const ADMIN = 'admin@demo.example.org';
const BLOCKING = new Set(['serious', 'critical']);

let server;
let browser;
let contact; // a contactable person of Kenya, from the demo data
let template; // a two-language template made for these checks

before(async () => {
  [server, browser] = await Promise.all([startServer({ readyTimeoutMs: 60_000 }), launchBrowser()]);
  const admin = await apiLogin(server.url, ADMIN);
  const { items } = await api(server.url, admin.token, 'GET', '/contacts?country=KEN&per_page=20');
  contact = items.find((c) => !c.do_not_contact);
  assert.ok(contact, 'the demo data has no contactable person in Kenya');
  template = await api(server.url, admin.token, 'POST', '/templates', {
    name: 'Accessibility check letter',
    variants: [
      { language: 'en', subject: 'About the ICRMW, {{.Contact.FullName}}', html: '<p>Dear {{.Contact.FullName}},</p><p>{{.Country.Name}}: {{.Country.Instruments.ICRMW.Status}}.</p><p><a href="{{.UnsubscribeURL}}">Unsubscribe</a></p>', text: '' },
      { language: 'fr', subject: 'Au sujet de la CIPDTM, {{.Contact.FullName}}', html: '<p>Madame, Monsieur {{.Contact.FullName}},</p><p><a href="{{.UnsubscribeURL}}">Se désabonner</a></p>', text: '' },
    ],
  });
}, { timeout: 180_000 });

after(async () => {
  await Promise.allSettled([browser?.close(), server?.stop()]);
});

function withAxe(t, fn) {
  return withPage(t, browser, server.url, async (p) => {
    p.context.setDefaultTimeout(20_000);
    p.context.setDefaultNavigationTimeout(30_000);
    await serveAxe(p.context);
    return fn(p);
  });
}

const htmxReady = (page) => page.waitForFunction(() => typeof window.htmx === 'object');

/** Runs axe on the page as it is now; returns the blocking violations, reports the rest. */
async function check(t, page, label) {
  const started = Date.now();
  const violations = await runAxe(page);
  if (process.env.E2E_TIMINGS) t.diagnostic(`axe on ${label}: ${Date.now() - started} ms`);
  const minor = violations.filter((v) => !BLOCKING.has(v.impact));
  if (minor.length) t.diagnostic(describeViolations(label, minor));
  return violations.filter((v) => BLOCKING.has(v.impact)).map((v) => describeViolations(label, [v]));
}

test('axe: no serious or critical violation on the main pages', { timeout: 150_000 }, async (t) => {
  await withAxe(t, async ({ page }) => {
    const found = [];
    await page.goto('/login');
    found.push(...await check(t, page, '/login'));

    await login(page, ADMIN);
    const pages = [
      '/', // dashboard
      '/countries',
      '/countries/KEN', // a country dossier
      '/contacts',
      `/contacts/${contact.id}`,
      '/outreach/new', // the log outreach form
      '/outreach',
      '/followups',
      '/campaigns',
      '/templates',
      '/admin/users',
      '/audit',
    ];
    for (const url of pages) {
      const res = await page.goto(url);
      assert.equal(res.status(), 200, `${url} answered ${res.status()}`);
      await htmxReady(page);
      found.push(...await check(t, page, url));
    }
    assert.ok(found.length === 0, `serious or critical accessibility violations:\n${found.join('\n')}`);
  });
});

test('axe: no serious or critical violation in the states the pages reach', { timeout: 150_000 }, async (t) => {
  await withAxe(t, async ({ page }) => {
    const found = [];
    await login(page, ADMIN);

    // The contact list after a search as you type.
    await page.goto('/contacts');
    await htmxReady(page);
    const q = contact.last_name.slice(0, 4);
    const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/contacts' && r.request().headers()['hx-request'] === 'true');
    await page.locator('form.contact-filters input[name="q"]').fill(q);
    await answered;
    await page.locator('#contact-results .count', { hasText: 'match' }).waitFor();
    found.push(...await check(t, page, `/contacts (search "${q}")`));

    // The outreach form: the picker's matches, one person chosen.
    await page.goto('/outreach/new?country=KEN');
    await htmxReady(page);
    await page.locator('#contact-q').fill(contact.last_name);
    await page.locator(`#picker-results button[value="${contact.id}"]`).waitFor();
    await htmxIdle(page);
    await page.locator(`#picker-results button[value="${contact.id}"]`).click();
    await page.locator('#chosen-contacts li.chip').waitFor();
    found.push(...await check(t, page, '/outreach/new (picker, one person chosen)'));

    // The outreach form sent back with a message per field.
    await page.fill('#summary', ' ');
    await page.locator('#date').evaluate((el) => { el.removeAttribute('max'); el.value = '2999-01-01'; });
    await page.locator('#outreach-form').evaluate((f) => { f.noValidate = true; });
    await page.getByRole('button', { name: 'Save outreach' }).click();
    await page.locator('.field-error').first().waitFor();
    found.push(...await check(t, page, '/outreach (refused form)'));

    // The dossier's campaign card, edited in place.
    await page.goto('/countries/KEN');
    await htmxReady(page);
    await page.locator('#campaign').getByRole('link', { name: 'Edit' }).click();
    await page.locator('#campaign form').waitFor();
    found.push(...await check(t, page, '/countries/KEN (campaign card editor)'));

    // A template's editor with the preview for a contact.
    await page.goto(`/templates/${template.id}?contact=${contact.id}`);
    await htmxReady(page);
    await page.locator('#preview iframe').waitFor();
    found.push(...await check(t, page, `/templates/${template.id} (preview)`));

    // The contact import's report of a file with mistakes, line by line.
    await page.goto('/contacts/import');
    const rows = ['name,email,country', ...Array.from({ length: 40 }, (_, i) => `Person ${i},not-an-address-${i},Atlantis`)];
    await page.setInputFiles('#file', { name: 'mistakes.csv', mimeType: 'text/csv', buffer: Buffer.from(rows.join('\n') + '\n') });
    await page.getByRole('button', { name: 'Check the file', exact: true }).click();
    await page.locator('section.report tbody tr').first().waitFor();
    found.push(...await check(t, page, '/contacts/import (report of mistakes)'));

    // The campaign editor with its live audience count.
    await page.goto('/campaigns/new');
    found.push(...await check(t, page, '/campaigns/new'));

    assert.ok(found.length === 0, `serious or critical accessibility violations:\n${found.join('\n')}`);
  });
});

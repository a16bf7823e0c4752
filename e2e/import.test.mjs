// Browser journey through the contact import page: a coordinator uploads a
// CSV file with mistakes, sees each one by line number and field, and nothing
// is imported (neither by the check nor by "Import now"); the corrected file
// passes the check, is imported, and the people are found by the contact
// search with what the file said about them.
//
// One Ratify server (demo data) and one Chromium serve the whole file.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { api, apiLogin } from './lib/api.mjs';
import { launchBrowser, login, pathOf, screenshot, withPatientPage } from './lib/browser.mjs';
import { startServer } from './lib/server.mjs';

const COORDINATOR = 'coordinator@demo.example.org';

let server;
let browser;

before(async () => {
  [server, browser] = await Promise.all([startServer({ readyTimeoutMs: 60_000 }), launchBrowser()]);
}, { timeout: 180_000 });

after(async () => {
  await Promise.allSettled([browser?.close(), server?.stop()]);
});

const withUser = (t, fn) => withPatientPage(t, browser, server.url, fn);

// A spreadsheet's CSV: cells with a quote, comma or line break are quoted.
const cell = (v) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const csv = (rows) => rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';

/** Chooses a CSV file in the upload input, as a person picking it from disk would. */
function chooseFile(page, name, text) {
  return page.setInputFiles('#file', { name, mimeType: 'text/csv', buffer: Buffer.from(text, 'utf8') });
}

/** Presses one of the form's two buttons and waits for the answer page. */
async function submit(page, button) {
  const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/contacts/import' && r.request().method() === 'POST');
  await page.getByRole('button', { name: button, exact: true }).click();
  const res = await answered;
  await page.waitForLoadState('load');
  return res;
}

test('coordinator imports contacts from CSV: a check with errors imports nothing; the corrected file is imported and found', { timeout: 120_000 }, async (t) => {
  // A token in every address, so this run's people are told apart from the demo's.
  const tok = `imp${Date.now().toString(36)}`;
  const header = ['first name', 'last name', 'email', 'country', 'party', 'language', 'tags'];
  const people = [
    ['Aïssatou', 'Diallo', `aissatou.diallo@${tok}.example.org`, 'Senegal', 'Rewmi', 'fr', 'labour committee'],
    ['Bogdan', 'Petrović', `bogdan.petrovic@${tok}.example.org`, 'KEN', 'ODM', 'en', 'labour committee'],
    ['Carmen', 'Ruiz Ortega', `carmen.ruiz@${tok}.example.org`, 'Spain', 'PSOE', 'es', 'labour committee;champion'],
  ];
  // Line numbers count the header as line 1: line 2 is fine, lines 3, 4 and 5 each have a mistake.
  const bad = [header, people[0],
    ['Bogdan', 'Petrović', 'bogdan.petrovic(at)parliament', 'KEN', 'ODM', 'en', 'labour committee'],
    ['Carmen', 'Ruiz Ortega', `carmen.ruiz@${tok}.example.org`, 'Atlantis', 'PSOE', 'es', 'labour committee;champion'],
    ['Dmitri', 'Volkov', `dmitri.volkov@${tok}.example.org`, 'KEN', '=HYPERLINK("http://x.example")', 'en', ''],
  ];
  const good = [header, ...people];
  const coordinator = await apiLogin(server.url, COORDINATOR);
  const imported = async () => (await api(server.url, coordinator.token, 'GET', `/contacts?q=${tok}&per_page=50`)).total;

  await withUser(t, async ({ page }) => {
    await login(page, COORDINATOR);
    await page.goto('/contacts');
    await page.getByRole('link', { name: 'Import CSV' }).click();
    await page.waitForURL((u) => u.pathname === '/contacts/import');

    // 1. The check of the file with mistakes.
    await chooseFile(page, 'mps-with-mistakes.csv', csv(bad));
    let res = await submit(page, 'Check the file');
    assert.equal(res.status(), 422);
    const report = page.locator('section.report');
    assert.match(await report.locator('h2').innerText(), /^Check: 3 problem\(s\) in 4 row\(s\)$/);
    const rows = await report.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent.trim())));
    assert.deepEqual(rows.map((r) => r[0]), ['3', '4', '5'], `errors listed: ${JSON.stringify(rows)}`);
    assert.equal(rows[0][1], 'Email(s)');
    assert.match(rows[0][2], /bogdan\.petrovic\(at\)parliament/);
    assert.match(rows[1][1], /^Country/);
    assert.match(rows[1][2], /Atlantis/);
    assert.equal(rows[2][1], 'Party');
    assert.match(rows[2][2], /formula|=|\+|@/i);
    // Ratify's guesses of the columns are shown, to be corrected if need be.
    assert.equal(await page.locator('#map-email').inputValue(), '2');
    assert.equal(await page.locator('#map-country').inputValue(), '3');
    assert.equal(await imported(), 0, 'the check imported something');
    if (process.env.E2E_SCREENSHOTS) await screenshot(page, 'import-check-errors');

    // 2. "Import now" with the same file: checked again, refused whole.
    await chooseFile(page, 'mps-with-mistakes.csv', csv(bad));
    res = await submit(page, 'Import now');
    assert.equal(res.status(), 422);
    assert.match(await report.locator('h2').innerText(), /^Nothing was imported: 3 problem\(s\)/);
    assert.equal(pathOf(page), '/contacts/import');
    assert.equal(await imported(), 0, 'a file with mistakes was partly imported');

    // 3. The corrected file: the check passes and still imports nothing.
    await chooseFile(page, 'mps.csv', csv(good));
    res = await submit(page, 'Check the file');
    assert.equal(res.status(), 200);
    assert.match(await report.locator('h2').innerText(), /^Check passed: 3 row\(s\) are fine$/);
    assert.equal(await report.locator('tbody tr').count(), 0);
    const facts = await report.locator('dl.facts dd').allInnerTexts();
    assert.equal(facts[0].trim(), '3', 'new contacts counted');
    assert.match(await report.innerText(), /Nothing has been imported yet/);
    assert.equal(await imported(), 0, 'the check imported something');

    // 4. Import now: back to the contact list, newest first, with a summary.
    await chooseFile(page, 'mps.csv', csv(good));
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/contacts'),
      page.getByRole('button', { name: 'Import now', exact: true }).click(),
    ]);
    assert.match(await page.locator('.flash').innerText(), /^Imported mps\.csv: 3 row\(s\), 3 created, 0 updated, 0 skipped/);
    assert.equal(await imported(), 3);

    // 5. The contact search finds them, and a contact page shows what the file said.
    await page.waitForFunction(() => typeof window.htmx === 'object');
    const search = page.locator('form.contact-filters input[name="q"]');
    const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/contacts' && new URL(r.url()).searchParams.get('q') === tok);
    await search.fill(tok);
    await answered;
    const results = page.locator('#contact-results');
    await results.locator('.count', { hasText: 'match' }).waitFor();
    const names = (await results.locator('table.contacts tbody th a').allInnerTexts()).map((s) => s.trim()).sort();
    assert.deepEqual(names, ['Aïssatou Diallo', 'Bogdan Petrović', 'Carmen Ruiz Ortega']);

    await results.getByRole('link', { name: 'Aïssatou Diallo', exact: true }).click();
    await page.waitForURL((u) => /^\/contacts\/\d+$/.test(u.pathname));
    const main = await page.locator('main').innerText();
    for (const want of [`aissatou.diallo@${tok}.example.org`, 'Senegal', 'Rewmi', 'labour committee']) {
      assert.ok(main.includes(want), `the contact page does not show ${want}`);
    }
    assert.match(main, /mps\.csv/, 'the data source does not name the file');
  });

  // Through the API: languages and tags as in the file.
  const { items } = await api(server.url, coordinator.token, 'GET', `/contacts?q=${tok}&per_page=50&sort=name`);
  const byEmail = Object.fromEntries(items.map((c) => [c.emails[0]?.email, c]));
  assert.equal(byEmail[`aissatou.diallo@${tok}.example.org`].preferred_language, 'fr');
  assert.equal(byEmail[`bogdan.petrovic@${tok}.example.org`].country, 'KEN');
  assert.deepEqual([...byEmail[`carmen.ruiz@${tok}.example.org`].tags].sort(), ['champion', 'labour committee']);
});

// Browser journeys through contacts, outreach and follow-ups: searching for a
// person as you type (with the mouse and with the keyboard only), logging a
// meeting with two people from a country dossier, the same form without a
// mouse (people added and removed in the picker, the visibility chosen with an
// arrow key), a coordinator handing a follow-up to someone who closes it and
// logs it as outreach, and a clean console on these pages.
//
// One Ratify server (demo data) and one Chromium serve the whole file; every
// test has its own browser context. The demo data is read through the JSON API
// before the tests (names, a country's people); no test relies on what another
// one saved.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { api, apiLogin, unaccent } from './lib/api.mjs';
import { cspViolations, htmxIdle, launchBrowser, login, pathOf, screenshot, withPatientPage } from './lib/browser.mjs';
import { startServer } from './lib/server.mjs';

const MEMBER = 'member@demo.example.org';
const MEMBER2 = 'member2@demo.example.org'; // a second member account of the demo set
const COORDINATOR = 'coordinator@demo.example.org';
const COUNTRY = 'KEN';
const COUNTRY_NAME = 'Kenya';

let server;
let browser;
// Learned from the demo data in before().
let accented; // { contact, letters }: a person whose last name has an accent, and what to type for it
let people; // two contactable people of COUNTRY
let member; // the member's API session: { token, user }

async function findAccentedContact(url, token) {
  for (let page = 1; page <= 10; page++) {
    const { items } = await api(url, token, 'GET', `/contacts?per_page=200&page=${page}`);
    for (const c of items) {
      const chars = [...c.last_name];
      const i = chars.findIndex((ch) => unaccent(ch) !== ch);
      if (i < 0 || c.do_not_contact) continue;
      // A few letters of the last name, up to and including the first accented one, typed without it.
      const letters = unaccent(c.last_name).toLowerCase().slice(0, Math.max(4, i + 1));
      return { contact: c, letters };
    }
    if (items.length < 200) break;
  }
  throw new Error('the demo data has no contact whose last name has an accent');
}

before(async () => {
  [server, browser] = await Promise.all([startServer({ readyTimeoutMs: 60_000 }), launchBrowser()]);
  member = await apiLogin(server.url, MEMBER);
  accented = await findAccentedContact(server.url, member.token);
  const { items } = await api(server.url, member.token, 'GET', `/contacts?country=${COUNTRY}&per_page=20`);
  people = items.filter((c) => !c.do_not_contact).slice(0, 2);
  assert.equal(people.length, 2, `expected two contactable people in ${COUNTRY}`);
}, { timeout: 180_000 });

after(async () => {
  await Promise.allSettled([browser?.close(), server?.stop()]);
});

const withUser = (t, fn) => withPatientPage(t, browser, server.url, fn);

const todayUTC = () => new Date().toISOString().slice(0, 10); // the server's "today" is UTC
const htmxReady = (page) => page.waitForFunction(() => typeof window.htmx === 'object');
// What a person would type for a name on a plain keyboard.
const typed = (c) => unaccent(`${c.first_name} ${c.last_name}`).toLowerCase();

/**
 * Presses Tab (or Shift+Tab, with back) until the focused element matches
 * selector; returns what was passed on the way.
 */
async function tabTo(page, selector, max = 40, { back = false } = {}) {
  const visited = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    const here = await page.evaluate((sel) => {
      const el = document.activeElement;
      return { match: !!el?.matches(sel), id: el?.id || '', tag: el?.localName || '', name: el?.getAttribute('name') || '' };
    }, selector);
    visited.push(here.id || here.name || here.tag);
    if (here.match) return visited;
  }
  throw new Error(`${back ? 'Shift+Tab' : 'Tab'} never reached ${selector} in ${max} presses; passed ${visited.join(' → ')}`);
}

const focusedIs = (page, selector) => page.evaluate((sel) => !!document.activeElement?.matches(sel), selector);

/** Waits until htmx has no request in flight: the answer that was awaited is swapped in. */

/** Waits for the outreach form's picker to answer a search for q. */
function pickerResponse(page, q) {
  return page.waitForResponse((r) => {
    const u = new URL(r.url());
    return u.pathname === '/contacts/picker' && u.searchParams.get('q') === q;
  });
}

/** Types q into the picker's search box (focused) and waits until its matches are shown. */
async function pickerSearch(page, q) {
  const answered = pickerResponse(page, q);
  await page.keyboard.type(q, { delay: 40 });
  await answered;
  await htmxIdle(page);
}

/** Waits for the contact list's htmx answer to a search for q. */
function contactSearchResponse(page, q) {
  return page.waitForResponse((r) => {
    const u = new URL(r.url());
    return u.pathname === '/contacts' && u.searchParams.get('q') === q && r.request().headers()['hx-request'] === 'true';
  });
}

test('contact search: typing part of a name without its accent updates the list in place', { timeout: 90_000 }, async (t) => {
  const { contact, letters } = accented;
  t.diagnostic(`typing "${letters}" for ${contact.full_name}`);
  await withUser(t, async ({ page }) => {
    await login(page, MEMBER);
    await page.goto('/contacts');
    await htmxReady(page);
    const results = page.locator('#contact-results');
    assert.doesNotMatch(await results.locator('.count').innerText(), /match/);
    await page.evaluate(() => { window.__sameDocument = true; });

    const search = page.locator('form.contact-filters input[name="q"]');
    const answered = contactSearchResponse(page, letters);
    await search.click();
    await search.pressSequentially(letters, { delay: 60 });
    assert.equal((await answered).status(), 200);
    await results.locator('.count', { hasText: 'match' }).waitFor();

    // No Enter, no page load: htmx swapped the results and put the search in the address.
    assert.equal(await page.evaluate(() => window.__sameDocument), true, 'the page was reloaded');
    assert.equal(new URL(page.url()).searchParams.get('q'), letters);
    assert.equal(await search.inputValue(), letters);
    assert.ok(await focusedIs(page, 'form.contact-filters input[name="q"]'), 'the search box lost focus');

    // The accented name is found from the plain letters.
    const match = results.locator('table.contacts tbody th a', { hasText: contact.last_name }).first();
    await match.waitFor();
    const name = (await match.innerText()).trim();
    const href = await match.getAttribute('href');
    await match.click();
    await page.waitForURL((u) => u.pathname === href);
    assert.match(href, /^\/contacts\/\d+$/);
    assert.equal((await page.locator('h1').innerText()).trim(), name);
  });
});

test('keyboard: Tab to the contact search, type, Tab to the first result, Enter opens it', { timeout: 90_000 }, async (t) => {
  const { letters } = accented;
  await withUser(t, async ({ page }) => {
    await login(page, MEMBER);
    await page.goto('/contacts');
    await htmxReady(page);

    const box = 'form.contact-filters input[name="q"]';
    await tabTo(page, box);
    const answered = contactSearchResponse(page, letters);
    await page.keyboard.type(letters, { delay: 60 });
    await answered;
    const results = page.locator('#contact-results');
    await results.locator('.count', { hasText: 'match' }).waitFor();
    assert.ok(await focusedIs(page, box), 'the search box lost focus when the results changed');

    const first = results.locator('table.contacts tbody th a').first();
    const href = await first.getAttribute('href');
    const name = (await first.innerText()).trim();
    await tabTo(page, '#contact-results table.contacts tbody th a');
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('href')), href, 'Tab skipped the first result');
    // The focused link is visibly marked.
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none', 'the focused result has no visible outline');

    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.pathname === href);
    assert.equal((await page.locator('h1').innerText()).trim(), name);
  });
});

test('log outreach from a country dossier with two people, then a follow-up from a contact', { timeout: 90_000 }, async (t) => {
  const [a, b] = people;
  const summary = `Met ${a.full_name} and ${b.full_name} about the ICRMW (e2e ${Date.now()})`;
  const title = `Send the briefing note to ${a.last_name} (e2e ${Date.now()})`;
  await withUser(t, async ({ page }) => {
    const posts = [];
    page.on('request', (r) => { if (r.method() === 'POST' && new URL(r.url()).pathname === '/outreach') posts.push(r.url()); });
    await login(page, MEMBER);
    await page.goto(`/countries/${COUNTRY}`);
    await page.locator('section#outreach').getByRole('link', { name: 'Log outreach' }).click();
    await page.waitForURL((u) => u.pathname === '/outreach/new');
    assert.equal(new URL(page.url()).searchParams.get('country'), COUNTRY);
    await htmxReady(page);

    assert.equal(await page.inputValue('#country'), COUNTRY, 'the country is not prefilled');
    assert.equal(await page.inputValue('#date'), todayUTC(), 'the date is not today');
    assert.equal(await page.inputValue('#date'), await page.getAttribute('#date', 'max'));

    // First person: type the name, click Add.
    const search = page.locator('#contact-q');
    const chips = page.locator('#chosen-contacts input[name="contact_ids"]');
    await search.click();
    await pickerSearch(page, typed(a));
    await page.getByRole('button', { name: `Add ${a.full_name}`, exact: true }).click();
    await page.locator(`#chosen-contacts input[name="contact_ids"][value="${a.id}"]`).waitFor({ state: 'attached' });

    // Second person: clear the box, type, Enter on Add.
    await search.fill('');
    await pickerSearch(page, typed(b));
    const addB = page.getByRole('button', { name: `Add ${b.full_name}`, exact: true });
    await addB.focus();
    await page.keyboard.press('Enter');
    await page.locator(`#chosen-contacts input[name="contact_ids"][value="${b.id}"]`).waitFor({ state: 'attached' });
    assert.deepEqual(await chips.evaluateAll((els) => els.map((e) => Number(e.value))), [a.id, b.id]);
    assert.equal(pathOf(page), '/outreach/new', 'adding people must not leave the form');
    assert.equal(posts.length, 0, 'adding people must not save the form');

    await page.fill('#summary', summary);
    await page.selectOption('#outcome', 'positive');
    await page.getByRole('button', { name: 'Save outreach' }).click();
    await page.waitForURL((u) => /^\/outreach\/\d+$/.test(u.pathname));
    assert.equal(posts.length, 1, 'saved in more than one step');
    assert.match(await page.locator('.flash').innerText(), /Outreach logged/);
    assert.match(await page.locator('main').innerText(), new RegExp(summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    const facts = page.locator('dl.facts');
    const peopleDD = facts.locator('xpath=dt[normalize-space()="People"]/following-sibling::dd[1]');
    assert.deepEqual((await peopleDD.locator('a').allInnerTexts()).map((s) => s.trim()).sort(), [a.full_name, b.full_name].sort());
    assert.equal((await facts.locator('xpath=dt[normalize-space()="Country"]/following-sibling::dd[1]').innerText()).trim(), COUNTRY_NAME);
    if (process.env.E2E_SCREENSHOTS) await screenshot(page, 'outreach-saved');

    // A follow-up from the first person's page.
    await peopleDD.getByRole('link', { name: a.full_name, exact: true }).click();
    await page.waitForURL((u) => u.pathname === `/contacts/${a.id}`);
    await page.getByRole('navigation', { name: 'Actions on this contact' }).getByRole('link', { name: 'Add follow-up' }).click();
    await page.waitForURL((u) => u.pathname === '/followups/new');
    assert.equal(await page.inputValue('#contact_id'), String(a.id), 'the person is not prefilled');
    assert.equal(await page.inputValue('#country'), COUNTRY, 'the country is not prefilled');
    await page.fill('#title', title);
    await page.getByRole('button', { name: 'Add follow-up' }).click();
    await page.waitForURL((u) => /^\/followups\/\d+$/.test(u.pathname));
    assert.match(await page.locator('.flash').innerText(), /Follow-up added, due/);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Follow-ups' }).click();
    await page.waitForURL((u) => u.pathname === '/followups');
    const item = page.locator('li.fu-item', { has: page.getByRole('link', { name: title, exact: true }) });
    await item.waitFor();
    assert.match(await item.innerText(), new RegExp(a.last_name));
    // Due in a week by default: under "Later" of "Mine".
    const group = page.locator('section.fu-group', { has: item });
    assert.match(await group.locator('h2').innerText(), /^Later/);
  });
});

test('keyboard only: the quick outreach form is filled and saved without the mouse', { timeout: 90_000 }, async (t) => {
  const person = people[1];
  const summary = `Phoned about the C189 report, keyboard only (e2e ${Date.now()})`;
  await withUser(t, async ({ page }) => {
    const posts = [];
    page.on('request', (r) => { if (r.method() === 'POST' && new URL(r.url()).pathname === '/outreach') posts.push(r.url()); });
    await login(page, MEMBER);
    await page.goto('/outreach/new');
    await htmxReady(page);
    assert.equal(await page.inputValue('#date'), todayUTC());

    // The type menu has the focus; the arrow key picks the next type.
    assert.ok(await focusedIs(page, '#type'), 'the form does not start on its first field');
    const types = await page.locator('#type option').evaluateAll((os) => os.map((o) => ({ value: o.value, label: o.textContent.trim() })));
    const start = types.findIndex((o) => o.value === 'meeting');
    await page.keyboard.press('ArrowDown');
    const type = types[start + 1];
    assert.equal(await page.inputValue('#type'), type.value);

    // Through the date (today, kept) to the country; typing its name picks it.
    const way = await tabTo(page, '#country', 8);
    assert.equal(way[0], 'date', `Tab after the type went to ${way[0]}`);
    const picked = page.waitForResponse((r) => new URL(r.url()).pathname === '/contacts/picker' && new URL(r.url()).searchParams.get('country') === COUNTRY);
    await page.keyboard.type(COUNTRY_NAME, { delay: 40 });
    assert.equal(await page.inputValue('#country'), COUNTRY);
    await picked; // the picker now suggests the country's people
    await htmxIdle(page);

    // The picker: Tab into it and type; the matches come as you type.
    await page.keyboard.press('Tab');
    assert.ok(await focusedIs(page, '#contact-q'), 'Tab after the country does not reach the person search');
    const q = typed(person);
    const searches = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname === '/contacts/picker' && u.searchParams.get('q') === q) searches.push(u.search);
    });
    await pickerSearch(page, q);
    // Several people may share the name: the right one is told apart by its id.
    const mine = `#picker-results button[name="add_contact"][value="${person.id}"]`;
    assert.equal(await page.locator(mine).count(), 1, `${person.full_name} is not among the matches`);
    const focusedButton = () => page.evaluate(() => {
      const el = document.activeElement;
      return el?.matches('#picker-results button[name="add_contact"]') ? { value: el.value, old: el.dataset.old === '1' } : null;
    });

    // Enter searches again, on a slow connection here, and does not save. The person
    // presses Tab before the answer comes: the new matches must not take the focus away.
    const slow = (u) => u.pathname === '/contacts/picker' && u.searchParams.get('q') === q;
    await page.route(slow, async (route) => {
      await new Promise((r) => setTimeout(r, 800));
      await route.continue().catch(() => {});
    });
    await page.evaluate(() => { for (const b of document.querySelectorAll('#picker-results button')) b.dataset.old = '1'; });
    const again = pickerResponse(page, q);
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    const before = await focusedButton();
    assert.ok(before?.old, 'Tab after the search box does not reach the first match');
    await again;
    await htmxIdle(page);
    await page.unroute(slow);
    assert.equal(await page.evaluate(() => document.querySelector('#picker-results button')?.dataset.old), undefined, 'the matches were not replaced');
    assert.deepEqual(await focusedButton(), { value: before.value, old: false }, 'the focus left the Add button when the matches were replaced');
    assert.equal(pathOf(page), '/outreach/new', 'Enter in the person search left the form');
    assert.equal(posts.length, 0, 'Enter in the person search saved the form');

    // Tab on to the person's Add button; Enter adds them as a chip, and the focus stays.
    if (before.value !== String(person.id)) await tabTo(page, mine, 12);
    await page.keyboard.press('Enter');
    await page.locator(`#chosen-contacts input[name="contact_ids"][value="${person.id}"]`).waitFor({ state: 'attached' });
    assert.equal(posts.length, 0, 'adding a person saved the form');
    assert.ok(await focusedIs(page, mine), 'focus was lost after adding a person');
    // Typing, then Enter: one search each, not two for the Enter.
    assert.equal(searches.length, 2, `searches sent for "${q}": ${searches.join(', ')}`);

    // A second person: Shift+Tab back to the search box, Backspace the name away, type another, Enter on Add.
    const other = people[0];
    const chosen = () => page.locator('#chosen-contacts input[name="contact_ids"]').evaluateAll((els) => els.map((e) => Number(e.value)));
    await tabTo(page, '#contact-q', 12, { back: true });
    const cleared = pickerResponse(page, '');
    for (let i = 0; i < q.length; i++) await page.keyboard.press('Backspace');
    await cleared;
    await htmxIdle(page);
    assert.equal(await page.inputValue('#contact-q'), '');
    await pickerSearch(page, typed(other));
    // Typing slowly can send a search per pause; let the last answer land first.
    await htmxIdle(page);
    const otherAdd = `#picker-results button[name="add_contact"][value="${other.id}"]`;
    await tabTo(page, otherAdd, 12);
    await page.keyboard.press('Enter');
    await page.locator(`#chosen-contacts input[name="contact_ids"][value="${other.id}"]`).waitFor({ state: 'attached' });
    // The chip arrives before the picker's answer is swapped in; wait for both before moving on.
    await htmxIdle(page);
    assert.deepEqual(await chosen(), [person.id, other.id]);
    assert.ok(await focusedIs(page, otherAdd), 'focus was lost after adding the second person');

    // A change of mind: Shift+Tab back to the second chip's Remove button, Enter takes the person off.
    const removeOther = `#chosen-contacts button[name="remove_contact"][value="${other.id}"]`;
    const back = await tabTo(page, removeOther, 12, { back: true });
    assert.ok(back.includes('contact-q'), `Shift+Tab went from the matches to the chips without the search box: ${back.join(' → ')}`);
    assert.equal(await page.getAttribute(removeOther, 'aria-label'), `Remove ${other.full_name}`);
    await page.keyboard.press('Enter');
    await page.locator(removeOther).waitFor({ state: 'detached' });
    assert.deepEqual(await chosen(), [person.id]);
    assert.equal(pathOf(page), '/outreach/new', 'removing a person left the form');
    assert.equal(posts.length, 0, 'removing a person saved the form');
    // The removed button took the focus with it; Tab goes on from where it was, to the search box.
    await page.keyboard.press('Tab');
    assert.ok(await focusedIs(page, '#contact-q'), 'after removing a person, Tab does not go on to the person search');

    // On to the summary, the outcome, and the visibility: the arrow key makes it private, Enter saves.
    await tabTo(page, '#summary', 40);
    await page.keyboard.type(summary);
    await page.keyboard.press('Tab');
    assert.ok(await focusedIs(page, '#outcome'));
    await page.keyboard.type('Positive');
    assert.equal(await page.inputValue('#outcome'), 'positive');
    await tabTo(page, 'input[name="visibility"]', 4);
    assert.equal(await page.evaluate(() => document.activeElement.value), 'coalition');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.evaluate(() => document.activeElement.value), 'organisation');
    assert.equal(await page.locator('input[name="visibility"]:checked').getAttribute('value'), 'organisation');
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => /^\/outreach\/\d+$/.test(u.pathname));
    assert.equal(posts.length, 1);
    assert.match(await page.locator('.flash').innerText(), /Outreach logged/);

    const text = await page.locator('main').innerText();
    assert.ok(text.includes(summary), 'the summary was not saved');
    const facts = page.locator('dl.facts');
    const fact = (name) => facts.locator(`xpath=dt[normalize-space()="${name}"]/following-sibling::dd[1]`).innerText().then((s) => s.trim());
    assert.equal(await fact('Type'), type.label);
    assert.equal(await fact('Country'), COUNTRY_NAME);
    assert.equal(await fact('People'), person.full_name);
    assert.equal(await fact('Outcome'), 'Positive');
    assert.match(await fact('Visible to'), / only$/);
    assert.match(await page.locator('main p.notice').first().innerText(), /Private/);
  });
});

test('coordinator reassigns a follow-up; the assignee closes it and logs it as outreach', { timeout: 90_000 }, async (t) => {
  const person = people[0];
  const title = `Call back ${person.last_name} about the hearing (e2e ${Date.now()})`;
  const outcome = 'The clerk will table the bill on 12 May.';
  // Set up through the API: the member's own follow-up about a person of the country.
  const due = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
  const created = await api(server.url, member.token, 'POST', '/followups',
    { title, due_date: due, priority: 'normal', country: COUNTRY, contact_id: person.id });
  const assignee = await apiLogin(server.url, MEMBER2);

  await withUser(t, async ({ page }) => {
    await login(page, COORDINATOR);
    await page.goto('/followups?view=all');
    // Narrow the list to the member's follow-ups in the country, as a coordinator would.
    const filters = page.getByRole('search', { name: 'Filter the follow-ups' });
    await filters.locator('select[name="assignee"]').selectOption(String(member.user.id));
    await filters.locator('select[name="country"]').selectOption(COUNTRY);
    await filters.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL((u) => u.searchParams.get('assignee') === String(member.user.id));

    const row = page.locator('tr', { has: page.getByRole('link', { name: title, exact: true }) });
    await row.waitFor();
    await row.getByLabel(`Assignee of “${title}”`).selectOption(String(assignee.user.id));
    await row.getByRole('button', { name: 'Reassign' }).click();
    await page.locator('.flash', { hasText: `is now assigned to ${assignee.user.name}` }).waitFor();
    // Back on the same filtered list, where it no longer belongs to the member.
    assert.equal(new URL(page.url()).searchParams.get('assignee'), String(member.user.id));
    assert.equal(await page.getByRole('link', { name: title, exact: true }).count(), 0);
  });

  await withUser(t, async ({ page }) => {
    await login(page, MEMBER2);
    await page.goto('/followups');
    const item = page.locator('li.fu-item', { has: page.getByRole('link', { name: title, exact: true }) });
    await item.waitFor();
    // "from" names who created it (kept on reassignment, as the API tests require).
    const itemText = await item.innerText();
    assert.ok(itemText.includes(person.full_name) && itemText.includes(COUNTRY_NAME), `follow-up shown as: ${itemText}`);
    assert.ok(itemText.includes(`from ${member.user.name}`), `follow-up shown as: ${itemText}`);
    await item.getByRole('link', { name: 'Close…' }).click();
    await page.waitForURL((u) => u.pathname === `/followups/${created.id}/close`);

    await page.getByLabel('Done', { exact: true }).check();
    await page.fill('#outcome', outcome);
    await page.getByLabel(/Also log this as outreach/).check();
    await page.getByRole('button', { name: 'Close the follow-up' }).click();
    await page.waitForURL((u) => u.pathname === '/outreach/new' && u.searchParams.get('followup') === String(created.id));
    await htmxReady(page);

    // The outreach form, filled in from the follow-up.
    assert.match(await page.locator('.flash').innerText(), /Follow-up done/);
    assert.match(await page.locator('main .notice').innerText(), new RegExp(`From the follow-up`));
    const summary = await page.inputValue('#summary');
    assert.ok(summary.includes(title) && summary.includes(outcome), `summary not prefilled: ${JSON.stringify(summary)}`);
    assert.equal(await page.inputValue('#country'), COUNTRY);
    assert.equal(await page.inputValue('#date'), todayUTC());
    assert.deepEqual(await page.locator('#chosen-contacts input[name="contact_ids"]').evaluateAll((els) => els.map((e) => Number(e.value))), [person.id]);

    await page.getByRole('button', { name: 'Save outreach' }).click();
    await page.waitForURL((u) => /^\/outreach\/\d+$/.test(u.pathname));
    assert.match(await page.locator('.flash').innerText(), /Outreach logged/);
  });

  // And the follow-up is done, with its outcome.
  const closed = await api(server.url, assignee.token, 'GET', `/followups/${created.id}`);
  assert.equal(closed.status, 'done');
  assert.equal(closed.assignee_id, assignee.user.id);
  assert.equal(closed.outcome, outcome);
});

test('no console errors or CSP violations on the contact, outreach and follow-up pages', { timeout: 90_000 }, async (t) => {
  const { letters, contact } = accented;
  await withUser(t, async ({ page, problems }) => {
    await login(page, MEMBER);
    for (const url of ['/contacts', `/contacts/${contact.id}`, '/outreach', '/outreach/new', '/followups']) {
      const res = await page.goto(url, { waitUntil: 'load' });
      assert.equal(res.status(), 200, `${url} answered ${res.status()}`);
      await htmxReady(page); // loaded with defer: make sure it ran, so its errors would have shown
      assert.deepEqual(await cspViolations(page), [], `CSP violations on ${url}`);
    }

    // htmx swaps under the strict CSP: the contact search...
    await page.goto('/contacts');
    await htmxReady(page);
    const answered = contactSearchResponse(page, letters);
    await page.locator('form.contact-filters input[name="q"]').fill(letters);
    await answered;
    await page.locator('#contact-results .count', { hasText: 'match' }).waitFor();
    assert.deepEqual(await cspViolations(page), [], 'CSP violations after the contact search');

    // ...and the outreach form's picker: search, add a chip, remove it.
    await page.goto(`/outreach/new?country=${COUNTRY}`);
    await htmxReady(page);
    const person = people[0];
    await page.locator('#contact-q').focus();
    await pickerSearch(page, typed(person));
    await page.getByRole('button', { name: `Add ${person.full_name}`, exact: true }).click();
    const chip = page.locator('#chosen-contacts li.chip');
    await chip.waitFor();
    await chip.getByRole('button', { name: `Remove ${person.full_name}` }).click();
    await chip.waitFor({ state: 'detached' });
    assert.equal(pathOf(page), '/outreach/new');
    assert.deepEqual(await cspViolations(page), [], 'CSP violations in the outreach picker');

    assert.deepEqual(problems, []);
  });
});

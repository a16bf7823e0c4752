// Browser journey through the admin pages: an admin adds a member
// organisation and a member user in it with a chosen password; the new member
// signs in with that password and lands on the dashboard, under their own
// name, role and organisation. A wrong password is refused, and a member may
// not use the admin pages.
//
// One Ratify server (demo data) and one Chromium serve the whole file; every
// browser session has its own context.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { api, apiLogin } from './lib/api.mjs';
import { launchBrowser, login, pathOf, screenshot, withPatientPage } from './lib/browser.mjs';
import { startServer } from './lib/server.mjs';

const ADMIN = 'admin@demo.example.org';
const MEMBER = 'member@demo.example.org';

let server;
let browser;

before(async () => {
  [server, browser] = await Promise.all([startServer({ readyTimeoutMs: 60_000 }), launchBrowser()]);
}, { timeout: 180_000 });

after(async () => {
  await Promise.allSettled([browser?.close(), server?.stop()]);
});

const withUser = (t, fn) => withPatientPage(t, browser, server.url, fn);


test('admin adds an organisation and a member in it; the member signs in and sees the dashboard', { timeout: 120_000 }, async (t) => {
  const stamp = Date.now().toString(36).toUpperCase();
  const org = { name: `Migrant Rights Forum ${stamp}`, short: `MRF-${stamp}`, kind: 'trade_union', kindLabel: 'Trade union' };
  const user = { name: `Nadia Okafor ${stamp}`, email: `nadia.${stamp.toLowerCase()}@mrf.example.org`, password: 'Lantern-over-the-harbour-42' };

  await withUser(t, async ({ page }) => {
    await login(page, ADMIN);

    // Admin › Organisations, from the main navigation.
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.locator('li.admin-menu summary').click();
    await nav.getByRole('link', { name: 'Organisations' }).click();
    await page.waitForURL((u) => u.pathname === '/admin/organisations');
    await page.getByRole('link', { name: 'New organisation' }).click();
    await page.waitForURL((u) => u.pathname === '/admin/organisations/new');

    // A short name with a space is refused, with the input kept.
    await page.getByLabel('Name', { exact: true }).fill(org.name);
    await page.getByLabel(/^Short name/).fill('MRF X');
    await page.getByLabel('Kind').selectOption(org.kind);
    await page.getByRole('button', { name: 'Add organisation' }).click();
    await page.locator('#short_name[aria-invalid="true"]').waitFor();
    assert.equal(await page.inputValue('#name'), org.name, 'the name was not kept after the refusal');
    assert.ok((await page.locator('.field-error').count()) > 0, 'no message next to the refused field');

    await page.getByLabel(/^Short name/).fill(org.short);
    await page.getByRole('button', { name: 'Add organisation' }).click();
    await page.waitForURL((u) => u.pathname === '/admin/organisations');
    assert.match(await page.locator('.flash').innerText(), new RegExp(`${org.name} is added`));
    const row = page.locator('tbody tr', { has: page.getByRole('link', { name: org.name, exact: true }) });
    await row.waitFor();
    const cells = (await row.locator('td').allInnerTexts()).map((s) => s.trim());
    assert.equal(cells[1], org.short);
    assert.equal(cells[2], org.kindLabel);
    assert.equal(cells[3], '0', 'a new organisation has no users');

    // Admin › Users › New user, in the new organisation, with a chosen password.
    await nav.locator('li.admin-menu summary').click();
    await nav.getByRole('link', { name: 'Users' }).click();
    await page.waitForURL((u) => u.pathname === '/admin/users');
    await page.getByRole('link', { name: 'New user' }).click();
    await page.waitForURL((u) => u.pathname === '/admin/users/new');
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Name').fill(user.name);
    await page.getByLabel('Role').selectOption('member');
    await page.getByLabel('Organisation').selectOption({ label: `${org.name} (${org.short})` });
    await page.getByLabel(/^Password/).fill(user.password);
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.waitForURL((u) => /^\/admin\/users\/\d+$/.test(u.pathname));
    assert.match(await page.locator('.flash').innerText(), new RegExp(`${user.email.replace(/\./g, '\\.')} can now sign in`));
    assert.equal((await page.locator('h1').innerText()).trim(), user.name);
    // The chosen password is never shown back.
    assert.equal(await page.locator('code.secret').count(), 0);
    assert.ok(!(await page.locator('main').innerText()).includes(user.password), 'the password is shown on the page');

    // The organisation now counts one user, and the user list filtered by it shows them.
    await page.goto('/admin/organisations');
    await row.waitFor();
    assert.equal((await row.locator('td').nth(3).innerText()).trim(), '1');
    await row.locator('td').nth(3).getByRole('link').click();
    await page.waitForURL((u) => u.pathname === '/admin/users' && u.searchParams.has('organisation_id'));
    const userRow = page.locator('#user-results tbody tr');
    assert.equal(await userRow.count(), 1);
    const userCells = (await userRow.locator('td').allInnerTexts()).map((s) => s.trim());
    assert.deepEqual(userCells.slice(0, 5), [user.name, user.email, 'Member', org.short, 'Active']);
    assert.equal(userCells[5], 'never');
  });

  // The member, in a browser of their own: a wrong password first, then theirs.
  await withUser(t, async ({ page }) => {
    await page.goto('/login');
    await page.fill('#email', user.email);
    await page.fill('#password', user.password + 'x');
    await page.click('form[action="/login"] button[type="submit"]');
    await page.locator('.form-error, .field-error').first().waitFor();
    assert.equal(pathOf(page), '/login', 'a wrong password signed in');

    await login(page, user.email, user.password);
    assert.equal(pathOf(page), '/');
    assert.equal((await page.locator('h1').innerText()).trim(), 'Dashboard');
    const who = await page.locator('.head-row .muted').first().innerText();
    assert.equal(who.trim(), `Signed in as ${user.name}, Member · ${org.name}`);
    const nav = page.getByRole('navigation', { name: 'Main' });
    assert.equal((await nav.locator('.who a[href="/account"]').innerText()).trim(), user.name);
    assert.equal((await nav.locator('.who .org abbr').innerText()).trim(), org.short);
    // A member may log outreach and has no admin menu.
    assert.equal(await nav.getByRole('link', { name: '+ Log outreach' }).count(), 1);
    assert.equal(await nav.locator('li.admin-menu').count(), 0);
    const res = await page.goto('/admin/users');
    assert.equal(res.status(), 403, 'a member opened the user list');
    if (process.env.E2E_SCREENSHOTS) await screenshot(page, 'new-member-403');
  });

  // Through the API, the account is what the admin chose.
  const admin = await apiLogin(server.url, ADMIN);
  const { items } = await api(server.url, admin.token, 'GET', `/users?q=${encodeURIComponent(user.email)}`);
  assert.equal(items.length, 1);
  assert.equal(items[0].role, 'member');
  assert.equal(items[0].active, true);
  assert.equal(items[0].organisation?.short_name, org.short);
});

test('a member may not open the admin pages', { timeout: 60_000 }, async (t) => {
  await withUser(t, async ({ page, context }) => {
    await login(page, MEMBER);
    for (const url of ['/admin/organisations', '/admin/organisations/new', '/admin/users/new']) {
      const res = await context.request.get(url, { maxRedirects: 0 });
      assert.equal(res.status(), 403, `${url} answered ${res.status()}`);
    }
    // Posting the form does not help either.
    const res = await context.request.post('/admin/organisations', {
      form: { name: 'Sneaky Org', short_name: 'SNEAKY', kind: 'ngo' },
      headers: { Origin: server.url },
      maxRedirects: 0,
    });
    assert.equal(res.status(), 403);
    const admin = await apiLogin(server.url, ADMIN);
    const orgs = await api(server.url, admin.token, 'GET', '/organisations');
    const list = orgs.items ?? orgs;
    assert.ok(!list.some((o) => o.short_name === 'SNEAKY'), 'a member created an organisation');
  });
});

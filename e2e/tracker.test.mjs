// Browser journeys through the ratification tracker: the world map, keyboard
// access to it, recording a treaty status change, what a viewer may not do, and
// a clean console (no script errors, no CSP violations) on the main pages.
//
// One Ratify server (demo data) and one Chromium serve the whole file; every
// test has its own browser context, so no cookies or state leak between them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { cspViolations, launchBrowser, login, pathOf, screenshot, withPage } from './lib/browser.mjs';
import { startServer } from './lib/server.mjs';

const COORDINATOR = 'coordinator@demo.example.org';
const VIEWER = 'viewer@demo.example.org';
const MEMBER = 'member@demo.example.org';

let server;
let browser;

before(async () => {
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
}, { timeout: 120_000 });

after(async () => {
  await Promise.allSettled([browser?.close(), server?.stop()]);
});


test('dashboard map renders and clicking a state opens its dossier', { timeout: 60_000 }, async (t) => {
  await withPage(t, browser, server.url, async ({ page }) => {
    await login(page, MEMBER);
    assert.equal(pathOf(page), '/');

    const map = page.locator('svg.map');
    await map.waitFor();
    const paths = await map.locator('path').count();
    assert.ok(paths > 150, `expected more than 150 state outlines, got ${paths}`);
    // The map is drawn, not just present: it has a real size on screen.
    const box = await map.boundingBox();
    assert.ok(box && box.width > 400 && box.height > 150, `map box too small: ${JSON.stringify(box)}`);

    const legend = page.locator('figure.worldmap ul.legend');
    assert.match(await legend.innerText(), /Party/);

    const mexico = page.locator('svg.map a[href="/countries/MEX"]');
    assert.match(await mexico.getAttribute('aria-label'), /^Mexico: /);
    if (process.env.E2E_SCREENSHOTS) await screenshot(page, 'dashboard');

    await mexico.locator('path').click();
    await page.waitForURL((url) => url.pathname === '/countries/MEX');
    assert.equal(pathOf(page), '/countries/MEX');
    assert.equal((await page.locator('h1').innerText()).trim(), 'Mexico');
  });
});

test('keyboard: Tab reaches a map link and Enter opens the dossier', { timeout: 60_000 }, async (t) => {
  await withPage(t, browser, server.url, async ({ page }) => {
    await login(page, MEMBER);
    await page.locator('svg.map').waitFor();

    let focused = null;
    for (let i = 0; i < 150 && !focused; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => {
        const el = document.activeElement;
        if (!el || !el.closest('svg.map') || el.localName !== 'a') return null;
        return { href: el.getAttribute('href'), label: el.getAttribute('aria-label') };
      });
    }
    assert.ok(focused, 'Tab never reached a link on the map');
    assert.match(focused.href, /^\/countries\/[A-Z]{3}$/);
    // Focus is visible: the focused state's outline is drawn thicker (ratify.css).
    const stroke = await page.evaluate(() => getComputedStyle(document.activeElement.querySelector('path')).strokeWidth);
    assert.match(stroke, /^1\.5(px)?$/, `focused state outline stroke-width is ${stroke}`);

    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.pathname === focused.href);
    const name = focused.label.split(':')[0];
    assert.equal((await page.locator('h1').innerText()).trim(), name);
  });
});

test('coordinator records a treaty status change with its source', { timeout: 60_000 }, async (t) => {
  await withPage(t, browser, server.url, async ({ page }) => {
    await login(page, COORDINATOR);
    await page.goto('/countries/KEN');
    const icrmw = page.locator('section.standing#ICRMW');
    assert.match(await icrmw.locator('.badge').first().innerText(), /Not party/);

    await icrmw.getByRole('link', { name: 'Record a change' }).click();
    await page.waitForURL((url) => url.pathname === '/countries/KEN/ratifications/ICRMW');

    await page.selectOption('#status', 'signed');
    await page.fill('#signature_date', '2024-05-01');
    await page.fill('#source', 'e2e test source');
    await page.getByRole('button', { name: 'Preview the change' }).click();

    const preview = page.locator('section.notice', { has: page.getByRole('heading', { name: 'What will change' }) });
    await preview.waitFor();
    const previewText = await preview.innerText();
    assert.match(previewText, /Signed/);
    assert.match(previewText, /2024/);

    await Promise.all([
      page.waitForURL((url) => url.pathname === '/countries/KEN'),
      preview.getByRole('button', { name: 'Save this change' }).click(),
    ]);
    assert.match(await page.locator('.flash').innerText(), /Recorded: Kenya, ICRMW/);
    assert.match(await icrmw.locator('.badge').first().innerText(), /Signed/);
    assert.match(await icrmw.locator('dl.facts').innerText(), /e2e test source/);

    // The change is in the country's treaty timeline, with who made it and its source.
    const history = icrmw.locator('details.history');
    await history.locator('summary').click();
    const entry = history.locator('ol.timeline > li').last();
    await entry.waitFor();
    const entryText = await entry.innerText();
    assert.match(entryText, /Not party → Signed/);
    assert.match(entryText, /Camille Coordinator/);
    assert.match(entryText, /Source: e2e test source/);

    // And the ICRMW map colours Kenya as signed.
    await page.goto('/map?by=ICRMW');
    const kenya = page.locator('svg.map a[href="/countries/KEN"] path');
    assert.equal(await kenya.getAttribute('class'), 'st-signed');
    assert.match(await page.locator('svg.map a[href="/countries/KEN"]').getAttribute('aria-label'), /^Kenya: ICRMW: Signed/);
  });
});

test('viewer sees no "Record a change" link and may not open the form', { timeout: 60_000 }, async (t) => {
  await withPage(t, browser, server.url, async ({ page, context }) => {
    await login(page, VIEWER);
    const res = await page.goto('/countries/KEN');
    assert.equal(res.status(), 200);
    await page.locator('section.standing#ICRMW').waitFor();
    assert.equal(await page.getByRole('link', { name: 'Record a change' }).count(), 0);
    assert.equal(await page.locator('a[href^="/countries/KEN/ratifications/"]').count(), 0);
    if (process.env.E2E_SCREENSHOTS) await screenshot(page, 'dossier-viewer');

    // Typing the address does not help: the same session gets 403.
    const form = await context.request.get('/countries/KEN/ratifications/ICRMW', { maxRedirects: 0 });
    assert.equal(form.status(), 403);
    const nav = await page.goto('/countries/KEN/ratifications/ICRMW');
    assert.equal(nav.status(), 403);
    assert.equal(await page.locator('#source').count(), 0, 'the form must not be shown');
  });
});

test('no console errors or CSP violations on the main pages', { timeout: 60_000 }, async (t) => {
  await withPage(t, browser, server.url, async ({ page, problems }) => {
    await login(page, COORDINATOR);
    for (const url of ['/', '/countries', '/map', '/map?by=stage', '/map?by=priority', '/countries/KEN']) {
      const res = await page.goto(url, { waitUntil: 'load' });
      assert.equal(res.status(), 200, `${url} answered ${res.status()}`);
      // htmx is loaded with defer: make sure it ran, so its errors would have shown.
      await page.waitForFunction(() => typeof window.htmx === 'object');
      assert.deepEqual(await cspViolations(page), [], `CSP violations on ${url}`);
    }

    // An htmx swap under the strict CSP: the campaign card's Edit link loads its form in place.
    await page.locator('#campaign').getByRole('link', { name: 'Edit' }).click();
    await page.locator('#campaign form').waitFor();
    assert.equal(pathOf(page), '/countries/KEN');
    assert.deepEqual(await cspViolations(page), [], 'CSP violations after the htmx swap');

    assert.deepEqual(problems, []);
  });
});

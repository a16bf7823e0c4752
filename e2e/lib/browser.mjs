// Chromium (Debian's package, not a Playwright download) driven by playwright-core,
// a login helper, and a screenshot of the page when a test fails.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

import { DEMO_PASSWORD } from './server.mjs';

export const artifactsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'artifacts');

// Without the background-networking flags Chromium tries to reach Google's
// services, and the closed network refuses those connections noisily.
export const chromiumArgs = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    chromiumSandbox: false,
    args: chromiumArgs,
    timeout: 30_000,
  });
}

function fileName(name) {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 120) || 'page';
}

/** Saves a full-page screenshot to e2e/artifacts/<name>.png and returns its path. */
export async function screenshot(page, name) {
  await mkdir(artifactsDir, { recursive: true });
  const file = path.join(artifactsDir, fileName(name) + '.png');
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Runs fn with a page in a fresh browser context (own cookies, so tests do not
 * share a session). Console errors, uncaught page errors and CSP violations
 * are collected in `problems`. When fn throws, the page is saved to
 * e2e/artifacts/<test name>.png before the error is passed on.
 * contextOptions are passed on to browser.newContext (e.g. bypassCSP).
 */
export async function withPage(t, browser, baseURL, fn, contextOptions = {}) {
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 900 }, ...contextOptions });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  // Runs before the page's own scripts, so every violation is seen; Chromium also
  // logs each one as a console error, which is caught below.
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile || document.URL}:${e.lineNumber}`);
    });
  });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error on ${page.url()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error on ${page.url()}: ${err.message}`));
  try {
    return await fn({ page, context, problems });
  } catch (err) {
    try {
      const file = await screenshot(page, t.name);
      t.diagnostic(`screenshot: ${path.relative(process.cwd(), file)}`);
    } catch (shotErr) {
      t.diagnostic(`no screenshot: ${shotErr.message}`);
    }
    throw err;
  } finally {
    await context.close();
  }
}

/** CSP violations recorded on the current document. */
export function cspViolations(page) {
  return page.evaluate(() => window.__cspViolations ?? []);
}

/** Signs in through the login form as one of the demo accounts. */
export async function login(page, email, password = DEMO_PASSWORD) {
  await page.goto('/login');
  await page.fill('#email', email);
  await page.fill('#password', password);
  await Promise.all([
    page.waitForURL((url) => url.pathname !== '/login'),
    page.click('form[action="/login"] button[type="submit"]'),
  ]);
}

/** The path of the page's URL. */
export const pathOf = (page) => new URL(page.url()).pathname;

/**
 * withPage with room for each step: the machine running the journeys may be
 * busy, so actions wait up to 20 s and navigations up to 30 s.
 */
export function withPatientPage(t, browser, baseURL, fn) {
  return withPage(t, browser, baseURL, async (p) => {
    p.context.setDefaultTimeout(20_000);
    p.context.setDefaultNavigationTimeout(30_000);
    return fn(p);
  });
}

/**
 * Waits until htmx has nothing in flight and has settled what it swapped in:
 * new content gets its htmx behaviour only when it settles, so a key pressed
 * on a button swapped in a moment ago would submit its form the plain way.
 */
export const htmxIdle = (page) =>
  page.waitForFunction(() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added'));

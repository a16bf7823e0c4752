// axe-core (the npm package pinned in package.json) run inside a page. The
// script is served to the page from the page's own origin through a route,
// so the application's Content-Security-Policy (script-src 'self') stays on.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const AXE_PATH = '/__e2e__/axe.min.js';
let axeSource;

/** Lets the pages of a browser context load axe from AXE_PATH. */
export async function serveAxe(context) {
  axeSource ??= await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  await context.route((url) => url.pathname === AXE_PATH, (route) =>
    route.fulfill({ status: 200, contentType: 'text/javascript; charset=utf-8', body: axeSource }));
}

/**
 * Runs axe on the current document (WCAG 2.x A and AA rules and axe's best
 * practices) and returns the violations, each with its impact and the
 * elements concerned.
 */
export async function runAxe(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.addScriptTag({ url: AXE_PATH });
  }
  return page.evaluate(async () => {
    const result = await window.axe.run(document, {
      resultTypes: ['violations'],
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html.slice(0, 300), summary: n.failureSummary })),
    }));
  });
}

/** Formats violations for a failure message or a diagnostic. */
export function describeViolations(url, violations) {
  return violations.map((v) => `${url}: [${v.impact}] ${v.id}: ${v.help}\n` +
    v.nodes.slice(0, 5).map((n) => `    ${n.target}  ${n.html}\n      ${(n.summary || '').replace(/\n/g, '\n      ')}`).join('\n') +
    (v.nodes.length > 5 ? `\n    ... and ${v.nodes.length - 5} more` : '')).join('\n');
}

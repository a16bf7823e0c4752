// Browser journey through an email campaign, sent to a real SMTP server
// (mailpit, started by e2e/run.sh): a coordinator writes a template in English
// and French, previews it for a French-speaking contact, builds an audience by
// tag, starts the campaign and watches its progress page until it is done.
// The messages are then read back from mailpit's HTTP API: each carries the
// recipient's name, the French speaker got the French variant (a Spanish
// speaker the English fallback), the do-not-contact person got nothing, and
// every message has List-Unsubscribe and List-Unsubscribe-Post (RFC 8058).
// A one-click POST to the List-Unsubscribe address suppresses the address,
// which the suppression list page then shows.
//
// The server is started with RATIFY_SMTP_URL pointing at mailpit and
// RATIFY_BASE_URL at itself, since unsubscribe links are signed with it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { api, apiLogin } from './lib/api.mjs';
import { launchBrowser, login, screenshot, withPatientPage } from './lib/browser.mjs';
import { getHeaders, getMessage, listMessages, mailpitFromEnv, waitForMessagesTo } from './lib/mailpit.mjs';
import { startServer } from './lib/server.mjs';

const COORDINATOR = 'coordinator@demo.example.org';
const FROM_NAME = 'Coalition Secretariat';
const FROM_ADDR = 'campaigns@coalition.example.org';

let server;
let browser;
let mailpit;

before(async () => {
  mailpit = mailpitFromEnv();
  [server, browser] = await Promise.all([
    startServer({
      readyTimeoutMs: 60_000,
      env: (url) => ({
        RATIFY_SMTP_URL: `smtp://${mailpit.smtp}?tls=none`,
        RATIFY_MAIL_FROM: `${FROM_NAME} <${FROM_ADDR}>`,
        RATIFY_BASE_URL: url,
      }),
    }),
    launchBrowser(),
  ]);
}, { timeout: 180_000 });

after(async () => {
  await Promise.allSettled([browser?.close(), server?.stop()]);
});

const withUser = (t, fn) => withPatientPage(t, browser, server.url, fn);

const header = (headers, name) => {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  return key ? headers[key] : [];
};

test('coordinator sends a two-language campaign through SMTP; a one-click unsubscribe suppresses the address', { timeout: 180_000 }, async (t) => {
  const tok = Date.now().toString(36);
  const tag = `e2e-mail-${tok}`;
  const templateName = `Ratification appeal ${tok}`;
  const campaignName = `ICRMW appeal to MPs ${tok}`;
  const people = {
    en: { first_name: 'Grace', last_name: 'Wanjiru', country: 'KEN', countryName: 'Kenya', preferred_language: 'en', email: `grace.wanjiru.${tok}@parliament.example.org` },
    fr: { first_name: 'Aminata', last_name: 'Sow', country: 'SEN', countryName: 'Senegal', preferred_language: 'fr', email: `aminata.sow.${tok}@assemblee.example.org` },
    es: { first_name: 'Lucía', last_name: 'Fernández', country: 'ESP', countryName: 'Spain', preferred_language: 'es', email: `lucia.fernandez.${tok}@congreso.example.org` },
    dnc: { first_name: 'Pierre', last_name: 'Martin', country: 'SEN', countryName: 'Senegal', preferred_language: 'fr', email: `pierre.martin.${tok}@assemblee.example.org`, dnc: true },
  };
  const coordinator = await apiLogin(server.url, COORDINATOR);
  for (const p of Object.values(people)) {
    const c = await api(server.url, coordinator.token, 'POST', '/contacts', {
      first_name: p.first_name, last_name: p.last_name, kind: 'parliamentarian', country: p.country,
      preferred_language: p.preferred_language, emails: [{ email: p.email, label: 'office' }], tags: [tag],
      do_not_contact: !!p.dnc, do_not_contact_reason: p.dnc ? 'asked not to be emailed' : '',
    });
    p.id = c.contact.id;
    p.full = `${p.first_name} ${p.last_name}`;
  }
  const before = new Set((await listMessages(mailpit.api)).map((m) => m.ID));

  const variants = {
    en: {
      subject: 'Ratification of the ICRMW: a letter for {{.Contact.FullName}}',
      html: '<p>Dear {{.Contact.FullName}},</p>\n<p>We write to you about {{.Country.Name}} and the Migrant Workers Convention (ICRMW status: {{.Country.Instruments.ICRMW.Status}}).</p>\n<p>Yours sincerely,<br>{{.Sender.Name}}</p>\n<p><a href="{{.UnsubscribeURL}}">Unsubscribe</a></p>',
    },
    fr: {
      subject: 'Ratification de la CIPDTM : une lettre pour {{.Contact.FullName}}',
      html: '<p>Madame, Monsieur {{.Contact.FullName}},</p>\n<p>Nous vous écrivons au sujet de la Convention sur les travailleurs migrants ({{.Country.Name}}).</p>\n<p>Veuillez agréer nos salutations distinguées,<br>{{.Sender.Name}}</p>\n<p><a href="{{.UnsubscribeURL}}">Se désabonner</a></p>',
    },
  };
  let campaignID;

  await withUser(t, async ({ page }) => {
    await login(page, COORDINATOR);

    // 1. The template, in English and French, from Campaigns › Templates.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Campaigns' }).click();
    await page.waitForURL((u) => u.pathname === '/campaigns');
    await page.goto('/templates');
    await page.getByRole('link', { name: 'New template' }).click();
    await page.waitForURL((u) => u.pathname === '/templates/new');
    assert.equal(await page.inputValue('#language-0'), 'en');
    assert.equal(await page.inputValue('#language-1'), 'fr');
    await page.fill('#name', templateName);
    // A merge field that does not exist is refused, next to its variant, with the input kept.
    await page.fill('#subject-0', variants.en.subject);
    await page.fill('#html-0', variants.en.html.replace('{{.Contact.FullName}},', '{{.Contact.Nickname}},'));
    await page.fill('#subject-1', variants.fr.subject);
    await page.fill('#html-1', variants.fr.html);
    await page.locator('.tpl-form .actions').getByRole('button', { name: 'Save template' }).click();
    await page.locator('#html-0[aria-invalid="true"]').waitFor();
    assert.match(await page.locator('#html-0-err').innerText(), /Nickname/);
    assert.equal(await page.inputValue('#html-1'), variants.fr.html, 'the French variant was not kept');

    await page.fill('#html-0', variants.en.html);
    await page.locator('.tpl-form .actions').getByRole('button', { name: 'Save template' }).click();
    await page.waitForURL((u) => /^\/templates\/\d+$/.test(u.pathname));
    assert.match(await page.locator('.flash').innerText(), /saved \(2 language variants\)/);

    // The preview for the French speaker: the French variant, her name in the sandboxed frame.
    await page.waitForFunction(() => typeof window.htmx === 'object');
    const preview = page.locator('#preview');
    await page.locator('#preview-q').fill(people.fr.full);
    // The search lists the matches; choosing one shows the preview for her.
    const match = preview.getByRole('list', { name: 'Matching contacts' }).getByRole('link', { name: people.fr.full, exact: true });
    await match.click();
    await preview.locator('dl.facts', { hasText: people.fr.full }).waitFor();
    assert.equal(new URL(page.url()).searchParams.get('contact'), String(people.fr.id));
    const fact = (name) => preview.locator(`xpath=.//dt[normalize-space()="${name}"]/following-sibling::dd[1]`).innerText();
    assert.match(await fact('Variant'), /^fr\b/);
    assert.equal((await fact('Subject')).trim(), `Ratification de la CIPDTM : une lettre pour ${people.fr.full}`);
    const frameBody = page.frameLocator('iframe.preview-frame').locator('body');
    await frameBody.locator('p', { hasText: `Madame, Monsieur ${people.fr.full},` }).waitFor();

    // 2. The campaign: this template, the audience by tag, counted live.
    await page.goto('/campaigns/new');
    await page.waitForFunction(() => typeof window.htmx === 'object');
    await page.fill('#name', campaignName);
    await page.selectOption('#template_id', { label: `${templateName} (en, fr)` });
    assert.equal(await page.inputValue('#fallback_language'), 'en');
    const counted = page.waitForResponse((r) => new URL(r.url()).pathname === '/campaigns/audience');
    await page.selectOption('#tags', tag);
    await counted;
    const count = page.locator('#audience-count');
    await count.locator('.audience-total', { hasText: '3 recipients' }).waitFor();
    assert.match(await count.locator('.audience-total').innerText(), /excluded: 1 do-not-contact/);
    assert.match(await count.innerText(), /By language: en 2 · fr 1/);

    await page.locator('.cf-side .actions').getByRole('button', { name: 'Save draft' }).click();
    await page.waitForURL((u) => /^\/campaigns\/\d+$/.test(u.pathname));
    campaignID = Number(new URL(page.url()).pathname.split('/').pop());
    assert.match(await page.locator('.flash').innerText(), /Draft saved/);
    assert.equal(await page.inputValue('#tags'), tag, 'the audience was not saved');

    // 3. Start now, then watch the progress page (it polls) until the campaign is done.
    await page.getByRole('button', { name: 'Start sending now' }).click();
    await page.waitForURL((u) => u.pathname === `/campaigns/${campaignID}`);
    assert.match(await page.locator('.flash').innerText(), /Sending has started/);
    const progress = page.locator('#progress');
    await progress.waitFor();
    await page.locator('#progress .badge.cs-done').waitFor({ timeout: 60_000 });
    const tally = Object.fromEntries(await progress.locator('dl.tally > div').evaluateAll((ds) =>
      ds.map((d) => [d.querySelector('dt').textContent.trim(), d.querySelector('dd').textContent.trim()])));
    assert.equal(tally.Sent, '3', `tally: ${JSON.stringify(tally)}`);
    assert.equal(tally.Failed, '0');
    assert.equal(tally.Queued, '0');
    assert.equal(tally.Skipped, '1', 'the do-not-contact person is not recorded as skipped');
    assert.match(await progress.innerText(), /4 of 4 done \(100%\)/);
    // The recipient list (it polls too) shows each address sent, in its language, and who was skipped and why.
    await page.locator('#recipients .badge.rs-sent').nth(2).waitFor();
    const rows = await page.locator('#recipients tbody tr').evaluateAll((trs) => trs.map((tr) =>
      [1, 2, 3].map((i) => tr.cells[i].innerText.trim().replace(/\s+/g, ' ')).filter(Boolean).join(' ')));
    assert.deepEqual(rows.sort(), [
      `${people.en.email} en sent`, `${people.es.email} en sent`, `${people.fr.email} fr sent`,
      `${people.dnc.email} skipped do-not-contact`, // no language: no message was made
    ].sort());
    await page.reload();
    assert.match(await page.locator('section[aria-labelledby="outreach-h"]').innerText(), /3 email\(s\) logged/);
    if (process.env.E2E_SCREENSHOTS) await screenshot(page, 'campaign-done');
  });

  // 4. What mailpit received.
  const got = await waitForMessagesTo(mailpit.api, [people.en.email, people.fr.email, people.es.email]);
  const mine = (await listMessages(mailpit.api)).filter((m) => !before.has(m.ID));
  assert.equal(mine.length, 3, `messages received: ${mine.map((m) => m.To.map((x) => x.Address).join(',')).join(' | ')}`);
  assert.ok(!mine.some((m) => m.To.some((x) => x.Address.toLowerCase() === people.dnc.email)), 'the do-not-contact person was mailed');

  const unsubscribeURLs = {};
  for (const [lang, p] of Object.entries({ en: people.en, fr: people.fr, es: people.es })) {
    assert.equal(got[p.email].length, 1, `${p.email} got ${got[p.email].length} messages`);
    const msg = await getMessage(mailpit.api, got[p.email][0].ID);
    const headers = await getHeaders(mailpit.api, msg.ID);
    const variant = lang === 'fr' ? 'fr' : 'en'; // Spanish is not written: the English fallback
    const name = p.full;

    assert.equal(msg.From.Address, FROM_ADDR);
    assert.equal(msg.From.Name, FROM_NAME);
    assert.equal(msg.To[0].Address, p.email);
    assert.equal(msg.To[0].Name, name);
    if (variant === 'fr') {
      assert.equal(msg.Subject, `Ratification de la CIPDTM : une lettre pour ${name}`);
      assert.ok(msg.HTML.includes(`Madame, Monsieur ${name},`), `French greeting missing for ${p.email}`);
      assert.ok(msg.HTML.includes(`(${p.countryName})`), `country missing for ${p.email}`);
      assert.ok(msg.Text.includes(`Madame, Monsieur ${name},`), 'the text part is not French');
      assert.ok(!msg.HTML.includes('Dear '), 'the French speaker got English');
    } else {
      assert.equal(msg.Subject, `Ratification of the ICRMW: a letter for ${name}`);
      assert.ok(msg.HTML.includes(`Dear ${name},`), `English greeting missing for ${p.email}`);
      assert.ok(msg.HTML.includes(`about ${p.countryName} and`), `country missing for ${p.email}`);
      assert.ok(msg.Text.includes(`Dear ${name},`), 'the text part has no greeting');
      assert.ok(!msg.HTML.includes('Madame'), `${p.email} got French`);
    }
    assert.ok(msg.HTML.includes(FROM_NAME), 'the sender name merge field is empty');
    assert.ok(!/\{\{|\}\}/.test(msg.HTML + msg.Subject), 'a merge field was left unrendered');

    const lu = header(headers, 'List-Unsubscribe');
    const lup = header(headers, 'List-Unsubscribe-Post');
    assert.equal(lu.length, 1, `List-Unsubscribe: ${JSON.stringify(lu)}`);
    const m = /^<([^>]+)>$/.exec(lu[0].trim());
    assert.ok(m, `List-Unsubscribe is not <URL>: ${lu[0]}`);
    assert.ok(m[1].startsWith(`${server.url}/u/`), `List-Unsubscribe ${m[1]} is not on ${server.url}`);
    assert.deepEqual(lup.map((s) => s.trim()), ['List-Unsubscribe=One-Click']);
    // The body's link is the same signed address.
    assert.ok(msg.HTML.includes(`href="${m[1]}"`), 'the body links elsewhere than List-Unsubscribe');
    assert.equal(header(headers, 'Message-ID').length, 1);
    unsubscribeURLs[lang] = m[1];
  }
  assert.equal(new Set(Object.values(unsubscribeURLs)).size, 3, 'recipients share an unsubscribe link');

  // 5. One-click unsubscribe, as a mail provider does it: no cookie, no Origin.
  const suppressed = async (email) =>
    (await api(server.url, coordinator.token, 'GET', `/suppressions?q=${encodeURIComponent(email)}`)).items.some((s) => s.email === email);
  const url = unsubscribeURLs.fr;
  const look = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  assert.equal(look.status, 200);
  assert.ok((await look.text()).includes(people.fr.email), 'the confirmation page does not name the address');
  assert.equal(await suppressed(people.fr.email), false, 'GET on the unsubscribe link changed something');
  const click = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'List-Unsubscribe=One-Click',
    redirect: 'manual',
    signal: AbortSignal.timeout(10_000),
  });
  assert.equal(click.status, 200, `one-click unsubscribe answered ${click.status}: ${await click.clone().text()}`);
  assert.equal(await suppressed(people.fr.email), true);
  // A tampered token is refused and suppresses nothing.
  const tampered = url.slice(0, -2) + (url.endsWith('AA') ? 'BB' : 'AA');
  const bad = await fetch(tampered, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click', signal: AbortSignal.timeout(10_000) });
  assert.ok(bad.status >= 400 && bad.status < 500, `a tampered link answered ${bad.status}`);
  assert.equal(await suppressed(people.en.email), false);

  // 6. The suppression list page shows the address, as unsubscribed.
  await withUser(t, async ({ page }) => {
    await login(page, COORDINATOR);
    await page.goto('/suppressions');
    await page.waitForFunction(() => typeof window.htmx === 'object');
    const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/suppressions' && new URL(r.url()).searchParams.get('q') === people.fr.email);
    await page.getByRole('search').getByLabel('Search').fill(people.fr.email);
    await answered;
    const row = page.locator('#sup-results tbody tr', { has: page.locator('td.email', { hasText: people.fr.email }) });
    await row.waitFor();
    assert.equal((await row.locator('td').nth(1).innerText()).trim(), 'unsubscribe');
    assert.equal(await page.locator('#sup-results tbody tr').count(), 1);

    // And a new campaign to the same audience leaves her out as suppressed.
    await page.goto(`/campaigns/new`);
    await page.waitForFunction(() => typeof window.htmx === 'object');
    await page.selectOption('#template_id', { label: `${templateName} (en, fr)` });
    const counted = page.waitForResponse((r) => new URL(r.url()).pathname === '/campaigns/audience');
    await page.selectOption('#tags', tag);
    await counted;
    const total = page.locator('#audience-count .audience-total', { hasText: '2 recipients' });
    await total.waitFor();
    assert.match(await total.innerText(), /excluded: 1 do-not-contact, 0 no address, 1 suppressed/);
  });
});

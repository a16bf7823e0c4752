// The mailpit SMTP server that e2e/run.sh starts on free local ports, and a
// small client for its HTTP API (/api/v1/messages, /api/v1/message/{ID},
// /api/v1/message/{ID}/headers) to read back what Ratify sent.

const TIMEOUT_MS = 10_000;

/**
 * Where mailpit listens, from the variables e2e/run.sh exports.
 * @returns {{smtp: string, api: string}} smtp is host:port, api an http:// URL
 */
export function mailpitFromEnv() {
  const smtp = process.env.E2E_MAILPIT_SMTP;
  const api = process.env.E2E_MAILPIT_API;
  if (!smtp || !api) {
    throw new Error('E2E_MAILPIT_SMTP and E2E_MAILPIT_API are not set: run the journeys with `bash e2e/run.sh FILE`, which starts mailpit');
  }
  return { smtp, api };
}

async function get(api, path) {
  const res = await fetch(api + path, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (res.status !== 200) throw new Error(`mailpit GET ${path}: HTTP ${res.status}: ${await res.text()}`);
  return res.json();
}

/** Summaries of the messages mailpit holds, newest first (at most 500). */
export async function listMessages(api) {
  const { messages } = await get(api, '/api/v1/messages?limit=500');
  return messages ?? [];
}

/** One message in full: From, To, Subject, Text, HTML... */
export function getMessage(api, id) {
  return get(api, `/api/v1/message/${encodeURIComponent(id)}`);
}

/** One message's headers, each name with its list of values. */
export function getHeaders(api, id) {
  return get(api, `/api/v1/message/${encodeURIComponent(id)}/headers`);
}

/**
 * Waits until mailpit holds a message to each of the addresses, and returns
 * them by address (summaries). Fails when one is still missing at the deadline.
 */
export async function waitForMessagesTo(api, addresses, timeoutMs = 30_000) {
  const want = addresses.map((a) => a.toLowerCase());
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = {};
    for (const m of await listMessages(api)) {
      for (const to of m.To ?? []) {
        const addr = to.Address.toLowerCase();
        if (want.includes(addr)) (found[addr] ??= []).push(m);
      }
    }
    if (want.every((a) => found[a])) return found;
    if (Date.now() > deadline) {
      throw new Error(`mailpit has no message to ${want.filter((a) => !found[a]).join(', ')} after ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

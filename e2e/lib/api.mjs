// A small client for Ratify's JSON API (/api/v1), for tests that need to learn
// what the demo data holds or to set up a record without clicking through it.
import { DEMO_PASSWORD } from './server.mjs';

const TIMEOUT_MS = 15_000;

/**
 * Signs in to the API as a demo account.
 * @returns {Promise<{token: string, user: {id: number, name: string, email: string}}>}
 */
export async function apiLogin(baseURL, email, password = DEMO_PASSWORD) {
  const res = await fetch(`${baseURL}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  if (res.status !== 200) throw new Error(`API login as ${email}: HTTP ${res.status}: ${await res.text()}`);
  return res.json();
}

/** Calls the API with a bearer token; fails unless the answer is 2xx. */
export async function api(baseURL, token, method, path, body) {
  const res = await fetch(`${baseURL}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const text = await res.text();
  if (res.status < 200 || res.status > 299) throw new Error(`${method} /api/v1${path}: HTTP ${res.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Drops accents the way a person typing on a plain keyboard would: "Côté" → "Cote". */
export function unaccent(s) {
  return s.normalize('NFD').replace(/\p{M}/gu, '');
}

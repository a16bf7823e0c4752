// Builds the ratify binary (or takes the one e2e/run.sh built, in RATIFY_E2E_BIN),
// starts `ratify serve --demo` on a free port with a fresh data folder, waits
// until /readyz answers 200, and stops it with SIGTERM.
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const DEMO_PASSWORD = 'ratify-demo-password';

// Go may live in /usr/local/go/bin without being on PATH (as in .ci/run).
function goEnv() {
  const extra = ['/usr/local/go/bin'];
  return { ...process.env, PATH: [process.env.PATH, ...extra].filter(Boolean).join(path.delimiter) };
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitReady(url, child, output, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`ratify exited early (code ${child.exitCode}, signal ${child.signalCode}):\n${output()}`);
    }
    try {
      const res = await fetch(url + '/readyz', { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
      last = `HTTP ${res.status}: ${await res.text()}`;
    } catch (err) {
      last = String(err?.cause?.code ?? err);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`ratify did not become ready at ${url}/readyz within ${timeoutMs} ms (last: ${last}):\n${output()}`);
}

/**
 * Builds and starts Ratify with the demo data set. `env` adds variables to the
 * server's environment; as a function it is given the server's address first
 * (for settings such as RATIFY_BASE_URL that must name it).
 * @param {{readyTimeoutMs?: number, env?: object | ((url: string) => object)}} [options]
 * @returns {Promise<{url: string, stop: () => Promise<void>, output: () => string}>}
 */
export async function startServer({ readyTimeoutMs = 30_000, env = {} } = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'ratify-e2e-'));
  let bin = process.env.RATIFY_E2E_BIN;
  if (!bin) {
    bin = path.join(dir, 'ratify');
    try {
      await run('go', ['build', '-o', bin, './cmd/ratify'], { cwd: repoRoot, env: goEnv(), maxBuffer: 16 << 20 });
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`go build failed:\n${err.stderr || err.message}`);
    }
  }

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = path.join(dir, 'data');
  const child = spawn(bin, ['serve', '--demo'], {
    cwd: dir,
    env: {
      ...process.env,
      RATIFY_ADDR: `127.0.0.1:${port}`,
      RATIFY_DATA_DIR: dataDir,
      RATIFY_LOG_LEVEL: process.env.RATIFY_LOG_LEVEL || 'warn',
      ...(typeof env === 'function' ? env(url) : env),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Keep the last part of the server's output for error messages.
  let log = '';
  const keep = (chunk) => {
    log = (log + chunk.toString()).slice(-20_000);
    if (process.env.E2E_SERVER_LOG) process.stderr.write(chunk);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const output = () => log;

  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await waitReady(url, child, output, readyTimeoutMs);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, stop, output };
}

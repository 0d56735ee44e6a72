import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { request, type IncomingMessage } from 'node:http';
import { dirname, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/keyway.js';
import { obtainTokens } from '../support/oauth-flow.js';

/** The real process, as `node dist/main.js` runs it: start-up, configuration errors, SIGTERM. */
const MAIN = join(dirname(fileURLToPath(import.meta.url)), '../../src/main.js');

interface Started {
  readonly child: ChildProcess;
  readonly origin: string;
  readonly exited: Promise<[number | null, NodeJS.Signals | null]>;
}

async function startMain(t: TestContext, env: Record<string, string> = {}): Promise<Started> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env['PATH'] ?? '', KEYWAY_PORT: String(port), KEYWAY_SHUTDOWN_GRACE_MS: '3000', KEYWAY_STORE: 'memory', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let output = '';
  child.stdout?.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('"keyway.started"')) resolve();
    });
    child.once('exit', () => reject(new Error(`exited before starting: ${output}`)));
  });
  return { child, origin: `http://127.0.0.1:${port}`, exited };
}

test('starts on the configured port and answers /healthz', async (t) => {
  const { origin, child, exited } = await startMain(t);
  const response = await fetch(new URL('/healthz', origin));
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { status: 'ok' });
  child.kill('SIGINT');
  assert.deepEqual(await exited, [0, null]);
});

test('a bad configuration value stops start-up with one line naming the variable', async () => {
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env['PATH'] ?? '', KEYWAY_PORT: 'eighty' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 1);
  assert.match(stderr, /^keyway: configuration error: KEYWAY_PORT: .+\n$/);
});

test('SIGTERM with an open SSE stream: readiness fails, the stream gets retry: and closes, exit 0', async (t) => {
  const { origin, child, exited } = await startMain(t);
  const { access_token: token } = await obtainTokens(origin);
  const url = new URL('/sse', origin);
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const headers = { accept: 'text/event-stream', authorization: `Bearer ${token}` };
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, headers }, resolve);
    req.on('error', reject);
    req.end();
  });
  assert.equal(res.statusCode, 200);
  res.setEncoding('utf8');
  let received = '';
  const endpointSeen = new Promise<void>((resolve) => {
    res.on('data', (chunk: string) => {
      received += chunk;
      if (received.includes('event: endpoint')) resolve();
    });
  });
  await endpointSeen;
  const ended = once(res, 'end');
  child.kill('SIGTERM');
  await ended;
  assert.match(received, /retry: \d+/);
  assert.deepEqual(await exited, [0, null]);
});

test('SIGTERM while still starting up (first boot of a SQLite store) drains and exits 0', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'keyway-main-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const port = await freePort();
  const env = { PATH: process.env['PATH'] ?? '', KEYWAY_PORT: String(port), KEYWAY_DATA_DIR: dir, KEYWAY_STORE: `sqlite:${join(dir, 'keyway.db')}` };
  const child = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let output = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (output += chunk));
  // The first line (the local sign-in warning, the store's migration log) is written while the app
  // is still being built: before the store is migrated, the listener is up and the MCP side loaded.
  await once(child.stdout, 'data');
  assert.doesNotMatch(output, /"keyway\.started"/);
  child.kill('SIGTERM');
  assert.deepEqual(await exited, [0, null]);
  assert.match(output, /"keyway\.stopping","signal":"SIGTERM"/);
  assert.match(output, /"keyway\.stopped"/);
});

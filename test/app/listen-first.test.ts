import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { createClientIp } from '../../src/adapters/http/client-ip.js';
import type { HttpContext, Route } from '../../src/adapters/http/types.js';
import { createSystemClock } from '../../src/adapters/system/clock.js';
import { createCryptoRandom } from '../../src/adapters/system/random.js';
import { loadConfig } from '../../src/app/config.js';
import { createApp } from '../../src/app/container.js';
import { deferredJourneys } from '../../src/app/listener.js';
import { freePort } from '../support/keyway.js';
import { recordingLogger, type LogEntry } from '../support/sse-stream.js';

/** A hang is a failure: every wait here is on an event that should come quickly. */
const TIMEOUT_MS = 15_000;

interface HeldIssuer {
  readonly origin: string;
  /** Resolves with the discovery request's response once Keyway asks: Keyway's listener is up by then. */
  readonly discovery: Promise<ServerResponse>;
}

/**
 * An OpenID provider whose discovery answer the test gives by hand. Keyway discovers its provider
 * while loading the authorization server behind the listener, so holding the answer holds the load.
 */
async function heldIssuer(t: TestContext): Promise<HeldIssuer> {
  let asked: (res: ServerResponse) => void = () => undefined;
  const discovery = new Promise<ServerResponse>((resolve) => (asked = resolve));
  const server = createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') return asked(res);
    res.writeHead(404).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, discovery };
}

interface Answer {
  readonly status: number | undefined;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** Sends a request and resolves once it is fully written, with the answer still to come. */
async function send(origin: string, method: string, path: string): Promise<{ readonly answer: Promise<Answer> }> {
  const req = request(new URL(path, origin), { method, agent: false, headers: { 'content-type': 'application/json' } });
  const answer = new Promise<Answer>((resolve, reject) => {
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
  req.end(method === 'POST' ? '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' : undefined);
  await once(req, 'finish');
  return { answer };
}

async function startHeld(t: TestContext, logs: Array<Record<string, unknown>> = []) {
  const issuer = await heldIssuer(t);
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const config = loadConfig({ KEYWAY_STORE: 'memory', KEYWAY_PORT: String(port), KEYWAY_PUBLIC_URL: origin, KEYWAY_SHUTDOWN_GRACE_MS: '2000', KEYWAY_IDP: 'oidc', OIDC_ISSUER: issuer.origin, OIDC_CLIENT_ID: 'keyway' });
  const app = await createApp(config, (line) => logs.push(JSON.parse(line) as Record<string, unknown>));
  const started = app.start();
  started.catch(() => undefined);
  // A start that fails before it loads anything (the port taken meanwhile) never asks the issuer.
  const discovery = await Promise.race([issuer.discovery, started.then(() => assert.fail('started without discovering its provider'))]);
  return { discovery, origin, issuer: issuer.origin, started };
}

test('the listener answers while the authorization server loads; other routes wait for it; start() resolves when all is loaded', { timeout: TIMEOUT_MS }, async (t) => {
  const logs: Array<Record<string, unknown>> = [];
  const { discovery, issuer, origin, started } = await startHeld(t, logs);
  const unauthorized = await (await send(origin, 'POST', '/mcp')).answer;
  assert.equal(unauthorized.status, 401);
  assert.match(String(unauthorized.headers['www-authenticate']), /^Bearer resource_metadata="/);
  const readiness = await (await send(origin, 'GET', '/readyz')).answer;
  assert.equal(readiness.status, 503);
  assert.deepEqual(JSON.parse(readiness.body), { status: 'starting' });
  const metadata = await send(origin, 'GET', '/.well-known/oauth-authorization-server');
  const missing = await send(origin, 'GET', '/no-such-endpoint');
  discovery.writeHead(200, { 'content-type': 'application/json' }).end(
    JSON.stringify({
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
    }),
  );
  const served = await metadata.answer;
  assert.equal(served.status, 200);
  assert.equal((JSON.parse(served.body) as { issuer?: string }).issuer, origin);
  assert.equal((await missing.answer).status, 404);
  const running = await started;
  assert.equal((await (await send(origin, 'GET', '/readyz')).answer).status, 200);
  await running.stop();
  // The 401 the listener gave before the whole route table was loaded is a step of the journey all the same.
  const journeys = logs.filter((entry) => entry['event'] === 'keyway.journey');
  assert.ok(journeys.some((journey) => (journey['steps'] as string[]).some((step) => / 401/.test(step))), JSON.stringify(journeys));
});

test('a load that fails behind the listener stops the server with its one-line error; a waiting request gets 503', { timeout: TIMEOUT_MS }, async (t) => {
  const { discovery, origin, started } = await startHeld(t);
  const waiting = await send(origin, 'GET', '/.well-known/oauth-authorization-server');
  discovery.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
  await assert.rejects(started, (error: Error) => {
    assert.match(error.message, /^OIDC_ISSUER: .*answered HTTP 404/);
    assert.doesNotMatch(error.message, /\n/, 'one line');
    return true;
  });
  assert.equal((await waiting.answer).status, 503);
  await assert.rejects(fetch(new URL('/healthz', origin)), 'the listener is closed');
});

test('a request answered before connect journeys are loaded is recorded once they are', { timeout: TIMEOUT_MS }, async (t) => {
  const entries: LogEntry[] = [];
  const logger = recordingLogger(entries);
  const journeys = deferredJourneys(loadConfig({ KEYWAY_STORE: 'memory' }), { clock: createSystemClock(), random: createCryptoRandom(), logger, clientIp: createClientIp([]) });
  const route: Route = { method: 'POST', path: '/mcp', handler: async () => undefined, mcp: true };
  let recorded: () => void = () => undefined;
  const handedOver = new Promise<void>((resolve) => (recorded = resolve));
  // The unauthenticated probe, answered as the gate answers it, and handed to the recorder when it ends.
  const server = createServer((req, res) => {
    const ctx: HttpContext = { req, res, url: new URL(req.url ?? '/', 'http://127.0.0.1'), requestId: 'probe', logger, signal: new AbortController().signal };
    res.once('close', () => {
      journeys.recorder(ctx, route);
      recorded();
    });
    req.resume();
    res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const { answer } = await send(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'POST', '/mcp');
  assert.equal((await answer).status, 401);
  await handedOver;
  await journeys.load();
  await journeys.close();
  const ended = entries.filter((entry) => entry.event === 'keyway.journey');
  assert.equal(ended.length, 1);
  assert.deepEqual(ended[0]?.fields['steps'], ['+0s probe 401']);
});

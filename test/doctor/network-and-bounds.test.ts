import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createContext, DoctorAbort, MAX_REQUESTS } from '../../src/domain/doctor/context.js';
import { runDoctor } from '../../src/domain/doctor/run.js';
import type { DoctorReport, StepId } from '../../src/domain/doctor/report.js';
import type { Probe } from '../../src/domain/ports/probe.js';
import { fakeBrowser, LOOPBACK_CALLBACK, loopbackAllowed } from './support/fake-browser.js';
import { createFakeProbe, type FakeNetwork } from './support/fake-probe.js';
import { doctorOptions } from './support/options.js';
import { brokenWorld, CLAUDE_CALLBACK, healthyWorld, jsonAnswer, pathOf, type Breakage } from './support/world.js';

/**
 * The network rules hosted clients apply before any request (CLIENTS.md 1.11), the overrides for
 * local testing, the bounds on time and count, and `--login` through a fake browser.
 */
const ORIGIN = 'https://mcp.example.com';

async function doctor(url: string, options: Parameters<typeof doctorOptions>[1] = {}, network: FakeNetwork = {}, breakage?: Breakage): Promise<DoctorReport> {
  const origin = new URL(url).origin;
  const world = breakage === undefined ? healthyWorld(origin) : brokenWorld(origin, breakage);
  return runDoctor(doctorOptions(url, options), { probe: createFakeProbe(origin, world, network) });
}

const verdictOf = (report: DoctorReport, step: StepId): string | undefined => report.steps.find((entry) => entry.step === step)?.verdict;

describe('network steps', () => {
  test('a loopback A record fails for a hosted client, warns with --allow-private, passes for Claude Code', async () => {
    const network: FakeNetwork = { addresses: [{ address: '127.0.0.1', family: 4, scope: 'loopback' }] };
    const refused = await doctor(`${ORIGIN}/mcp`, {}, network);
    assert.equal(refused.firstFailure?.step, 'dns');
    assert.match(refused.firstFailure?.cause ?? '', /loopback/);
    assert.equal(verdictOf(await doctor(`${ORIGIN}/mcp`, { allowPrivate: true }, network), 'dns'), 'warn');
    assert.equal(verdictOf(await doctor(`${ORIGIN}/mcp`, { client: 'claude-code' }, network), 'dns'), 'pass');
  });

  test('an AAAA-only name and a private A record among public ones fail', async () => {
    const v6only = await doctor(`${ORIGIN}/mcp`, {}, { addresses: [{ address: '2606:4700::1', family: 6, scope: 'public' }] });
    assert.match(v6only.firstFailure?.cause ?? '', /AAAA-only/);
    const split = await doctor(`${ORIGIN}/mcp`, {}, { addresses: [{ address: '160.79.104.10', family: 4, scope: 'public' }, { address: '10.0.0.5', family: 4, scope: 'private' }] });
    assert.equal(split.firstFailure?.step, 'dns');
    assert.match(split.firstFailure?.measured ?? '', /10\.0\.0\.5/);
  });

  test('a failed TLS handshake fails the tls step with its reason', async () => {
    const report = await doctor(`${ORIGIN}/mcp`, {}, { tlsError: 'unable to verify the first certificate' });
    assert.equal(report.firstFailure?.step, 'tls');
    assert.match(report.firstFailure?.cause ?? '', /unable to verify the first certificate/);
  });

  test('a port other than 443 fails for a hosted client and warns with --allow-any-port', async () => {
    const url = 'https://mcp.example.com:8443/mcp';
    assert.equal((await doctor(url)).firstFailure?.step, 'port');
    const allowed = await doctor(url, { allowAnyPort: true });
    assert.equal(verdictOf(allowed, 'port'), 'warn');
    assert.ok(allowed.ok);
  });
});

describe('other failures', () => {
  test('406 to Accept */* after sign-in fails the accept step', async () => {
    const breakage: Breakage = (request, healthy) =>
      request.headers['authorization'] !== undefined && request.method === 'POST' && request.headers['accept'] !== 'application/json, text/event-stream' ? { status: 406 } : healthy(request);
    const report = await doctor(`${ORIGIN}/mcp`, { withToken: true }, {}, breakage);
    assert.equal(report.firstFailure?.step, 'accept');
    assert.match(report.firstFailure?.fix ?? '', /never answer 406/);
  });

  test('an authorization endpoint that redirects to an unregistered redirect URI fails', async () => {
    const breakage: Breakage = (request, healthy) => {
      if (pathOf(request) !== '/authorize') return healthy(request);
      const target = new URL(request.path, ORIGIN).searchParams.get('redirect_uri') ?? '';
      return { status: 302, headers: { location: `${target}?code=abc&state=x&iss=${encodeURIComponent(ORIGIN)}` } };
    };
    const report = await doctor(`${ORIGIN}/mcp`, {}, {}, breakage);
    assert.equal(report.firstFailure?.step, 'authorize');
    assert.match(report.firstFailure?.cause ?? '', /open redirector/);
  });

  test('an immediate redirect back without iss, while the metadata advertises iss, fails the authorize step', async () => {
    const breakage: Breakage = (request, healthy) => {
      if (pathOf(request) !== '/authorize') return healthy(request);
      const query = new URL(request.path, ORIGIN).searchParams;
      if (query.get('redirect_uri') !== CLAUDE_CALLBACK) return healthy(request);
      return { status: 302, headers: { location: `${CLAUDE_CALLBACK}?code=abc&state=${query.get('state') ?? ''}` } };
    };
    const report = await doctor(`${ORIGIN}/mcp`, {}, {}, breakage);
    assert.equal(report.firstFailure?.step, 'authorize');
    assert.match(report.firstFailure?.cause ?? '', /iss null/);
  });

  test('an SSE endpoint event built from request headers (another origin) fails', async () => {
    const breakage: Breakage = (request, healthy) => {
      const answer = healthy(request);
      return answer.stream === undefined ? answer : { ...answer, stream: { ...answer.stream, events: [{ name: 'endpoint', data: 'http://internal:8080/messages?sessionId=1' }] } };
    };
    const report = await doctor(`${ORIGIN}/mcp`, { withToken: true }, {}, breakage);
    assert.equal(report.firstFailure?.step, 'sse');
    assert.match(report.firstFailure?.cause ?? '', /another origin/);
  });

  const notUrls: Array<[string, Breakage, StepId, RegExp]> = [
    ['a Location', (request, healthy) => (pathOf(request) === '/mcp' ? { status: 307, headers: { location: 'http://[bad/mcp/' } } : healthy(request)), 'url', /^Location is not a URL: http:\/\/\[bad\/mcp\//],
    ['authorization_servers[0]', (request, healthy) => (pathOf(request).startsWith('/.well-known/oauth-protected-resource') ? jsonAnswer(200, { resource: `${ORIGIN}/mcp`, authorization_servers: ['my auth server'] }) : healthy(request)), 'resource-metadata', /^authorization_servers\[0\] is not a URL: my auth server/],
    ['a token_endpoint', (request, healthy) => {
      const answer = healthy(request);
      return pathOf(request) === '/.well-known/oauth-authorization-server' ? jsonAnswer(200, { ...(JSON.parse(answer.body ?? '{}') as object), token_endpoint: '/token' }) : answer;
    }, 'auth-server-metadata', /^token_endpoint is not a URL: "\/token"/],
    ['an SSE endpoint event', (request, healthy) => {
      const answer = healthy(request);
      return answer.stream === undefined ? answer : { ...answer, stream: { ...answer.stream, events: [{ name: 'endpoint', data: 'http://[::1/messages' }] } };
    }, 'sse', /^the endpoint event's data is not a URL: http:\/\/\[::1\/messages/],
  ];
  for (const [what, breakage, step, cause] of notUrls) {
    test(`${what} that is not a URL fails its step and says so (not "no answer")`, async () => {
      const report = await doctor(`${ORIGIN}/mcp`, { withToken: true }, {}, breakage);
      assert.equal(report.firstFailure?.step, step, JSON.stringify(report.firstFailure));
      assert.match(report.firstFailure?.cause ?? '', cause);
    });
  }

  test('a server without authorization skips the OAuth steps and still checks the transport', async () => {
    const breakage: Breakage = (request, healthy) => healthy({ ...request, headers: { ...request.headers, authorization: 'Bearer open' } });
    const report = await doctor(`${ORIGIN}/mcp`, {}, {}, breakage);
    assert.ok(report.ok, JSON.stringify(report.firstFailure));
    assert.equal(verdictOf(report, 'registration'), 'skip');
    assert.equal(verdictOf(report, 'tools-list'), 'pass');
  });

  test('without a token the MCP steps are skipped, not failed', async () => {
    const report = await doctor(`${ORIGIN}/mcp`);
    assert.ok(report.ok);
    assert.equal(verdictOf(report, 'initialize'), 'skip');
    assert.match(report.steps.find((entry) => entry.step === 'initialize')?.measured ?? '', /--token or --login/);
  });
});

describe('bounds', () => {
  test('the overall deadline stops the run at the step in progress', async () => {
    const probe = createFakeProbe(ORIGIN, healthyWorld(ORIGIN));
    const slow: Probe = { ...probe, nowMs: (() => { let now = 0; return () => (now += 1000); })() };
    const report = await runDoctor(doctorOptions(`${ORIGIN}/mcp`, { deadlineMs: 5000 }), { probe: slow });
    assert.match(report.firstFailure?.cause ?? '', /overall deadline \(5000 ms\)/);
    assert.ok(probe.requests.length < 12, `${probe.requests.length} requests after the deadline`);
  });

  test('a request whose time limit the deadline cut short fails its step with "deadline", not "no answer"', async () => {
    let now = 0;
    const probe = createFakeProbe(ORIGIN, healthyWorld(ORIGIN));
    const hanging: Probe = {
      ...probe,
      nowMs: () => now,
      exchange: async (request) => {
        if (!request.url.endsWith('/register')) return probe.exchange(request);
        now += request.timeoutMs;
        throw new Error(`no complete answer from POST ${request.url} within ${request.timeoutMs} ms`);
      },
    };
    const report = await runDoctor(doctorOptions(`${ORIGIN}/mcp`, { deadlineMs: 5000, requestTimeoutMs: 10_000 }), { probe: hanging });
    assert.equal(report.firstFailure?.step, 'registration');
    assert.equal(report.firstFailure?.measured, 'stopped');
    assert.match(report.firstFailure?.cause ?? '', /overall deadline \(5000 ms\) passed/);
  });

  test('a stream watch the deadline cut short fails with "deadline", not as a buffering proxy', async () => {
    let now = 0;
    const probe = createFakeProbe(ORIGIN, healthyWorld(ORIGIN));
    const slowStream: Probe = {
      ...probe,
      nowMs: () => now,
      watchStream: async (request, watch) => {
        now += watch.waitMs;
        return { ...(await probe.watchStream(request, watch)), events: [] };
      },
    };
    const report = await runDoctor(doctorOptions(`${ORIGIN}/mcp`, { withToken: true, deadlineMs: 5000, sseWaitMs: 4000, heartbeatWaitMs: 4000 }), { probe: slowStream });
    assert.equal(report.firstFailure?.step, 'sse', JSON.stringify(report.steps));
    assert.match(report.firstFailure?.cause ?? '', /overall deadline/);
  });

  test('the request cap names itself, not --deadline', async () => {
    const context = createContext(doctorOptions(`${ORIGIN}/mcp`), { probe: createFakeProbe(ORIGIN, healthyWorld(ORIGIN)) });
    for (let count = 0; count < MAX_REQUESTS; count += 1) await context.send({ method: 'GET', url: `${ORIGIN}/`, headers: {} });
    const error: unknown = await context.send({ method: 'GET', url: `${ORIGIN}/`, headers: {} }).catch((thrown: unknown) => thrown);
    assert.ok(error instanceof DoctorAbort);
    assert.match(error.message, new RegExp(`cap of ${MAX_REQUESTS} requests`));
    assert.doesNotMatch(error.fix, /--deadline/);
  });

  test('no run sends more than MAX_REQUESTS requests, and the per-request timeout never exceeds the setting', async () => {
    const probe = createFakeProbe(ORIGIN, healthyWorld(ORIGIN));
    await runDoctor(doctorOptions(`${ORIGIN}/mcp`, { withToken: true, requestTimeoutMs: 1234 }), { probe });
    assert.ok(probe.requests.length > 10 && probe.requests.length <= MAX_REQUESTS, String(probe.requests.length));
    assert.ok(probe.requests.every((request) => request.timeoutMs <= 1234));
  });
});

describe('--login through a fake browser', () => {
  test('signs in, refreshes the tokens it got, and revokes them', async () => {
    const browser = fakeBrowser((url) => ({ code: 'code-1', state: url.searchParams.get('state') ?? '', iss: ORIGIN }));
    const probe = createFakeProbe(ORIGIN, brokenWorld(ORIGIN, loopbackAllowed));
    const report = await runDoctor(doctorOptions(`${ORIGIN}/mcp`, { login: true }), { probe, signIn: browser });
    assert.ok(report.ok, JSON.stringify(report.firstFailure));
    assert.deepEqual(['sign-in', 'refresh', 'revoke', 'tool-call'].map((step) => verdictOf(report, step as StepId)), ['pass', 'pass', 'pass', 'pass']);
    assert.equal(new URL(browser.opened[0] ?? '').searchParams.get('redirect_uri'), LOOPBACK_CALLBACK);
    assert.notEqual(new URL(browser.opened[0] ?? '').searchParams.get('redirect_uri'), CLAUDE_CALLBACK);
  });

  test('an iss that differs from the issuer fails the sign-in (RFC 9207)', async () => {
    const browser = fakeBrowser((url) => ({ code: 'code-1', state: url.searchParams.get('state') ?? '', iss: `${ORIGIN}/` }));
    const probe = createFakeProbe(ORIGIN, brokenWorld(ORIGIN, loopbackAllowed));
    const report = await runDoctor(doctorOptions(`${ORIGIN}/mcp`, { login: true }), { probe, signIn: browser });
    assert.equal(report.firstFailure?.step, 'sign-in');
    assert.match(report.firstFailure?.cause ?? '', /iss differs/);
  });
});

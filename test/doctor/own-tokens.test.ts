import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runDoctor } from '../../src/domain/doctor/run.js';
import type { DoctorReport, StepId, StepResult } from '../../src/domain/doctor/report.js';
import { doctorCli } from './support/cli.js';
import { fakeBrowser, loopbackAllowed } from './support/fake-browser.js';
import { createFakeProbe, type FakeProbe } from './support/fake-probe.js';
import { doctorOptions } from './support/options.js';
import { brokenWorld, GOOD_REFRESH, jsonAnswer, pathOf, rpcMethod, type Breakage } from './support/world.js';
import { serveWorld } from './support/world-server.js';

/**
 * Tokens the doctor obtains itself are its to revoke, wherever the run stops; the person's
 * refresh token is used up by the refresh step, goes only to the issuer's origin, and a
 * confidential client's refresh needs its secret.
 */
const ORIGIN = 'https://mcp.example.com';

const stepOf = (report: DoctorReport, step: StepId): StepResult | undefined => report.steps.find((entry) => entry.step === step);

const revocations = (probe: FakeProbe): Array<string | null> =>
  probe.requests.filter((request) => request.url === `${ORIGIN}/revoke`).map((request) => new URLSearchParams(request.body).get('token'));

const then = (...breakages: Breakage[]): Breakage => breakages.reduce((outer, inner) => (request, healthy) => outer(request, (next) => inner(next, healthy)));

const SECRET = 'doctor-test-client-secret';

/** A confidential client: refresh needs client_secret. */
const confidential: Breakage = (request, healthy) => {
  const form = new URLSearchParams(request.body);
  if (pathOf(request) === '/token' && form.get('grant_type') === 'refresh_token' && form.get('client_secret') !== SECRET) return jsonAnswer(401, { error: 'invalid_client' });
  return healthy(request);
};

describe('tokens the doctor obtained', () => {
  const browser = (): ReturnType<typeof fakeBrowser> => fakeBrowser((url) => ({ code: 'code-1', state: url.searchParams.get('state') ?? '', iss: ORIGIN }));

  test('--login tokens are revoked after a later step fails, with a note instead of a verdict', async () => {
    const toolsListFails: Breakage = (request, healthy) => (rpcMethod(request) === 'tools/list' ? { status: 500 } : healthy(request));
    const probe = createFakeProbe(ORIGIN, brokenWorld(ORIGIN, then(loopbackAllowed, toolsListFails)));
    const report = await runDoctor(doctorOptions(`${ORIGIN}/mcp`, { login: true }), { probe, signIn: browser() });
    assert.equal(report.firstFailure?.step, 'tools-list');
    assert.equal(report.steps.at(-1)?.step, 'tools-list');
    assert.deepEqual(revocations(probe), ['rt-next']);
    assert.deepEqual(report.notes, ['revoked the tokens the doctor obtained (--login) → 200']);
  });

  test('--login tokens the revoke step revoked are not revoked again', async () => {
    const probe = createFakeProbe(ORIGIN, brokenWorld(ORIGIN, loopbackAllowed));
    const report = await runDoctor(doctorOptions(`${ORIGIN}/mcp`, { login: true }), { probe, signIn: browser() });
    assert.equal(stepOf(report, 'revoke')?.verdict, 'pass');
    assert.deepEqual(revocations(probe), ['rt-next']);
    assert.equal(report.notes, undefined);
  });

  test('--refresh-token: the token it rotated into is revoked at the end, the given one never', async () => {
    const probe = createFakeProbe(ORIGIN, brokenWorld(ORIGIN, (request, healthy) => healthy(request)));
    const report = await runDoctor(doctorOptions(`${ORIGIN}/mcp`, { withToken: true }), { probe });
    assert.ok(report.ok, JSON.stringify(report.firstFailure));
    assert.equal(stepOf(report, 'revoke')?.verdict, 'skip');
    assert.deepEqual(revocations(probe), ['rt-next']);
    assert.deepEqual(report.notes, ['revoked the refresh token --refresh-token rotated into → 200']);
  });
});

describe('the person\'s refresh token', () => {
  test('a confidential client without its secret skips refresh (invalid_client), with it passes', async () => {
    const without = await runDoctor(doctorOptions(`${ORIGIN}/mcp`, { withToken: true }), { probe: createFakeProbe(ORIGIN, brokenWorld(ORIGIN, confidential)) });
    assert.ok(without.ok, JSON.stringify(without.firstFailure));
    assert.equal(stepOf(without, 'refresh')?.verdict, 'skip');
    assert.match(stepOf(without, 'refresh')?.measured ?? '', /401 invalid_client: needs the client's secret/);
    const probe = createFakeProbe(ORIGIN, brokenWorld(ORIGIN, confidential));
    const withSecret = await runDoctor(doctorOptions(`${ORIGIN}/mcp`, { withToken: true, clientSecret: SECRET }), { probe });
    assert.equal(stepOf(withSecret, 'refresh')?.verdict, 'pass', JSON.stringify(stepOf(withSecret, 'refresh')));
  });

  const elsewhere = (field: string, url: string): Breakage => (request, healthy) => {
    const answer = healthy(request);
    if (pathOf(request) !== '/.well-known/oauth-authorization-server') return answer;
    return jsonAnswer(200, { ...(JSON.parse(answer.body ?? '{}') as Record<string, unknown>), [field]: url });
  };

  test('is never sent to a token_endpoint on another origin than the issuer', async () => {
    const probe = createFakeProbe(ORIGIN, brokenWorld(ORIGIN, elsewhere('token_endpoint', 'https://tokens.elsewhere.example/token')));
    const report = await runDoctor(doctorOptions(`${ORIGIN}/mcp`, { withToken: true }), { probe });
    assert.equal(report.firstFailure?.step, 'refresh');
    assert.match(report.firstFailure?.cause ?? '', /not on the issuer's origin https:\/\/mcp\.example\.com: the doctor does not send your refresh token/);
    assert.deepEqual(probe.requests.filter((request) => request.body?.includes(GOOD_REFRESH) === true).map((request) => request.url), []);
  });

  test('the token it rotated into is not sent to a revocation_endpoint on another origin either', async () => {
    const probe = createFakeProbe(ORIGIN, brokenWorld(ORIGIN, elsewhere('revocation_endpoint', 'https://revoke.elsewhere.example/revoke')));
    const report = await runDoctor(doctorOptions(`${ORIGIN}/mcp`, { withToken: true }), { probe });
    assert.ok(report.ok, JSON.stringify(report.firstFailure));
    assert.match(report.notes?.[0] ?? '', /not sent to the revocation_endpoint on https:\/\/revoke\.elsewhere\.example/);
    assert.deepEqual(probe.requests.filter((request) => new URL(request.url).origin !== ORIGIN), []);
  });

  test('the client secret from KEYWAY_DOCTOR_CLIENT_SECRET authenticates the refresh and is never printed', async (t) => {
    const origin = await serveWorld(t, (base) => brokenWorld(base, confidential));
    const argv = [`${origin}/mcp`, '--allow-private', '--allow-any-port', '--sse-wait', '0.2', '--heartbeat-wait', '0.2', '--token', 'at-given', '--refresh-token', GOOD_REFRESH, '--client-id', 'c-1'];
    const env = { KEYWAY_DOCTOR_CLIENT_SECRET: SECRET };
    const text = await doctorCli(argv, undefined, env);
    assert.equal(text.exitCode, 0, text.stdout);
    assert.equal(text.report?.steps.find((step) => step.step === 'refresh')?.verdict, 'pass', text.stdout);
    const json = await doctorCli([...argv, '--json'], undefined, env);
    assert.ok(![text.stdout, json.stdout].some((printed) => printed.includes(SECRET)));
  });
});

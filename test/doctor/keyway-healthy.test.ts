import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLIENT_PROFILES } from '../../src/domain/client-profiles/index.js';
import type { DoctorReport } from '../../src/domain/doctor/report.js';
import { startKeyway } from '../support/keyway.js';
import { obtainTokens, signInThroughBrowser } from '../support/oauth-flow.js';
import { doctorCli } from './support/cli.js';

/**
 * Keyway itself is the all-pass case on loopback: with a token from the real OAuth flow, and with
 * `--login` driven by a headless browser that comes back to the doctor's loopback callback. Only
 * the network steps warn (loopback, plain http, a high port: allowed for local testing).
 */
const LOCAL = ['--allow-private', '--allow-any-port', '--sse-wait', '3', '--heartbeat-wait', '3'];
const NETWORK = new Set(['dns', 'tls', 'port']);

function notPassed(report: DoctorReport | undefined): string[] {
  return (report?.steps ?? []).filter((step) => step.verdict !== 'pass' && !NETWORK.has(step.step)).map((step) => `${step.step} ${step.verdict}`);
}

test('Keyway passes every step with a token from the OAuth flow', async (t) => {
  const keyway = await startKeyway(t, { KEYWAY_SSE_HEARTBEAT_SECONDS: '1' });
  const tokens = await obtainTokens(keyway.origin);
  const result = await doctorCli([`${keyway.origin}/mcp`, ...LOCAL, '--token', tokens.access_token, '--refresh-token', tokens.refresh_token, '--client-id', tokens.clientId]);
  assert.equal(result.exitCode, 0, result.stdout);
  assert.deepEqual(notPassed(result.report), ['sign-in skip', 'revoke skip']);
  assert.deepEqual(result.report?.steps.filter((step) => NETWORK.has(step.step)).map((step) => step.verdict), ['warn', 'warn', 'warn']);
  assert.match(result.stdout, /No failures/);
  // The given refresh token is used up and the one it rotated into revoked: the grant is over.
  assert.deepEqual(result.report?.notes, ['revoked the refresh token --refresh-token rotated into → 200']);
  const after = await fetch(`${keyway.origin}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });
  assert.equal(after.status, 401);
});

test('without a token every MCP step says it needs one, rather than that Streamable HTTP is not served', async (t) => {
  const keyway = await startKeyway(t);
  const result = await doctorCli([`${keyway.origin}/mcp`, ...LOCAL]);
  assert.equal(result.exitCode, 0, result.stdout);
  const skipped = result.report?.steps.filter((step) => ['initialize', 'discover', 'version-mismatch', 'accept', 'listen-stream'].includes(step.step)) ?? [];
  assert.equal(skipped.length, 5);
  for (const step of skipped) assert.match(step.measured, /needs a token/, step.step);
});

test('Keyway with KEYWAY_MCP_SESSIONS=on passes: the legacy GET carries no session id, so it is no listen stream', async (t) => {
  const keyway = await startKeyway(t, { KEYWAY_SSE_HEARTBEAT_SECONDS: '1', KEYWAY_MCP_SESSIONS: 'on' });
  const tokens = await obtainTokens(keyway.origin);
  const result = await doctorCli([`${keyway.origin}/mcp`, ...LOCAL, '--token', tokens.access_token, '--refresh-token', tokens.refresh_token, '--client-id', tokens.clientId]);
  assert.equal(result.exitCode, 0, result.stdout);
  assert.deepEqual(notPassed(result.report), ['sign-in skip', 'revoke skip']);
  const steps = new Map(result.report?.steps.map((step) => [step.step, step.measured]));
  assert.match(steps.get('initialize') ?? '', /, session in/);
  assert.match(steps.get('listen-stream') ?? '', /^200 event stream/);
  assert.match(steps.get('sse') ?? '', /^endpoint event after/);
});

test('Keyway passes --transport sse on its legacy /sse: initialize, tools/list and a tool call over the stream', async (t) => {
  const keyway = await startKeyway(t, { KEYWAY_SSE_HEARTBEAT_SECONDS: '1' });
  const tokens = await obtainTokens(keyway.origin, 'alice', `${keyway.origin}/sse`);
  const result = await doctorCli([`${keyway.origin}/sse`, ...LOCAL, '--transport', 'sse', '--token', tokens.access_token]);
  assert.equal(result.exitCode, 0, result.stdout);
  const streamable = ['initialize', 'discover', 'version-mismatch', 'accept', 'listen-stream'].map((step) => `${step} skip`);
  assert.deepEqual(notPassed(result.report), ['sign-in skip', ...streamable, 'refresh skip', 'revoke skip']);
  const steps = new Map(result.report?.steps.map((step) => [step.step, step.measured]));
  assert.match(steps.get('initialize') ?? '', /--transport sse/);
  assert.match(steps.get('authorize') ?? '', /^CIMD client → 200; registered client → 200/);
  assert.match(steps.get('tools-list') ?? '', /^\d+ tools over legacy SSE: initialize \(2024-11-05\) \d+ ms, tools\/list \d+ ms round trip$/);
  assert.match(steps.get('tool-call') ?? '', / over legacy SSE in \d+ ms$/);
});

test('Keyway passes every step as each client profile', async (t) => {
  const keyway = await startKeyway(t, { KEYWAY_SSE_HEARTBEAT_SECONDS: '1' });
  const { access_token: token } = await obtainTokens(keyway.origin);
  const results = await Promise.all(CLIENT_PROFILES.map(async (profile) => {
    const result = await doctorCli([`${keyway.origin}/mcp`, ...LOCAL, '--client', profile.id, '--token', token]);
    return [profile.id, result.exitCode, notPassed(result.report)] as const;
  }));
  const expected = CLIENT_PROFILES.map((profile) => [profile.id, 0, ['sign-in skip', 'refresh skip', 'revoke skip']] as const);
  assert.deepEqual(results, expected);
});

test('Keyway passes --login: sign-in through the browser, refresh twice, revoke', async (t) => {
  const keyway = await startKeyway(t, { KEYWAY_SSE_HEARTBEAT_SECONDS: '1' });
  const outcome = await doctorCli([`${keyway.origin}/mcp`, ...LOCAL, '--login', '--login-wait', '20'], async (url) => {
    const back = await signInThroughBrowser(url, 'doctor-user');
    const landed = await fetch(back);
    assert.equal(landed.status, 200);
  });
  assert.equal(outcome.exitCode, 0, outcome.stdout);
  assert.deepEqual(notPassed(outcome.report), []);
  const revoke = outcome.report?.steps.find((step) => step.step === 'revoke');
  assert.equal(revoke?.measured, '200; the access token then gets 401');
});

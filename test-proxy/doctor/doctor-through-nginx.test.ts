import assert from 'node:assert/strict';
import { test } from 'node:test';
import { localSignInOver, obtainTokens } from '../../test/support/oauth-flow.js';
import { trustCaInFetch } from '../../test/support/tls.js';
import { doctorCli } from '../../test/doctor/support/cli.js';
import { startKeywayBehindNginx } from '../support/world.js';

/**
 * Issue 6 "done when": `keyway doctor` against Keyway behind the test nginx (TLS from a
 * throw-away CA, response buffering left on) reports every step passing. Only what a loopback
 * test cannot change warns: the name resolves to 127.0.0.1 (--allow-private), nginx listens on a
 * high port (--allow-any-port), and the throw-away certificate lives one day (the doctor warns
 * below 14). Its legacy `/sse` passes too with `--transport sse`: the MCP calls replayed over the
 * held stream.
 */
test('doctor passes Keyway behind nginx with TLS', async (t) => {
  const { nginx } = await startKeywayBehindNginx(t, { env: { KEYWAY_SSE_HEARTBEAT_SECONDS: '1' } });
  const https = await trustCaInFetch(t, nginx.caPem, `${nginx.origin}/healthz`);
  const tokens = await obtainTokens(nginx.origin, 'alice', `${nginx.origin}/mcp`, localSignInOver(https), https);
  const result = await doctorCli([
    `${nginx.origin}/mcp`, '--ca-file', nginx.caFile, '--allow-private', '--allow-any-port', '--sse-wait', '5', '--heartbeat-wait', '5',
    '--token', tokens.access_token, '--refresh-token', tokens.refresh_token, '--client-id', tokens.clientId,
  ]);
  assert.equal(result.exitCode, 0, result.stdout);
  const verdicts = Object.fromEntries((result.report?.steps ?? []).map((step) => [step.step, step.verdict]));
  assert.deepEqual(verdicts, {
    dns: 'warn', tls: 'warn', port: 'warn', 'user-agent': 'pass', url: 'pass', challenge: 'pass', 'resource-metadata': 'pass',
    'auth-server-metadata': 'pass', registration: 'pass', authorize: 'pass', 'sign-in': 'skip', initialize: 'pass', discover: 'pass',
    'version-mismatch': 'pass', accept: 'pass', 'listen-stream': 'pass', sse: 'pass', 'tools-list': 'pass', 'tool-call': 'pass',
    refresh: 'pass', revoke: 'skip',
  }, result.stdout);
  const tls = result.report?.steps.find((step) => step.step === 'tls');
  assert.match(tls?.measured ?? '', /^TLSv1\.[23], certificate for localhost/);
  assert.match(tls?.cause ?? '', /expires in [01] days/);

  // The legacy session through nginx (buffering on): each response must come out on the held stream.
  const legacyTokens = await obtainTokens(nginx.origin, 'alice', `${nginx.origin}/sse`, localSignInOver(https), https);
  const legacy = await doctorCli([`${nginx.origin}/sse`, '--ca-file', nginx.caFile, '--allow-private', '--allow-any-port', '--sse-wait', '5', '--heartbeat-wait', '5', '--transport', 'sse', '--token', legacyTokens.access_token]);
  assert.equal(legacy.exitCode, 0, legacy.stdout);
  const overSse = (legacy.report?.steps ?? []).filter((step) => / over legacy SSE/.test(step.measured)).map((step) => `${step.step} ${step.verdict}`);
  assert.deepEqual(overSse, ['tools-list pass', 'tool-call pass'], legacy.stdout);
});

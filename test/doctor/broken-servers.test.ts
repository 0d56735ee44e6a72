import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runDoctor } from '../../src/domain/doctor/run.js';
import { BROKEN_SERVERS, HEALTHY_VARIANTS } from './support/broken-servers.js';
import { createFakeProbe } from './support/fake-probe.js';
import { legacyOnly } from './support/legacy-servers.js';
import { doctorOptions } from './support/options.js';
import { brokenWorld, healthyWorld } from './support/world.js';

/**
 * Issue 6: every broken server of CLIENTS.md, through the domain with a fake probe. The doctor
 * must stop at the right step, name the cause and the fix, and send nothing after the failure.
 */
const ORIGIN = 'https://mcp.example.com';

describe('doctor against deliberately broken servers (fake probe)', () => {
  test('the healthy world passes every step (so each failure below is the breakage alone)', async () => {
    const probe = createFakeProbe(ORIGIN, healthyWorld(ORIGIN));
    const report = await runDoctor(doctorOptions(`${ORIGIN}/mcp`, { withToken: true }), { probe });
    assert.equal(report.firstFailure, undefined, JSON.stringify(report.firstFailure));
    assert.ok(report.ok);
    const notPassed = report.steps.filter((step) => step.verdict !== 'pass').map((step) => `${step.step} ${step.verdict}`);
    assert.deepEqual(notPassed, ['sign-in skip', 'revoke skip']);
  });

  for (const variant of HEALTHY_VARIANTS) {
    test(`must pass: ${variant.name}`, async () => {
      const probe = createFakeProbe(ORIGIN, brokenWorld(ORIGIN, variant.breakage));
      const report = await runDoctor(doctorOptions(`${ORIGIN}/mcp`, { withToken: true }), { probe });
      assert.equal(report.firstFailure, undefined, JSON.stringify(report.firstFailure));
      const notPassed = Object.fromEntries(report.steps.filter((step) => step.verdict !== 'pass').map((step) => [step.step, step.verdict]));
      assert.deepEqual(notPassed, variant.expected, JSON.stringify(report.steps));
      const legacyGets = probe.requests.filter((request) => request.method === 'GET' && request.url === `${ORIGIN}/mcp` && request.headers['mcp-protocol-version'] === undefined);
      assert.ok(legacyGets.length > 0);
      assert.ok(legacyGets.every((request) => request.headers['mcp-session-id'] === undefined), 'a legacy SSE client has no session id');
      if (variant.breakage === legacyOnly) assert.match(report.steps.find((step) => step.step === 'tool-call')?.measured ?? '', /^whoami over legacy SSE in \d+ ms$/);
      if (variant.expected.sse === 'skip') assert.match(report.steps.find((step) => step.step === 'sse')?.measured ?? '', /Streamable listen stream, not legacy SSE/);
    });
  }

  for (const server of BROKEN_SERVERS) {
    test(server.name, async () => {
      const probe = createFakeProbe(ORIGIN, brokenWorld(ORIGIN, server.breakage));
      const report = await runDoctor(doctorOptions(`${ORIGIN}${server.path}`, { withToken: server.withToken }), { probe });
      const failure = report.firstFailure;
      assert.ok(failure !== undefined, `no failure: ${JSON.stringify(report.steps)}`);
      assert.equal(failure.step, server.step, JSON.stringify(failure));
      assert.match(failure.cause ?? '', server.cause);
      assert.match(failure.fix ?? '', server.fix);
      assert.equal(report.steps.at(-1), failure, 'the run stops at the first failure');
      const tokenSentTo = new Set(probe.requests.filter((request) => request.headers['authorization'] !== undefined).map((request) => new URL(request.url).origin));
      assert.deepEqual([...tokenSentTo].filter((origin) => origin !== ORIGIN), [], 'a token goes to the server\'s origin only');
      assert.equal(report.ok, false);
    });
  }
});

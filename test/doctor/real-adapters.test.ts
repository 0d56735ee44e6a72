import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BROKEN_SERVERS, HEALTHY_VARIANTS } from './support/broken-servers.js';
import { doctorCli } from './support/cli.js';
import { brokenWorld } from './support/world.js';
import { serveWorld } from './support/world-server.js';

/**
 * Broken servers on real sockets, through the command line and the node adapters (http with
 * redirects left alone, the SSE reader, DNS): the same verdicts as through the fake probe.
 */
const REAL = new Set(['url', 'user-agent', 'authorize', 'sse', 'listen-stream', 'tools-list', 'refresh']);

const LOCAL = ['--allow-private', '--allow-any-port', '--sse-wait', '0.3', '--heartbeat-wait', '0.3', '--timeout', '3'];

describe('doctor against broken servers on real sockets', () => {
  for (const server of BROKEN_SERVERS.filter((entry) => REAL.has(entry.step))) {
    test(server.name, async (t) => {
      const origin = await serveWorld(t, (base) => brokenWorld(base, server.breakage));
      const token = server.withToken ? ['--token', 'at-given', '--refresh-token', 'rt-good', '--client-id', 'c-1'] : [];
      const result = await doctorCli([`${origin}${server.path}`, ...LOCAL, ...token]);
      assert.equal(result.exitCode, 1);
      const failure = result.report?.firstFailure;
      assert.equal(failure?.step, server.step, result.stdout);
      assert.match(failure?.cause ?? '', server.cause);
      assert.match(result.stdout, new RegExp(`First failure: ${server.step}`));
      assert.match(result.stdout, /Fix: /);
    });
  }

  for (const variant of HEALTHY_VARIANTS) {
    test(`must pass: ${variant.name}`, async (t) => {
      const origin = await serveWorld(t, (base) => brokenWorld(base, variant.breakage));
      const result = await doctorCli([`${origin}/mcp`, ...LOCAL, '--token', 'at-given', '--refresh-token', 'rt-good', '--client-id', 'c-1']);
      assert.equal(result.exitCode, 0, result.stdout);
      const verdicts = Object.fromEntries((result.report?.steps ?? []).map((step) => [step.step, step.verdict]));
      assert.deepEqual([verdicts['sse'], verdicts['tools-list'], verdicts['tool-call']], [variant.expected.sse ?? 'pass', 'pass', 'pass'], result.stdout);
    });
  }

  test('--json prints the report; a bad argument exits 2 with the usage', async (t) => {
    const server = BROKEN_SERVERS.find((entry) => entry.step === 'url' && entry.path === '/mcp');
    assert.ok(server !== undefined);
    const origin = await serveWorld(t, (base) => brokenWorld(base, server.breakage));
    const result = await doctorCli([`${origin}/mcp`, ...LOCAL, '--json']);
    const printed = JSON.parse(result.stdout) as { ok: boolean; firstFailure: { step: string } };
    assert.deepEqual([printed.ok, printed.firstFailure.step], [false, 'url']);
    assert.equal((await doctorCli(['not a url'])).exitCode, 2);
    assert.equal((await doctorCli([`${origin}/mcp`, '--client', 'netscape'])).exitCode, 2);
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runDoctor } from '../../src/domain/doctor/run.js';
import type { DoctorReport, StepId } from '../../src/domain/doctor/report.js';
import type { Probe } from '../../src/domain/ports/probe.js';
import { createFakeProbe, type FakeProbe } from './support/fake-probe.js';
import { legacyOnly } from './support/legacy-servers.js';
import { doctorOptions } from './support/options.js';
import { brokenWorld, CLAUDE_CALLBACK, healthyWorld, jsonAnswer, pathOf, type Breakage } from './support/world.js';

/**
 * The MCP calls replayed over legacy HTTP+SSE (`--transport`, the held stream, its bounds), and
 * the authorization request with a Client ID Metadata Document, through the fake probe.
 */
const ORIGIN = 'https://mcp.example.com';

function fake(breakage?: Breakage): FakeProbe {
  return createFakeProbe(ORIGIN, breakage === undefined ? healthyWorld(ORIGIN) : brokenWorld(ORIGIN, breakage));
}

const stepOf = (report: DoctorReport, step: StepId) => report.steps.find((entry) => entry.step === step);

describe('legacy SSE replay', () => {
  test('--transport sse replays the MCP calls over the stream of a server that also serves Streamable HTTP', async () => {
    const probe = fake();
    const report = await runDoctor(doctorOptions(`${ORIGIN}/mcp`, { withToken: true, transport: 'sse' }), { probe });
    assert.ok(report.ok, JSON.stringify(report.firstFailure));
    assert.equal(stepOf(report, 'initialize')?.measured, '--transport sse: Streamable HTTP not tried');
    assert.match(stepOf(report, 'tools-list')?.measured ?? '', /^2 tools over legacy SSE: initialize \(2024-11-05\)/);
    const tokenPosts = probe.requests.filter((request) => request.method === 'POST' && request.url === `${ORIGIN}/mcp` && request.headers['authorization'] !== undefined);
    assert.deepEqual(tokenPosts, [], 'no Streamable HTTP request with the token');
    const messages = probe.requests.filter((request) => request.url.startsWith(`${ORIGIN}/messages`)).map((request) => (JSON.parse(request.body ?? '{}') as { method: string }).method);
    assert.deepEqual(messages, ['initialize', 'notifications/initialized', 'tools/list', 'tools/call']);
  });

  test('--transport streamable does not fall back: a legacy-only server fails at initialize, and no stream is opened', async () => {
    const probe = fake(legacyOnly);
    const report = await runDoctor(doctorOptions(`${ORIGIN}/mcp`, { withToken: true, transport: 'streamable' }), { probe });
    assert.equal(report.firstFailure?.step, 'initialize');
    assert.match(report.firstFailure?.cause ?? '', /--transport streamable: no legacy SSE fallback/);
    assert.ok(!probe.requests.some((request) => request.url.startsWith(`${ORIGIN}/messages`)));
  });

  test('a message endpoint that refuses the session fails tools-list and names the status', async () => {
    const report = await runDoctor(doctorOptions(`${ORIGIN}/mcp`, { withToken: true }), { probe: fake((request, healthy) => (pathOf(request) === '/messages' ? { status: 404, body: 'unknown session' } : legacyOnly(request, healthy))) });
    assert.equal(report.firstFailure?.step, 'tools-list');
    assert.equal(report.firstFailure?.measured, 'POST initialize → 404: unknown session');
    assert.match(report.firstFailure?.cause ?? '', /refused initialize/);
  });

  test('every held stream is closed when the run ends, after a pass and after a failure', async () => {
    for (const breakage of [legacyOnly, (request: Parameters<Breakage>[0], healthy: Parameters<Breakage>[1]) => (pathOf(request) === '/messages' ? { status: 202 } : legacyOnly(request, healthy))]) {
      const probe = fake(breakage);
      const states: Array<() => boolean> = [];
      const watching: Probe = {
        ...probe,
        openSse: async (request) => {
          const stream = await probe.openSse(request);
          states.push(() => stream.ended());
          return stream;
        },
      };
      await runDoctor(doctorOptions(`${ORIGIN}/mcp`, { withToken: true }), { probe: watching });
      assert.equal(states.length, 1);
      assert.ok(states.every((ended) => ended()), 'closed');
    }
  });

  test('the wait for a response on the stream is cut at the deadline and says so, not "never arrive"', async () => {
    let now = 0;
    const probe = fake((request, healthy) => (pathOf(request) === '/messages' ? { status: 202 } : legacyOnly(request, healthy)));
    const slow: Probe = {
      ...probe,
      nowMs: () => now,
      openSse: async (request) => {
        const stream = await probe.openSse(request);
        return {
          ...stream,
          next: async (timeoutMs) => {
            const event = await stream.next(timeoutMs);
            if (event === undefined) now += timeoutMs;
            return event;
          },
        };
      },
    };
    const report = await runDoctor(doctorOptions(`${ORIGIN}/mcp`, { withToken: true, deadlineMs: 5000, requestTimeoutMs: 10_000 }), { probe: slow });
    assert.equal(report.firstFailure?.step, 'tools-list', JSON.stringify(report.steps));
    assert.match(report.firstFailure?.cause ?? '', /overall deadline \(5000 ms\) passed/);
  });
});

describe('authorization with a Client ID Metadata Document', () => {
  const authorizeRequests = (probe: FakeProbe): string[] =>
    probe.requests.filter((request) => new URL(request.url).pathname === '/authorize').map((request) => new URL(request.url).searchParams.get('client_id') ?? '');

  test('Claude asks with its document first, then as the client it registered', async () => {
    const probe = fake();
    const report = await runDoctor(doctorOptions(`${ORIGIN}/mcp`), { probe });
    assert.equal(stepOf(report, 'authorize')?.measured, 'CIMD client → 200; registered client → 200; unregistered redirect_uri → 400');
    assert.deepEqual(authorizeRequests(probe), ['https://claude.ai/oauth/mcp-oauth-client-metadata', 'c-1', 'c-1']);
  });

  test('no document request for a client without one, or a server that does not advertise CIMD', async () => {
    const chatgpt = fake();
    await runDoctor(doctorOptions(`${ORIGIN}/mcp`, { client: 'chatgpt' }), { probe: chatgpt });
    assert.ok(!authorizeRequests(chatgpt).some((id) => id.startsWith('https://')));
    const noCimd = fake((request, healthy) => {
      const answer = healthy(request);
      if (pathOf(request) !== '/.well-known/oauth-authorization-server') return answer;
      return jsonAnswer(200, { ...(JSON.parse(answer.body ?? '{}') as object), client_id_metadata_document_supported: false });
    });
    await runDoctor(doctorOptions(`${ORIGIN}/mcp`), { probe: noCimd });
    assert.deepEqual(authorizeRequests(noCimd), ['c-1', 'c-1']);
  });

  test('a CIMD-only server (no registration endpoint) passes on the document alone', async () => {
    const cimdOnly: Breakage = (request, healthy) => {
      const answer = healthy(request);
      if (pathOf(request) !== '/.well-known/oauth-authorization-server') return answer;
      const document = JSON.parse(answer.body ?? '{}') as Record<string, unknown>;
      delete document['registration_endpoint'];
      return jsonAnswer(200, document);
    };
    const report = await runDoctor(doctorOptions(`${ORIGIN}/mcp`), { probe: fake(cimdOnly) });
    assert.equal(stepOf(report, 'registration')?.verdict, 'skip');
    assert.deepEqual([stepOf(report, 'authorize')?.verdict, stepOf(report, 'authorize')?.measured], ['pass', 'CIMD client → 200']);
  });

  test('a redirect back with error=invalid_client for the document fails as a document the server could not use', async () => {
    const report = await runDoctor(doctorOptions(`${ORIGIN}/mcp`), {
      probe: fake((request, healthy) => (pathOf(request) === '/authorize' && request.path.includes('client_id=https') ? { status: 302, headers: { location: `${CLAUDE_CALLBACK}?error=invalid_client&state=x` } } : healthy(request))),
    });
    assert.equal(report.firstFailure?.step, 'authorize');
    assert.match(report.firstFailure?.measured ?? '', /\(error=invalid_client\)$/);
    assert.match(report.firstFailure?.cause ?? '', /could not use Claude's document/);
  });
});

import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Client, SSEClientTransport, type ClientOptions } from '@modelcontextprotocol/client';
import { obtainTokens } from '../../test/support/oauth-flow.js';
import { trustCaInFetch } from '../../test/support/tls.js';
import { startGithubBehindNginx, type GithubNginxWorld } from '../support/world.js';
import { connectOver } from './https-client.js';

/**
 * Issue 5 item 1: Keyway as people run it — behind nginx with TLS, an ordinary reverse-proxy
 * configuration with response buffering left on — and the whole connect flow through `https://`
 * with the person signing in at a (fake) GitHub. SSE must arrive as it is sent: Keyway's
 * `X-Accel-Buffering: no` is what makes nginx pass events through (SECURITY.md J1), and its
 * heartbeats keep an idle legacy stream open past nginx's read timeout. Every request to nginx
 * goes through `nginx.fetch`, which trusts the throw-away CA without changing anything global.
 */
/** Bounds every test here on its own, whatever the runner's flags. */
const BOUNDED = { timeout: 60_000 };

/** A token for `resource` through nginx: DCR, consent, GitHub sign-in, token. */
const tokenFor = async (world: GithubNginxWorld, resource: string): Promise<string> => (await obtainTokens(world.origin, 'alice', `${world.origin}${resource}`, world.atGithub, world.https)).access_token;

/** Every absolute URL in a metadata document. */
const urlsIn = (document: Record<string, unknown>): string[] =>
  Object.values(document).flatMap((value): unknown[] => (Array.isArray(value) ? (value as unknown[]) : [value])).filter((value): value is string => typeof value === 'string' && /^[a-z]+:\/\//.test(value));

async function json(https: typeof fetch, url: string): Promise<Record<string, unknown>> {
  const response = await https(url);
  assert.equal(response.status, 200, `${url} answered ${response.status}`);
  return (await response.json()) as Record<string, unknown>;
}

interface Timed {
  readonly progress: number[];
  /** Milliseconds after the call started at which each progress notification arrived. */
  readonly arrivals: number[];
  readonly total: number;
}

/** `count_slowly` with 3 steps 500 ms apart: progress sent at about 0, 500 and 1000 ms, the result at about 1500 ms. */
async function countSlowly(client: Client): Promise<Timed> {
  const progress: number[] = [];
  const arrivals: number[] = [];
  const start = performance.now();
  const result = await client.callTool({ name: 'count_slowly', arguments: { steps: 3, interval_ms: 500 } }, {
    onprogress: (update) => {
      arrivals.push(performance.now() - start);
      progress.push(update.progress);
    },
  });
  assert.deepEqual(result.content, [{ type: 'text', text: 'counted to 3' }]);
  return { progress, arrivals, total: performance.now() - start };
}

/**
 * Progress streamed, not held back: the first notification (sent 1500 ms before the result) arrives
 * well before the result. Buffered by the proxy, all of them arrive with the result. Reports the
 * measured delays: arrival minus the time the server sent each (0, 500, 1000 ms into the call).
 */
function assertUnbuffered(t: TestContext, timed: Timed): void {
  const delays = timed.arrivals.map((arrival, index) => Math.round(arrival - index * 500));
  t.diagnostic(`progress delays through nginx: ${delays.join(', ')} ms; result after ${Math.round(timed.total)} ms`);
  assert.deepEqual(timed.progress, [1, 2, 3]);
  assert.ok(timed.total - (timed.arrivals[0] ?? Infinity) > 800, `the first progress came with the result: ${JSON.stringify(timed)}`);
}

const ERAS: ReadonlyArray<{ readonly label: string; readonly options: ClientOptions; readonly version: string }> = [
  { label: '2026-07-28', options: { versionNegotiation: { mode: 'auto' } }, version: '2026-07-28' },
  { label: '2025-11-25', options: { supportedProtocolVersions: ['2025-11-25'] }, version: '2025-11-25' },
];

test('A2 through nginx + TLS: the certificate is real, and the 401 challenge, PRM and AS metadata publish only https URLs on the public origin', BOUNDED, async (t) => {
  const world = await startGithubBehindNginx(t);
  const https = await trustCaInFetch(t, world.nginx.caPem, `${world.origin}/healthz`);
  const challenge = await https(`${world.origin}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
  });
  await challenge.body?.cancel();
  assert.equal(challenge.status, 401);
  const prmUrl = /resource_metadata="([^"]+)"/.exec(challenge.headers.get('www-authenticate') ?? '')?.[1];
  assert.equal(prmUrl, `${world.origin}/.well-known/oauth-protected-resource/mcp`);
  const prm = await json(https, prmUrl);
  assert.equal(prm['resource'], `${world.origin}/mcp`);
  assert.deepEqual(prm['authorization_servers'], [world.origin]);
  const metadata = await json(https, `${world.origin}/.well-known/oauth-authorization-server`);
  assert.equal(metadata['issuer'], world.origin);
  for (const url of [...urlsIn(prm), ...urlsIn(metadata)]) assert.ok(url === world.origin || url.startsWith(`${world.origin}/`), `${url} is not on ${world.origin}`);
  const forwarded = world.keyway.logs.filter((line) => JSON.stringify(line).includes('forwarded') && line['level'] === 'warn');
  assert.deepEqual(forwarded, [], 'nginx is a trusted proxy: no warning about forwarded headers');
});

for (const era of ERAS) {
  test(`J1 F1 through nginx + TLS, v2 SDK on /mcp (${era.label}): discovery, DCR, consent, GitHub sign-in, token, and count_slowly's progress arrives as sent`, BOUNDED, async (t) => {
    const world = await startGithubBehindNginx(t);
    const session = await connectOver(world.https, world.origin, 'alice', world.atGithub, era.options);
    t.after(() => session.client.close());
    assert.equal(session.client.getNegotiatedProtocolVersion(), era.version);
    const discovery = ['POST /mcp → 401', 'GET /.well-known/oauth-protected-resource/mcp → 200', 'GET /.well-known/oauth-authorization-server → 200', 'POST /register → 201', 'POST /token → 200'];
    const positions = discovery.map((line) => session.requests.indexOf(line));
    assert.ok(!positions.includes(-1), `${discovery.join(', ')} not all in ${session.requests.join(', ')}`);
    assert.deepEqual(positions, positions.toSorted((a, b) => a - b), `out of order: ${session.requests.join(', ')}`);
    assert.equal(session.provider.lastCallback().searchParams.get('iss'), world.origin, 'the issuer is the https public origin');
    assert.equal(world.github.tokenRequests.length, 1, 'alice signed in at GitHub');
    const whoami = await session.client.callTool({ name: 'whoami', arguments: {} });
    assert.match(String((whoami.structuredContent as Record<string, unknown> | undefined)?.['subject']), /^github:(.+:)?1001$/);
    assertUnbuffered(t, await countSlowly(session.client));
  });
}

/** Reads an SSE body, counting `:` comment lines (heartbeats) as they arrive. */
function sseReader(body: ReadableStream<Uint8Array>): { text: () => string; comments: () => number; until: (predicate: () => boolean) => Promise<boolean>; cancel: () => Promise<void> } {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  const comments = (): number => text.split('\n').filter((line) => line.startsWith(':')).length;
  return {
    text: () => text,
    comments,
    /** Reads until `predicate` holds (true) or the stream ends (false). */
    async until(predicate) {
      while (!predicate()) {
        const chunk = await reader.read();
        if (chunk.done) return false;
        text += chunk.value;
      }
      return true;
    },
    cancel: () => reader.cancel(),
  };
}

const ENDPOINT = /event: endpoint\ndata: (\/messages\?sessionId=\S+)\n/;

test('J1 through nginx + TLS on legacy /sse: the endpoint event arrives before the first heartbeat, and each progress as sent (v2 SDK)', BOUNDED, async (t) => {
  const world = await startGithubBehindNginx(t, { env: { KEYWAY_SSE_HEARTBEAT_SECONDS: '1' } });
  const token = await tokenFor(world, '/sse');
  const opened = performance.now();
  const raw = await world.https(`${world.origin}/sse`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } });
  assert.equal(raw.status, 200);
  assert.equal(raw.headers.get('x-accel-buffering'), null, 'nginx consumes X-Accel-Buffering');
  assert.ok(raw.body !== null);
  const stream = sseReader(raw.body);
  assert.ok(await stream.until(() => ENDPOINT.test(stream.text())), `the stream ended without an endpoint event: ${stream.text()}`);
  t.diagnostic(`endpoint event through nginx after ${Math.round(performance.now() - opened)} ms`);
  await stream.cancel();
  // Held in nginx's buffer, the event would come out behind heartbeats (1 s apart), if at all.
  assert.equal(stream.comments(), 0, `heartbeats came first: ${stream.text()}`);

  const client = new Client({ name: 'keyway-nginx-e2e', version: '1.0.0' });
  await client.connect(new SSEClientTransport(new URL('/sse', world.origin), { fetch: world.https, requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  t.after(() => client.close());
  assertUnbuffered(t, await countSlowly(client));
});

/** Opens `/sse` through nginx and reads up to the endpoint event. */
async function openSse(world: GithubNginxWorld, token: string): Promise<{ stream: ReturnType<typeof sseReader>; messagesPath: string }> {
  const response = await world.https(`${world.origin}/sse`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } });
  assert.ok(response.status === 200 && response.body !== null, `GET /sse answered ${response.status}`);
  const stream = sseReader(response.body);
  assert.ok(await stream.until(() => ENDPOINT.test(stream.text())), `no endpoint event: ${stream.text()}`);
  return { stream, messagesPath: ENDPOINT.exec(stream.text())?.[1] ?? '' };
}

test('J2 an idle legacy SSE stream outlives nginx proxy_read_timeout 3s on 1 s heartbeats, then still delivers a message', BOUNDED, async (t) => {
  const world = await startGithubBehindNginx(t, { nginx: { readTimeoutSeconds: 3 }, env: { KEYWAY_SSE_HEARTBEAT_SECONDS: '1' } });
  const token = await tokenFor(world, '/sse');
  const opened = performance.now();
  const { stream, messagesPath } = await openSse(world, token);
  assert.ok(await stream.until(() => stream.comments() >= 5), `the stream ended after ${stream.comments()} heartbeats`);
  const held = performance.now() - opened;
  assert.ok(held > 3500, `five heartbeats took ${Math.round(held)} ms: the stream outlived the 3 s read timeout`);

  const posted = await world.https(`${world.origin}${messagesPath}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'ping' }),
  });
  await posted.body?.cancel();
  assert.equal(posted.status, 202);
  assert.ok(await stream.until(() => stream.text().includes('"id":7')), 'the stream ended before the answer');
  const reply = /event: message\ndata: (.+)\n/.exec(stream.text())?.[1];
  assert.deepEqual(JSON.parse(reply ?? 'null'), { jsonrpc: '2.0', id: 7, result: {} });
  await stream.cancel();
});

test('J2 control: with heartbeats slower than proxy_read_timeout 2s, nginx cuts the idle stream — the heartbeats are what keep it open', BOUNDED, async (t) => {
  const world = await startGithubBehindNginx(t, { nginx: { readTimeoutSeconds: 2 }, env: { KEYWAY_SSE_HEARTBEAT_SECONDS: '30' } });
  const { stream } = await openSse(world, await tokenFor(world, '/sse'));
  // nginx closes the connection without ending the chunked body: the client sees it cut.
  const outcome = await stream.until(() => false).then(() => 'ended', (error: unknown) => (error instanceof Error ? error.message : String(error)));
  assert.match(outcome, /^ended$|^terminated$/);
  assert.equal(stream.comments(), 0);
});

/** A raw `tools/call` of `count_slowly` on /mcp; resolves with when the first and last bytes of the SSE answer arrived. */
async function rawCountSlowly(world: GithubNginxWorld, token: string): Promise<{ first: number; last: number; text: string }> {
  const start = performance.now();
  const response = await world.https(`${world.origin}/mcp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'count_slowly', arguments: { steps: 3, interval_ms: 500 }, _meta: { progressToken: 'p' } } }),
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  let first = Infinity;
  let text = '';
  for await (const chunk of response.body?.pipeThrough(new TextDecoderStream()) ?? []) {
    first = Math.min(first, performance.now() - start);
    text += chunk;
  }
  return { first, last: performance.now() - start, text };
}

test('J1 control: the same nginx told to ignore X-Accel-Buffering holds the progress back until the call ends — the header is what lets events through', BOUNDED, async (t) => {
  for (const ignoreAccelBuffering of [false, true]) {
    const world = await startGithubBehindNginx(t, { nginx: { ignoreAccelBuffering } });
    const timed = await rawCountSlowly(world, await tokenFor(world, '/mcp'));
    t.diagnostic(`ignoreAccelBuffering ${String(ignoreAccelBuffering)}: first bytes after ${Math.round(timed.first)} ms, last after ${Math.round(timed.last)} ms`);
    assert.match(timed.text, /notifications\/progress[\s\S]*counted to 3/);
    const heldBack = timed.last - timed.first < 300;
    assert.equal(heldBack, ignoreAccelBuffering, `ignoreAccelBuffering ${String(ignoreAccelBuffering)}: first bytes at ${Math.round(timed.first)} ms, last at ${Math.round(timed.last)} ms`);
  }
});

import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Client, SSEClientTransport, type ClientOptions } from '@modelcontextprotocol/client';
import { githubLogin, startGithubWithRest } from '../../test/support/e2e-idp-github.js';
import { connectThroughOAuth } from '../../test/support/e2e-idp-sdk.js';
import type { FakeGithub } from '../../test/support/fake-github.js';
import { freePort, startKeyway, type StartedKeyway } from '../../test/support/keyway.js';
import { startNginx, type NginxOptions } from '../../test/support/nginx.js';
import { obtainTokens, type UpstreamLogin } from '../../test/support/oauth-flow.js';
import { trustCaInFetch } from '../../test/support/tls.js';

/**
 * Issue 5 item 1: Keyway as people run it — behind nginx with TLS, an ordinary reverse-proxy
 * configuration with response buffering left on — and the whole connect flow through `https://`
 * with the person signing in at a (fake) GitHub. SSE must arrive as it is sent: Keyway's
 * `X-Accel-Buffering: no` is what makes nginx pass events through (SECURITY.md J1), and its
 * heartbeats keep an idle legacy stream open past nginx's read timeout.
 */
interface World {
  readonly origin: string;
  readonly keyway: StartedKeyway;
  readonly github: FakeGithub;
  readonly atGithub: UpstreamLogin;
  /** `fetch` trusting the throw-away CA, for the SDK transports. */
  readonly tlsFetch: typeof fetch;
}

async function startBehindNginx(t: TestContext, nginxOptions: Omit<NginxOptions, 'upstream'> = {}, env: Record<string, string> = {}): Promise<World> {
  const github = await startGithubWithRest(t);
  const keywayPort = await freePort();
  const nginx = await startNginx(t, { upstream: `http://127.0.0.1:${keywayPort}`, ...nginxOptions });
  const tlsFetch = await trustCaInFetch(t, nginx.caPem, `${nginx.origin}/healthz`);
  const keyway = await startKeyway(t, {
    KEYWAY_PORT: String(keywayPort),
    KEYWAY_PUBLIC_URL: nginx.origin,
    KEYWAY_TRUST_PROXY: '127.0.0.1',
    KEYWAY_IDP: 'github',
    GITHUB_CLIENT_ID: github.clientId,
    GITHUB_CLIENT_SECRET: github.clientSecret,
    GITHUB_WEB_URL: github.webBaseUrl,
    GITHUB_API_URL: github.apiBaseUrl,
    ...env,
  });
  return { origin: nginx.origin, keyway, github, atGithub: githubLogin(github, nginx.origin), tlsFetch };
}

/** Every absolute URL in a metadata document. */
const urlsIn = (document: Record<string, unknown>): string[] =>
  Object.values(document).flatMap((value): unknown[] => (Array.isArray(value) ? (value as unknown[]) : [value])).filter((value): value is string => typeof value === 'string' && /^[a-z]+:\/\//.test(value));

async function json(tlsFetch: typeof fetch, url: string): Promise<Record<string, unknown>> {
  const response = await tlsFetch(url);
  assert.equal(response.status, 200, `${url} answered ${response.status}`);
  return (await response.json()) as Record<string, unknown>;
}

interface Timed {
  readonly progress: number[];
  /** Milliseconds after the call started at which each progress notification arrived. */
  readonly arrivals: number[];
  readonly total: number;
}

/** `count_slowly` with 3 steps 500 ms apart: progress at about 0, 500 and 1000 ms, the result at about 1500 ms. */
async function countSlowly(client: Client): Promise<Timed> {
  const progress: number[] = [];
  const arrivals: number[] = [];
  const start = performance.now();
  let sawLast: () => void = () => undefined;
  const lastProgress = new Promise<void>((resolve) => (sawLast = resolve));
  const [result] = await Promise.all([
    client.callTool({ name: 'count_slowly', arguments: { steps: 3, interval_ms: 500 } }, {
      onprogress: (update) => {
        arrivals.push(performance.now() - start);
        progress.push(update.progress);
        if (update.progress === 3) sawLast();
      },
    }),
    lastProgress,
  ]);
  assert.deepEqual(result.content, [{ type: 'text', text: 'counted to 3' }]);
  return { progress, arrivals, total: performance.now() - start };
}

/** Each progress arrives as it is sent (≤ 400 ms after), not when the buffered response ends. */
function assertUnbuffered(timed: Timed): void {
  assert.deepEqual(timed.progress, [1, 2, 3]);
  for (const [index, arrival] of timed.arrivals.entries()) {
    assert.ok(arrival < index * 500 + 400, `progress ${index + 1} arrived ${Math.round(arrival)} ms after the call started: ${JSON.stringify(timed)}`);
  }
  assert.ok(timed.total - (timed.arrivals[0] ?? Infinity) > 800, `the first progress came well before the end: ${JSON.stringify(timed)}`);
}

const ERAS: ReadonlyArray<{ readonly label: string; readonly options: ClientOptions; readonly version: string }> = [
  { label: '2026-07-28', options: { versionNegotiation: { mode: 'auto' } }, version: '2026-07-28' },
  { label: '2025-11-25', options: { supportedProtocolVersions: ['2025-11-25'] }, version: '2025-11-25' },
];

test('A2 through nginx + TLS: the 401 challenge, PRM and AS metadata publish only https URLs on the public origin', async (t) => {
  const world = await startBehindNginx(t);
  const challenge = await world.tlsFetch(`${world.origin}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
  });
  assert.equal(challenge.status, 401);
  const prmUrl = /resource_metadata="([^"]+)"/.exec(challenge.headers.get('www-authenticate') ?? '')?.[1];
  assert.equal(prmUrl, `${world.origin}/.well-known/oauth-protected-resource/mcp`);
  const prm = await json(world.tlsFetch, prmUrl);
  assert.equal(prm['resource'], `${world.origin}/mcp`);
  assert.deepEqual(prm['authorization_servers'], [world.origin]);
  const metadata = await json(world.tlsFetch, `${world.origin}/.well-known/oauth-authorization-server`);
  assert.equal(metadata['issuer'], world.origin);
  for (const url of [...urlsIn(prm), ...urlsIn(metadata)]) assert.ok(url === world.origin || url.startsWith(`${world.origin}/`), `${url} is not on ${world.origin}`);
  const forwarded = world.keyway.logs.filter((line) => JSON.stringify(line).includes('forwarded') && line['level'] === 'warn');
  assert.deepEqual(forwarded, [], 'nginx is a trusted proxy: no warning about forwarded headers');
});

for (const era of ERAS) {
  test(`J1 F1 through nginx + TLS, v2 SDK on /mcp (${era.label}): DCR, consent, GitHub sign-in, token, and count_slowly's progress arrives as sent`, async (t) => {
    const world = await startBehindNginx(t);
    const session = await connectThroughOAuth(world.origin, { upstream: world.atGithub, userName: 'alice', clientOptions: era.options });
    t.after(() => session.client.close());
    assert.equal(session.client.getNegotiatedProtocolVersion(), era.version);
    const lines = session.recorder.lines();
    for (const expected of ['POST /mcp → 401', 'GET /.well-known/oauth-protected-resource/mcp → 200', 'GET /.well-known/oauth-authorization-server → 200', 'POST /register → 201', 'POST /token → 200']) {
      assert.ok(lines.includes(expected), `${expected} missing from ${lines.join(', ')}`);
    }
    assert.equal(session.provider.lastCallback().searchParams.get('iss'), world.origin, 'the issuer is the https public origin');
    assert.equal(world.github.tokenRequests.length, 1, 'alice signed in at GitHub');
    const whoami = await session.callTool('whoami');
    assert.match(String(whoami.structured?.['subject']), /^github:(.+:)?1001$/);
    assertUnbuffered(await countSlowly(session.client));
  });
}

test('J1 through nginx + TLS, v2 SDK on legacy /sse: the endpoint event and each progress arrive as sent', async (t) => {
  const world = await startBehindNginx(t);
  const { access_token: token } = await obtainTokens(world.origin, 'alice', `${world.origin}/sse`, world.atGithub);
  const opened = performance.now();
  const raw = await world.tlsFetch(`${world.origin}/sse`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } });
  assert.equal(raw.status, 200);
  assert.equal(raw.headers.get('x-accel-buffering'), null, 'nginx consumes X-Accel-Buffering');
  const reader = raw.body?.pipeThrough(new TextDecoderStream()).getReader();
  let received = '';
  while (reader !== undefined && !received.includes('event: endpoint')) {
    const chunk = await reader.read();
    if (chunk.done) break;
    received += chunk.value;
  }
  const endpointDelay = performance.now() - opened;
  await reader?.cancel();
  assert.match(received, /event: endpoint\ndata: \/messages\?sessionId=/);
  assert.ok(endpointDelay < 1000, `the endpoint event took ${Math.round(endpointDelay)} ms through nginx`);

  const client = new Client({ name: 'keyway-nginx-e2e', version: '1.0.0' });
  await client.connect(new SSEClientTransport(new URL('/sse', world.origin), { fetch: world.tlsFetch, requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  t.after(() => client.close());
  assertUnbuffered(await countSlowly(client));
});

/** Reads an SSE body, counting `:` comment lines (heartbeats) as they arrive. */
function sseReader(body: ReadableStream<Uint8Array>): { text: () => string; comments: () => number; until: (predicate: () => boolean) => Promise<void>; cancel: () => Promise<void> } {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  const comments = (): number => text.split('\n').filter((line) => line.startsWith(':')).length;
  return {
    text: () => text,
    comments,
    async until(predicate) {
      while (!predicate()) {
        const chunk = await reader.read();
        if (chunk.done) throw new Error(`the stream ended after ${comments()} heartbeats: ${text}`);
        text += chunk.value;
      }
    },
    cancel: () => reader.cancel(),
  };
}

test('J2 an idle legacy SSE stream outlives nginx proxy_read_timeout 3s on 1 s heartbeats, then still delivers a message', async (t) => {
  const world = await startBehindNginx(t, { readTimeoutSeconds: 3 }, { KEYWAY_SSE_HEARTBEAT_SECONDS: '1' });
  const { access_token: token } = await obtainTokens(world.origin, 'alice', `${world.origin}/sse`, world.atGithub);
  const opened = performance.now();
  const response = await world.tlsFetch(`${world.origin}/sse`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } });
  assert.ok(response.status === 200 && response.body !== null);
  const stream = sseReader(response.body);
  await stream.until(() => /data: (\/messages\?sessionId=\S+)\n/.test(stream.text()));
  const messagesPath = /data: (\/messages\?sessionId=\S+)\n/.exec(stream.text())?.[1] ?? '';

  await stream.until(() => stream.comments() >= 5);
  const held = performance.now() - opened;
  assert.ok(held > 3500, `five heartbeats took ${Math.round(held)} ms: the stream outlived the 3 s read timeout`);

  const posted = await world.tlsFetch(`${world.origin}${messagesPath}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'ping' }),
  });
  assert.equal(posted.status, 202);
  await stream.until(() => stream.text().includes('"id":7'));
  const reply = /event: message\ndata: (.+)\n/.exec(stream.text())?.[1];
  assert.deepEqual(JSON.parse(reply ?? 'null'), { jsonrpc: '2.0', id: 7, result: {} });
  await stream.cancel();
});

/** A raw `tools/call` of `count_slowly` on /mcp; resolves with when the first and last bytes of the SSE answer arrived. */
async function rawCountSlowly(world: World, token: string): Promise<{ first: number; last: number; text: string }> {
  const start = performance.now();
  const response = await world.tlsFetch(`${world.origin}/mcp`, {
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

test('J1 control: the same nginx told to ignore X-Accel-Buffering holds the progress back until the call ends — the header is what lets events through', async (t) => {
  for (const ignoreAccelBuffering of [false, true]) {
    const world = await startBehindNginx(t, { ignoreAccelBuffering });
    const { access_token: token } = await obtainTokens(world.origin, 'alice', `${world.origin}/mcp`, world.atGithub);
    const timed = await rawCountSlowly(world, token);
    assert.match(timed.text, /notifications\/progress[\s\S]*counted to 3/);
    const heldBack = timed.last - timed.first < 300;
    assert.equal(heldBack, ignoreAccelBuffering, `ignoreAccelBuffering ${String(ignoreAccelBuffering)}: first bytes at ${Math.round(timed.first)} ms, last at ${Math.round(timed.last)} ms`);
  }
});

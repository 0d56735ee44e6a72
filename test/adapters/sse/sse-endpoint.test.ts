import assert from 'node:assert/strict';
import { readStream, recordingLogger, type LogEntry } from '../../support/sse-stream.js';
import { once } from 'node:events';
import { createServer, get, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport as SSEClientTransportV1 } from '@modelcontextprotocol/sdk/client/sse.js';
import { Client as ClientV2, SSEClientTransport as SSEClientTransportV2 } from '@modelcontextprotocol/client';
import { McpServer, type McpRequestContext, type McpServerFactory } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { createLifecycle, type Lifecycle } from '../../../src/adapters/http/lifecycle.js';
import type { HttpContext } from '../../../src/adapters/http/types.js';
import { principalOf } from '../../../src/adapters/mcp/auth-info.js';
import { createSseEndpoint, type SseEndpoint } from '../../../src/adapters/sse/sse-endpoint.js';
import { createSystemClock } from '../../../src/adapters/system/clock.js';
import { createCryptoRandom } from '../../../src/adapters/system/random.js';
import type { Principal } from '../../../src/domain/principal.js';
import { createSessionRegistry, type SessionRegistry } from '../../../src/domain/sessions/registry.js';

/** A hang is a failure: every wait in these tests is on an event that should come quickly. */
const TIMEOUT_MS = 10_000;

function buildServer(built: McpServer[], contexts: McpRequestContext[]) {
  return (context: McpRequestContext): McpServer => {
    contexts.push(context);
    const server = new McpServer({ name: 'sse-test', version: '1.0.0' });
    server.registerTool(
      'greet',
      { description: 'Reports progress, then greets the caller', inputSchema: z.object({ steps: z.number().int().min(1).max(5) }) },
      async ({ steps }, ctx) => {
        const progressToken = ctx.mcpReq._meta?.progressToken;
        for (let step = 1; step <= steps && progressToken !== undefined; step += 1) {
          await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, progress: step, total: steps } });
        }
        // A server-to-client request inside the call, on the same single stream. Its answer also
        // proves the client has dispatched the progress sent before it: the SDK clients handle
        // notifications a microtask late and drop progress that arrives together with the result.
        await ctx.mcpReq.send({ method: 'ping' });
        return { content: [{ type: 'text', text: `hello ${principalOf(ctx.http?.authInfo).subject}` }] };
      },
    );
    built.push(server);
    return server;
  };
}

interface Limits {
  /** Replaces the test server factory (to make it fail). */
  readonly factory?: McpServerFactory;
  readonly maxSessions?: number;
  readonly maxPerOwner?: number;
  readonly maxBodyBytes?: number;
}

interface Keyway {
  readonly base: string;
  readonly sessions: SessionRegistry;
  readonly lifecycle: Lifecycle;
  readonly endpoint: SseEndpoint;
  readonly servers: McpServer[];
  readonly contexts: McpRequestContext[];
  /** Errors that escaped a handler (the real pipeline would turn them into 500s). */
  readonly errors: unknown[];
}

/** Stands in for the bearer gate: `Authorization: Bearer <name>` makes `<name>` the principal. */
function principalFrom(req: IncomingMessage): Principal {
  const name = /^Bearer (\w+)$/.exec(req.headers.authorization ?? '')?.[1] ?? 'alice';
  return { subject: name, clientId: `client-of-${name}`, scopes: ['mcp'] };
}

/** The SSE endpoint mounted on a tiny node:http server on port 0, closed after the test. */
async function startKeyway(t: TestContext, limits: Limits = {}): Promise<Keyway> {
  const logs: LogEntry[] = [];
  const logger = recordingLogger(logs);
  const sessions = createSessionRegistry(
    { idleSeconds: 60, maxSessions: limits.maxSessions ?? 100, maxPerOwner: limits.maxPerOwner ?? 10 },
    createSystemClock(),
    createCryptoRandom(),
  );
  const lifecycle = createLifecycle();
  const servers: McpServer[] = [];
  const contexts: McpRequestContext[] = [];
  const errors: unknown[] = [];
  const endpoint = createSseEndpoint({
    factory: limits.factory ?? buildServer(servers, contexts),
    sessions,
    lifecycle,
    heartbeatMs: 60_000,
    maxBufferBytes: 1024 * 1024,
    maxBodyBytes: limits.maxBodyBytes ?? 64 * 1024,
    logger,
  });
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://keyway.test');
    const ctx: HttpContext = { req, res, url, requestId: 'test', logger, principal: principalFrom(req), signal: new AbortController().signal };
    const handler = req.method === 'GET' && url.pathname === '/sse' ? endpoint.open : req.method === 'POST' && url.pathname === '/messages' ? endpoint.message : undefined;
    if (handler === undefined) {
      res.writeHead(404).end();
      return;
    }
    handler(ctx).catch((error: unknown) => {
      errors.push(error);
      if (res.headersSent) res.destroy();
      else res.writeHead(500).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(async () => {
    await endpoint.close();
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, sessions, lifecycle, endpoint, servers, contexts, errors };
}

interface Stream {
  readonly response: IncomingMessage;
  readonly sessionId: string;
  text(): string;
  until(predicate: (text: string) => boolean): Promise<string>;
  readonly ended: Promise<void>;
}

/** Opens `GET /sse` as `user` and reads up to the endpoint event. */
async function openStream(t: TestContext, base: string, user = 'alice'): Promise<Stream> {
  const req = get(`${base}/sse`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${user}` } });
  t.after(() => req.destroy());
  const [response] = (await once(req, 'response')) as [IncomingMessage];
  const reader = readStream(response);
  const first = await reader.until((received) => received.includes('\n\n'));
  const match = /^event: endpoint\ndata: \/messages\?sessionId=([^\n]+)\n\n/.exec(first);
  assert.ok(match !== null, `first event is the endpoint event: ${JSON.stringify(first)}`);
  return { ...reader, sessionId: decodeURIComponent(match[1]!) };
}

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

async function postMessage(base: string, path: string, body: string | Uint8Array, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer alice', ...headers },
    body,
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

function assertJsonRpcError(answer: Answer, status: number, code: number): void {
  assert.equal(answer.status, status, answer.text);
  assert.equal(answer.headers.get('content-type'), 'application/json');
  const body = JSON.parse(answer.text) as { jsonrpc: string; id: unknown; error: { code: number; message: string } };
  assert.equal(body.jsonrpc, '2.0');
  assert.equal(body.id, null);
  assert.equal(body.error.code, code);
}

const ping = (id: string | number): string => JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' });

/** Resolves when the registry ends `count` sessions. */
function sessionsEnded(sessions: SessionRegistry, count = 1): Promise<void> {
  let ended = 0;
  return new Promise((resolve) =>
    sessions.onEnd(() => {
      ended += 1;
      if (ended === count) resolve();
    }),
  );
}

test('the v1 SDK SSEClientTransport initializes, lists tools, calls a tool and receives its progress', { timeout: TIMEOUT_MS }, async (t) => {
  const keyway = await startKeyway(t);
  const client = new ClientV1({ name: 'v1-client', version: '1.0.0' });
  const transport = new SSEClientTransportV1(new URL(`${keyway.base}/sse`), { requestInit: { headers: { authorization: 'Bearer carol' } } });
  await client.connect(transport);
  t.after(() => client.close());

  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((tool) => tool.name), ['greet']);
  const progress: number[] = [];
  const result = await client.callTool({ name: 'greet', arguments: { steps: 2 } }, undefined, { onprogress: (update) => void progress.push(update.progress) });
  assert.deepEqual(progress, [1, 2]);
  assert.deepEqual(result.content, [{ type: 'text', text: 'hello carol' }]);

  assert.equal(keyway.contexts.length, 1);
  assert.equal(keyway.contexts[0]!.era, 'legacy');
  assert.equal(principalOf(keyway.contexts[0]!.authInfo).subject, 'carol');
  assert.equal(keyway.sessions.size(), 1);

  const ended = sessionsEnded(keyway.sessions);
  await client.close();
  await ended;
  assert.equal(keyway.sessions.size(), 0);
  assert.deepEqual(keyway.errors, []);
});

test('the v2 SDK SSEClientTransport initializes, lists tools, calls a tool and receives its progress', { timeout: TIMEOUT_MS }, async (t) => {
  const keyway = await startKeyway(t);
  const client = new ClientV2({ name: 'v2-client', version: '1.0.0' });
  const transport = new SSEClientTransportV2(new URL(`${keyway.base}/sse`), { requestInit: { headers: { authorization: 'Bearer dave' } } });
  await client.connect(transport);
  t.after(() => client.close());

  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((tool) => tool.name), ['greet']);
  const progress: number[] = [];
  const result = await client.callTool({ name: 'greet', arguments: { steps: 3 } }, { onprogress: (update) => void progress.push(update.progress) });
  assert.deepEqual(progress, [1, 2, 3]);
  assert.deepEqual(result.content, [{ type: 'text', text: 'hello dave' }]);

  const ended = sessionsEnded(keyway.sessions);
  await client.close();
  await ended;
  assert.equal(keyway.sessions.size(), 0);
  assert.deepEqual(keyway.errors, []);
});

test('I8 the endpoint event carries an unguessable session id; a POSTed message gets 202 and its reply on the stream', { timeout: TIMEOUT_MS }, async (t) => {
  const keyway = await startKeyway(t);
  const stream = await openStream(t, keyway.base);
  assert.match(stream.sessionId, /^[\w-]{32,}$/);
  assert.equal(stream.response.headers['content-type'], 'text/event-stream');

  const answer = await postMessage(keyway.base, `/messages?sessionId=${stream.sessionId}`, ping(1));
  assert.equal(answer.status, 202);
  assert.equal(answer.text, '');
  const text = await stream.until((received) => received.includes('"id":1'));
  assert.ok(text.endsWith('event: message\ndata: {"result":{},"jsonrpc":"2.0","id":1}\n\n'), text);
});

test('POST /messages without sessionId → 400 with a JSON-RPC error', { timeout: TIMEOUT_MS }, async (t) => {
  const keyway = await startKeyway(t);
  assertJsonRpcError(await postMessage(keyway.base, '/messages', ping(1)), 400, -32000);
  assertJsonRpcError(await postMessage(keyway.base, '/messages?sessionId=', ping(1)), 400, -32000);
});

test('POST /messages with an unknown or ended sessionId → 404 with a JSON-RPC error', { timeout: TIMEOUT_MS }, async (t) => {
  const keyway = await startKeyway(t);
  assertJsonRpcError(await postMessage(keyway.base, '/messages?sessionId=no-such-session', ping(1)), 404, -32000);

  const stream = await openStream(t, keyway.base);
  const ended = sessionsEnded(keyway.sessions);
  stream.response.destroy();
  await ended;
  assertJsonRpcError(await postMessage(keyway.base, `/messages?sessionId=${stream.sessionId}`, ping(1)), 404, -32000);
});

test("I3 I8 another principal's sessionId → 404 and nothing reaches that session", { timeout: TIMEOUT_MS }, async (t) => {
  const keyway = await startKeyway(t);
  const alice = await openStream(t, keyway.base, 'alice');
  const foreign = await postMessage(keyway.base, `/messages?sessionId=${alice.sessionId}`, ping('from-bob'), { authorization: 'Bearer bob' });
  assertJsonRpcError(foreign, 404, -32000);

  assert.equal((await postMessage(keyway.base, `/messages?sessionId=${alice.sessionId}`, ping('from-alice'))).status, 202);
  const text = await alice.until((received) => received.includes('from-alice'));
  assert.ok(!text.includes('from-bob'), text);
  assert.equal(keyway.sessions.size(), 1, "bob could not end alice's session");
});

test('I5 POST /messages with a Content-Type other than application/json → 415', { timeout: TIMEOUT_MS }, async (t) => {
  const keyway = await startKeyway(t);
  const stream = await openStream(t, keyway.base);
  const path = `/messages?sessionId=${stream.sessionId}`;
  assertJsonRpcError(await postMessage(keyway.base, path, ping(1), { 'content-type': 'text/plain' }), 415, -32000);
  assert.equal((await postMessage(keyway.base, path, ping(2), { 'content-type': 'application/json; charset=utf-8' })).status, 202);
});

test('K1 I8 a body over the limit → 413 before the body has been sent', { timeout: TIMEOUT_MS }, async (t) => {
  const keyway = await startKeyway(t, { maxBodyBytes: 1024 });
  const stream = await openStream(t, keyway.base);
  const path = `/messages?sessionId=${stream.sessionId}`;

  // Declares 10 MB and sends one small chunk: the answer must come without the rest.
  const req = request(`${keyway.base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer alice', 'content-length': String(10 * 1024 * 1024) },
  });
  t.after(() => req.destroy());
  req.write('{"jsonrpc":"2.0",');
  const [response] = (await once(req, 'response')) as [IncomingMessage];
  assert.equal(response.statusCode, 413);
  response.resume();

  // Chunked, with no declared length: reading stops as soon as the limit is crossed.
  const chunked = await postMessage(keyway.base, path, new TextEncoder().encode(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(2048) } })));
  assertJsonRpcError(chunked, 413, -32000);
  assert.equal((await postMessage(keyway.base, path, ping(3))).status, 202, 'the session still works');
});

test('I6 invalid JSON or UTF-8 → 400 -32700; JSON that is not one JSON-RPC message → 400 -32600', { timeout: TIMEOUT_MS }, async (t) => {
  const keyway = await startKeyway(t);
  const stream = await openStream(t, keyway.base);
  const path = `/messages?sessionId=${stream.sessionId}`;
  assertJsonRpcError(await postMessage(keyway.base, path, '{"jsonrpc": "2.0", '), 400, -32700);
  assertJsonRpcError(await postMessage(keyway.base, path, new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), 400, -32700);
  assertJsonRpcError(await postMessage(keyway.base, path, '{"hello":"world"}'), 400, -32600);
  assertJsonRpcError(await postMessage(keyway.base, path, `[${ping(1)}]`), 400, -32600);
  assert.equal((await postMessage(keyway.base, path, ping(2))).status, 202);
  assert.deepEqual(keyway.errors, []);
});

test('K4 the per-user cap → 429 with Retry-After; the global cap → 503 with Retry-After', { timeout: TIMEOUT_MS }, async (t) => {
  const keyway = await startKeyway(t, { maxSessions: 2, maxPerOwner: 1 });
  await openStream(t, keyway.base, 'alice');

  const perUser = await fetch(`${keyway.base}/sse`, { headers: { accept: 'text/event-stream', authorization: 'Bearer alice' } });
  assertJsonRpcError({ status: perUser.status, headers: perUser.headers, text: await perUser.text() }, 429, -32000);
  assert.ok(Number(perUser.headers.get('retry-after')) > 0);

  await openStream(t, keyway.base, 'bob');
  const global = await fetch(`${keyway.base}/sse`, { headers: { accept: 'text/event-stream', authorization: 'Bearer erin' } });
  assertJsonRpcError({ status: global.status, headers: global.headers, text: await global.text() }, 503, -32000);
  assert.ok(Number(global.headers.get('retry-after')) > 0);
  assert.equal(keyway.sessions.size(), 2);
});

test('K5 a session the registry ends (reaped, revoked) closes its stream with retry:', { timeout: TIMEOUT_MS }, async (t) => {
  const keyway = await startKeyway(t);
  const stream = await openStream(t, keyway.base);
  keyway.sessions.end(stream.sessionId, 'expired');
  await stream.ended;
  assert.match(stream.text(), /\n\nretry: \d+\n\n$/);
  assertJsonRpcError(await postMessage(keyway.base, `/messages?sessionId=${stream.sessionId}`, ping(1)), 404, -32000);
});

test('an idle stream has no server; the first messages build one, once, and are all answered', { timeout: TIMEOUT_MS }, async (t) => {
  const keyway = await startKeyway(t);
  const stream = await openStream(t, keyway.base);
  assert.equal(keyway.servers.length, 0);
  const answers = await Promise.all([1, 2, 3].map((id) => postMessage(keyway.base, `/messages?sessionId=${stream.sessionId}`, ping(id))));
  assert.deepEqual(answers.map((answer) => answer.status), [202, 202, 202]);
  const text = await stream.until((received) => ['"id":1', '"id":2', '"id":3'].every((id) => received.includes(id)));
  assert.equal(text.split('event: message\n').length, 4);
  assert.equal(keyway.servers.length, 1);
  assert.equal(keyway.servers[0]!.isConnected(), true);
  assert.deepEqual(keyway.errors, []);
});

test('a server that cannot be built fails the first message with 500 and ends the stream with retry:', { timeout: TIMEOUT_MS }, async (t) => {
  const keyway = await startKeyway(t, {
    factory: () => {
      throw new Error('no server today');
    },
  });
  const stream = await openStream(t, keyway.base);
  const answer = await postMessage(keyway.base, `/messages?sessionId=${stream.sessionId}`, ping(1));
  assert.equal(answer.status, 500);
  await stream.ended;
  assert.match(stream.text(), /\n\nretry: \d+\n\n$/);
  assert.equal(keyway.sessions.size(), 0);
  assert.equal(keyway.lifecycle.openStreams(), 0);
  assert.deepEqual(
    keyway.errors.map((error) => (error as Error).message),
    ['no server today'],
  );
});

test('a client that disconnects ends its session and closes its server', { timeout: TIMEOUT_MS }, async (t) => {
  const keyway = await startKeyway(t);
  const stream = await openStream(t, keyway.base);
  assert.equal((await postMessage(keyway.base, `/messages?sessionId=${stream.sessionId}`, ping(1))).status, 202);
  await stream.until((received) => received.includes('"id":1'));
  assert.equal(keyway.servers[0]!.isConnected(), true);
  const ended = sessionsEnded(keyway.sessions);
  stream.response.destroy();
  await ended;
  assert.equal(keyway.sessions.size(), 0);
  assert.equal(keyway.lifecycle.openStreams(), 0);
  assert.equal(keyway.servers[0]!.isConnected(), false);
});

test('L2 shutdown (lifecycle.drain) closes every stream with retry: and ends its session', { timeout: TIMEOUT_MS }, async (t) => {
  const keyway = await startKeyway(t);
  const first = await openStream(t, keyway.base, 'alice');
  const second = await openStream(t, keyway.base, 'bob');
  assert.equal(keyway.lifecycle.openStreams(), 2);
  const ended = sessionsEnded(keyway.sessions, 2);
  keyway.lifecycle.drain();
  await Promise.all([first.ended, second.ended]);
  await ended;
  for (const stream of [first, second]) assert.match(stream.text(), /\n\nretry: \d+\n\n$/);
  assert.equal(keyway.sessions.size(), 0);
});

test('L2 a draining server refuses new streams with 503 and Retry-After', { timeout: TIMEOUT_MS }, async (t) => {
  const keyway = await startKeyway(t);
  keyway.lifecycle.drain();
  const answer = await fetch(`${keyway.base}/sse`, { headers: { accept: 'text/event-stream', authorization: 'Bearer alice' } });
  assertJsonRpcError({ status: answer.status, headers: answer.headers, text: await answer.text() }, 503, -32000);
  assert.ok(Number(answer.headers.get('retry-after')) > 0);
  assert.equal(keyway.sessions.size(), 0);
});

test('close() closes every open stream with retry: and resolves once they have ended', { timeout: TIMEOUT_MS }, async (t) => {
  const keyway = await startKeyway(t);
  const first = await openStream(t, keyway.base, 'alice');
  const second = await openStream(t, keyway.base, 'alice');
  await keyway.endpoint.close();
  assert.equal(keyway.sessions.size(), 0);
  assert.equal(keyway.lifecycle.openStreams(), 0);
  await Promise.all([first.ended, second.ended]);
  for (const stream of [first, second]) assert.match(stream.text(), /\n\nretry: \d+\n\n$/);
});

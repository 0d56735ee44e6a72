import assert from 'node:assert/strict';
import { createServer, get, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { test, type TestContext } from 'node:test';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { listenOnLoopback } from '../../support/http-app.js';
import { readStream, recordingLogger, type LogEntry, type StreamReader } from '../../support/sse-stream.js';
import { createHeartbeats } from '../../../src/adapters/sse/heartbeats.js';
import { SseServerTransport, type SseTransportOptions } from '../../../src/adapters/sse/sse-transport.js';

/** A hang is a failure: every wait in these tests is on an event that should come quickly. */
const TIMEOUT_MS = 10_000;

interface Harness {
  readonly port: number;
  readonly logs: LogEntry[];
  /** The next transport the server creates, with the response it writes to. */
  nextTransport(): Promise<{ transport: SseServerTransport; res: ServerResponse }>;
}

/** Listens on a free loopback port (closed after the test) and resolves with the port. */
const listen = async (t: TestContext, server: Server): Promise<number> => Number(new URL(await listenOnLoopback(t, server)).port);

/** Transport options with a heartbeat of `heartbeatMs`, as the endpoint shares them between streams. */
function transportOptions(heartbeatMs: number, overrides: Partial<SseTransportOptions> = {}): SseTransportOptions {
  return {
    heartbeats: createHeartbeats<SseServerTransport>(heartbeatMs, (transport) => transport.heartbeat()),
    maxBufferBytes: 1024 * 1024,
    retryMs: 1500,
    logger: recordingLogger([]),
    ...overrides,
  };
}

/** A node:http server whose every request opens one SSE transport; closed after the test. */
async function startHarness(t: TestContext, overrides: Partial<SseTransportOptions> & { heartbeatMs?: number; sessionId?: string } = {}): Promise<Harness> {
  const logs: LogEntry[] = [];
  const pending: Array<(value: { transport: SseServerTransport; res: ServerResponse }) => void> = [];
  const ready: Array<{ transport: SseServerTransport; res: ServerResponse }> = [];
  const { heartbeatMs = 60_000, sessionId = 'session-1', ...rest } = overrides;
  const options = transportOptions(heartbeatMs, { logger: recordingLogger(logs), ...rest });
  const server = createServer((_req, res) => {
    const transport = new SseServerTransport(res, sessionId, options);
    transport.open();
    const entry = { transport, res };
    const waiter = pending.shift();
    if (waiter === undefined) ready.push(entry);
    else waiter(entry);
  });
  return {
    port: await listen(t, server),
    logs,
    nextTransport: () => {
      const entry = ready.shift();
      return entry === undefined ? new Promise((resolve) => pending.push(resolve)) : Promise.resolve(entry);
    },
  };
}

async function openStream(t: TestContext, port: number): Promise<StreamReader> {
  const request = get({ host: '127.0.0.1', port, path: '/sse', headers: { accept: 'text/event-stream' } });
  t.after(() => request.destroy());
  const [response] = (await once(request, 'response')) as [IncomingMessage];
  return readStream(response);
}

const ENDPOINT_EVENT = 'event: endpoint\ndata: /messages?sessionId=session-1\n\n';

test('J1 headers and the endpoint event arrive at once, before any message', { timeout: TIMEOUT_MS }, async (t) => {
  const harness = await startHarness(t);
  const stream = await openStream(t, harness.port);
  assert.equal(stream.response.statusCode, 200);
  assert.equal(stream.response.headers['content-type'], 'text/event-stream');
  assert.equal(stream.response.headers['cache-control'], 'no-cache');
  assert.equal(stream.response.headers['x-accel-buffering'], 'no');
  assert.equal(stream.response.headers['connection'], 'keep-alive');
  const first = await stream.until((text) => text.length >= ENDPOINT_EVENT.length);
  assert.equal(first, ENDPOINT_EVENT);
});

test('the endpoint event names a relative path with the session id URL-encoded', { timeout: TIMEOUT_MS }, async (t) => {
  const harness = await startHarness(t, { sessionId: 'a b&c' });
  const stream = await openStream(t, harness.port);
  const text = await stream.until((received) => received.endsWith('\n\n'));
  assert.equal(text, 'event: endpoint\ndata: /messages?sessionId=a%20b%26c\n\n');
});

test('J2 an idle stream gets : comment heartbeats', { timeout: TIMEOUT_MS }, async (t) => {
  const harness = await startHarness(t, { heartbeatMs: 10 });
  const stream = await openStream(t, harness.port);
  const text = await stream.until((received) => received.split('\n').filter((line) => line.startsWith(':')).length >= 2);
  assert.ok(text.startsWith(ENDPOINT_EVENT), 'the endpoint event comes first');
  assert.match(text.slice(ENDPOINT_EVENT.length), /^(: keepalive\n\n)+/);
});

test('send() writes an event: message whose data is the JSON-RPC message', { timeout: TIMEOUT_MS }, async (t) => {
  const harness = await startHarness(t);
  const stream = await openStream(t, harness.port);
  const { transport } = await harness.nextTransport();
  const message: JSONRPCMessage = { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'line one\nline two' } };
  await transport.send(message, { relatedRequestId: 7 });
  const text = await stream.until((received) => received.includes('event: message'));
  const event = text.slice(ENDPOINT_EVENT.length);
  assert.equal(event, `event: message\ndata: ${JSON.stringify(message)}\n\n`);
  assert.deepEqual(JSON.parse(event.split('\n')[1]!.slice('data: '.length)), message);
});

test('handleMessage() delivers the message and its extra (authInfo) to onmessage', { timeout: TIMEOUT_MS }, async (t) => {
  const harness = await startHarness(t);
  await openStream(t, harness.port);
  const { transport } = await harness.nextTransport();
  const received: unknown[] = [];
  transport.onmessage = (message, extra) => void received.push({ message, extra });
  const message: JSONRPCMessage = { jsonrpc: '2.0', id: 1, method: 'ping' };
  const authInfo = { token: '', clientId: 'c', scopes: [], extra: { principal: { subject: 'alice', scopes: [] } } };
  transport.handleMessage(message, { authInfo });
  assert.deepEqual(received, [{ message, extra: { authInfo } }]);
});

test('J3 L2 close() writes a retry: hint, ends the stream, fires onclose once and is idempotent', { timeout: TIMEOUT_MS }, async (t) => {
  const harness = await startHarness(t, { retryMs: 1500 });
  const stream = await openStream(t, harness.port);
  const { transport } = await harness.nextTransport();
  let closes = 0;
  transport.onclose = () => {
    closes += 1;
  };
  await stream.until((text) => text === ENDPOINT_EVENT);
  await transport.close();
  await transport.close();
  await stream.ended;
  assert.equal(stream.text(), `${ENDPOINT_EVENT}retry: 1500\n\n`);
  assert.equal(closes, 1);
  assert.equal(await transport.closed, 'server');
  assert.equal(transport.isClosed, true);
  await assert.rejects(transport.send({ jsonrpc: '2.0', method: 'notifications/message' }), /closed/);
});

test('close() before open() answers an empty stream with retry: and open() then writes nothing', { timeout: TIMEOUT_MS }, async (t) => {
  let closes = 0;
  const server = createServer((_req, res) => {
    const transport = new SseServerTransport(res, 's', transportOptions(30_000, { maxBufferBytes: 1024, retryMs: 700 }));
    transport.onclose = () => {
      closes += 1;
    };
    void transport.close().then(() => transport.open());
  });
  const stream = await openStream(t, await listen(t, server));
  await stream.ended;
  assert.equal(stream.response.headers['content-type'], 'text/event-stream');
  assert.equal(stream.text(), 'retry: 700\n\n');
  assert.equal(closes, 1);
});

test('the client disconnecting fires onclose once and stops the heartbeat', { timeout: TIMEOUT_MS }, async (t) => {
  const harness = await startHarness(t, { heartbeatMs: 5 });
  const stream = await openStream(t, harness.port);
  const { transport, res } = await harness.nextTransport();
  let closes = 0;
  transport.onclose = () => {
    closes += 1;
  };
  await stream.until((text) => text.includes(': keepalive'));
  let writesAfterClose = 0;
  const write = res.write.bind(res);
  stream.response.destroy();
  assert.equal(await transport.closed, 'client');
  res.write = ((...args: Parameters<typeof res.write>) => {
    writesAfterClose += 1;
    return write(...args);
  }) as typeof res.write;
  // Nothing signals "no timer fired", so wait several heartbeat periods and count writes.
  await delay(50);
  assert.equal(writesAfterClose, 0);
  assert.equal(closes, 1);
  await transport.close();
  assert.equal(closes, 1);
});

test('TCP keep-alive is switched on for the stream socket', { timeout: TIMEOUT_MS }, async (t) => {
  const calls: unknown[][] = [];
  const server = createServer((_req, res) => {
    const socket = res.socket!;
    const original = socket.setKeepAlive.bind(socket);
    socket.setKeepAlive = (...args: Parameters<Socket['setKeepAlive']>) => {
      calls.push(args);
      return original(...args);
    };
    const transport = new SseServerTransport(res, 's', transportOptions(30_000, { maxBufferBytes: 1024, retryMs: 1000 }));
    transport.open();
  });
  const stream = await openStream(t, await listen(t, server));
  await stream.until((text) => text.includes('event: endpoint'));
  assert.deepEqual(calls, [[true, 30_000]]);
});

/** A raw TCP client that reads the stream until the endpoint event, then stops reading. */
async function openStalledReader(t: TestContext, port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  t.after(() => socket.destroy());
  await once(socket, 'connect');
  socket.write('GET /sse HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n');
  socket.setEncoding('utf8');
  await new Promise<void>((resolve) => {
    let received = '';
    const onData = (chunk: string): void => {
      received += chunk;
      if (!received.includes('event: endpoint')) return;
      socket.off('data', onData);
      socket.pause();
      resolve();
    };
    socket.on('data', onData);
  });
  return socket;
}

test('J5 a client that stops reading is cut off once its buffer passes the bound; other streams go on', { timeout: TIMEOUT_MS }, async (t) => {
  const maxBufferBytes = 64 * 1024;
  const harness = await startHarness(t, { maxBufferBytes });
  const stalled = await openStalledReader(t, harness.port);
  assert.equal(stalled.isPaused(), true);
  const { transport: slow } = await harness.nextTransport();
  const healthy = await openStream(t, harness.port);
  const { transport: fast } = await harness.nextTransport();

  const payload = 'x'.repeat(16 * 1024);
  const message: JSONRPCMessage = { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: payload } };
  let sent = 0;
  // The kernel's socket buffers absorb some megabytes first; yielding lets them fill as in production.
  while (sent < 10_000) {
    try {
      await slow.send(message);
    } catch {
      break;
    }
    sent += 1;
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.ok(sent < 10_000, 'the stream was cut before the loop bound');
  assert.equal(await slow.closed, 'slow_reader');
  const warning = harness.logs.find((entry) => entry.event === 'sse.slow_reader');
  assert.ok(warning !== undefined, 'the cut is logged');
  const buffered = warning.fields['bufferedBytes'] as number;
  assert.ok(buffered > maxBufferBytes && buffered <= maxBufferBytes + 2 * JSON.stringify(message).length, `buffered ${buffered}`);

  await fast.send({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'still here' } });
  await healthy.until((text) => text.includes('still here'));
  assert.equal(fast.isClosed, false);
});

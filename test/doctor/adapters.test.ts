import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer, type RequestListener } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { describe, test, type TestContext } from 'node:test';
import { createNodeProbe } from '../../src/adapters/doctor/node-probe.js';
import { createThrowawayPki } from '../support/tls.js';

/** The doctor's node adapters on real sockets: what the fake probe takes for granted. */
async function serve(t: TestContext, listener: RequestListener): Promise<string> {
  const server = createServer(listener);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const probe = createNodeProbe({ maxBodyBytes: 64 });

describe('doctor adapters', () => {
  test('an exchange never follows a redirect and sends no User-Agent of its own', async (t) => {
    const seen: Array<string | undefined> = [];
    const origin = await serve(t, (request, response) => {
      seen.push(request.headers['user-agent']);
      response.writeHead(307, { location: '/mcp/' }).end();
    });
    const answer = await probe.exchange({ method: 'POST', url: `${origin}/mcp`, headers: {}, body: '{}', timeoutMs: 2000 });
    assert.deepEqual([answer.status, answer.headers['location'], seen], [307, '/mcp/', [undefined]]);
  });

  test('a body is cut at the size limit, and a server that never answers is given up on after timeoutMs', async (t) => {
    const origin = await serve(t, (request, response) => {
      if (request.url === '/big') response.end('x'.repeat(10_000));
      else response.flushHeaders();
    });
    assert.equal((await probe.exchange({ method: 'GET', url: `${origin}/big`, headers: {}, timeoutMs: 2000 })).body.length, 64);
    await assert.rejects(probe.exchange({ method: 'GET', url: `${origin}/hang`, headers: {}, timeoutMs: 100 }), /within 100 ms/);
  });

  test('the stream watcher parses events split across writes with CRLF, and heartbeats after them', async (t) => {
    const origin = await serve(t, (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('event: endp');
      response.write('oint\r\ndata: /messages?sessionId=1\r\n\r\n');
      setImmediate(() => response.write(': heartbeat\r\n\r\n'));
    });
    const seen = await probe.watchStream({ method: 'GET', url: origin, headers: {}, timeoutMs: 2000 }, { waitMs: 5000, heartbeats: 1 });
    assert.deepEqual(seen.events.map((event) => [event.name, event.data]), [['endpoint', '/messages?sessionId=1']]);
    assert.equal(seen.heartbeatsAtMs.length, 1);
  });

  test('the stream watcher stops reading at the size limit: a stream without line breaks cannot grow without bound', async (t) => {
    const origin = await serve(t, (request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      if (request.url === '/events') for (let index = 0; index < 20; index += 1) response.write(`data: ${index}\n\n`);
      else response.write(`data: ${'x'.repeat(1000)}`);
    });
    // The streams stay open: only the limit (64 bytes: seven 9-byte events) ends these watches before the wait.
    const unbroken = await probe.watchStream({ method: 'GET', url: `${origin}/line`, headers: {}, timeoutMs: 2000 }, { waitMs: 5000, heartbeats: 1 });
    assert.deepEqual(unbroken.events, []);
    const many = await probe.watchStream({ method: 'GET', url: `${origin}/events`, headers: {}, timeoutMs: 2000 }, { waitMs: 5000, heartbeats: 1 });
    assert.deepEqual(many.events.map((event) => event.data), ['0', '1', '2', '3', '4', '5', '6']);
  });

  test('a held stream hands out events as they arrive, answers undefined when its wait passes, and ends at the size limit', async (t) => {
    let push: (text: string) => void = () => undefined;
    const origin = await serve(t, (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('event: endpoint\r\ndata: /messages?sessionId=1\r\n\r\n: heartbeat\n\n');
      push = (text) => response.write(text);
    });
    const stream = await createNodeProbe({ maxBodyBytes: 120 }).openSse({ method: 'GET', url: origin, headers: {}, timeoutMs: 2000 });
    assert.deepEqual([stream.status, (await stream.next(2000))?.name], [200, 'endpoint']);
    assert.equal(await stream.next(20), undefined);
    const later = stream.next(2000);
    push('data: {"id":2}\n\n');
    assert.deepEqual([(await later)?.name, stream.ended()], ['message', false]);
    // 120 bytes in all: this event crosses the limit, so the stream ends without it.
    push(`data: ${'x'.repeat(40)}\n\n`);
    assert.equal(await stream.next(2000), undefined);
    assert.ok(stream.ended());
  });

  test('a held stream without response headers is given up on after timeoutMs, and close ends one at once', async (t) => {
    const origin = await serve(t, (request, response) => {
      if (request.url === '/open') response.writeHead(200, { 'content-type': 'text/event-stream' }).flushHeaders();
    });
    await assert.rejects(probe.openSse({ method: 'GET', url: `${origin}/hang`, headers: {}, timeoutMs: 100 }), /no response headers .* within 100 ms/);
    const stream = await probe.openSse({ method: 'GET', url: `${origin}/open`, headers: {}, timeoutMs: 2000 });
    const waiting = stream.next(5000);
    stream.close();
    assert.deepEqual([await waiting, stream.ended()], [undefined, true]);
  });

  test('addresses are classified as a hosted client sees them', async () => {
    const scopes = await Promise.all(['127.0.0.1', '10.1.2.3', '100.64.0.1', '160.79.104.10', '::1'].map(async (host) => (await probe.resolve(host, 1000))[0]?.scope));
    assert.deepEqual(scopes, ['loopback', 'private', 'private', 'public', 'loopback']);
  });

  test('the TLS handshake verifies the chain, and trusts a private CA when given one', async (t) => {
    const pki = await createThrowawayPki(t);
    const server = createHttpsServer({ cert: await readFile(pki.certFile), key: await readFile(pki.keyFile) }, (_request, response) => response.end());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    t.after(() => new Promise((resolve) => server.close(resolve)));
    const { port } = server.address() as AddressInfo;
    await assert.rejects(probe.handshake('localhost', port, 2000), /verify|self.signed|issuer/i);
    const trusting = createNodeProbe({ caPem: pki.caPem });
    const handshake = await trusting.handshake('localhost', port, 2000);
    assert.equal(handshake.subject, 'localhost');
    assert.match(handshake.protocol, /^TLSv1\.[23]$/);
  });
});

import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test, type TestContext } from 'node:test';
import { createClientIp, type ClientIp } from '../../../src/adapters/http/client-ip.js';

/** A request as the socket layer hands it over: the peer address and the raw headers. */
function from(remoteAddress: string | undefined, headers: Record<string, string | string[]> = {}): IncomingMessage {
  return { socket: { remoteAddress }, headers } as unknown as IncomingMessage;
}

/** Sends one real request over loopback and returns what `clientIp` made of it on the server. */
async function throughSocket(t: TestContext, clientIp: ClientIp, headers: Record<string, string>): Promise<{ ip: string; untrusted: boolean }> {
  const server = createServer((req, res) => {
    res.end(JSON.stringify({ ip: clientIp(req), untrusted: clientIp.forwardedFromUntrusted(req) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve(JSON.parse(body) as { ip: string; untrusted: boolean }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('client IP behind trusted proxies (K6)', () => {
  test('K6 spoofed forwarding headers from an untrusted peer change nothing, over a real socket', async (t) => {
    const spoof = { 'X-Forwarded-For': '203.0.113.9', Forwarded: 'for=203.0.113.9', 'X-Real-IP': '203.0.113.9' };
    assert.deepEqual(await throughSocket(t, createClientIp([]), spoof), { ip: '127.0.0.1', untrusted: true });
    assert.deepEqual(await throughSocket(t, createClientIp(['10.0.0.0/8']), spoof), { ip: '127.0.0.1', untrusted: true });
    assert.deepEqual(await throughSocket(t, createClientIp([]), {}), { ip: '127.0.0.1', untrusted: false });
  });

  test('K6 from a trusted proxy, the right-most hop is the client, over a real socket', async (t) => {
    const result = await throughSocket(t, createClientIp(['127.0.0.1']), { 'X-Forwarded-For': '198.51.100.1, 203.0.113.9' });
    assert.deepEqual(result, { ip: '203.0.113.9', untrusted: false });
  });

  test('K6 hops are read right to left, skipping trusted proxies; what the client wrote further left is ignored', () => {
    const clientIp = createClientIp(['10.0.0.0/8', '192.168.1.1']);
    const xff = { 'x-forwarded-for': '1.1.1.1, 203.0.113.9, 10.2.3.4' };
    assert.equal(clientIp(from('10.0.0.5', xff)), '203.0.113.9');
    assert.equal(clientIp(from('192.168.1.1', xff)), '203.0.113.9');
    assert.equal(clientIp(from('192.168.1.2', xff)), '192.168.1.2', 'a /32 entry trusts only that address');
    assert.equal(clientIp(from('10.0.0.5', { 'x-forwarded-for': ['1.1.1.1, 203.0.113.9', '10.2.3.4'] })), '203.0.113.9');
  });

  test('trusted peer without the header, or with only trusted hops, gives the farthest trusted address', () => {
    const clientIp = createClientIp(['10.0.0.0/8']);
    assert.equal(clientIp(from('10.0.0.5')), '10.0.0.5');
    assert.equal(clientIp(from('10.0.0.5', { 'x-forwarded-for': '10.9.9.9, 10.1.1.1' })), '10.9.9.9');
    assert.equal(clientIp(from('10.0.0.5', { 'x-forwarded-for': ' , ' })), '10.0.0.5');
  });

  test('a malformed hop ends the walk at the last trusted proxy', () => {
    const clientIp = createClientIp(['10.0.0.0/8']);
    assert.equal(clientIp(from('10.0.0.5', { 'x-forwarded-for': '203.0.113.9, unknown' })), '10.0.0.5');
    assert.equal(clientIp(from('10.0.0.5', { 'x-forwarded-for': '203.0.113.9, evil.example, 10.1.1.1' })), '10.1.1.1');
  });

  test('hops with ports and brackets, IPv6 CIDRs and IPv4-mapped peers', () => {
    const clientIp = createClientIp(['fd00::/8', '::1', '127.0.0.1']);
    assert.equal(clientIp(from('fd00::5', { 'x-forwarded-for': '[2001:4860::8888]:443' })), '2001:4860::8888');
    assert.equal(clientIp(from('::1', { 'x-forwarded-for': '203.0.113.9:51000' })), '203.0.113.9');
    assert.equal(clientIp(from('::ffff:127.0.0.1', { 'x-forwarded-for': '2001:DB8:0:0::1' })), '2001:db8::1');
    assert.equal(clientIp(from('::ffff:203.0.113.7', { 'x-forwarded-for': '1.2.3.4' })), '203.0.113.7');
    assert.equal(clientIp(from('fe80::1', { 'x-forwarded-for': '1.2.3.4' })), 'fe80::1');
  });

  test('forwardedFromUntrusted is true only for forwarding headers from a peer outside the list', () => {
    const clientIp = createClientIp(['10.0.0.0/8']);
    assert.equal(clientIp.forwardedFromUntrusted(from('10.0.0.5', { 'x-forwarded-for': '1.2.3.4' })), false);
    assert.equal(clientIp.forwardedFromUntrusted(from('203.0.113.9', { 'x-forwarded-for': '1.2.3.4' })), true);
    assert.equal(clientIp.forwardedFromUntrusted(from('203.0.113.9', { 'x-forwarded-host': 'evil.example' })), true);
    assert.equal(clientIp.forwardedFromUntrusted(from('203.0.113.9')), false);
  });

  test('a vanished socket address is reported as unknown', () => {
    assert.equal(createClientIp([])(from(undefined)), 'unknown');
  });

  test('bad entries stop start-up naming the variable', () => {
    for (const entry of ['10.0.0.0/33', 'fd00::/129', 'proxy.internal', '10.0.0/8', '']) {
      assert.throws(() => createClientIp([entry]), /KEYWAY_TRUST_PROXY/, entry);
    }
  });
});

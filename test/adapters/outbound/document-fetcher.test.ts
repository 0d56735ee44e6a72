import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { before, describe, test, type TestContext } from 'node:test';
import { createDocumentFetcher, type DocumentFetcherOptions } from '../../../src/adapters/outbound/document-fetcher.js';
import { isDomainError } from '../../../src/domain/errors.js';
import type { DocumentFetcher } from '../../../src/domain/ports/fetcher.js';
import { createFakeClock, type FakeClock } from '../../support/fake-clock.js';
import { CERT_HOST, createTestCertificate, recordingLogger, startTestServer, type LogEntry, type TestCertificate, type TestServer } from './tls-fixture.js';

let certificate: TestCertificate;
before(async () => {
  certificate = await createTestCertificate();
});

interface Rig {
  readonly server: TestServer;
  readonly clock: FakeClock;
  readonly fetcher: DocumentFetcher;
  readonly resolved: string[];
  readonly logs: LogEntry[];
  readonly url: string;
}

/**
 * A fetcher pointed at a real local HTTPS server through the resolve hook. By default the guard
 * is relaxed for loopback (the happy path); guard tests pass `allowPrivateForTests: false`.
 */
async function rig(t: TestContext, overrides: Partial<DocumentFetcherOptions> = {}, addresses = ['127.0.0.1']): Promise<Rig> {
  const server = await startTestServer(certificate);
  t.after(() => server.close());
  const clock = createFakeClock();
  const resolved: string[] = [];
  const logs: LogEntry[] = [];
  const fetcher = createDocumentFetcher({
    clock,
    logger: recordingLogger(logs),
    resolve: async (host) => {
      resolved.push(host);
      return addresses;
    },
    allowPrivateForTests: true,
    caForTests: certificate.cert,
    ...overrides,
  });
  return { server, clock, fetcher, resolved, logs, url: `https://${CERT_HOST}:${server.port}/oauth/client.json` };
}

function json(res: ServerResponse, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(body));
}

async function assertFetchFailed(promise: Promise<unknown>, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isDomainError(error), `expected a DomainError, got ${String(error)}`);
    assert.equal(error.code, 'fetch_failed');
    if (message !== undefined) assert.match(error.message, message);
    return true;
  });
}

describe('document fetcher: happy path over real TLS', () => {
  test('N1 fetches the JSON object, pinned to the vetted address, with SNI and Host of the original name', async (t) => {
    const { server, fetcher, resolved, url, clock } = await rig(t);
    server.handle((_req, res) => json(res, { client_id: url, client_name: 'Claude' }, { 'Cache-Control': 'max-age=600' }));
    const document = await fetcher.fetchJson(url);
    assert.deepEqual(document.json, { client_id: url, client_name: 'Claude' });
    assert.equal(document.freshUntil, clock.now() + 600);
    assert.deepEqual(resolved, [CERT_HOST], 'one lookup, by the guard; cimd.test is not in DNS, so a second lookup would have failed');
    assert.deepEqual(server.requests, [{ path: '/oauth/client.json', host: `${CERT_HOST}:${server.port}`, servername: CERT_HOST }]);
  });

  test('an IP-literal URL connects to the address it names, with no lookup; Host stays as written', async (t) => {
    const { server, fetcher, resolved } = await rig(t);
    const literal = `https://[::ffff:7f00:1]:${server.port}/c.json`;
    server.handle((_req, res) => json(res, { client_id: literal }));
    assert.deepEqual((await fetcher.fetchJson(literal)).json, { client_id: literal });
    assert.deepEqual(resolved, []);
    assert.equal(server.requests[0]?.host, `[::ffff:7f00:1]:${server.port}`);
  });

  test('a +json content type is accepted and the document is frozen against callers changing the cache', async (t) => {
    const { server, fetcher, url } = await rig(t);
    server.handle((_req, res) => res.writeHead(200, { 'Content-Type': 'application/vnd.example+json; charset=utf-8' }).end('{"redirect_uris":["https://a.example/cb"]}'));
    const document = await fetcher.fetchJson(url);
    assert.ok(Object.isFrozen(document.json));
    assert.throws(() => ((document.json as { redirect_uris: string[] }).redirect_uris).push('https://evil.example/cb'));
  });

  test('N1 a certificate not trusted, or not valid for the host name, fails', async (t) => {
    const untrusting = await rig(t, { caForTests: undefined });
    await assertFetchFailed(untrusting.fetcher.fetchJson(untrusting.url), /certificate/);
    const wrongName = await rig(t);
    await assertFetchFailed(wrongName.fetcher.fetchJson(`https://other.test:${wrongName.server.port}/c.json`), /certificate/);
    assert.equal(wrongName.server.requests.length, 0);
  });
});

describe('document fetcher: SSRF guard (N1), guard on', () => {
  const privateAnswers = [
    ['127.0.0.1'], ['10.0.0.1'], ['169.254.169.254'], ['::1'], ['::ffff:10.0.0.1'], ['::ffff:7f00:1'], ['100.64.0.1'],
    ['172.16.5.4'], ['192.168.1.5'], ['fd00::1'], ['fe80::1'], ['ff02::1'], ['0.0.0.0'], ['::'], ['224.0.0.1'], ['192.0.2.1'],
    ['93.184.215.14', '10.0.0.1'], ['2606:4700:4700::1111', '::1'], [],
  ];

  for (const answers of privateAnswers) {
    test(`N1 a host resolving to [${answers.join(', ')}] is refused without any connection`, async (t) => {
      const { server, fetcher, url, logs } = await rig(t, { allowPrivateForTests: false }, answers);
      await assertFetchFailed(fetcher.fetchJson(url), answers.length === 0 ? /resolved/ : /public internet/);
      assert.equal(server.connections(), 0);
      if (answers.length > 0) assert.ok(logs.some((entry) => entry.event === 'cimd.address_refused'));
    });
  }

  test('N1 IP literals in other forms are refused without a lookup or a connection', async (t) => {
    const { server, fetcher, resolved } = await rig(t, { allowPrivateForTests: false });
    const port = server.port;
    const literals = [
      `https://127.0.0.1:${port}/c.json`, `https://[::1]:${port}/c.json`, `https://0x7f.1:${port}/c.json`, `https://2130706433:${port}/c.json`,
      `https://0177.0.0.1:${port}/c.json`, `https://[::ffff:127.0.0.1]:${port}/c.json`, `https://169.254.169.254/latest/meta-data/`,
      `https://[::ffff:a9fe:a9fe]/c.json`, `https://[fd00:ec2::254]/c.json`,
    ];
    for (const literal of literals) await assertFetchFailed(fetcher.fetchJson(literal), /public internet/);
    assert.deepEqual(resolved, []);
    assert.equal(server.connections(), 0);
  });

  test('N1 http, user info and malformed URLs are refused before any lookup', async (t) => {
    const { server, fetcher, resolved } = await rig(t, { allowPrivateForTests: false });
    await assertFetchFailed(fetcher.fetchJson(`http://${CERT_HOST}:${server.port}/c.json`), /https/);
    await assertFetchFailed(fetcher.fetchJson(`https://claude.ai@${CERT_HOST}:${server.port}/c.json`), /user info/);
    await assertFetchFailed(fetcher.fetchJson('not a url'), /valid URL/);
    await assertFetchFailed(fetcher.fetchJson('file:///etc/passwd'), /https/);
    assert.deepEqual(resolved, []);
    assert.equal(server.connections(), 0);
  });

  test('N1 redirects are not followed, even to a public-looking place', async (t) => {
    const { server, fetcher, url } = await rig(t);
    server.handle((req, res) => {
      if (req.url === '/oauth/client.json') res.writeHead(302, { Location: `https://${CERT_HOST}:${server.port}/elsewhere` }).end();
      else json(res, {});
    });
    await assertFetchFailed(fetcher.fetchJson(url), /redirect/);
    assert.deepEqual(server.requests.map((request) => request.path), ['/oauth/client.json']);
  });

  test('a failing resolver is a fetch failure, not a crash', async (t) => {
    const { fetcher, url } = await rig(t, {
      resolve: async () => {
        throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
      },
    });
    await assertFetchFailed(fetcher.fetchJson(url), /could not be resolved/);
  });
});

describe('document fetcher: bounded fetches (N1)', () => {
  const big = (bytes: number) => JSON.stringify({ pad: 'x'.repeat(bytes - 10) });

  test('N1 a declared Content-Length over the cap is refused', async (t) => {
    const { server, fetcher, url } = await rig(t);
    server.handle((_req, res) => json(res, JSON.parse(big(70 * 1024)) as unknown));
    await assertFetchFailed(fetcher.fetchJson(url), /larger than 65536 bytes/);
  });

  test('N1 a streamed body stops being read past the cap', async (t) => {
    const { server, fetcher, url } = await rig(t);
    let written = 0;
    server.handle((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const chunk = 'x'.repeat(16 * 1024);
      const pump = (): void => {
        while (!res.destroyed && written < 10 * 1024 * 1024) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
      };
      res.write('{"pad":"');
      pump();
    });
    await assertFetchFailed(fetcher.fetchJson(url), /larger than/);
    assert.ok(written < 10 * 1024 * 1024, 'the server was cut off long before it finished');
  });

  test('a body of exactly the cap passes; maxBytes is configurable', async (t) => {
    const { server, fetcher, url } = await rig(t);
    const body = big(64 * 1024);
    assert.equal(Buffer.byteLength(body), 64 * 1024);
    server.handle((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(body));
    assert.equal(((await fetcher.fetchJson(url)).json as { pad: string }).pad.length, 64 * 1024 - 10);
    const small = await rig(t, { maxBytes: 100 });
    small.server.handle((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(big(101)));
    await assertFetchFailed(small.fetcher.fetchJson(small.url), /larger than 100 bytes/);
  });

  test('N1 a server that never answers times out', { timeout: 10_000 }, async (t) => {
    const { server, fetcher, url } = await rig(t, { timeoutMs: 1000 });
    server.handle(() => undefined);
    await assertFetchFailed(fetcher.fetchJson(url), /timed out/);
    assert.equal(server.requests.length, 1);
  });

  test('N1 a server that stalls mid-body times out too', { timeout: 10_000 }, async (t) => {
    const { server, fetcher, url } = await rig(t, { timeoutMs: 1000 });
    server.handle((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"client_id":');
    });
    await assertFetchFailed(fetcher.fetchJson(url), /timed out/);
  });

  test('N1 a resolver that never answers times out', { timeout: 10_000 }, async (t) => {
    const { server, fetcher, url } = await rig(t, { timeoutMs: 1000, resolve: () => new Promise<string[]>(() => undefined) });
    await assertFetchFailed(fetcher.fetchJson(url), /timed out/);
    assert.equal(server.connections(), 0);
  });

  test('only 200 with a JSON object is a document', async (t) => {
    const { server, fetcher, url } = await rig(t);
    const answers: Array<(res: ServerResponse) => void> = [
      (res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>{}</html>'),
      (res) => res.writeHead(200).end('{}'),
      (res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"client_id":'),
      (res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('["https://a.example"]'),
      (res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('null'),
      (res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])),
      (res) => res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }).end('{}'),
      (res) => res.writeHead(404, { 'Content-Type': 'application/json' }).end('{}'),
      (res) => res.writeHead(500, { 'Content-Type': 'application/json' }).end('{}'),
    ];
    for (const answer of answers) {
      server.handle((_req, res) => answer(res));
      await assertFetchFailed(fetcher.fetchJson(url));
    }
    assert.equal(server.requests.length, answers.length, 'failures are never cached');
  });
});

describe('document fetcher: caching', () => {
  async function counting(t: TestContext, headers: Record<string, string>, overrides: Partial<DocumentFetcherOptions> = {}): Promise<Rig> {
    const setup = await rig(t, overrides);
    setup.server.handle((req, res) => json(res, { client_id: `https://${CERT_HOST}${req.url ?? ''}` }, headers));
    return setup;
  }

  test('a fresh cached copy is served without a second request, until it goes stale', async (t) => {
    const { server, fetcher, url, clock } = await counting(t, { 'Cache-Control': 'public, max-age=120' });
    const first = await fetcher.fetchJson(url);
    clock.advance(119);
    assert.equal(await fetcher.fetchJson(url), first);
    assert.equal(server.requests.length, 1);
    clock.advance(1);
    await fetcher.fetchJson(url);
    assert.equal(server.requests.length, 2);
  });

  for (const header of ['max-age=0', 'no-store', 'no-cache', 'max-age=abc']) {
    test(`Cache-Control: ${header} refetches every time`, async (t) => {
      const { server, fetcher, url, clock } = await counting(t, { 'Cache-Control': header });
      const document = await fetcher.fetchJson(url);
      assert.equal(document.freshUntil, clock.now());
      await fetcher.fetchJson(url);
      assert.equal(server.requests.length, 2);
    });
  }

  test('freshness is clamped to a floor of 30 s and a ceiling of a day; no header means 5 minutes', async (t) => {
    const cases: Array<[Record<string, string>, number]> = [
      [{ 'Cache-Control': 'max-age=5' }, 30],
      [{ 'Cache-Control': 'max-age=999999999' }, 86_400],
      [{}, 300],
      [{ 'Cache-Control': 'max-age=100', Age: '40' }, 60],
      [{ 'Cache-Control': 'max-age=100', Age: '100' }, 0],
      [{ Date: 'Tue, 01 Sep 2026 10:00:00 GMT', Expires: 'Tue, 01 Sep 2026 10:10:00 GMT' }, 600],
      [{ Date: 'Tue, 01 Sep 2026 10:00:00 GMT', Expires: 'Tue, 01 Sep 2026 09:00:00 GMT' }, 0],
      [{ Expires: '0' }, 0],
    ];
    for (const [headers, seconds] of cases) {
      const { fetcher, url, clock } = await counting(t, headers);
      assert.equal((await fetcher.fetchJson(url)).freshUntil, clock.now() + seconds, JSON.stringify(headers));
    }
  });

  test('concurrent fetches of one URL share a single request', async (t) => {
    const { server, fetcher, url } = await counting(t, { 'Cache-Control': 'no-store' });
    const documents = await Promise.all([fetcher.fetchJson(url), fetcher.fetchJson(url), fetcher.fetchJson(url)]);
    assert.equal(server.requests.length, 1);
    assert.equal(documents[0], documents[2]);
  });

  test('the cache is bounded: the least recently used document is dropped', async (t) => {
    const { server, fetcher, url } = await counting(t, { 'Cache-Control': 'max-age=600' }, { cacheEntries: 2 });
    const [a, b, c] = ['a', 'b', 'c'].map((name) => url.replace('client.json', `${name}.json`)) as [string, string, string];
    await fetcher.fetchJson(a);
    await fetcher.fetchJson(b);
    await fetcher.fetchJson(a);
    await fetcher.fetchJson(c);
    assert.equal(server.requests.length, 3, 'a was still cached');
    await fetcher.fetchJson(a);
    assert.equal(server.requests.length, 3, 'a was used recently, so b was dropped');
    await fetcher.fetchJson(b);
    assert.equal(server.requests.length, 4);
  });
});

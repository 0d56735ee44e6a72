import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, test } from 'node:test';
import { startSignedIn } from '../../support/keyway.js';

/**
 * `/mcp` over raw HTTP: what real clients send and what attackers try (SECURITY.md I1, I2, I5, I6, K1).
 */
const SPEC_ACCEPT = 'application/json, text/event-stream';

const initialize = (id: number | string = 1, version = '2025-11-25') => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

function discoverBody(version = '2026-07-28') {
  return {
    jsonrpc: '2.0',
    id: 7,
    method: 'server/discover',
    params: {
      _meta: {
        'io.modelcontextprotocol/protocolVersion': version,
        'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
        'io.modelcontextprotocol/clientCapabilities': {},
      },
    },
  };
}

/** A signed-in Keyway: its origin and the Authorization header of a real token. */
interface Target {
  readonly origin: string;
  readonly auth: Record<string, string>;
}

/** A signed-in POST; `headers` go last, so a test can still override one. */
async function post(target: Target, body: unknown, headers: Record<string, string> = {}, path = '/mcp'): Promise<Response> {
  return fetch(new URL(path, target.origin), {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: SPEC_ACCEPT, ...target.auth, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** The JSON-RPC message in a JSON or single-event SSE response. */
async function message(response: Response): Promise<Record<string, unknown>> {
  const text = await response.text();
  if ((response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    const data = text.split('\n').find((line) => line.startsWith('data: {'));
    assert.ok(data !== undefined, `an SSE data line in ${text}`);
    return JSON.parse(data.slice(6)) as Record<string, unknown>;
  }
  return JSON.parse(text) as Record<string, unknown>;
}

function rawStatus(origin: string, host: string): Promise<number> {
  const url = new URL('/mcp', origin);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: '/mcp', method: 'POST', headers: { host, 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(initialize()));
  });
}

describe('/mcp over raw HTTP', () => {
  test('tolerates Accept: */* and a missing Accept on initialize (CLIENTS.md 1.9)', async (t) => {
    const target = await startSignedIn(t);
    for (const accept of ['*/*', '']) {
      const response = await post(target, initialize(), { accept });
      assert.equal(response.status, 200, `Accept '${accept}'`);
      const reply = await message(response);
      assert.equal((reply['result'] as { protocolVersion: string }).protocolVersion, '2025-11-25');
    }
  });

  test('I5 an Accept naming neither JSON nor SSE → 406', async (t) => {
    const target = await startSignedIn(t);
    assert.equal((await post(target, initialize(), { accept: 'text/html' })).status, 406);
  });

  test('I5 Content-Type text/plain → 415', async (t) => {
    const target = await startSignedIn(t);
    assert.equal((await post(target, initialize(), { 'content-type': 'text/plain' })).status, 415);
  });

  test('I5 PUT, PATCH and HEAD /mcp → 405 with Allow', async (t) => {
    const target = await startSignedIn(t);
    const { origin } = target;
    for (const method of ['PUT', 'PATCH', 'HEAD']) {
      const response = await fetch(new URL('/mcp', origin), { method, headers: target.auth });
      assert.equal(response.status, 405, method);
      assert.ok((response.headers.get('allow') ?? '').includes('POST'), method);
    }
  });

  test('stateless GET and DELETE /mcp → 405 with Allow (a 405 without Allow left Claude stuck, #499)', async (t) => {
    const target = await startSignedIn(t);
    const { origin } = target;
    const probes: Array<Record<string, string>> = [{ 'mcp-protocol-version': '2025-11-25', accept: 'text/event-stream' }, { accept: 'application/json' }];
    for (const headers of probes) {
      const response = await fetch(new URL('/mcp', origin), { headers: { ...target.auth, ...headers } });
      assert.equal(response.status, 405);
      assert.equal(response.headers.get('allow'), 'POST');
    }
    const remove = await fetch(new URL('/mcp', origin), { method: 'DELETE', headers: target.auth });
    assert.equal(remove.status, 405);
    assert.equal(remove.headers.get('allow'), 'POST');
  });

  test('I6 invalid JSON and invalid UTF-8 → 400 -32700 with id null; the server stays healthy', async (t) => {
    const target = await startSignedIn(t);
    const { origin } = target;
    for (let i = 0; i < 50; i += 1) {
      const response = await post(target, '{"jsonrpc": "2.0", ');
      assert.equal(response.status, 400);
      assert.deepEqual(await response.json(), {
        jsonrpc: '2.0',
        id: null,
        error: { code: -32700, message: 'Parse error: the body is not valid JSON' },
      });
    }
    const utf8 = await fetch(new URL('/mcp', origin), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: SPEC_ACCEPT, ...target.auth },
      body: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]),
    });
    assert.equal(utf8.status, 400);
    assert.equal((await fetch(new URL('/healthz', origin))).status, 200);
  });

  test('I6 an unknown method → -32601', async (t) => {
    const target = await startSignedIn(t);
    const response = await post(target, { jsonrpc: '2.0', id: 3, method: 'no/such/method' }, { 'mcp-protocol-version': '2025-11-25' });
    const reply = await message(response);
    assert.equal((reply['error'] as { code: number }).code, -32601);
  });

  test('K1 a body over the limit → 413 before it is read', async (t) => {
    const target = await startSignedIn(t, { KEYWAY_MAX_BODY_BYTES: '2048' });
    const response = await post(target, { jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(4096) } });
    assert.equal(response.status, 413);
  });

  test('2026-07-28 server/discover is served statelessly', async (t) => {
    const target = await startSignedIn(t);
    const response = await post(target, discoverBody(), { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'server/discover' });
    assert.equal(response.status, 200);
    const reply = await message(response);
    assert.ok((reply['result'] as { supportedVersions: string[] }).supportedVersions.includes('2026-07-28'));
    assert.equal(response.headers.get('mcp-session-id'), null);
  });

  test('Decision 5: header 2025-11-25 with _meta 2026-07-28 is served as 2026-07-28 and logged at warn', async (t) => {
    const keyway = await startSignedIn(t);
    const response = await post(keyway, discoverBody(), { 'mcp-protocol-version': '2025-11-25', 'mcp-method': 'server/discover' });
    assert.equal(response.status, 200);
    const reply = await message(response);
    assert.ok(reply['result'] !== undefined, JSON.stringify(reply));
    const warning = keyway.logs.find((line) => line['event'] === 'mcp.version_mismatch_served_per_meta');
    assert.ok(warning !== undefined);
    assert.equal(warning['level'], 'warn');
    assert.deepEqual([warning['header'], warning['meta']], ['2025-11-25', '2026-07-28']);
  });

  test('I5 an unsupported protocol version → 400 naming the supported ones', async (t) => {
    const target = await startSignedIn(t);
    const legacy = await post(target, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { 'mcp-protocol-version': '1999-01-01' });
    assert.equal(legacy.status, 400);
    assert.match(await legacy.text(), /2025-/);
    const response = await post(target, discoverBody('2099-01-01'), { 'mcp-protocol-version': '2099-01-01', 'mcp-method': 'server/discover' });
    assert.equal(response.status, 400);
    assert.match(await response.text(), /2026-07-28/);
  });

  test('POST /sse, /mcp/ and /sse/ are served like POST /mcp (no redirects)', async (t) => {
    const target = await startSignedIn(t);
    for (const path of ['/sse', '/mcp/', '/sse/']) {
      const response = await post(target, initialize(), {}, path);
      assert.equal(response.status, 200, path);
      assert.equal(response.headers.get('location'), null);
    }
  });

  test('I1 a foreign Origin → 403 with a JSON-RPC error; no Origin passes', async (t) => {
    const target = await startSignedIn(t);
    const { origin } = target;
    const targets = [['POST', '/mcp'], ['GET', '/mcp'], ['DELETE', '/mcp'], ['GET', '/sse'], ['POST', '/messages']] as const;
    for (const [method, path] of targets) {
      const response = await fetch(new URL(path, origin), {
        method,
        headers: { origin: 'https://evil.example', 'content-type': 'application/json' },
        ...(method === 'POST' ? { body: JSON.stringify(initialize()) } : {}),
      });
      assert.equal(response.status, 403, `${method} ${path}`);
      const body = (await response.json()) as { id: unknown; error: { code: number } };
      assert.equal(body.id, null);
      assert.equal(typeof body.error.code, 'number');
    }
    assert.equal((await post(target, initialize())).status, 200);
    const opaque = await post(target, initialize(), { origin: 'null' });
    assert.equal(opaque.status, 403, 'an opaque origin never reaches an MCP route');
  });

  test('I2 a Host outside the allowlist → 403 before any handler runs', async (t) => {
    const target = await startSignedIn(t);
    const { origin } = target;
    for (const host of ['attacker.example', '127.0.0.1.nip.io']) assert.equal(await rawStatus(origin, host), 403, host);
  });

  test('H6 a session is not authentication: its id without a token → 401', async (t) => {
    const target = await startSignedIn(t, { KEYWAY_MCP_SESSIONS: 'on' });
    const opened = await post(target, initialize());
    const sessionId = opened.headers.get('mcp-session-id');
    assert.ok(sessionId !== null);
    const anonymous = { origin: target.origin, auth: {} };
    const response = await post(anonymous, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' });
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer resource_metadata=/);
  });

  test('sessions mode: a session opened on POST /sse is ended by DELETE /sse, like one on /mcp', async (t) => {
    const target = await startSignedIn(t, { KEYWAY_MCP_SESSIONS: 'on' });
    for (const path of ['/mcp', '/sse']) {
      const opened = await post(target, initialize(), {}, path);
      const sessionId = opened.headers.get('mcp-session-id');
      assert.ok(sessionId !== null, path);
      await opened.arrayBuffer();
      const ended = await fetch(new URL(path, target.origin), { method: 'DELETE', headers: { ...target.auth, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' } });
      assert.ok(ended.status === 200 || ended.status === 204, `DELETE ${path} answered ${ended.status}`);
      const after = await post(target, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' }, path);
      assert.equal(after.status, 404, path);
    }
  });

  test('security headers and a request id on every response', async (t) => {
    const target = await startSignedIn(t);
    const { origin } = target;
    const response = await fetch(new URL('/healthz', origin), { headers: { 'x-request-id': 'trace-123' } });
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.equal(response.headers.get('x-request-id'), 'trace-123');
    const other = await fetch(new URL('/nowhere', origin));
    assert.equal(other.status, 404);
    assert.match(other.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });
});

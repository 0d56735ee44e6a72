import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, test, type TestContext } from 'node:test';
import { createBearerGate } from '../../../src/adapters/http/bearer-gate.js';
import { routes } from '../../../src/adapters/http/router.js';
import { sendJson } from '../../../src/adapters/http/respond.js';
import { DomainError } from '../../../src/domain/errors.js';
import { testPolicy } from '../../support/policy.js';
import type { Principal } from '../../../src/domain/principal.js';
import { startHttpApp } from '../../support/http-app.js';

const policy = testPolicy();

const ALICE: Principal = { subject: 'local:alice', clientId: 'c1', scopes: ['mcp'], grantId: 'g1' };
const NARROW: Principal = { subject: 'local:bob', clientId: 'c1', scopes: ['other'], grantId: 'g2' };

/** Tokens the fake verifier knows; `down` simulates a storage outage. */
async function verify(token: string): Promise<Principal | undefined> {
  if (token === 'kw_at_good') return ALICE;
  if (token === 'kw_at_narrow') return NARROW;
  if (token === 'kw_at_down') throw new DomainError('storage_unavailable', 'db down');
  return undefined;
}

async function start(t: TestContext) {
  let seen: Principal | undefined;
  const echo = routes(
    'POST',
    ['/mcp', '/sse', '/messages'],
    async (ctx) => {
      seen = ctx.principal;
      sendJson(ctx.res, 200, { ok: true });
    },
    true,
  );
  const app = await startHttpApp(t, echo, { gate: createBearerGate({ policy, verify, requiredScope: 'mcp' }), publicUrl: 'https://mcp.example.com' });
  return { ...app, seen: () => seen };
}

async function post(origin: string, path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(new URL(path, origin), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"jsonrpc":"2.0","id":1,"method":"initialize"}' });
}

describe('bearer gate (SECURITY.md A4, H1–H6)', () => {
  test('A4 no credentials → 401 pointing at the endpoint’s own metadata, with scope and without error', async (t) => {
    const { origin } = await start(t);
    const expected: Array<[string, string]> = [
      ['/mcp', 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp'],
      ['/sse', 'https://mcp.example.com/.well-known/oauth-protected-resource/sse'],
      ['/messages?sessionId=x', 'https://mcp.example.com/.well-known/oauth-protected-resource/sse'],
    ];
    for (const [path, metadata] of expected) {
      const response = await post(origin, path);
      assert.equal(response.status, 401, path);
      assert.equal(response.headers.get('www-authenticate'), `Bearer resource_metadata="${metadata}", scope="mcp"`);
    }
  });

  test('a valid token passes and the handler sees the principal', async (t) => {
    const app = await start(t);
    const response = await post(app.origin, '/mcp', { authorization: 'Bearer kw_at_good' });
    assert.equal(response.status, 200);
    assert.deepEqual(app.seen(), ALICE);
  });

  test('H1 the scheme is case-insensitive', async (t) => {
    const { origin } = await start(t);
    assert.equal((await post(origin, '/mcp', { authorization: 'bearer kw_at_good' })).status, 200);
  });

  test('H1 unknown, truncated or tampered tokens → 401 invalid_token with resource_metadata', async (t) => {
    const { origin } = await start(t);
    for (const token of ['kw_at_goo', 'kw_at_goodx', 'random', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.']) {
      const response = await post(origin, '/mcp', { authorization: `Bearer ${token}` });
      assert.equal(response.status, 401, token);
      const header = response.headers.get('www-authenticate') ?? '';
      assert.match(header, /^Bearer error="invalid_token"/);
      assert.match(header, /resource_metadata="https:\/\/mcp\.example\.com\/\.well-known\/oauth-protected-resource\/mcp"/);
    }
  });

  test('H1 malformed Authorization → 400 invalid_request; another scheme → 401 challenge; never 500', async (t) => {
    const { origin } = await start(t);
    for (const value of ['Bearer', 'Bearer ', 'Bearer a b', 'Bearer kw_at_good,x']) {
      const response = await post(origin, '/mcp', { authorization: value });
      assert.equal(response.status, 400, JSON.stringify(value));
      assert.match(response.headers.get('www-authenticate') ?? '', /error="invalid_request"/);
    }
    const basic = await post(origin, '/mcp', { authorization: 'Basic YTpi' });
    assert.equal(basic.status, 401);
    assert.doesNotMatch(basic.headers.get('www-authenticate') ?? '', /error=/);
  });

  test('H1 two Authorization headers → 400', async (t) => {
    const { origin } = await start(t);
    const url = new URL('/mcp', origin);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host: url.hostname, port: url.port, path: '/mcp', method: 'POST', headers: [['authorization', 'Bearer kw_at_good'], ['authorization', 'Bearer kw_at_good'], ['content-type', 'application/json']].flat() },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end('{}');
    });
    assert.equal(status, 400);
  });

  test('H4 a token in the query string or the body is ignored', async (t) => {
    const { origin } = await start(t);
    const query = await post(origin, '/mcp?access_token=kw_at_good');
    assert.equal(query.status, 401);
    const body = await fetch(new URL('/mcp', origin), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'access_token=kw_at_good',
    });
    assert.equal(body.status, 401);
  });

  test('H5 a token without the required scope → 403 insufficient_scope naming it', async (t) => {
    const { origin } = await start(t);
    const response = await post(origin, '/mcp', { authorization: 'Bearer kw_at_narrow' });
    assert.equal(response.status, 403);
    assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer error="insufficient_scope".*scope="mcp"/);
  });

  test('L4 a storage outage while verifying → 503 with Retry-After, not 401 or 500', async (t) => {
    const { origin } = await start(t);
    const response = await post(origin, '/mcp', { authorization: 'Bearer kw_at_down' });
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('retry-after'), '5');
  });
});

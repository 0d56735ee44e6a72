import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test, type TestContext } from 'node:test';
import { revokeRoute } from '../../../src/adapters/http/revoke.js';
import type { Client } from '../../../src/domain/clients/client.js';
import { startHttpApp } from '../../support/http-app.js';
import { aConfidentialClient, aPublicClient } from '../../support/oauth-mothers.js';
import { createTokenWorld, type TokenWorld } from '../../support/token-world.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

async function start(t: TestContext, clients: readonly Client[] = []): Promise<{ readonly world: TokenWorld; readonly origin: string }> {
  const world = createTokenWorld({ clients });
  const { origin } = await startHttpApp(t, [revokeRoute({ tokens: world.service, clients: world.registry })]);
  return { world, origin };
}

function revoke(origin: string, form: Record<string, string>, headers: Record<string, string> = FORM): Promise<Response> {
  return fetch(`${origin}/revoke`, { method: 'POST', headers, body: new URLSearchParams(form).toString() });
}

test('G7 revoking a refresh token → 200, and the grant and its access tokens end', async (t) => {
  const { world, origin } = await start(t);
  const { tokens } = await world.issue();
  const response = await revoke(origin, { token: tokens.refreshToken, token_type_hint: 'refresh_token', client_id: world.client.clientId });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('cache-control'), 'no-store');
  assert.equal(await response.text(), '');
  assert.equal(await world.service.verifyAccessToken(tokens.accessToken), undefined);
  await assert.rejects(world.service.refresh({ client: world.client, refreshToken: tokens.refreshToken }), { code: 'invalid_grant' });
});

test('G7 an unknown or garbage token → 200', async (t) => {
  const { world, origin } = await start(t);
  for (const token of ['kw_rt_nothing', 'garbage', '%00', 'x'.repeat(8000)]) {
    assert.equal((await revoke(origin, { token, client_id: world.client.clientId })).status, 200, token.slice(0, 20));
  }
  assert.deepEqual(world.revoked, []);
});

test('G7 client B revoking client A\'s token → 200, and the token still works', async (t) => {
  const other = aPublicClient();
  const { world, origin } = await start(t, [other]);
  const { tokens } = await world.issue();
  assert.equal((await revoke(origin, { token: tokens.refreshToken, client_id: other.clientId })).status, 200);
  assert.equal((await revoke(origin, { token: tokens.accessToken, client_id: other.clientId })).status, 200);
  assert.ok(await world.service.verifyAccessToken(tokens.accessToken));
  assert.ok(await world.service.refresh({ client: world.client, refreshToken: tokens.refreshToken }));
});

test('G7 public clients must send client_id: without it → 401 invalid_client and nothing is revoked', async (t) => {
  const { world, origin } = await start(t);
  const { tokens } = await world.issue();
  const response = await revoke(origin, { token: tokens.refreshToken });
  assert.equal(response.status, 401);
  assert.equal(((await response.json()) as Record<string, unknown>)['error'], 'invalid_client');
  assert.ok(await world.service.verifyAccessToken(tokens.accessToken));
});

test('G7 confidential clients authenticate with Basic; a wrong secret → 401 with WWW-Authenticate: Basic', async (t) => {
  const { client, secret } = aConfidentialClient('client_secret_basic');
  const { world, origin } = await start(t, [client]);
  const { tokens } = await world.issue({ client });
  const wrong = await revoke(origin, { token: tokens.refreshToken }, { ...FORM, authorization: `Basic ${Buffer.from(`${client.clientId}:nope`).toString('base64')}` });
  assert.equal(wrong.status, 401);
  assert.match(wrong.headers.get('www-authenticate') ?? '', /^Basic /);
  assert.ok(await world.service.verifyAccessToken(tokens.accessToken));
  const right = await revoke(origin, { token: tokens.refreshToken }, { ...FORM, authorization: `Basic ${Buffer.from(`${client.clientId}:${secret}`).toString('base64')}` });
  assert.equal(right.status, 200);
  assert.equal(await world.service.verifyAccessToken(tokens.accessToken), undefined);
});

test('RFC 7009 a missing token → 400 invalid_request; a JSON body → 400; GET → 405', async (t) => {
  const { world, origin } = await start(t);
  const missing = await revoke(origin, { client_id: world.client.clientId });
  assert.equal(missing.status, 400);
  assert.equal(((await missing.json()) as Record<string, unknown>)['error'], 'invalid_request');
  const json = await fetch(`${origin}/revoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"token":"x"}' });
  assert.equal(json.status, 400);
  assert.equal(((await json.json()) as Record<string, unknown>)['error'], 'invalid_request');
  const get = await fetch(`${origin}/revoke`);
  assert.equal(get.status, 405);
  assert.equal(get.headers.get('allow'), 'POST');
});

test('F11 two Authorization headers on /revoke → 400 invalid_request', async (t) => {
  const { origin } = await start(t);
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(`${origin}/revoke`, { method: 'POST', headers: FORM }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.setHeader('authorization', ['Basic YTpi', 'Basic YzpE']);
    req.on('error', reject);
    req.end('token=x');
  });
  assert.equal(status, 400);
});

test('L4 a storage outage during revocation → 503 temporarily_unavailable', async (t) => {
  const { world, origin } = await start(t);
  const { tokens } = await world.issue();
  world.setStorageDown(true);
  const response = await revoke(origin, { token: tokens.refreshToken, client_id: world.client.clientId });
  assert.equal(response.status, 503);
  assert.equal(((await response.json()) as Record<string, unknown>)['error'], 'temporarily_unavailable');
  assert.ok(response.headers.get('retry-after') !== null);
});

test('K6 the limit hook on /revoke sees the claimed client id and may answer 429 itself', async (t) => {
  const world = createTokenWorld();
  const seen: Array<string | undefined> = [];
  const { origin } = await startHttpApp(t, [
    revokeRoute({
      tokens: world.service,
      clients: world.registry,
      limit: (ctx, clientId) => {
        seen.push(clientId);
        ctx.res.writeHead(429, { 'Retry-After': '3' }).end();
        return false;
      },
    }),
  ]);
  const { tokens } = await world.issue();
  assert.equal((await revoke(origin, { token: tokens.refreshToken, client_id: world.client.clientId })).status, 429);
  assert.deepEqual(seen, [world.client.clientId]);
  assert.ok(await world.service.verifyAccessToken(tokens.accessToken), 'a limited request revokes nothing');
});

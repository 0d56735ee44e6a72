import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test, type TestContext } from 'node:test';
import { revokeRoute } from '../../../src/adapters/http/revoke.js';
import { sendJson } from '../../../src/adapters/http/respond.js';
import { tokenRoute, type ClientLimit } from '../../../src/adapters/http/token.js';
import type { Client } from '../../../src/domain/clients/client.js';
import { startHttpApp } from '../../support/http-app.js';
import { aConfidentialClient, aPkcePair } from '../../support/oauth-mothers.js';
import { createTokenWorld, type Authorized, type TokenWorld } from '../../support/token-world.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

interface Harness {
  readonly world: TokenWorld;
  readonly origin: string;
  readonly logs: Array<Record<string, unknown>>;
}

async function start(t: TestContext, options: { readonly clients?: readonly Client[]; readonly limit?: ClientLimit } = {}): Promise<Harness> {
  const world = createTokenWorld({ clients: options.clients });
  const deps = { tokens: world.service, clients: world.registry, limit: options.limit };
  const { origin, logs } = await startHttpApp(t, [tokenRoute(deps), revokeRoute(deps)]);
  return { world, origin, logs };
}

function post(origin: string, body: string | URLSearchParams | Uint8Array, headers: Record<string, string> = FORM): Promise<Response> {
  return fetch(`${origin}/token`, { method: 'POST', headers, body: body instanceof URLSearchParams ? body.toString() : body });
}

function codeForm(harness: Harness, authorized: Authorized, extra: Record<string, string> = {}): URLSearchParams {
  return new URLSearchParams({ grant_type: 'authorization_code', code: authorized.code, code_verifier: authorized.verifier, client_id: harness.world.client.clientId, redirect_uri: authorized.grant.redirectUri, ...extra });
}

async function assertOAuthError(response: Response, status: number, error: string): Promise<Record<string, unknown>> {
  const body = (await response.json()) as Record<string, unknown>;
  assert.equal(response.status, status, JSON.stringify(body));
  assert.equal(body['error'], error);
  assert.equal(response.headers.get('cache-control'), 'no-store');
  return body;
}

/** "Never 500": after a bad request, a valid exchange still succeeds. */
async function assertStillServes(harness: Harness): Promise<void> {
  const authorized = await harness.world.authorize();
  assert.equal((await post(harness.origin, codeForm(harness, authorized))).status, 200);
}

test('F1 a valid exchange → 200 JSON, snake_case, Cache-Control: no-store and Pragma: no-cache', async (t) => {
  const harness = await start(t);
  const authorized = await harness.world.authorize({ grant: { scopes: ['mcp', 'tools:write'] } });
  const response = await post(harness.origin, codeForm(harness, authorized, { resource: 'https://mcp.example.com/mcp' }));
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(response.headers.get('cache-control'), 'no-store');
  assert.equal(response.headers.get('pragma'), 'no-cache');
  const body = (await response.json()) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'refresh_token', 'scope', 'token_type']);
  assert.equal(body['token_type'], 'Bearer');
  assert.equal(body['expires_in'], harness.world.policy.accessTokenTtlSeconds);
  assert.equal(body['scope'], 'mcp tools:write');
  assert.ok(await harness.world.service.verifyAccessToken(String(body['access_token'])));
});

test('G1 a refresh over HTTP rotates; F4 G2 a dead refresh token is 400 invalid_grant', async (t) => {
  const harness = await start(t, {});
  const { tokens } = await harness.world.issue({ grant: { scopes: ['mcp', 'tools:write'] } });
  const form = { grant_type: 'refresh_token', refresh_token: tokens.refreshToken, client_id: harness.world.client.clientId };
  const response = await post(harness.origin, new URLSearchParams({ ...form, scope: 'mcp' }));
  assert.equal(response.status, 200);
  const body = (await response.json()) as Record<string, unknown>;
  assert.notEqual(body['refresh_token'], tokens.refreshToken);
  assert.equal(body['scope'], 'mcp');
  harness.world.clock.advance(harness.world.policy.refreshGraceSeconds);
  await assertOAuthError(await post(harness.origin, new URLSearchParams(form)), 400, 'invalid_grant');
  await assertOAuthError(await post(harness.origin, new URLSearchParams({ ...form, refresh_token: String(body['refresh_token']) })), 400, 'invalid_grant');
});

test('G5 over HTTP: a wider scope is invalid_scope, another resource invalid_target', async (t) => {
  const harness = await start(t);
  const { tokens } = await harness.world.issue({ grant: { scopes: ['mcp'] } });
  const form = { grant_type: 'refresh_token', refresh_token: tokens.refreshToken, client_id: harness.world.client.clientId };
  await assertOAuthError(await post(harness.origin, new URLSearchParams({ ...form, scope: 'mcp tools:write' })), 400, 'invalid_scope');
  await assertOAuthError(await post(harness.origin, new URLSearchParams({ ...form, resource: 'https://other.example/mcp' })), 400, 'invalid_target');
  assert.equal((await post(harness.origin, new URLSearchParams(form))).status, 200);
});

test('F2 F9 over HTTP: wrong verifier → invalid_grant, other resource → invalid_target, then the code still works', async (t) => {
  const harness = await start(t);
  const authorized = await harness.world.authorize();
  await assertOAuthError(await post(harness.origin, codeForm(harness, authorized, { code_verifier: aPkcePair().verifier })), 400, 'invalid_grant');
  await assertOAuthError(await post(harness.origin, codeForm(harness, authorized, { code_verifier: 'short' })), 400, 'invalid_grant');
  await assertOAuthError(await post(harness.origin, codeForm(harness, authorized, { resource: 'https://other.example/mcp' })), 400, 'invalid_target');
  assert.equal((await post(harness.origin, codeForm(harness, authorized))).status, 200);
});

test('F10 a JSON body, a mixed or missing Content-Type → 400 invalid_request, never 500', async (t) => {
  const harness = await start(t);
  const authorized = await harness.world.authorize();
  const json = JSON.stringify(Object.fromEntries(codeForm(harness, authorized)));
  await assertOAuthError(await post(harness.origin, json, { 'content-type': 'application/json' }), 400, 'invalid_request');
  await assertOAuthError(await post(harness.origin, codeForm(harness, authorized), { 'content-type': 'application/json, application/x-www-form-urlencoded' }), 400, 'invalid_request');
  await assertOAuthError(await post(harness.origin, codeForm(harness, authorized), { 'content-type': 'text/plain' }), 400, 'invalid_request');
  await assertOAuthError(await post(harness.origin, codeForm(harness, authorized), {}), 400, 'invalid_request');
  const invalidUtf8 = await assertOAuthError(await post(harness.origin, new Uint8Array([0x67, 0x72, 0xff, 0x3d, 0x61]), FORM), 400, 'invalid_request');
  assert.match(String(invalidUtf8['error_description']), /UTF-8/);
  assert.equal((await post(harness.origin, codeForm(harness, authorized), { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' })).status, 200);
});

test('F10 a repeated parameter or no grant_type → 400 invalid_request; other grant types → unsupported_grant_type', async (t) => {
  const harness = await start(t);
  const authorized = await harness.world.authorize();
  for (const name of ['code', 'client_id', 'grant_type', 'code_verifier', 'resource']) {
    const form = codeForm(harness, authorized, { resource: 'https://mcp.example.com/mcp' });
    form.append(name, form.get(name) ?? '');
    const body = await assertOAuthError(await post(harness.origin, form), 400, 'invalid_request');
    assert.match(String(body['error_description']), new RegExp(name));
  }
  const withoutGrantType = codeForm(harness, authorized);
  withoutGrantType.delete('grant_type');
  await assertOAuthError(await post(harness.origin, withoutGrantType), 400, 'invalid_request');
  await assertOAuthError(await post(harness.origin, codeForm(harness, authorized, { grant_type: '' })), 400, 'invalid_request');
  for (const grantType of ['password', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code', 'implicit', 'AUTHORIZATION_CODE']) {
    await assertOAuthError(await post(harness.origin, codeForm(harness, authorized, { grant_type: grantType })), 400, 'unsupported_grant_type');
  }
  await assertOAuthError(await post(harness.origin, new URLSearchParams({ grant_type: 'authorization_code', client_id: harness.world.client.clientId })), 400, 'invalid_request');
  await assertOAuthError(await post(harness.origin, new URLSearchParams({ grant_type: 'refresh_token', client_id: harness.world.client.clientId })), 400, 'invalid_request');
  assert.equal((await post(harness.origin, codeForm(harness, authorized))).status, 200, 'the code survived every malformed request');
});

test('F10 GET /token → 405 with Allow: POST', async (t) => {
  const harness = await start(t);
  const response = await fetch(`${harness.origin}/token`);
  assert.equal(response.status, 405);
  assert.equal(response.headers.get('allow'), 'POST');
});

test('K1 a body over 16 KiB → 413, and the server answers normally afterwards', async (t) => {
  const harness = await start(t);
  const authorized = await harness.world.authorize();
  const response = await post(harness.origin, codeForm(harness, authorized, { padding: 'x'.repeat(16 * 1024) }));
  assert.equal(response.status, 413);
  assert.equal(((await response.json()) as Record<string, unknown>)['error'], 'invalid_request');
  const streamed = await new Promise<number>((resolve, reject) => {
    const req = request(`${harness.origin}/token`, { method: 'POST', headers: { ...FORM, 'transfer-encoding': 'chunked' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    for (let chunk = 0; chunk < 17; chunk += 1) req.write('a'.repeat(1024));
    req.end();
  });
  assert.equal(streamed, 413);
  await assertStillServes(harness);
});

test('F11 an unknown client_id → 401 invalid_client (the signal to register again)', async (t) => {
  const harness = await start(t);
  const authorized = await harness.world.authorize();
  await assertOAuthError(await post(harness.origin, codeForm(harness, authorized, { client_id: 'deleted-client' })), 401, 'invalid_client');
  const noClient = codeForm(harness, authorized);
  noClient.delete('client_id');
  await assertOAuthError(await post(harness.origin, noClient), 401, 'invalid_client');
  assert.equal((await post(harness.origin, codeForm(harness, authorized))).status, 200);
});

test('F11 a wrong secret over Basic → 401 invalid_client with WWW-Authenticate: Basic; the right one works', async (t) => {
  const { client, secret } = aConfidentialClient('client_secret_basic');
  const harness = await start(t, { clients: [client] });
  const authorized = await harness.world.authorize({ client });
  const form = codeForm(harness, authorized);
  form.delete('client_id');
  const basic = (id: string, password: string) => ({ ...FORM, authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(password)}`).toString('base64')}` });
  const wrong = await post(harness.origin, form, basic(client.clientId, `${secret}x`));
  await assertOAuthError(wrong, 401, 'invalid_client');
  assert.match(wrong.headers.get('www-authenticate') ?? '', /^Basic /);
  const malformed = await post(harness.origin, form, { ...FORM, authorization: 'Basic %%%' });
  await assertOAuthError(malformed, 401, 'invalid_client');
  assert.match(malformed.headers.get('www-authenticate') ?? '', /^Basic /);
  const ok = await post(harness.origin, form, { ...basic(client.clientId, secret), authorization: basic(client.clientId, secret).authorization.replace('Basic', 'basic') });
  assert.equal(ok.status, 200);
});

test('F11 credentials in both the header and the body → 400 invalid_request', async (t) => {
  const { client, secret } = aConfidentialClient('client_secret_basic');
  const harness = await start(t, { clients: [client] });
  const authorized = await harness.world.authorize({ client });
  const header = { ...FORM, authorization: `Basic ${Buffer.from(`${client.clientId}:${secret}`).toString('base64')}` };
  await assertOAuthError(await post(harness.origin, codeForm(harness, authorized, { client_id: client.clientId, client_secret: secret }), header), 400, 'invalid_request');
  await assertOAuthError(await post(harness.origin, codeForm(harness, authorized, { client_id: 'someone-else' }), header), 400, 'invalid_request');
  // The body naming the same client_id as the header is identification, not a second method (RFC 6749 §3.2.1).
  assert.equal((await post(harness.origin, codeForm(harness, authorized, { client_id: client.clientId }), header)).status, 200);
});

test('F11 an auth method other than the registered one → 401 invalid_client', async (t) => {
  const { client, secret } = aConfidentialClient('client_secret_post');
  const harness = await start(t, { clients: [client] });
  const authorized = await harness.world.authorize({ client });
  const basic = { ...FORM, authorization: `Basic ${Buffer.from(`${client.clientId}:${secret}`).toString('base64')}` };
  const viaBasic = codeForm(harness, authorized);
  viaBasic.delete('client_id');
  await assertOAuthError(await post(harness.origin, viaBasic, basic), 401, 'invalid_client');
  await assertOAuthError(await post(harness.origin, codeForm(harness, authorized, { client_id: client.clientId })), 401, 'invalid_client');
  assert.equal((await post(harness.origin, codeForm(harness, authorized, { client_id: client.clientId, client_secret: secret }))).status, 200);
});

test('F11 an expired secret → 401 invalid_client', async (t) => {
  const { client, secret } = aConfidentialClient('client_secret_post', { secretExpiresAt: 1_700_000_000 });
  const harness = await start(t, { clients: [client] });
  const authorized = await harness.world.authorize({ client });
  await assertOAuthError(await post(harness.origin, codeForm(harness, authorized, { client_id: client.clientId, client_secret: secret })), 401, 'invalid_client');
});

test('L4 a storage outage → 503 temporarily_unavailable with Retry-After, and recovery afterwards', async (t) => {
  const harness = await start(t);
  const authorized = await harness.world.authorize();
  harness.world.setStorageDown(true);
  const response = await post(harness.origin, codeForm(harness, authorized));
  await assertOAuthError(response, 503, 'temporarily_unavailable');
  assert.ok(Number(response.headers.get('retry-after')) > 0);
  harness.world.setStorageDown(false);
  assert.equal((await post(harness.origin, codeForm(harness, authorized))).status, 200);
});

test('K6 the limit hook sees the claimed client id and may answer the request itself', async (t) => {
  const seen: Array<string | undefined> = [];
  const harness = await start(t, {
    limit: (ctx, clientId) => {
      seen.push(clientId);
      if (clientId !== 'hammering-client') return true;
      sendJson(ctx.res, 429, { error: 'slow_down' }, { 'Retry-After': '7' });
      return false;
    },
  });
  const authorized = await harness.world.authorize();
  const limited = await post(harness.origin, codeForm(harness, authorized, { client_id: 'hammering-client' }));
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '7');
  assert.equal((await post(harness.origin, codeForm(harness, authorized))).status, 200);
  assert.deepEqual(seen, ['hammering-client', harness.world.client.clientId]);
});

test('M1 M2 error bodies and logs never carry the presented code, verifier, token or secret', async (t) => {
  const { client, secret } = aConfidentialClient('client_secret_post');
  const harness = await start(t, { clients: [client] });
  const authorized = await harness.world.authorize({ client });
  const first = await post(harness.origin, codeForm(harness, authorized, { client_id: client.clientId, client_secret: secret }));
  const tokens = (await first.json()) as Record<string, string>;
  const replay = await post(harness.origin, codeForm(harness, authorized, { client_id: client.clientId, client_secret: secret }));
  const bad = await post(harness.origin, codeForm(harness, authorized, { client_id: client.clientId, client_secret: `${secret}x` }));
  const bodies = (await replay.text()) + (await bad.text());
  const logged = JSON.stringify(harness.logs) + JSON.stringify(harness.world.logger.events);
  for (const credential of [authorized.code, authorized.verifier, secret, tokens['access_token'] ?? '?', tokens['refresh_token'] ?? '?']) {
    assert.ok(!bodies.includes(credential), 'a credential was echoed in an error');
    assert.ok(!logged.includes(credential), 'a credential reached the log');
  }
  assert.ok(harness.logs.some((line) => line['event'] === 'oauth.token_refused' && line['error'] === 'invalid_grant'));
});

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { auth, refreshAuthorization } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createCookieJar } from '../support/cookie-jar.js';
import { freePort, startKeyway } from '../support/keyway.js';
import { obtainTokens } from '../support/oauth-flow.js';
import { signInRemembered } from '../support/sdk-oauth-browser.js';
import { createRecordingFetch, createV1OAuthProvider, type V1OAuthProvider } from '../support/sdk-oauth-provider.js';

/**
 * Issue 3 "Done when": registrations, grants, refresh tokens and remembered consent survive a
 * restart of the server on the same SQLite file and data folder (where the generated secret
 * lives), and a refresh token rotated before the restart and replayed after it revokes its family.
 * The grace window is 0 s, so any replay of a rotated token is reuse (SECURITY.md Decision 1).
 */
async function sqliteEnvironment(t: TestContext): Promise<Record<string, string>> {
  const dir = await mkdtemp(join(tmpdir(), 'keyway-restart-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const port = await freePort();
  return {
    KEYWAY_STORE: `sqlite:${join(dir, 'keyway.db')}`,
    KEYWAY_DATA_DIR: dir,
    KEYWAY_PORT: String(port),
    KEYWAY_PUBLIC_URL: `http://127.0.0.1:${port}`,
    KEYWAY_REFRESH_GRACE_SECONDS: '0',
  };
}

/**
 * After a stop, `fetch`'s pool may still hold keep-alive sockets to the old server that it has
 * not yet seen closed; the first request on one fails with "other side closed" — the client-side
 * race any HTTP client has across a restart. Requests to the stopped port take those sockets out
 * one by one until a fresh connection is refused: from then on the pool holds none.
 */
async function drainPool(origin: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const failure = await fetch(new URL('/healthz', origin)).then(
      () => new Error(`${origin} still answers after stop()`),
      (error: unknown) => error,
    );
    const cause = failure instanceof Error ? (failure.cause as { code?: string } | undefined) : undefined;
    if (cause?.code === 'ECONNREFUSED') return;
    if (cause?.code !== 'UND_ERR_SOCKET') throw failure;
  }
  throw new Error('the connection pool did not drain');
}

async function postForm(origin: string, path: string, form: Record<string, string>): Promise<Response> {
  return fetch(new URL(path, origin), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
}

async function pingMcp(origin: string, token: string): Promise<number> {
  const response = await fetch(new URL('/mcp', origin), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
  });
  await response.body?.cancel();
  return response.status;
}

/** Refreshes the provider's tokens with the v1 SDK's helper and keeps the new pair, as `auth()` would. */
async function refreshWithSdk(origin: string, provider: V1OAuthProvider): Promise<void> {
  const tokens = provider.tokens();
  const clientInformation = provider.clientInformation();
  assert.ok(tokens?.refresh_token !== undefined && clientInformation !== undefined);
  const refreshed = await refreshAuthorization(origin, { clientInformation, refreshToken: tokens.refresh_token, resource: new URL('/mcp', origin) });
  provider.saveTokens({ ...refreshed, issuer: tokens.issuer });
}

async function callTool(t: TestContext, origin: string, provider: V1OAuthProvider): Promise<void> {
  const client = new Client({ name: 'keyway-restart-e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', origin), { authProvider: provider }));
  t.after(() => client.close());
  const result = await client.callTool({ name: 'whoami', arguments: {} });
  const clientId = provider.clientInformation()?.client_id;
  assert.deepEqual(result.structuredContent, { subject: 'local:alice', client_id: clientId, scopes: ['mcp'] }, 'the same user and client as before');
}

test('L1 a restart on the same SQLite store keeps the client, the tokens, refresh and the remembered consent', async (t) => {
  const env = await sqliteEnvironment(t);
  const jar = createCookieJar();
  const before = await startKeyway(t, env);
  const serverUrl = new URL('/mcp', before.origin);
  const provider = await createV1OAuthProvider({ jar });
  assert.equal(await auth(provider, { serverUrl }), 'REDIRECT');
  assert.equal(await auth(provider, { serverUrl, authorizationCode: provider.code() }), 'AUTHORIZED');
  await refreshWithSdk(before.origin, provider);
  assert.equal(await before.running.stop(), true, 'a clean stop');
  await drainPool(before.origin);

  const after = await startKeyway(t, env);
  assert.equal(after.origin, before.origin);
  await callTool(t, after.origin, provider);
  assert.equal(provider.authorizationUrls.length, 1, 'the access token issued before the restart was enough');
  const used = provider.tokens()?.refresh_token;
  await refreshWithSdk(after.origin, provider);
  assert.notEqual(provider.tokens()?.refresh_token, used, 'the refresh token from before the restart rotated');
  assert.equal(await pingMcp(after.origin, provider.tokens()?.access_token ?? ''), 200);

  const redirectPort = new URL(provider.redirectUrl).port;
  const again = await createV1OAuthProvider({ jar, browse: signInRemembered, redirectPort: Number(redirectPort) });
  const clientInformation = provider.clientInformation();
  assert.ok(clientInformation !== undefined);
  again.saveClientInformation(clientInformation);
  const recorder = createRecordingFetch();
  assert.equal(await auth(again, { serverUrl, fetchFn: recorder.fetch }), 'REDIRECT', 'signInRemembered saw no consent page');
  assert.equal(await auth(again, { serverUrl, authorizationCode: again.code(), fetchFn: recorder.fetch }), 'AUTHORIZED');
  assert.ok(!recorder.lines().some((line) => line.startsWith('POST /register')), 'the client id from before the restart is still known');
  assert.equal(await pingMcp(after.origin, again.tokens()?.access_token ?? ''), 200);

  const cookie = jar.header();
  assert.ok(cookie !== undefined);
  const crossSite = await fetch(again.authorizationUrls[0] ?? '', { headers: { cookie, 'sec-fetch-site': 'cross-site' }, redirect: 'manual' });
  assert.equal(crossSite.status, 200, 'D8: a cross-site navigation still gets the consent page');
  assert.match(await crossSite.text(), /name="csrf"/);
});

test('L1 G2 a refresh token rotated before the restart and replayed after it → invalid_grant, and its family is revoked', async (t) => {
  const env = await sqliteEnvironment(t);
  const before = await startKeyway(t, env);
  const family = await obtainTokens(before.origin, 'bob');
  const bystander = await obtainTokens(before.origin, 'bob');
  const rotated = await postForm(before.origin, '/token', { grant_type: 'refresh_token', refresh_token: family.refresh_token, client_id: family.clientId });
  assert.equal(rotated.status, 200);
  const successor = (await rotated.json()) as { access_token: string; refresh_token: string };
  await before.running.stop();
  await drainPool(before.origin);

  const after = await startKeyway(t, env);
  assert.equal(await pingMcp(after.origin, successor.access_token), 200, 'the successor works after the restart');
  const replay = await postForm(after.origin, '/token', { grant_type: 'refresh_token', refresh_token: family.refresh_token, client_id: family.clientId });
  assert.equal(replay.status, 400);
  assert.equal(((await replay.json()) as { error: string }).error, 'invalid_grant');
  assert.equal(await pingMcp(after.origin, successor.access_token), 401, 'the family is revoked: its access token');
  const successorRefresh = await postForm(after.origin, '/token', { grant_type: 'refresh_token', refresh_token: successor.refresh_token, client_id: family.clientId });
  assert.equal(successorRefresh.status, 400, 'the family is revoked: its refresh token');
  assert.equal(((await successorRefresh.json()) as { error: string }).error, 'invalid_grant');
  assert.equal(await pingMcp(after.origin, bystander.access_token), 200, 'another grant of the same user is untouched');
});

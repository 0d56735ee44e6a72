import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startKeyway } from '../support/keyway.js';
import { obtainTokens } from '../support/oauth-flow.js';

/** SECURITY.md K6, B9: limits are keyed by user, client or IP as the endpoint calls for. */
const ping = (origin: string, token: string): Promise<Response> =>
  fetch(new URL('/mcp', origin), {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25', authorization: `Bearer ${token}` },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
  });

test('K6 /mcp is limited per user: one busy user gets 429 with Retry-After, another user is unaffected', async (t) => {
  const { origin } = await startKeyway(t, { KEYWAY_RATE_MCP_PER_MINUTE: '3' });
  const alice = await obtainTokens(origin, 'alice');
  const bob = await obtainTokens(origin, 'bob');
  const statuses: number[] = [];
  for (let i = 0; i < 5; i += 1) statuses.push((await ping(origin, alice.access_token)).status);
  assert.deepEqual(statuses.slice(0, 3), [200, 200, 200]);
  const limited = await ping(origin, alice.access_token);
  assert.equal(limited.status, 429);
  assert.match(limited.headers.get('retry-after') ?? '', /^\d+$/);
  assert.equal(((await limited.json()) as { id: unknown }).id, null);
  assert.equal((await ping(origin, bob.access_token)).status, 200, 'the same egress IP, another user: not throttled');
});

test('K6 /token is limited per client: a hammering client gets OAuth-shaped 429, another client is not', async (t) => {
  const { origin } = await startKeyway(t, { KEYWAY_RATE_TOKEN_PER_MINUTE: '2' });
  const first = await obtainTokens(origin, 'alice');
  const refresh = (refreshToken: string, clientId: string): Promise<Response> =>
    fetch(new URL('/token', origin), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId }).toString(),
    });
  const second = (await (await refresh(first.refresh_token, first.clientId)).json()) as { refresh_token: string };
  const limited = await refresh(second.refresh_token, first.clientId);
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('cache-control'), 'no-store');
  assert.match(limited.headers.get('retry-after') ?? '', /^\d+$/);
  assert.equal(((await limited.json()) as { error: string }).error, 'slow_down');
  const other = await obtainTokens(origin, 'bob');
  assert.equal(typeof other.access_token, 'string', 'another client still gets tokens');
});

test('B9 /register is limited per source address with OAuth-shaped 429', async (t) => {
  const { origin } = await startKeyway(t, { KEYWAY_RATE_REGISTER_PER_MINUTE: '2' });
  const register = (): Promise<Response> =>
    fetch(new URL('/register', origin), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: ['https://claude.ai/api/mcp/auth_callback'], token_endpoint_auth_method: 'none' }),
    });
  assert.deepEqual([(await register()).status, (await register()).status], [201, 201]);
  const limited = await register();
  assert.equal(limited.status, 429);
  assert.match(limited.headers.get('retry-after') ?? '', /^\d+$/);
});

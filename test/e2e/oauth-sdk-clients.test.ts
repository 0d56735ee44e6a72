import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import {
  Client as ClientV2,
  SSEClientTransport as SseV2,
  StreamableHTTPClientTransport as HttpV2,
  UnauthorizedError as UnauthorizedV2,
} from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { auth as authV1, refreshAuthorization, UnauthorizedError as UnauthorizedV1 } from '@modelcontextprotocol/sdk/client/auth.js';
import { SSEClientTransport as SseV1 } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport as HttpV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InvalidGrantError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { startKeyway } from '../support/keyway.js';
import { obtainTokens } from '../support/oauth-flow.js';
import { createRecordingFetch, createV1OAuthProvider, createV2OAuthProvider, type V1OAuthProvider, type V2OAuthProvider } from '../support/sdk-oauth-provider.js';
import { openLegacyStream } from '../support/sdk-oauth-sse.js';

const INFO = { name: 'keyway-oauth-e2e', version: '1.0.0' };

interface ToolCaller {
  callTool(onProgress: (progress: number) => void): Promise<{ content: unknown }>;
}

/** Calls `count_slowly` and awaits its last progress as an event (the SDKs dispatch it a microtask late). */
async function countWithProgress(caller: ToolCaller): Promise<void> {
  const progress: number[] = [];
  let sawLast: () => void = () => undefined;
  const lastProgress = new Promise<void>((resolve) => (sawLast = resolve));
  const [result] = await Promise.all([
    caller.callTool((value) => {
      progress.push(value);
      if (value === 2) sawLast();
    }),
    lastProgress,
  ]);
  assert.deepEqual(result.content, [{ type: 'text', text: 'counted to 2' }]);
  assert.deepEqual(progress, [1, 2]);
}

function v1Caller(client: ClientV1): ToolCaller {
  return {
    callTool: (onProgress) =>
      client.callTool({ name: 'count_slowly', arguments: { steps: 2, interval_ms: 20 } }, undefined, {
        onprogress: (update) => onProgress(update.progress),
      }) as Promise<{ content: unknown }>,
  };
}

function v2Caller(client: ClientV2): ToolCaller {
  return {
    callTool: (onProgress) =>
      client.callTool({ name: 'count_slowly', arguments: { steps: 2, interval_ms: 20 } }, { onprogress: (update) => onProgress(update.progress) }),
  };
}

describe('v1 SDK client (@modelcontextprotocol/sdk) through the whole OAuth flow', () => {
  test('A4 B1 C9 F1 Streamable HTTP on /mcp: 401 → PRM → AS metadata → DCR → authorize → finishAuth → tool call', async (t) => {
    const keyway = await startKeyway(t);
    const provider = await createV1OAuthProvider();
    const recorder = createRecordingFetch();
    const url = new URL('/mcp', keyway.origin);
    const client = new ClientV1(INFO);
    const first = new HttpV1(url, { authProvider: provider, fetch: recorder.fetch });
    await assert.rejects(client.connect(first), (error) => error instanceof UnauthorizedV1);
    assert.deepEqual(recorder.lines().slice(0, 4), [
      'POST /mcp → 401',
      'GET /.well-known/oauth-protected-resource/mcp → 200',
      'GET /.well-known/oauth-authorization-server → 200',
      'POST /register → 201',
    ]);
    const authorizationUrl = provider.authorizationUrls[0];
    assert.equal(authorizationUrl?.searchParams.get('resource'), url.href);
    assert.equal(authorizationUrl?.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(provider.lastCallback().searchParams.get('iss'), keyway.origin);
    await first.finishAuth(provider.code());
    assert.match(provider.tokens()?.access_token ?? '', /^kw_at_/);
    assert.match(provider.tokens()?.refresh_token ?? '', /^kw_rt_/);
    const second = new HttpV1(url, { authProvider: provider, fetch: recorder.fetch });
    await client.connect(second);
    t.after(() => client.close());
    const { tools } = await client.listTools();
    assert.ok(tools.some((tool) => tool.name === 'count_slowly'));
    await countWithProgress(v1Caller(client));
  });

  test('A4 legacy SSE on /sse: 401 → PRM for /sse → DCR → authorize → finishAuth → tool call (2024-11-05)', async (t) => {
    const keyway = await startKeyway(t);
    const provider = await createV1OAuthProvider();
    const recorder = createRecordingFetch();
    const url = new URL('/sse', keyway.origin);
    const client = new ClientV1(INFO);
    const first = new SseV1(url, { authProvider: provider, fetch: recorder.fetch });
    await assert.rejects(client.connect(first), (error) => error instanceof UnauthorizedV1);
    // The failed EventSource stays attached to the client until the transport is closed.
    await first.close();
    assert.deepEqual(recorder.lines().slice(0, 4), [
      'GET /sse → 401',
      'GET /.well-known/oauth-protected-resource/sse → 200',
      'GET /.well-known/oauth-authorization-server → 200',
      'POST /register → 201',
    ]);
    assert.equal(provider.authorizationUrls[0]?.searchParams.get('resource'), url.href);
    await first.finishAuth(provider.code());
    await client.connect(new SseV1(url, { authProvider: provider, fetch: recorder.fetch }));
    t.after(() => client.close());
    const { tools } = await client.listTools();
    assert.ok(tools.some((tool) => tool.name === 'count_slowly'));
    await countWithProgress(v1Caller(client));
  });

  for (const path of ['/mcp', '/sse'] as const) {
    test(`A1 A2 C9 auth() on ${path}: discovery takes the PRM document of that URL; the callback's iss is the issuer`, async (t) => {
      const keyway = await startKeyway(t);
      const provider = await createV1OAuthProvider();
      const recorder = createRecordingFetch();
      const serverUrl = new URL(path, keyway.origin);
      assert.equal(await authV1(provider, { serverUrl, fetchFn: recorder.fetch }), 'REDIRECT');
      assert.equal(recorder.lines()[0], `GET /.well-known/oauth-protected-resource${path} → 200`);
      const discovery = provider.discoveryState();
      assert.equal(discovery?.resourceMetadata?.resource, serverUrl.href);
      assert.equal(discovery?.authorizationServerMetadata?.issuer, keyway.origin);
      assert.equal(provider.authorizationUrls[0]?.searchParams.get('resource'), serverUrl.href);
      const back = provider.lastCallback();
      assert.equal(back.searchParams.get('iss'), discovery.authorizationServerMetadata.issuer);
      assert.equal(await authV1(provider, { serverUrl, authorizationCode: provider.code(), fetchFn: recorder.fetch }), 'AUTHORIZED');
      const token = provider.tokens()?.access_token ?? '';
      for (const endpoint of ['/mcp', '/sse']) {
        const probe = await fetch(new URL(endpoint, keyway.origin), {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
        });
        assert.equal(probe.status, 200, `a token bound to ${path} works on ${endpoint} too (one protected resource)`);
        assert.match(await probe.text(), /"result":\{\}/);
      }
    });
  }
});

type V2Transport = HttpV2 | SseV2;

/**
 * The v2 client's interactive flow: connect → UnauthorizedError (the provider has driven consent and
 * sign-in) → `finishAuth` with the callback's parameters (the SDK checks `iss`, RFC 9207) → connect
 * again on a fresh transport → a tool call with progress.
 */
async function connectV2(t: TestContext, client: ClientV2, provider: V2OAuthProvider, transport: () => V2Transport): Promise<void> {
  const first = transport();
  await assert.rejects(client.connect(first), (error) => error instanceof UnauthorizedV2);
  await first.finishAuth(provider.lastCallback().searchParams);
  await first.close();
  assert.match(provider.tokens()?.access_token ?? '', /^kw_at_/);
  await client.connect(transport());
  t.after(() => client.close());
  const { tools } = await client.listTools();
  assert.ok(tools.some((tool) => tool.name === 'count_slowly'));
  await countWithProgress(v2Caller(client));
}

describe('v2 SDK client (@modelcontextprotocol/client) through the whole OAuth flow', () => {
  test('A4 C9 /mcp with version negotiation auto → 2026-07-28', async (t) => {
    const keyway = await startKeyway(t);
    const provider = await createV2OAuthProvider();
    const recorder = createRecordingFetch();
    const url = new URL('/mcp', keyway.origin);
    const client = new ClientV2(INFO, { versionNegotiation: { mode: 'auto' } });
    await connectV2(t, client, provider, () => new HttpV2(url, { authProvider: provider, fetch: recorder.fetch }));
    assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
    assert.deepEqual(recorder.lines().slice(0, 4), [
      'POST /mcp → 401',
      'GET /.well-known/oauth-protected-resource/mcp → 200',
      'GET /.well-known/oauth-authorization-server → 200',
      'POST /register → 201',
    ]);
    assert.equal(provider.authorizationUrls[0]?.searchParams.get('resource'), url.href);
  });

  test('A4 C9 /mcp with supportedProtocolVersions [2025-11-25] → initialize', async (t) => {
    const keyway = await startKeyway(t);
    const provider = await createV2OAuthProvider();
    const client = new ClientV2(INFO, { supportedProtocolVersions: ['2025-11-25'] });
    await connectV2(t, client, provider, () => new HttpV2(new URL('/mcp', keyway.origin), { authProvider: provider }));
    assert.equal(client.getNegotiatedProtocolVersion(), '2025-11-25');
  });

  test('A4 C9 legacy SSE on /sse (2024-11-05)', async (t) => {
    const keyway = await startKeyway(t);
    const provider = await createV2OAuthProvider();
    const recorder = createRecordingFetch();
    const url = new URL('/sse', keyway.origin);
    const client = new ClientV2(INFO);
    await connectV2(t, client, provider, () => new SseV2(url, { authProvider: provider, fetch: recorder.fetch }));
    assert.deepEqual(recorder.lines().slice(0, 2), ['GET /sse → 401', 'GET /.well-known/oauth-protected-resource/sse → 200']);
    assert.equal(provider.authorizationUrls[0]?.searchParams.get('resource'), url.href);
  });
});

/** The v1 SDK's own flow without a transport: discovery, DCR, authorize (headless), code exchange. */
async function authorizeWithSdk(origin: string, provider: V1OAuthProvider, path = '/mcp'): Promise<void> {
  const serverUrl = new URL(path, origin);
  assert.equal(await authV1(provider, { serverUrl }), 'REDIRECT');
  assert.equal(await authV1(provider, { serverUrl, authorizationCode: provider.code() }), 'AUTHORIZED');
}

/** What the v1 SDK's refresh helper needs, from what the provider kept. */
function refreshInputs(provider: V1OAuthProvider, origin: string) {
  const clientInformation = provider.clientInformation();
  const metadata = provider.discoveryState()?.authorizationServerMetadata;
  const tokens = provider.tokens();
  assert.ok(clientInformation !== undefined && metadata !== undefined && tokens?.refresh_token !== undefined);
  return { clientInformation, metadata, tokens, refreshToken: tokens.refresh_token, resource: new URL('/mcp', origin) };
}

async function pingMcp(origin: string, token: string): Promise<Response> {
  return fetch(new URL('/mcp', origin), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
  });
}

describe('refresh and revoke, as the SDK clients do them', () => {
  test('G1 G3 refreshAuthorization: a new pair that works on /mcp; the rotated token within the grace window gets the identical pair', async (t) => {
    const keyway = await startKeyway(t);
    const provider = await createV1OAuthProvider();
    await authorizeWithSdk(keyway.origin, provider);
    const { tokens: first, ...inputs } = refreshInputs(provider, keyway.origin);
    const refreshed = await refreshAuthorization(keyway.origin, inputs);
    assert.notEqual(refreshed.access_token, first.access_token);
    assert.notEqual(refreshed.refresh_token, first.refresh_token);
    assert.equal(refreshed.scope, first.scope);
    const retried = await refreshAuthorization(keyway.origin, inputs);
    assert.deepEqual([retried.access_token, retried.refresh_token], [refreshed.access_token, refreshed.refresh_token]);
    provider.saveTokens({ ...refreshed, issuer: first.issuer });
    const client = new ClientV1(INFO);
    await client.connect(new HttpV1(inputs.resource, { authProvider: provider }));
    t.after(() => client.close());
    await countWithProgress(v1Caller(client));
    assert.equal(provider.authorizationUrls.length, 1, 'the refreshed token was enough: no new authorization');
    const next = await refreshAuthorization(keyway.origin, { ...inputs, refreshToken: refreshed.refresh_token ?? '' });
    assert.notEqual(next.refresh_token, refreshed.refresh_token, 'the successor still rotates after the benign retries');
  });

  test('H1 G1 the v1 transport refreshes by itself when /mcp answers 401 invalid_token', async (t) => {
    const keyway = await startKeyway(t);
    const provider = await createV1OAuthProvider();
    await authorizeWithSdk(keyway.origin, provider);
    const { tokens } = refreshInputs(provider, keyway.origin);
    const dead = `kw_at_${'A'.repeat(43)}`;
    assert.match((await pingMcp(keyway.origin, dead)).headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    provider.saveTokens({ ...tokens, access_token: dead });
    const client = new ClientV1(INFO);
    await client.connect(new HttpV1(new URL('/mcp', keyway.origin), { authProvider: provider }));
    t.after(() => client.close());
    await countWithProgress(v1Caller(client));
    const now = provider.tokens();
    assert.ok(now !== undefined && now.access_token !== dead && now.access_token !== tokens.access_token, 'a refreshed access token');
    assert.notEqual(now.refresh_token, tokens.refresh_token, 'the refresh token rotated');
    assert.equal(provider.authorizationUrls.length, 1, 'no new authorization');
  });

  test('G7 /revoke with the refresh token: the access token gets 401 invalid_token and the grant\'s open SSE stream is closed', { timeout: 20_000 }, async (t) => {
    const keyway = await startKeyway(t);
    const provider = await createV1OAuthProvider();
    await authorizeWithSdk(keyway.origin, provider, '/sse');
    const { tokens, ...inputs } = refreshInputs(provider, keyway.origin);
    const otherGrant = await obtainTokens(keyway.origin, 'alice');
    const stream = await openLegacyStream(keyway.origin, tokens.access_token);
    const bystander = await openLegacyStream(keyway.origin, otherGrant.access_token);
    t.after(() => bystander.cancel());
    const revoked = await fetch(new URL('/revoke', keyway.origin), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: inputs.refreshToken, token_type_hint: 'refresh_token', client_id: inputs.clientInformation.client_id }).toString(),
    });
    assert.equal(revoked.status, 200);
    await stream.ended();
    const probe = await pingMcp(keyway.origin, tokens.access_token);
    assert.equal(probe.status, 401);
    const challenge = probe.headers.get('www-authenticate') ?? '';
    assert.match(challenge, /^Bearer /);
    assert.match(challenge, /error="invalid_token"/);
    assert.ok(challenge.includes(`resource_metadata="${keyway.origin}/.well-known/oauth-protected-resource/mcp"`), challenge);
    await assert.rejects(refreshAuthorization(keyway.origin, inputs), (error) => error instanceof InvalidGrantError);
    const message = await fetch(bystander.messagesUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${otherGrant.access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'ping' }),
    });
    assert.equal(message.status, 202, 'another grant of the same user keeps its session');
    assert.deepEqual(JSON.parse((await bystander.next())?.data ?? 'null'), { jsonrpc: '2.0', id: 7, result: {} });
  });
});

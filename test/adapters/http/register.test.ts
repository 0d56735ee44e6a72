import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { test, type TestContext } from 'node:test';
import { createSha256Hasher } from '../../../src/adapters/crypto/hasher.js';
import { jsonDepth, registerRoute } from '../../../src/adapters/http/register.js';
import { sendJson } from '../../../src/adapters/http/respond.js';
import type { HttpContext } from '../../../src/adapters/http/types.js';
import { createMemoryStores } from '../../../src/adapters/storage/memory/memory-stores.js';
import { createCryptoRandom } from '../../../src/adapters/system/random.js';
import { createClientRegistry, type ClientPolicy } from '../../../src/domain/clients/client-registry.js';
import { DomainError } from '../../../src/domain/errors.js';
import type { ClientStore } from '../../../src/domain/ports/stores.js';
import { createFakeClock } from '../../support/fake-clock.js';
import { startHttpApp } from '../../support/http-app.js';
import { createRecordingLogger } from '../../support/oauth-mothers.js';

interface Options {
  readonly policy?: Partial<ClientPolicy>;
  readonly store?: ClientStore;
  readonly limit?: (ctx: HttpContext) => boolean;
}

async function startRegister(t: TestContext, options: Options = {}) {
  const store = options.store ?? createMemoryStores().clients;
  const logger = createRecordingLogger();
  const policy: ClientPolicy = {
    dynamicRegistration: true,
    metadataDocuments: false,
    redirectUriAllowlist: ['cursor://anysphere.cursor-mcp/oauth/callback'],
    preregistered: [],
    unusedSeconds: 30 * 24 * 3600,
    ...options.policy,
  };
  const registry = createClientRegistry({ store, clock: createFakeClock(), random: createCryptoRandom(), hasher: createSha256Hasher(), policy, logger });
  const app = await startHttpApp(t, [registerRoute({ registry, logger, ...(options.limit === undefined ? {} : { limit: options.limit }) })]);
  const register = (body: unknown, headers: Record<string, string> = { 'Content-Type': 'application/json' }) =>
    fetch(`${app.origin}/register`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { ...app, register, store, registry };
}

/** Every value in a JSON document, so no `null` can hide anywhere. */
function hasNull(value: unknown): boolean {
  if (value === null) return true;
  if (typeof value !== 'object') return false;
  return Object.values(value).some(hasNull);
}

const FIXTURES: Record<string, Record<string, unknown>> = {
  'Claude (2026 body)': {
    client_name: 'Claude',
    redirect_uris: ['https://claude.ai/api/mcp/auth_callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  },
  'Claude (mid-2025 body)': {
    client_name: 'claudeai',
    scope: 'claudeai',
    redirect_uris: ['https://claude.ai/api/mcp/auth_callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  },
  'Claude (claude.com)': { client_name: 'Claude', redirect_uris: ['https://claude.com/api/mcp/auth_callback'], token_endpoint_auth_method: 'none' },
  ChatGPT: { client_name: 'ChatGPT', redirect_uris: ['https://chatgpt.com/connector_platform_oauth_redirect'], token_endpoint_auth_method: 'none' },
  Cursor: {
    client_name: 'Cursor',
    redirect_uris: ['cursor://anysphere.cursor-mcp/oauth/callback', 'https://www.cursor.com/agents/mcp/oauth/callback', 'http://localhost:8787/callback'],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  },
  'Claude Code': { client_name: 'Claude Code', redirect_uris: ['http://localhost:51234/callback'], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'] },
  'VS Code': { client_name: 'Visual Studio Code', redirect_uris: ['http://127.0.0.1:33418/', 'https://vscode.dev/redirect'], token_endpoint_auth_method: 'none' },
  'MCP Inspector': {
    client_name: 'MCP Inspector',
    client_uri: 'https://github.com/modelcontextprotocol/inspector',
    redirect_uris: ['http://localhost:6274/oauth/callback', 'http://localhost:6274/oauth/callback/debug'],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    scope: 'mcp',
  },
};

test('B1 every interop fixture gets 201 with a server-made client_id, no-store, and no null field', async (t) => {
  const { register, store } = await startRegister(t);
  for (const [name, body] of Object.entries(FIXTURES)) {
    const response = await register(body);
    assert.equal(response.status, 201, name);
    assert.equal(response.headers.get('cache-control'), 'no-store', name);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    const json = (await response.json()) as Record<string, unknown>;
    assert.equal(hasNull(json), false, name);
    assert.equal(typeof json.client_id, 'string');
    assert.ok(Buffer.from(String(json.client_id), 'base64url').length >= 16, name);
    assert.equal(typeof json.client_id_issued_at, 'number');
    assert.deepEqual(json.redirect_uris, body.redirect_uris, name);
    assert.deepEqual(json.grant_types, body.grant_types ?? ['authorization_code', 'refresh_token'], name);
    assert.deepEqual(json.response_types, ['code'], name);
    assert.equal(json.token_endpoint_auth_method, body.token_endpoint_auth_method, name);
    assert.equal(json.client_name, body.client_name, name);
    assert.equal(json.scope, body.scope, name);
    assert.ok(await store.find(String(json.client_id)), name);
  }
});

test('B1 a public client gets no client_secret; unset fields are omitted, defaults echoed', async (t) => {
  const { register } = await startRegister(t);
  const json = (await (await register({ redirect_uris: ['https://claude.ai/api/mcp/auth_callback'], token_endpoint_auth_method: 'none' })).json()) as Record<string, unknown>;
  assert.deepEqual(Object.keys(json).sort(), ['client_id', 'client_id_issued_at', 'grant_types', 'redirect_uris', 'response_types', 'token_endpoint_auth_method']);
});

test('B8 a confidential client gets its secret once (client_secret_expires_at 0), stored only hashed', async (t) => {
  const { register, store } = await startRegister(t);
  const json = (await (await register(FIXTURES['Claude (2026 body)'])).json()) as Record<string, unknown>;
  assert.match(String(json.client_secret), /^kw_cs_[A-Za-z0-9_-]{43,}$/);
  assert.equal(json.client_secret_expires_at, 0);
  assert.equal(json.token_endpoint_auth_method, 'client_secret_post');
  const stored = await store.find(String(json.client_id));
  assert.equal(stored?.secretHash, createSha256Hasher().hash(String(json.client_secret)));
  assert.ok(!JSON.stringify(stored).includes(String(json.client_secret)));
  const noMethod = (await (await register({ redirect_uris: ['https://a.example/cb'] })).json()) as Record<string, unknown>;
  assert.equal(noMethod.token_endpoint_auth_method, 'client_secret_basic');
  assert.equal(typeof noMethod.client_secret, 'string');
});

test('B8 client-supplied client_id, client_secret and client_id_issued_at are ignored', async (t) => {
  const { register, store } = await startRegister(t);
  const response = await register({ ...FIXTURES['Claude (mid-2025 body)'], client_id: 'chosen-by-attacker', client_secret: 'attacker-secret', client_id_issued_at: 1 });
  const json = (await response.json()) as Record<string, unknown>;
  assert.equal(response.status, 201);
  assert.notEqual(json.client_id, 'chosen-by-attacker');
  assert.notEqual(json.client_id_issued_at, 1);
  assert.equal(json.client_secret, undefined);
  assert.equal(await store.find('chosen-by-attacker'), undefined);
});

async function expectError(response: Response, status: number, error: string): Promise<void> {
  assert.equal(response.status, status);
  assert.equal(response.headers.get('cache-control'), 'no-store');
  const json = (await response.json()) as Record<string, unknown>;
  assert.equal(json.error, error);
  assert.equal(typeof json.error_description, 'string');
}

test('B2 redirect_uris absent, null or empty → 400 invalid_redirect_uri', async (t) => {
  const { register } = await startRegister(t);
  await expectError(await register({ client_name: 'x', token_endpoint_auth_method: 'none' }), 400, 'invalid_redirect_uri');
  await expectError(await register({ redirect_uris: null, token_endpoint_auth_method: 'none' }), 400, 'invalid_redirect_uri');
  await expectError(await register({ redirect_uris: [], token_endpoint_auth_method: 'none' }), 400, 'invalid_redirect_uri');
});

test('B3 B4 B5 bad redirect URIs → 400 invalid_redirect_uri', async (t) => {
  const { register } = await startRegister(t);
  for (const uri of ['javascript:alert(1)', ' JavaScript:alert(1)', 'java%0ascript:alert(1)', 'data:text/html,x', 'http://evil.example/cb', 'https://a.example/cb#x', '/cb', 'https://claude.ai@evil.example/cb', 'https:///cb', 'https://*.example.com/cb', 'myapp://cb', 'com.example.app:/cb', 'cursor://anysphere.cursor-mcp/oauth/callback/x']) {
    await expectError(await register({ redirect_uris: [uri], token_endpoint_auth_method: 'none' }), 400, 'invalid_redirect_uri');
  }
});

test('B6 a body over 64 KiB → 413, declared or streamed; the server answers normally afterwards', async (t) => {
  const { register, origin } = await startRegister(t);
  const huge = JSON.stringify({ redirect_uris: ['https://a.example/cb'], client_name: 'x'.repeat(70 * 1024) });
  await expectError(await register(huge), 413, 'invalid_request');
  const status = await new Promise<number>((resolve, reject) => {
    const req = httpRequest(`${origin}/register`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    for (let i = 0; i < 80; i += 1) req.write('x'.repeat(1024));
    req.end();
  });
  assert.equal(status, 413);
  assert.equal((await register(FIXTURES['Claude Code'])).status, 201);
});

test('B6 more than 10 redirect URIs, a 2049-character URI, or a client_name over 200 characters → 400', async (t) => {
  const { register } = await startRegister(t);
  const uris = Array.from({ length: 11 }, (_, i) => `https://a.example/cb${i}`);
  assert.equal((await register({ redirect_uris: uris.slice(0, 10), token_endpoint_auth_method: 'none' })).status, 201);
  await expectError(await register({ redirect_uris: uris, token_endpoint_auth_method: 'none' }), 400, 'invalid_client_metadata');
  await expectError(await register({ redirect_uris: [`https://a.example/${'a'.repeat(2031)}`], token_endpoint_auth_method: 'none' }), 400, 'invalid_redirect_uri');
  await expectError(await register({ ...FIXTURES.ChatGPT, client_name: 'n'.repeat(201) }), 400, 'invalid_client_metadata');
});

test('B6 JSON nested over 64 levels → 400; 64 levels are fine', async (t) => {
  const { register } = await startRegister(t);
  const nested = (depth: number) => `{"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"none","x":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;
  assert.equal(jsonDepth(nested(64)), 64);
  assert.equal((await register(nested(64))).status, 201);
  await expectError(await register(nested(65)), 400, 'invalid_client_metadata');
  await expectError(await register(`{"a":${'['.repeat(20_000)}`), 400, 'invalid_client_metadata');
  assert.equal(jsonDepth('{"a":"[[[[{{{{\\"[["}'), 1);
});

test('B6 a non-JSON Content-Type → 415; JSON with a charset is fine', async (t) => {
  const { register } = await startRegister(t);
  const body = FIXTURES['VS Code'];
  await expectError(await register(body, { 'Content-Type': 'text/plain' }), 415, 'invalid_request');
  await expectError(await register(body, { 'Content-Type': 'application/x-www-form-urlencoded' }), 415, 'invalid_request');
  await expectError(await register(body, {}), 415, 'invalid_request');
  assert.equal((await register(body, { 'Content-Type': 'Application/JSON; charset=utf-8' })).status, 201);
});

test('B7 non-http(s) informational URIs → 400 invalid_client_metadata; hostile names are stored as given', async (t) => {
  const { register, store } = await startRegister(t);
  for (const field of ['logo_uri', 'client_uri', 'tos_uri', 'policy_uri']) {
    await expectError(await register({ ...FIXTURES.ChatGPT, [field]: 'javascript:alert(1)' }), 400, 'invalid_client_metadata');
  }
  for (const name of ['<img src=x onerror=alert(1)>', 'Claude\u202e', 'Сlaude']) {
    const json = (await (await register({ ...FIXTURES.ChatGPT, client_name: name })).json()) as Record<string, unknown>;
    assert.equal(json.client_name, name);
    assert.equal((await store.find(String(json.client_id)))?.clientName, name);
  }
});

test('B8 password, implicit, token response type or an unsupported auth method → 400 invalid_client_metadata', async (t) => {
  const { register } = await startRegister(t);
  const base = { redirect_uris: ['https://a.example/cb'] };
  for (const extra of [{ grant_types: ['authorization_code', 'password'] }, { grant_types: ['implicit'] }, { response_types: ['token'] }, { token_endpoint_auth_method: 'private_key_jwt' }]) {
    await expectError(await register({ ...base, ...extra }), 400, 'invalid_client_metadata');
  }
});

test('malformed bodies → 400 invalid_client_metadata, never 500', async (t) => {
  const { register } = await startRegister(t);
  for (const body of ['{nope', '[]', '"text"', 'null', '42', '{"redirect_uris":"https://a.example/cb"}', '{"redirect_uris":["https://a.example/cb"],"client_name":5}', '{"redirect_uris":[1]}']) {
    await expectError(await register(body), 400, 'invalid_client_metadata');
  }
  const invalidUtf8 = await fetch(`${(await startRegister(t)).origin}/register`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: Buffer.from([0x7b, 0xff, 0x7d]) });
  await expectError(invalidUtf8, 400, 'invalid_client_metadata');
});

test('null optional fields count as absent', async (t) => {
  const { register } = await startRegister(t);
  const response = await register({ redirect_uris: ['https://a.example/cb'], token_endpoint_auth_method: 'none', client_name: null, logo_uri: null, grant_types: null, scope: null });
  assert.equal(response.status, 201);
  const json = (await response.json()) as Record<string, unknown>;
  assert.equal(hasNull(json), false);
  assert.deepEqual(json.grant_types, ['authorization_code', 'refresh_token']);
});

test('registration switched off → 400 invalid_client_metadata', async (t) => {
  const { register } = await startRegister(t, { policy: { dynamicRegistration: false } });
  await expectError(await register(FIXTURES.ChatGPT), 400, 'invalid_client_metadata');
});

test('B9 a limit that answers the request stops registration', async (t) => {
  const limit = (ctx: HttpContext): boolean => {
    sendJson(ctx.res, 429, { error: 'slow_down' }, { 'Retry-After': '60' });
    return false;
  };
  const { register, store } = await startRegister(t, { limit });
  const response = await register(FIXTURES.ChatGPT);
  assert.equal(response.status, 429);
  assert.equal(response.headers.get('retry-after'), '60');
  assert.equal(await store.deleteUnusedBefore(Number.MAX_SAFE_INTEGER), 0);
});

test('L4 a storage outage → 503 temporarily_unavailable', async (t) => {
  const down = (): Promise<never> => Promise.reject(new DomainError('storage_unavailable', 'database is down'));
  const { register } = await startRegister(t, { store: { save: down, find: down, touch: down, deleteUnusedBefore: down } });
  const response = await register(FIXTURES.ChatGPT);
  await expectError(response, 503, 'temporarily_unavailable');
});

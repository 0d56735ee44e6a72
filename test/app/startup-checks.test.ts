import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/app/config.js';
import { createApp } from '../../src/app/container.js';
import { startKeyway } from '../support/keyway.js';

/** Configurations that cannot work stop start-up with one line naming the fix. */
async function startupError(env: Record<string, string>): Promise<string> {
  try {
    await createApp(loadConfig({ KEYWAY_STORE: 'memory', ...env }), () => undefined);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    assert.ok(!error.message.includes('\n'), 'one line');
    return error.message;
  }
  assert.fail('expected start-up to be refused');
}

test('the local development sign-in is refused on a public URL unless explicitly allowed', async () => {
  assert.match(await startupError({ KEYWAY_PUBLIC_URL: 'https://mcp.example.com' }), /^KEYWAY_IDP: .*KEYWAY_LOCAL_LOGIN=on/);
  const app = await createApp(loadConfig({ KEYWAY_STORE: 'memory', KEYWAY_PUBLIC_URL: 'https://mcp.example.com', KEYWAY_LOCAL_LOGIN: 'on' }), () => undefined);
  assert.ok(app.container !== undefined);
});

test('no registration path and no pre-registered client → refused with the fix', async () => {
  assert.match(await startupError({ KEYWAY_DCR: 'off', KEYWAY_CIMD: 'off' }), /^KEYWAY_DCR: .*turn KEYWAY_DCR or KEYWAY_CIMD on, or pre-register a client/);
  const clients = JSON.stringify([{ client_id: 'desk', redirect_uris: ['http://127.0.0.1:9/cb'], token_endpoint_auth_method: 'none' }]);
  const app = await createApp(loadConfig({ KEYWAY_STORE: 'memory', KEYWAY_DCR: 'off', KEYWAY_CIMD: 'off', KEYWAY_CLIENTS: clients }), () => undefined);
  assert.ok(app.container !== undefined);
});

test('the development sign-in logs a loud warning at start-up', async () => {
  const lines: string[] = [];
  await createApp(loadConfig({ KEYWAY_STORE: 'memory' }), (line) => lines.push(line));
  const warning = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((entry) => entry['event'] === 'identity.local_development_sign_in');
  assert.equal(warning?.['level'], 'warn');
});

test('forwarded headers from a peer outside KEYWAY_TRUST_PROXY are ignored and warned about once', async (t) => {
  const keyway = await startKeyway(t);
  for (let i = 0; i < 3; i += 1) await fetch(new URL('/healthz', keyway.origin), { headers: { 'x-forwarded-for': '203.0.113.9' } });
  const warnings = keyway.logs.filter((entry) => entry['event'] === 'http.untrusted_forwarded_headers');
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0]?.['level'], 'warn');
});

/** `loadConfig`'s refusal: a ConfigError of one line. */
function configError(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    assert.ok(!error.message.includes('\n'), 'one line');
    return error.message;
  }
  assert.fail('expected the configuration to be refused');
}

test('a public URL that is not https is refused unless it is loopback', () => {
  assert.match(configError({ KEYWAY_PUBLIC_URL: 'http://mcp.example.com' }), /^KEYWAY_PUBLIC_URL: must use https unless it is a loopback address \(set it to the https origin/);
  for (const loopback of ['http://127.0.0.1:8080', 'http://localhost:8080', 'http://[::1]:8080']) assert.equal(loadConfig({ KEYWAY_PUBLIC_URL: loopback }).publicUrl.origin, loopback);
});

test('a path in the public URL is refused, naming the origin to set instead', () => {
  assert.match(configError({ KEYWAY_PUBLIC_URL: 'https://mcp.example.com/mcp' }), /^KEYWAY_PUBLIC_URL: must be an origin without a path; .* none under \/mcp: use https:\/\/mcp\.example\.com /);
  assert.match(configError({ KEYWAY_PUBLIC_URL: 'https://example.com/keyway/' }), /none under \/keyway\/: use https:\/\/example\.com /);
  assert.equal(loadConfig({ KEYWAY_PUBLIC_URL: 'https://mcp.example.com/' }).publicUrl.href, 'https://mcp.example.com/');
});

const GITHUB = { KEYWAY_PUBLIC_URL: 'https://mcp.example.com', KEYWAY_IDP: 'github', GITHUB_CLIENT_ID: 'Iv1.abc', GITHUB_CLIENT_SECRET: 'shh' };

test('a GitHub callback URL that would not take <public URL>/callback is refused, naming the one to register', () => {
  for (const registered of ['https://mcp.example.com/oauth/callback', 'https://mcp.example.com:8443/callback', 'http://mcp.example.com/callback', 'https://other.example.com/callback', 'not a url']) {
    assert.match(configError({ ...GITHUB, GITHUB_CALLBACK_URL: registered }), /^GITHUB_CALLBACK_URL: .*\(register https:\/\/mcp\.example\.com\/callback at the provider and set GITHUB_CALLBACK_URL to it, or correct KEYWAY_PUBLIC_URL\)$/, registered);
  }
  // GitHub's own rule: the same host (or a parent domain) and port, the callback's path or one below it.
  for (const registered of ['https://mcp.example.com/callback', 'https://mcp.example.com/', 'https://mcp.example.com', 'https://example.com/']) {
    assert.equal(loadConfig({ ...GITHUB, GITHUB_CALLBACK_URL: registered }).github?.callbackUrl, 'https://mcp.example.com/callback', registered);
  }
  assert.equal(loadConfig({ ...GITHUB, KEYWAY_PUBLIC_URL: 'http://127.0.0.1:8080', GITHUB_CALLBACK_URL: 'http://127.0.0.1/callback' }).github?.callbackUrl, 'http://127.0.0.1:8080/callback', 'any port on loopback');
});

test('an OpenID Connect redirect URI other than exactly <public URL>/callback is refused', () => {
  const oidc = { KEYWAY_PUBLIC_URL: 'https://mcp.example.com', KEYWAY_IDP: 'oidc', OIDC_ISSUER: 'https://id.example.com', OIDC_CLIENT_ID: 'keyway' };
  for (const registered of ['https://mcp.example.com/callback/', 'https://mcp.example.com/', 'https://MCP.example.com:443/callback?x=1']) {
    assert.match(configError({ ...oidc, OIDC_REDIRECT_URI: registered }), /^OIDC_REDIRECT_URI: .*register https:\/\/mcp\.example\.com\/callback at the provider/, registered);
  }
  assert.equal(loadConfig({ ...oidc, OIDC_REDIRECT_URI: 'https://mcp.example.com/callback' }).oidc?.clientId, 'keyway');
});

test('a generated secret with the database outside the data dir is refused; KEYWAY_SECRET or the database inside it starts', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'keyway-startup-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const apart = { KEYWAY_DATA_DIR: join(root, 'data'), KEYWAY_STORE: `sqlite:${join(root, 'volume', 'keyway.db')}` };
  await mkdir(join(root, 'volume'));
  assert.match(await startupError(apart), /^KEYWAY_STORE: the database .*keyway\.db is outside KEYWAY_DATA_DIR .*\(set KEYWAY_SECRET, or keep the database in KEYWAY_DATA_DIR\)$/);
  await createApp(loadConfig({ ...apart, KEYWAY_SECRET: randomBytes(32).toString('hex') }), () => undefined);
  await mkdir(join(root, 'data', 'db'), { recursive: true });
  await createApp(loadConfig({ KEYWAY_DATA_DIR: join(root, 'data'), KEYWAY_STORE: `sqlite:${join(root, 'data', 'db', 'keyway.db')}` }), () => undefined);
});

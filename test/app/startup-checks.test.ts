import assert from 'node:assert/strict';
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

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSha256Hasher } from '../../src/adapters/crypto/hasher.js';
import { ConfigError, loadConfig } from '../../src/app/config.js';
import { loadPreregisteredClients, parsePreregisteredClients } from '../../src/app/preregistered-clients.js';

const deps = { hasher: createSha256Hasher(), redirectUriAllowlist: [], now: 1 };

function configErrorOf(text: string): string {
  try {
    loadPreregisteredClients(text, deps);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message;
  }
  assert.fail('accepted');
}

test('KEYWAY_CLIENTS: snake_case entries become camelCase, unknown fields ignored, null means absent', () => {
  const entries = parsePreregisteredClients(
    JSON.stringify([
      { client_id: 'claude', client_secret: 'a-long-enough-secret-0123456789', redirect_uris: ['https://claude.ai/api/mcp/auth_callback'], client_name: 'Claude', logo_uri: null, application_type: 'web' },
      { client_id: 'cli', redirect_uris: ['http://127.0.0.1/callback'], token_endpoint_auth_method: 'none', grant_types: ['authorization_code'] },
    ]),
  );
  assert.deepEqual(entries, [
    { clientId: 'claude', clientSecret: 'a-long-enough-secret-0123456789', redirectUris: ['https://claude.ai/api/mcp/auth_callback'], clientName: 'Claude' },
    { clientId: 'cli', redirectUris: ['http://127.0.0.1/callback'], tokenEndpointAuthMethod: 'none', grantTypes: ['authorization_code'] },
  ]);
});

test('KEYWAY_CLIENTS: absent or blank → no clients', () => {
  assert.deepEqual(parsePreregisteredClients(undefined), []);
  assert.deepEqual(parsePreregisteredClients('  '), []);
  assert.deepEqual(loadPreregisteredClients('[]', deps), []);
});

test('KEYWAY_CLIENTS: built clients are hashed and validated', () => {
  const [client] = loadPreregisteredClients('[{"client_id":"claude","client_secret":"a-long-enough-secret-0123456789","redirect_uris":["https://claude.ai/api/mcp/auth_callback"]}]', deps);
  assert.equal(client?.kind, 'preregistered');
  assert.equal(client?.secretHash, deps.hasher.hash('a-long-enough-secret-0123456789'));
});

test('KEYWAY_CLIENTS: every mistake is one line naming the variable, never echoing a secret', () => {
  const cases = [
    'not json',
    '{"client_id":"x"}',
    '[{"redirect_uris":["https://a.example/cb"]}]',
    '[{"client_id":"x","redirect_uris":"https://a.example/cb"}]',
    '[{"client_id":"x","client_secret":"short-secret!","redirect_uris":["https://a.example/cb"]}]',
    '[{"client_id":"x","client_secret":"a-long-enough-secret-0123456789","redirect_uris":["http://evil.example/cb"]}]',
  ];
  for (const text of cases) {
    const message = configErrorOf(text);
    assert.match(message, /^KEYWAY_CLIENTS: /, text);
    assert.ok(!message.includes('\n'), message);
    assert.ok(!message.includes('short-secret!') && !message.includes('a-long-enough-secret'), message);
  }
  assert.match(configErrorOf('[{"client_id":"x","redirect_uris":["http://evil.example/cb"]}]'), /client 0: redirect_uris\[0\]/);
});

test('KEYWAY_CLIENTS reaches the parser through the configuration as text', () => {
  const config = loadConfig({ KEYWAY_CLIENTS: '[{"client_id":"cli","redirect_uris":["http://127.0.0.1/callback"]}]' });
  assert.equal(loadPreregisteredClients(config.preregisteredClients, deps)[0]?.clientId, 'cli');
});

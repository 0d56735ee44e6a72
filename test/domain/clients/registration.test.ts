import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSha256Hasher } from '../../../src/adapters/crypto/hasher.js';
import { createCryptoRandom } from '../../../src/adapters/system/random.js';
import { registerDynamicClient, validateClientMetadata, type RegistrationDeps } from '../../../src/domain/clients/registration.js';
import type { ClientMetadataInput } from '../../../src/domain/clients/registry.js';
import { isDomainError } from '../../../src/domain/errors.js';
import { createFakeClock } from '../../support/fake-clock.js';

const ALLOWLIST = ['cursor://anysphere.cursor-mcp/oauth/callback'];

function deps(overrides: Partial<RegistrationDeps> = {}): RegistrationDeps {
  return { clock: createFakeClock(), random: createCryptoRandom(), hasher: createSha256Hasher(), redirectUriAllowlist: ALLOWLIST, ...overrides };
}

const PUBLIC: ClientMetadataInput = { redirectUris: ['https://claude.ai/api/mcp/auth_callback'], tokenEndpointAuthMethod: 'none' };

function codeOf(input: ClientMetadataInput): string | undefined {
  try {
    validateClientMetadata(input, ALLOWLIST);
  } catch (error) {
    return isDomainError(error) ? error.code : 'not a domain error';
  }
  return undefined;
}

test('B1 a public client gets a random server-made id of at least 128 bits, issuedAt, and no secret', () => {
  const clock = createFakeClock(1_900_000_000);
  const { client, clientSecret } = registerDynamicClient(PUBLIC, deps({ clock }));
  assert.equal(clientSecret, undefined);
  assert.equal(client.secretHash, undefined);
  assert.equal(client.kind, 'dynamic');
  assert.ok(Buffer.from(client.clientId, 'base64url').length >= 16, client.clientId);
  assert.equal(client.issuedAt, 1_900_000_000);
  assert.equal(client.lastUsedAt, 1_900_000_000);
  assert.equal(client.secretExpiresAt, 0);
  assert.notEqual(registerDynamicClient(PUBLIC, deps()).client.clientId, client.clientId);
});

test('B1 defaults are filled in: both grant types, the code response type', () => {
  const { client } = registerDynamicClient(PUBLIC, deps());
  assert.deepEqual(client.grantTypes, ['authorization_code', 'refresh_token']);
  assert.deepEqual(client.responseTypes, ['code']);
  assert.deepEqual(client.redirectUris, ['https://claude.ai/api/mcp/auth_callback']);
  assert.equal(client.tokenEndpointAuthMethod, 'none');
});

test('B8 a confidential client receives a kw_cs_ secret once; only its hash is stored; it never expires', () => {
  const hasher = createSha256Hasher();
  const { client, clientSecret } = registerDynamicClient({ ...PUBLIC, tokenEndpointAuthMethod: 'client_secret_post' }, deps({ hasher }));
  assert.ok(clientSecret !== undefined && clientSecret.startsWith('kw_cs_'));
  assert.ok(clientSecret.length >= 'kw_cs_'.length + 43);
  assert.equal(client.secretHash, hasher.hash(clientSecret));
  assert.ok(!JSON.stringify(client).includes(clientSecret));
  assert.equal(client.secretExpiresAt, 0);
  assert.equal(client.tokenEndpointAuthMethod, 'client_secret_post');
});

test('without a method the RFC 7591 default client_secret_basic applies, with a secret', () => {
  const { client, clientSecret } = registerDynamicClient({ redirectUris: PUBLIC.redirectUris }, deps());
  assert.equal(client.tokenEndpointAuthMethod, 'client_secret_basic');
  assert.ok(clientSecret?.startsWith('kw_cs_'));
});

test('B2 redirect_uris absent or empty → invalid_redirect_uri', () => {
  assert.equal(codeOf({ tokenEndpointAuthMethod: 'none' }), 'invalid_redirect_uri');
  assert.equal(codeOf({ redirectUris: [], tokenEndpointAuthMethod: 'none' }), 'invalid_redirect_uri');
});

test('B3 B4 one bad redirect URI refuses the registration with invalid_redirect_uri', () => {
  assert.equal(codeOf({ ...PUBLIC, redirectUris: ['https://claude.ai/api/mcp/auth_callback', 'JavaScript:alert(1)'] }), 'invalid_redirect_uri');
  assert.equal(codeOf({ ...PUBLIC, redirectUris: ['http://evil.example/cb'] }), 'invalid_redirect_uri');
});

test('B5 Cursor\'s three-URI body is accepted as a whole', () => {
  const uris = ['cursor://anysphere.cursor-mcp/oauth/callback', 'https://www.cursor.com/agents/mcp/oauth/callback', 'http://localhost:8787/callback'];
  assert.deepEqual(validateClientMetadata({ redirectUris: uris, tokenEndpointAuthMethod: 'none' }, ALLOWLIST).redirectUris, uris);
  assert.equal(codeOf({ redirectUris: [...uris, 'myapp://cb'], tokenEndpointAuthMethod: 'none' }), 'invalid_redirect_uri');
});

test('B6 more than 10 redirect URIs, a URI over 2048 characters, or a client_name over 200 characters → 400', () => {
  const eleven = Array.from({ length: 11 }, (_, i) => `https://a.example/cb${i}`);
  assert.equal(codeOf({ ...PUBLIC, redirectUris: eleven.slice(0, 10) }), undefined);
  assert.equal(codeOf({ ...PUBLIC, redirectUris: eleven }), 'invalid_client_metadata');
  assert.equal(codeOf({ ...PUBLIC, redirectUris: [`https://a.example/${'a'.repeat(2030)}`] }), undefined);
  assert.equal(codeOf({ ...PUBLIC, redirectUris: [`https://a.example/${'a'.repeat(2031)}`] }), 'invalid_redirect_uri');
  assert.equal(codeOf({ ...PUBLIC, clientName: 'n'.repeat(200) }), undefined);
  assert.equal(codeOf({ ...PUBLIC, clientName: 'n'.repeat(201) }), 'invalid_client_metadata');
  assert.equal(codeOf({ ...PUBLIC, scope: 's'.repeat(100_000) }), 'invalid_client_metadata');
  assert.equal(codeOf({ ...PUBLIC, contacts: Array.from({ length: 11 }, () => 'a@example.com') }), 'invalid_client_metadata');
});

test('B7 logo_uri, client_uri, tos_uri, policy_uri must be http(s) URLs', () => {
  for (const field of ['logoUri', 'clientUri', 'tosUri', 'policyUri'] as const) {
    for (const bad of ['javascript:alert(1)', 'JAVASCRIPT:alert(1)', 'data:image/png;base64,AAAA', 'file:///etc/passwd', 'ftp://a.example/x', '/relative', 'not a url', 'https://a.example/\u202e']) {
      assert.equal(codeOf({ ...PUBLIC, [field]: bad }), 'invalid_client_metadata', `${field} ${bad}`);
    }
    assert.equal(codeOf({ ...PUBLIC, [field]: 'https://claude.ai/logo.png' }), undefined);
    assert.equal(codeOf({ ...PUBLIC, [field]: 'http://localhost:6274/logo.png' }), undefined);
  }
});

test('B7 names are stored exactly as given (markup, bidi overrides, homoglyphs)', () => {
  for (const name of ['<img src=x onerror=alert(1)>', 'Claude\u202e', 'Сlaude']) {
    assert.equal(validateClientMetadata({ ...PUBLIC, clientName: name }, ALLOWLIST).clientName, name);
  }
});

test('B8 password, implicit or unknown grant types, token response types and unsupported auth methods → invalid_client_metadata', () => {
  assert.equal(codeOf({ ...PUBLIC, grantTypes: ['authorization_code', 'password'] }), 'invalid_client_metadata');
  assert.equal(codeOf({ ...PUBLIC, grantTypes: ['implicit'] }), 'invalid_client_metadata');
  assert.equal(codeOf({ ...PUBLIC, grantTypes: ['client_credentials'] }), 'invalid_client_metadata');
  assert.equal(codeOf({ ...PUBLIC, grantTypes: ['refresh_token'] }), 'invalid_client_metadata');
  assert.equal(codeOf({ ...PUBLIC, grantTypes: [] }), 'invalid_client_metadata');
  assert.equal(codeOf({ ...PUBLIC, responseTypes: ['token'] }), 'invalid_client_metadata');
  assert.equal(codeOf({ ...PUBLIC, responseTypes: ['code', 'id_token'] }), 'invalid_client_metadata');
  for (const method of ['private_key_jwt', 'client_secret_jwt', 'tls_client_auth', 'NONE', '']) {
    assert.equal(codeOf({ ...PUBLIC, tokenEndpointAuthMethod: method }), 'invalid_client_metadata', method);
  }
  assert.equal(codeOf({ ...PUBLIC, grantTypes: ['authorization_code'] }), undefined);
});

test('unset optional fields are absent, not undefined members', () => {
  const metadata = validateClientMetadata({ ...PUBLIC, clientName: '', logoUri: '' }, ALLOWLIST);
  assert.deepEqual(Object.keys(metadata).sort(), ['grantTypes', 'redirectUris', 'responseTypes', 'tokenEndpointAuthMethod']);
});

test('duplicate redirect URIs collapse to one', () => {
  const metadata = validateClientMetadata({ ...PUBLIC, redirectUris: ['https://a.example/cb', 'https://a.example/cb'] }, ALLOWLIST);
  assert.deepEqual(metadata.redirectUris, ['https://a.example/cb']);
});

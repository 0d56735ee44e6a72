import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSha256Hasher } from '../../../src/adapters/crypto/hasher.js';
import { buildPreregisteredClients, type PreregisteredClientEntry } from '../../../src/domain/clients/preregistered.js';
import { isDomainError } from '../../../src/domain/errors.js';

const hasher = createSha256Hasher();
const deps = { hasher, redirectUriAllowlist: ['cursor://anysphere.cursor-mcp/oauth/callback'], now: 1_800_000_000 };
const SECRET = 'a-long-enough-secret-0123456789';

function failure(entries: readonly PreregisteredClientEntry[]): string | undefined {
  try {
    buildPreregisteredClients(entries, deps);
  } catch (error) {
    return isDomainError(error) ? `${error.code}: ${error.message}` : 'not a domain error';
  }
  return undefined;
}

test('a configured confidential client defaults to client_secret_post (Claude\'s advanced settings) and keeps only a hash', () => {
  const [client] = buildPreregisteredClients([{ clientId: 'claude', clientSecret: SECRET, redirectUris: ['https://claude.ai/api/mcp/auth_callback'], clientName: 'Claude' }], deps);
  assert.ok(client !== undefined);
  assert.equal(client.kind, 'preregistered');
  assert.equal(client.tokenEndpointAuthMethod, 'client_secret_post');
  assert.equal(client.secretHash, hasher.hash(SECRET));
  assert.equal(client.secretExpiresAt, 0);
  assert.equal(client.issuedAt, deps.now);
  assert.ok(!JSON.stringify(client).includes(SECRET));
  assert.deepEqual(client.grantTypes, ['authorization_code', 'refresh_token']);
});

test('a configured client without a secret is public; an explicit method is kept', () => {
  const [publicClient, basic] = buildPreregisteredClients(
    [
      { clientId: 'cli', redirectUris: ['http://127.0.0.1/callback'] },
      { clientId: 'svc', clientSecret: SECRET, tokenEndpointAuthMethod: 'client_secret_basic', redirectUris: ['https://svc.example/cb'] },
    ],
    deps,
  );
  assert.equal(publicClient?.tokenEndpointAuthMethod, 'none');
  assert.equal(publicClient?.secretHash, undefined);
  assert.equal(basic?.tokenEndpointAuthMethod, 'client_secret_basic');
});

test('B3 B4 B5 configured clients follow the registration policy, and errors name the entry', () => {
  const good = { clientId: 'good', redirectUris: ['https://a.example/cb'] };
  assert.match(failure([good, { clientId: 'bad', redirectUris: ['http://evil.example/cb'] }]) ?? '', /^invalid_client_metadata: client 1: redirect_uris\[0\]: http redirect URIs/);
  assert.match(failure([{ clientId: 'x', redirectUris: [] }]) ?? '', /client 0: redirect_uris must list/);
  assert.match(failure([{ clientId: 'x', redirectUris: ['myapp://cb'] }]) ?? '', /client 0: redirect_uris\[0\]: private-use/);
  assert.match(failure([{ clientId: 'x', redirectUris: ['https://a.example/cb'], grantTypes: ['password'] }]) ?? '', /client 0: grant_types/);
  assert.equal(failure([{ clientId: 'x', redirectUris: ['cursor://anysphere.cursor-mcp/oauth/callback'] }]), undefined);
});

test('secrets and methods must agree; weak secrets, bad ids and duplicates are refused', () => {
  const uris = ['https://a.example/cb'];
  assert.match(failure([{ clientId: 'x', clientSecret: SECRET, tokenEndpointAuthMethod: 'none', redirectUris: uris }]) ?? '', /cannot use token_endpoint_auth_method none/);
  assert.match(failure([{ clientId: 'x', tokenEndpointAuthMethod: 'client_secret_basic', redirectUris: uris }]) ?? '', /needs a client_secret/);
  assert.match(failure([{ clientId: 'x', clientSecret: 'short', redirectUris: uris }]) ?? '', /at least 16 characters/);
  assert.match(failure([{ clientId: 'x', clientSecret: SECRET, tokenEndpointAuthMethod: 'private_key_jwt', redirectUris: uris }]) ?? '', /token_endpoint_auth_method must be/);
  assert.match(failure([{ clientId: 'has space', redirectUris: uris }]) ?? '', /client_id must be/);
  assert.match(failure([{ clientId: '', redirectUris: uris }]) ?? '', /client_id must be/);
  assert.match(failure([{ clientId: 'x', redirectUris: uris }, { clientId: 'x', redirectUris: uris }]) ?? '', /client 1: client_id is listed twice/);
});

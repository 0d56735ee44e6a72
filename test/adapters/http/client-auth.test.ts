import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { authenticateClient, presentedCredentials } from '../../../src/adapters/http/client-auth.js';
import { DomainError } from '../../../src/domain/errors.js';
import { aConfidentialClient, aPublicClient, createFakeClientRegistry } from '../../support/oauth-mothers.js';

/** Only the part of a request client authentication reads. */
function requestWith(...authorization: string[]): IncomingMessage {
  return { headersDistinct: authorization.length === 0 ? {} : { authorization } } as unknown as IncomingMessage;
}

function basic(id: string, secret: string, encode = true): string {
  const part = (value: string) => (encode ? encodeURIComponent(value) : value);
  return `Basic ${Buffer.from(`${part(id)}:${part(secret)}`, 'utf8').toString('base64')}`;
}

test('F11 a public client presents its bare client_id (method none)', () => {
  assert.deepEqual(presentedCredentials(requestWith(), { client_id: 'abc' }), { ok: true, credentials: { clientId: 'abc', method: 'none' }, basic: false });
});

test('F11 client_id + client_secret in the body is client_secret_post', () => {
  assert.deepEqual(presentedCredentials(requestWith(), { client_id: 'abc', client_secret: 's3cret' }), {
    ok: true,
    credentials: { clientId: 'abc', method: 'client_secret_post', secret: 's3cret' },
    basic: false,
  });
});

test('F11 Basic credentials are form-urlencoded inside (RFC 6749 §2.3.1): a URL client id with ":" survives', () => {
  const id = 'https://claude.ai/oauth/mcp-oauth-client-metadata';
  const secret = 'a+b:c%d é';
  const presented = presentedCredentials(requestWith(basic(id, secret)), {});
  assert.deepEqual(presented, { ok: true, credentials: { clientId: id, method: 'client_secret_basic', secret }, basic: true });
});

test('F11 Basic from clients that skip the inner encoding still works when nothing needed encoding', () => {
  const presented = presentedCredentials(requestWith(basic('client-1', 'kw_cs_AbC-_9', false)), {});
  assert.ok(presented.ok);
  assert.deepEqual(presented.credentials, { clientId: 'client-1', method: 'client_secret_basic', secret: 'kw_cs_AbC-_9' });
});

test('F11 credentials in both the header and the body → invalid_request', () => {
  for (const form of [{ client_secret: 'x' }, { client_id: 'other', client_secret: 'x' }, { client_id: 'other' }] as Array<Record<string, string>>) {
    const presented = presentedCredentials(requestWith(basic('client-1', 'secret')), form);
    assert.equal(presented.ok, false);
    assert.equal(!presented.ok && presented.error.code, 'invalid_request', JSON.stringify(form));
  }
});

test('F11 a malformed or non-Basic Authorization header → invalid_client with a Basic challenge', () => {
  for (const header of ['Basic', 'Basic !!!', 'Basic a b', `Basic ${Buffer.from('no-colon').toString('base64')}`, `Basic ${Buffer.from(':secret').toString('base64')}`, 'Bearer abc', '']) {
    const presented = presentedCredentials(requestWith(header), { client_id: 'client-1' });
    assert.equal(presented.ok, false, header);
    assert.equal(!presented.ok && presented.error.code, 'invalid_client', header);
    assert.equal(presented.basic, true);
  }
});

test('F11 two Authorization headers → invalid_request', () => {
  const presented = presentedCredentials(requestWith(basic('a', 'b'), basic('a', 'b')), {});
  assert.equal(!presented.ok && presented.error.code, 'invalid_request');
});

test('G7 no client identification at all → invalid_client (public clients must send client_id)', () => {
  const presented = presentedCredentials(requestWith(), {});
  assert.equal(!presented.ok && presented.error.code, 'invalid_client');
  assert.equal(presented.basic, false);
});

test('authenticateClient passes the presented credentials to the registry and reports its refusal', async () => {
  const { client, secret } = aConfidentialClient('client_secret_basic');
  const publicClient = aPublicClient();
  const registry = createFakeClientRegistry([client, publicClient]);
  const ok = await authenticateClient(registry, presentedCredentials(requestWith(basic(client.clientId, secret)), {}));
  assert.equal(ok.ok && ok.client.clientId, client.clientId);
  const refused = await authenticateClient(registry, presentedCredentials(requestWith(basic(client.clientId, 'wrong')), {}));
  assert.equal(refused.ok, false);
  assert.equal(!refused.ok && (refused.error as DomainError).code, 'invalid_client');
  assert.equal(refused.basic, true);
  const unknown = await authenticateClient(registry, presentedCredentials(requestWith(), { client_id: 'nobody' }));
  assert.equal(!unknown.ok && (unknown.error as DomainError).code, 'invalid_client');
  assert.equal(unknown.basic, false);
});

test('authenticateClient hands a storage outage through unchanged (503 at the edge, not 401)', async () => {
  const registry = { ...createFakeClientRegistry([]), authenticate: () => Promise.reject(new DomainError('storage_unavailable', 'down')) };
  const result = await authenticateClient(registry, presentedCredentials(requestWith(), { client_id: 'abc' }));
  assert.equal(!result.ok && (result.error as DomainError).code, 'storage_unavailable');
});

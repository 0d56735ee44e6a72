import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryStores } from '../../../src/adapters/storage/memory/memory-stores.js';
import { createMetadataDocumentResolver, RETRY_AFTER_FAILURE_SECONDS } from '../../../src/domain/clients/metadata-document-resolver.js';
import { CLAUDE_CLIENT_ID, checkMetadataDocumentUrl, clientFromDocument } from '../../../src/domain/clients/metadata-document.js';
import { DomainError, isDomainError } from '../../../src/domain/errors.js';
import type { DocumentFetcher, FetchedDocument } from '../../../src/domain/ports/fetcher.js';
import { createFakeClock, type FakeClock } from '../../support/fake-clock.js';
import { createRecordingLogger } from '../../support/oauth-mothers.js';

const ALLOWLIST = ['cursor://anysphere.cursor-mcp/oauth/callback'];
const URL_ID = 'https://app.example.com/oauth/client.json';

function aDocument(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { client_id: URL_ID, client_name: 'App', redirect_uris: ['https://app.example.com/callback'], token_endpoint_auth_method: 'none', ...overrides };
}

/** A fetcher behind the port: answers from a script and records every URL it was asked for. */
function createScriptedFetcher(): DocumentFetcher & { calls: string[]; answer: (url: string, result: FetchedDocument | Error) => void } {
  const answers = new Map<string, FetchedDocument | Error>();
  const calls: string[] = [];
  return {
    calls,
    answer: (url, result) => answers.set(url, result),
    async fetchJson(url) {
      calls.push(url);
      const result = answers.get(url) ?? new DomainError('fetch_failed', 'the client metadata document answered 404');
      if (result instanceof Error) throw result;
      return result;
    },
  };
}

function world(clock: FakeClock = createFakeClock()) {
  const fetcher = createScriptedFetcher();
  const store = createMemoryStores().clients;
  const logger = createRecordingLogger();
  const resolver = createMetadataDocumentResolver({ store, fetcher, clock, logger, redirectUriAllowlist: ALLOWLIST });
  return { fetcher, store, logger, resolver, clock };
}

async function failureOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return isDomainError(error) ? error.code : 'not a domain error';
  }
  return undefined;
}

function documentFailure(json: unknown, url = URL_ID): string | undefined {
  try {
    clientFromDocument(url, json, ALLOWLIST, 1);
  } catch (error) {
    return isDomainError(error) ? error.code : 'not a domain error';
  }
  return undefined;
}

test('N1 client_id URLs naming internal hosts or breaking the URL rules are refused before any fetch', async () => {
  const { fetcher, resolver } = world();
  const refused = [
    'http://app.example.com/client.json',
    'https://user:pass@app.example.com/client.json',
    'https://app.example.com@127.0.0.1/client.json',
    'https://app.example.com/client.json#x',
    'https://app.example.com/a/../client.json',
    'https://app.example.com/a/./client.json',
    'https://app.example.com/a/%2e%2e/client.json',
    'https://app.example.com/a/%2E/client.json',
    'https://app.example.com',
    'https://app.example.com/',
    'https://App.Example.com/client.json',
    'https://app.example.com:443/client.json',
    'https://app.example.com/client.json ',
    'https://app.example.com/\u0000',
    'https://127.0.0.1/client.json',
    'https://10.0.0.5/client.json',
    'https://169.254.169.254/latest/meta-data',
    'https://0x7f.1/client.json',
    'https://2130706433/client.json',
    'https://017700000001/client.json',
    'https://[::1]/client.json',
    'https://[::ffff:7f00:1]/client.json',
    'https://[fd00::1]/client.json',
    'https://localhost/client.json',
    'https://api.localhost/client.json',
    'https://metadata.google.internal/computeMetadata/v1',
    'https://printer.local/client.json',
    'https://intranet/client.json',
    `https://app.example.com/${'a'.repeat(2048)}`,
  ];
  for (const url of refused) assert.equal(await failureOf(resolver.resolve(url)), 'fetch_failed', url);
  assert.deepEqual(fetcher.calls, []);
});

test('N1 a well-formed client_id URL with a port or query is fetchable', () => {
  for (const url of [CLAUDE_CLIENT_ID, 'https://app.example.com:8443/client.json', 'https://app.example.com/client?id=1', 'https://vscode.dev/oauth/client-metadata.json']) {
    assert.equal(checkMetadataDocumentUrl(url).href, url);
  }
});

test('N1 the document\'s client_id must equal its URL exactly', () => {
  assert.equal(documentFailure(aDocument()), undefined);
  for (const other of ['https://app.example.com/oauth/client.json/', 'https://app.example.com:443/oauth/client.json', 'https://evil.example/oauth/client.json', 'HTTPS://app.example.com/oauth/client.json', undefined, 42]) {
    assert.equal(documentFailure(aDocument({ client_id: other })), 'fetch_failed', String(other));
  }
  for (const json of [null, [], 'text', 42, [aDocument()]]) assert.equal(documentFailure(json), 'fetch_failed', JSON.stringify(json));
});

test('N1 documents carry no shared secret: only none (or no method) is accepted', () => {
  assert.equal(clientFromDocument(URL_ID, aDocument({ token_endpoint_auth_method: undefined }), ALLOWLIST, 1).tokenEndpointAuthMethod, 'none');
  for (const method of ['client_secret_post', 'client_secret_basic', 'client_secret_jwt', 'private_key_jwt', 'tls_client_auth']) {
    assert.equal(documentFailure(aDocument({ token_endpoint_auth_method: method })), 'fetch_failed', method);
  }
  assert.equal(documentFailure(aDocument({ client_secret: 'shh' })), 'fetch_failed');
  assert.equal(documentFailure(aDocument({ client_secret_expires_at: 0 })), 'fetch_failed');
});

test('B3 B4 a document is held to the registration policy (redirect URIs and the rest)', () => {
  for (const redirects of [undefined, [], ['http://evil.example/cb'], ['javascript:alert(1)'], ['myapp://cb'], 'https://app.example.com/callback', [1]]) {
    assert.equal(documentFailure(aDocument({ redirect_uris: redirects })), 'fetch_failed', JSON.stringify(redirects));
  }
  assert.equal(documentFailure(aDocument({ logo_uri: 'javascript:alert(1)' })), 'fetch_failed');
  assert.equal(documentFailure(aDocument({ client_name: 'n'.repeat(201) })), 'fetch_failed');
  assert.equal(documentFailure(aDocument({ response_types: ['token'] })), 'fetch_failed');
  assert.equal(documentFailure(aDocument({ redirect_uris: ['http://127.0.0.1:33418/', 'cursor://anysphere.cursor-mcp/oauth/callback'] })), undefined);
});

test('Claude\'s document shape is accepted; grant types Keyway does not serve are dropped, not fatal', () => {
  const claude = {
    client_id: CLAUDE_CLIENT_ID,
    client_name: 'Claude',
    redirect_uris: ['https://claude.ai/api/mcp/auth_callback'],
    grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:jwt-bearer'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    client_uri: 'https://claude.ai',
    unknown_field: { nested: true },
  };
  const client = clientFromDocument(CLAUDE_CLIENT_ID, claude, ALLOWLIST, 1);
  assert.equal(client.kind, 'metadata_document');
  assert.equal(client.clientId, CLAUDE_CLIENT_ID);
  assert.deepEqual(client.grantTypes, ['authorization_code', 'refresh_token']);
  assert.equal(documentFailure({ ...claude, grant_types: ['urn:ietf:params:oauth:grant-type:jwt-bearer'] }, CLAUDE_CLIENT_ID), 'fetch_failed');
});

test('a fetched document is cached in the ClientStore and served until freshUntil, then refetched', async () => {
  const { fetcher, store, resolver, clock } = world();
  fetcher.answer(URL_ID, { json: aDocument(), freshUntil: clock.now() + 300 });
  const first = await resolver.resolve(URL_ID);
  assert.equal(first.clientName, 'App');
  assert.equal((await store.find(URL_ID))?.kind, 'metadata_document');
  clock.advance(299);
  await resolver.resolve(URL_ID);
  assert.equal(fetcher.calls.length, 1);
  fetcher.answer(URL_ID, { json: aDocument({ client_name: 'App 2' }), freshUntil: clock.now() + 301 });
  clock.advance(1);
  const second = await resolver.resolve(URL_ID);
  assert.equal(fetcher.calls.length, 2);
  assert.equal(second.clientName, 'App 2');
  assert.equal(second.issuedAt, first.issuedAt);
  assert.equal((await store.find(URL_ID))?.clientName, 'App 2');
});

test('a failed or invalid refetch keeps serving the last good copy, and waits before trying again', async () => {
  const { fetcher, resolver, clock, logger } = world();
  fetcher.answer(URL_ID, { json: aDocument(), freshUntil: clock.now() + 10 });
  await resolver.resolve(URL_ID);
  clock.advance(11);
  fetcher.answer(URL_ID, new DomainError('fetch_failed', 'the client metadata document answered 503'));
  assert.equal((await resolver.resolve(URL_ID)).clientName, 'App');
  assert.ok(logger.events.some((event) => event.event === 'clients.metadata_document_stale' && event.level === 'warn'));
  await resolver.resolve(URL_ID);
  assert.equal(fetcher.calls.length, 2);
  clock.advance(RETRY_AFTER_FAILURE_SECONDS);
  fetcher.answer(URL_ID, { json: '<html>challenge</html>', freshUntil: clock.now() + 10 });
  assert.equal((await resolver.resolve(URL_ID)).clientName, 'App');
  assert.equal(fetcher.calls.length, 3);
});

test('errors are never cached: with no good copy every request tries again', async () => {
  const { fetcher, resolver, store } = world();
  assert.equal(await failureOf(resolver.resolve(URL_ID)), 'fetch_failed');
  assert.equal(await failureOf(resolver.resolve(URL_ID)), 'fetch_failed');
  assert.equal(fetcher.calls.length, 2);
  assert.equal(await store.find(URL_ID), undefined);
});

test('an unexpected fetcher failure becomes fetch_failed with a generic message', async () => {
  const { fetcher, resolver } = world();
  fetcher.answer(URL_ID, new Error('ECONNRESET 10.1.2.3:443 internal detail'));
  await assert.rejects(resolver.resolve(URL_ID), (error: unknown) => isDomainError(error) && error.code === 'fetch_failed' && !error.message.includes('10.1.2.3'));
});

test('Claude\'s pinned copy is used only when its fetch fails and nothing is cached', async () => {
  const { fetcher, resolver, store, logger, clock } = world();
  fetcher.answer(CLAUDE_CLIENT_ID, new DomainError('fetch_failed', 'the client metadata document is not JSON'));
  const pinned = await resolver.resolve(CLAUDE_CLIENT_ID);
  assert.equal(pinned.clientName, 'Claude');
  assert.deepEqual(pinned.redirectUris, ['https://claude.ai/api/mcp/auth_callback']);
  assert.deepEqual(pinned.grantTypes, ['authorization_code', 'refresh_token']);
  assert.equal(pinned.tokenEndpointAuthMethod, 'none');
  assert.equal(await store.find(CLAUDE_CLIENT_ID), undefined);
  assert.ok(logger.events.some((event) => event.event === 'clients.metadata_document_pinned'));
  const live = { client_id: CLAUDE_CLIENT_ID, client_name: 'Claude (live)', redirect_uris: ['https://claude.ai/api/mcp/auth_callback', 'https://claude.com/api/mcp/auth_callback'] };
  fetcher.answer(CLAUDE_CLIENT_ID, { json: live, freshUntil: clock.now() + 60 });
  assert.equal((await resolver.resolve(CLAUDE_CLIENT_ID)).clientName, 'Claude (live)');
  clock.advance(61);
  fetcher.answer(CLAUDE_CLIENT_ID, new DomainError('fetch_failed', 'blocked'));
  assert.equal((await resolver.resolve(CLAUDE_CLIENT_ID)).clientName, 'Claude (live)');
});

test('concurrent requests for one document share a single fetch', async () => {
  const { fetcher, resolver, clock } = world();
  fetcher.answer(URL_ID, { json: aDocument(), freshUntil: clock.now() + 60 });
  const clients = await Promise.all(Array.from({ length: 20 }, () => resolver.resolve(URL_ID)));
  assert.equal(fetcher.calls.length, 1);
  assert.ok(clients.every((client) => client.clientId === URL_ID));
});

test('L4 a storage outage is not hidden behind a stale copy', async () => {
  const clock = createFakeClock();
  const fetcher = createScriptedFetcher();
  fetcher.answer(URL_ID, { json: aDocument(), freshUntil: clock.now() + 60 });
  const down = new DomainError('storage_unavailable', 'database is down');
  const store = { save: () => Promise.reject(down), find: async () => undefined, touch: async () => undefined, deleteUnusedBefore: async () => 0 };
  const resolver = createMetadataDocumentResolver({ store, fetcher, clock, logger: createRecordingLogger(), redirectUriAllowlist: ALLOWLIST });
  assert.equal(await failureOf(resolver.resolve(URL_ID)), 'storage_unavailable');
});

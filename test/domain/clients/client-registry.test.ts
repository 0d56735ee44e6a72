import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSha256Hasher } from '../../../src/adapters/crypto/hasher.js';
import { createMemoryStores } from '../../../src/adapters/storage/memory/memory-stores.js';
import { createCryptoRandom } from '../../../src/adapters/system/random.js';
import type { Client } from '../../../src/domain/clients/client.js';
import { createClientRegistry, type ClientPolicy } from '../../../src/domain/clients/client-registry.js';
import { buildPreregisteredClients } from '../../../src/domain/clients/preregistered.js';
import type { ClientCredentials } from '../../../src/domain/clients/registry.js';
import { DomainError, isDomainError } from '../../../src/domain/errors.js';
import type { Hasher } from '../../../src/domain/ports/crypto.js';
import type { DocumentFetcher } from '../../../src/domain/ports/fetcher.js';
import type { ClientStore } from '../../../src/domain/ports/stores.js';
import { createFakeClock } from '../../support/fake-clock.js';
import { createRecordingLogger } from '../../support/oauth-mothers.js';

const DAY = 24 * 3600;
const CLAUDE = { redirectUris: ['https://claude.ai/api/mcp/auth_callback'] };
const DOC_ID = 'https://app.example.com/client.json';

/** The real hasher, counting constant-time comparisons. */
function countingHasher(): Hasher & { equals: number } {
  const real = createSha256Hasher();
  const hasher = {
    equals: 0,
    hash: (value: string) => real.hash(value),
    equal: (a: string, b: string) => {
      hasher.equals += 1;
      return real.equal(a, b);
    },
  };
  return hasher;
}

function aRegistry(options: { policy?: Partial<ClientPolicy>; fetcher?: DocumentFetcher; store?: ClientStore } = {}) {
  const clock = createFakeClock();
  const hasher = countingHasher();
  const store = options.store ?? createMemoryStores().clients;
  const logger = createRecordingLogger();
  const fetched: string[] = [];
  const fetcher: DocumentFetcher = options.fetcher ?? {
    async fetchJson(url) {
      fetched.push(url);
      return { json: { client_id: url, redirect_uris: ['https://app.example.com/cb'] }, freshUntil: clock.now() + 60 };
    },
  };
  const policy: ClientPolicy = { dynamicRegistration: true, metadataDocuments: true, redirectUriAllowlist: [], preregistered: [], unusedSeconds: 30 * DAY, ...options.policy };
  const registry = createClientRegistry({ store, fetcher, clock, random: createCryptoRandom(), hasher, policy, logger });
  return { registry, clock, hasher, store, logger, fetched };
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return isDomainError(error) ? error.code : 'not a domain error';
  }
  return undefined;
}

test('B1 a registration is stored and resolves by its id', async () => {
  const { registry, store, logger } = aRegistry();
  const { client } = await registry.register({ ...CLAUDE, tokenEndpointAuthMethod: 'none' });
  assert.deepEqual(await registry.resolve(client.clientId), client);
  assert.deepEqual(await store.find(client.clientId), client);
  assert.ok(logger.events.some((event) => event.event === 'clients.registered' && event.fields.clientId === client.clientId));
});

test('registration can be switched off', async () => {
  const { registry } = aRegistry({ policy: { dynamicRegistration: false } });
  await assert.rejects(registry.register(CLAUDE), (error: unknown) => isDomainError(error) && error.code === 'invalid_client_metadata' && error.message === 'registration is disabled');
});

test('B5 an allowlisted URI is refused once its entry is removed from configuration', async () => {
  const cursor = ['cursor://anysphere.cursor-mcp/oauth/callback'];
  assert.equal(await codeOf(aRegistry({ policy: { redirectUriAllowlist: cursor } }).registry.register({ redirectUris: cursor })), undefined);
  assert.equal(await codeOf(aRegistry({ policy: { redirectUriAllowlist: [] } }).registry.register({ redirectUris: cursor })), 'invalid_redirect_uri');
});

test('unknown ids, empty ids and 100 KB ids resolve to nothing (K7)', async () => {
  const { registry } = aRegistry();
  assert.equal(await registry.resolve('no-such-client'), undefined);
  assert.equal(await registry.resolve(''), undefined);
  const started = performance.now();
  assert.equal(await registry.resolve('x'.repeat(100_000)), undefined);
  assert.ok(performance.now() - started < 100);
});

test('pre-registered clients resolve first, and an https id among them is never fetched', async () => {
  const [configured] = buildPreregisteredClients([{ clientId: DOC_ID, redirectUris: ['https://app.example.com/cb'] }], { hasher: createSha256Hasher(), redirectUriAllowlist: [], now: 1 });
  const { registry, fetched } = aRegistry({ policy: { preregistered: configured === undefined ? [] : [configured] } });
  assert.equal((await registry.resolve(DOC_ID))?.kind, 'preregistered');
  assert.deepEqual(fetched, []);
});

test('metadata documents resolve when enabled, and are not fetched when disabled', async () => {
  const on = aRegistry();
  assert.equal((await on.registry.resolve(DOC_ID))?.kind, 'metadata_document');
  const off = aRegistry({ policy: { metadataDocuments: false } });
  assert.equal(await off.registry.resolve(DOC_ID), undefined);
  assert.deepEqual(off.fetched, []);
  await on.registry.resolve(DOC_ID);
  const stored = await on.store.find(DOC_ID);
  const offWithCopy = aRegistry({ policy: { metadataDocuments: false }, store: on.store });
  assert.ok(stored !== undefined);
  assert.equal(await offWithCopy.registry.resolve(DOC_ID), undefined);
});

test('an unused dynamic client expires: unknown after unusedSeconds, then collected with unused document copies; use keeps it alive', async () => {
  const { registry, clock, store } = aRegistry();
  const idle = (await registry.register({ ...CLAUDE, tokenEndpointAuthMethod: 'none' })).client;
  const busy = (await registry.register({ ...CLAUDE, tokenEndpointAuthMethod: 'none' })).client;
  await registry.resolve(DOC_ID);
  clock.advance(20 * DAY);
  await registry.touch(busy.clientId);
  clock.advance(10 * DAY);
  assert.ok(await registry.resolve(idle.clientId));
  clock.advance(1);
  assert.equal(await registry.resolve(idle.clientId), undefined);
  assert.ok(await registry.resolve(busy.clientId));
  assert.equal(await registry.collectUnused(), 2);
  assert.equal(await store.find(idle.clientId), undefined);
  assert.ok(await store.find(busy.clientId));
  assert.equal(await store.find(DOC_ID), undefined, 'the unused metadata-document copy is collected too');
});

test('F11 a public client authenticates with none only, and never with a secret', async () => {
  const { registry, clock, store } = aRegistry();
  const { client } = await registry.register({ ...CLAUDE, tokenEndpointAuthMethod: 'none' });
  clock.advance(100);
  assert.equal((await registry.authenticate({ clientId: client.clientId, method: 'none' })).clientId, client.clientId);
  assert.equal((await store.find(client.clientId))?.lastUsedAt, clock.now());
  for (const credentials of [
    { clientId: client.clientId, method: 'none', secret: 'anything' },
    { clientId: client.clientId, method: 'client_secret_post', secret: 'anything' },
    { clientId: client.clientId, method: 'client_secret_basic', secret: 'anything' },
  ] satisfies ClientCredentials[]) {
    assert.equal(await codeOf(registry.authenticate(credentials)), 'invalid_client', JSON.stringify(credentials));
  }
});

test('F11 an unknown client → invalid_client, so clients register again', async () => {
  const { registry, logger } = aRegistry();
  assert.equal(await codeOf(registry.authenticate({ clientId: 'gone', method: 'none' })), 'invalid_client');
  assert.ok(logger.events.some((event) => event.event === 'clients.authentication_failed' && event.level === 'warn'));
});

test('F11 a confidential client needs its secret, over its registered method, compared in constant time', async () => {
  const { registry, hasher } = aRegistry();
  const { client, clientSecret } = await registry.register({ ...CLAUDE, tokenEndpointAuthMethod: 'client_secret_post' });
  assert.ok(clientSecret !== undefined);
  const id = client.clientId;
  const before = hasher.equals;
  assert.equal((await registry.authenticate({ clientId: id, method: 'client_secret_post', secret: clientSecret })).clientId, id);
  assert.ok(hasher.equals > before);
  for (const credentials of [
    { clientId: id, method: 'client_secret_post', secret: `${clientSecret}x` },
    { clientId: id, method: 'client_secret_post', secret: '' },
    { clientId: id, method: 'client_secret_post' },
    { clientId: id, method: 'client_secret_basic', secret: clientSecret },
    { clientId: id, method: 'none' },
  ] satisfies ClientCredentials[]) {
    assert.equal(await codeOf(registry.authenticate(credentials)), 'invalid_client', JSON.stringify({ ...credentials, secret: credentials.secret === undefined ? undefined : '…' }));
  }
});

test('F11 an expired secret → invalid_client, even when it is right', async () => {
  const { registry, store, clock, hasher } = aRegistry();
  const expiring: Client = {
    clientId: 'expiring',
    kind: 'dynamic',
    redirectUris: CLAUDE.redirectUris,
    grantTypes: ['authorization_code'],
    responseTypes: ['code'],
    tokenEndpointAuthMethod: 'client_secret_basic',
    secretHash: hasher.hash('kw_cs_right'),
    secretExpiresAt: clock.now() + 10,
    issuedAt: clock.now(),
    lastUsedAt: clock.now(),
  };
  await store.save(expiring);
  assert.ok(await registry.authenticate({ clientId: 'expiring', method: 'client_secret_basic', secret: 'kw_cs_right' }));
  clock.advance(10);
  assert.equal(await codeOf(registry.authenticate({ clientId: 'expiring', method: 'client_secret_basic', secret: 'kw_cs_right' })), 'invalid_client');
});

test('F11 a metadata-document client whose document cannot be fetched → invalid_client at the token endpoint', async () => {
  const fetcher: DocumentFetcher = { fetchJson: () => Promise.reject(new DomainError('fetch_failed', 'timed out')) };
  const { registry } = aRegistry({ fetcher });
  assert.equal(await codeOf(registry.resolve(DOC_ID)), 'fetch_failed');
  assert.equal(await codeOf(registry.authenticate({ clientId: DOC_ID, method: 'none' })), 'invalid_client');
});

test('L4 a storage outage surfaces as storage_unavailable, never as invalid_client', async () => {
  const down = (): Promise<never> => Promise.reject(new DomainError('storage_unavailable', 'database is down'));
  const store: ClientStore = { save: down, find: down, touch: down, deleteUnusedBefore: down };
  const { registry } = aRegistry({ store });
  assert.equal(await codeOf(registry.authenticate({ clientId: 'some-client', method: 'none' })), 'storage_unavailable');
  assert.equal(await codeOf(registry.register(CLAUDE)), 'storage_unavailable');
});

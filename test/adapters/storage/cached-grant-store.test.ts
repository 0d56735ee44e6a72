import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createCachedGrantStore, withTokenCache } from '../../../src/adapters/storage/cached-grant-store.js';
import { createMemoryStores } from '../../../src/adapters/storage/memory/memory-stores.js';
import type { GrantStore } from '../../../src/domain/ports/stores.js';
import type { AccessToken } from '../../../src/domain/tokens/token.js';
import { aClient, aGrant, anAccessToken, NOW } from '../../contracts/fixtures.js';

/**
 * A fake inner store: the memory store behind the port, counting `findAccessToken` calls. While
 * `held` is set, a look-up reads the store at once but answers only when `release` is called, as a
 * slow database would.
 */
function spyStore() {
  const real = createMemoryStores().grants;
  let release: (() => void) | undefined;
  let held: Promise<void> | undefined;
  const spy = {
    finds: 0,
    hold: () => {
      held = new Promise((resolve) => {
        release = resolve;
      });
    },
    release: () => {
      held = undefined;
      release?.();
    },
  };
  const store: GrantStore = {
    ...real,
    findAccessToken: async (tokenHash, now) => {
      spy.finds += 1;
      const found = await real.findAccessToken(tokenHash, now);
      await held;
      return found;
    },
  };
  return { spy, store };
}

async function seeded(options = { ttlSeconds: 10, maxEntries: 100 }, overrides: Partial<AccessToken> = {}) {
  const { spy, store } = spyStore();
  const grant = aGrant();
  await store.createGrant(grant);
  const token = anAccessToken(grant, overrides);
  await store.saveAccessToken(token);
  return { spy, inner: store, cached: createCachedGrantStore(store, options), grant, token };
}

describe('cached grant store', () => {
  test('a hit answers without the inner store, with the same record', async () => {
    const { spy, cached, token } = await seeded();
    assert.deepEqual(await cached.findAccessToken(token.tokenHash, NOW), token);
    assert.deepEqual(await cached.findAccessToken(token.tokenHash, NOW + 1), token);
    assert.equal(spy.finds, 1);
  });

  test('H1 a hit is checked against now: the entry ends after the ttl, and with the token', async () => {
    const { spy, cached, token } = await seeded({ ttlSeconds: 10, maxEntries: 100 }, { expiresAt: NOW + 15 });
    await cached.findAccessToken(token.tokenHash, NOW);
    assert.deepEqual(await cached.findAccessToken(token.tokenHash, NOW + 9), token);
    assert.equal(spy.finds, 1);
    assert.deepEqual(await cached.findAccessToken(token.tokenHash, NOW + 10), token);
    assert.equal(spy.finds, 2);
    assert.equal(await cached.findAccessToken(token.tokenHash, NOW + 15), undefined);
    assert.equal(spy.finds, 3);
  });

  test('G7 revokeGrant and revokeClientGrants through the cache end its tokens at once', async () => {
    const { cached, inner, grant, token } = await seeded();
    const other = aGrant({ clientId: 'client-b' });
    await inner.createGrant(other);
    const otherToken = anAccessToken(other);
    await inner.saveAccessToken(otherToken);
    await cached.findAccessToken(token.tokenHash, NOW);
    await cached.findAccessToken(otherToken.tokenHash, NOW);

    await cached.revokeGrant(grant.grantId, NOW);
    assert.equal(await cached.findAccessToken(token.tokenHash, NOW), undefined);
    await cached.revokeClientGrants('client-b', NOW);
    assert.equal(await cached.findAccessToken(otherToken.tokenHash, NOW), undefined);
  });

  test('G8 a look-up in flight while a revocation lands is answered but never cached', async () => {
    const { spy, cached, grant, token } = await seeded();
    spy.hold();
    const inFlight = cached.findAccessToken(token.tokenHash, NOW);
    await cached.revokeGrant(grant.grantId, NOW);
    spy.release();
    assert.deepEqual(await inFlight, token);

    assert.equal(await cached.findAccessToken(token.tokenHash, NOW), undefined);
    assert.equal(spy.finds, 2);
  });

  test('only live tokens are cached: an unknown hash is asked again', async () => {
    const { spy, cached } = await seeded();
    assert.equal(await cached.findAccessToken('no-such-token', NOW), undefined);
    assert.equal(await cached.findAccessToken('no-such-token', NOW), undefined);
    assert.equal(spy.finds, 2);
  });

  test('the cache holds at most maxEntries, evicting the oldest', async () => {
    const { spy, cached, inner, grant, token } = await seeded({ ttlSeconds: 10, maxEntries: 2 });
    const [second, third] = [anAccessToken(grant), anAccessToken(grant)];
    await inner.saveAccessToken(second);
    await inner.saveAccessToken(third);
    for (const each of [token, second, third]) await cached.findAccessToken(each.tokenHash, NOW);
    assert.equal(spy.finds, 3);
    await cached.findAccessToken(third.tokenHash, NOW);
    await cached.findAccessToken(second.tokenHash, NOW);
    assert.equal(spy.finds, 3);
    assert.deepEqual(await cached.findAccessToken(token.tokenHash, NOW), token);
    assert.equal(spy.finds, 4);
  });

  test('KEYWAY_TOKEN_CACHE_SECONDS=0 leaves the stores uncached', () => {
    const stores = createMemoryStores();
    const same = withTokenCache(stores, { ttlSeconds: 0, maxEntries: 100 });
    assert.equal(same.grants, stores.grants);
    assert.equal(same.clients, stores.clients);
  });

  test('H1 a cached token still dies with its grant\'s end across purges', async () => {
    const { store } = spyStore();
    const grant = aGrant({ expiresAt: NOW + 5 });
    await store.createGrant(grant);
    const token = anAccessToken(grant, { expiresAt: NOW + 3600 });
    await store.saveAccessToken(token);
    const cached = createCachedGrantStore(store, { ttlSeconds: 60, maxEntries: 100 });
    assert.deepEqual(await cached.findAccessToken(token.tokenHash, NOW), token);
    await cached.purgeExpired(NOW + 5);
    assert.equal(await cached.findAccessToken(token.tokenHash, NOW + 5), undefined);
  });

  test('B9 deleting unused clients, which takes their grants past the grant store, clears the cache', async () => {
    const stores = withTokenCache(createMemoryStores(), { ttlSeconds: 60, maxEntries: 100 });
    const client = aClient({ lastUsedAt: NOW - 100 });
    await stores.clients.save(client);
    const grant = aGrant({ clientId: client.clientId });
    await stores.grants.createGrant(grant);
    const token = anAccessToken(grant);
    await stores.grants.saveAccessToken(token);
    assert.deepEqual(await stores.grants.findAccessToken(token.tokenHash, NOW), token);

    assert.equal(await stores.clients.deleteUnusedBefore(NOW), 1);
    assert.equal(await stores.grants.findAccessToken(token.tokenHash, NOW), undefined);
  });
});

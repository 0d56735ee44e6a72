import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ClientStore } from '../../src/domain/ports/stores.js';
import { aClient, aFullClient, NOW, tamper, type MakeStore } from './fixtures.js';
import { open } from './harness.js';

/** The ClientStore contract: every adapter's test calls this with a factory of fresh, empty stores. */
export function clientStoreContract(make: MakeStore<ClientStore>): void {
  describe('ClientStore contract', () => {
    test('a saved client is found with every field; an unknown id is undefined', async (t) => {
      const store = await open(t, make);
      const full = aFullClient();
      const minimal = aClient();
      await store.save(full);
      await store.save(minimal);
      assert.deepEqual(await store.find(full.clientId), full);
      assert.deepEqual(await store.find(minimal.clientId), minimal);
      assert.equal(await store.find('no-such-client'), undefined);
    });

    test('save replaces the client of the same id (a refreshed metadata document)', async (t) => {
      const store = await open(t, make);
      const first = aClient({ kind: 'metadata_document', clientId: 'https://app.example.com/client.json', clientName: 'Old' });
      await store.save(first);
      const second = { ...first, clientName: 'New', redirectUris: ['https://app.example.com/cb'] };
      await store.save(second);
      assert.deepEqual(await store.find(first.clientId), second);
    });

    test('the stored client cannot be changed through the saved or the returned object', async (t) => {
      const store = await open(t, make);
      const input = aFullClient();
      const expected = structuredClone(input);
      await store.save(input);
      tamper(input);
      const found = await store.find(expected.clientId);
      assert.ok(found);
      tamper(found);
      assert.deepEqual(await store.find(expected.clientId), expected);
    });

    test('touch records the last use; it never moves back and ignores unknown ids', async (t) => {
      const store = await open(t, make);
      const client = aClient({ lastUsedAt: NOW });
      await store.save(client);
      await store.touch(client.clientId, NOW + 100);
      assert.equal((await store.find(client.clientId))?.lastUsedAt, NOW + 100);
      await store.touch(client.clientId, NOW + 50);
      assert.equal((await store.find(client.clientId))?.lastUsedAt, NOW + 100);
      await store.touch('no-such-client', NOW);
      assert.equal(await store.find('no-such-client'), undefined);
    });

    test('deleteUnusedBefore deletes dynamic clients and cached metadata documents unused before the cutoff, never configured ones (B9 bounded by expiry)', async (t) => {
      const store = await open(t, make);
      const cutoff = NOW + 1000;
      const stale = aClient({ lastUsedAt: cutoff - 1 });
      const boundary = aClient({ lastUsedAt: cutoff });
      const recent = aClient({ lastUsedAt: NOW - 5 });
      await store.save(recent);
      await store.touch(recent.clientId, cutoff + 1); // a use keeps a registration alive
      const staleDocument = aClient({ kind: 'metadata_document', lastUsedAt: NOW });
      const freshDocument = aClient({ kind: 'metadata_document', lastUsedAt: cutoff });
      const configured = aClient({ kind: 'preregistered', lastUsedAt: NOW });
      for (const client of [stale, boundary, staleDocument, freshDocument, configured]) await store.save(client);

      assert.equal(await store.deleteUnusedBefore(cutoff), 2);
      assert.equal(await store.find(stale.clientId), undefined);
      assert.equal(await store.find(staleDocument.clientId), undefined, 'a cached document is refetched when needed again');
      for (const kept of [boundary, recent, freshDocument, configured]) assert.ok(await store.find(kept.clientId), kept.kind);
      assert.equal(await store.deleteUnusedBefore(cutoff), 0);
    });
  });
}

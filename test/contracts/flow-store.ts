import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FlowNamespace, FlowStore } from '../../src/domain/ports/stores.js';
import { NOW, type MakeStore } from './fixtures.js';
import { count, open } from './harness.js';

const NAMESPACES: readonly FlowNamespace[] = ['authorization', 'upstream_state', 'csrf'];

/** The FlowStore contract: every adapter's test calls this with a factory of fresh, empty stores. */
export function flowStoreContract(make: MakeStore<FlowStore>): void {
  describe('FlowStore contract', () => {
    test('peek reads without consuming; take returns the payload once', async (t) => {
      const store = await open(t, make);
      await store.put('authorization', 'req-1', '{"client_id":"a"}', NOW + 600);
      assert.equal(await store.peek('authorization', 'req-1', NOW), '{"client_id":"a"}');
      assert.equal(await store.peek('authorization', 'req-1', NOW), '{"client_id":"a"}');
      assert.equal(await store.take('authorization', 'req-1', NOW), '{"client_id":"a"}');
      assert.equal(await store.take('authorization', 'req-1', NOW), undefined);
      assert.equal(await store.peek('authorization', 'req-1', NOW), undefined);
      assert.equal(await store.take('authorization', 'never-put', NOW), undefined);
    });

    test('put replaces the record of the same namespace and id', async (t) => {
      const store = await open(t, make);
      await store.put('csrf', 'x', 'first', NOW + 10);
      await store.put('csrf', 'x', 'second', NOW + 20);
      assert.equal(await store.peek('csrf', 'x', NOW + 15), 'second');
    });

    test('F12 an id from one namespace is never found in another, and the original is untouched', async (t) => {
      const store = await open(t, make);
      for (const home of NAMESPACES) {
        const id = `shared-${home}`;
        await store.put(home, id, `payload of ${home}`, NOW + 600);
        for (const other of NAMESPACES.filter((name) => name !== home)) {
          assert.equal(await store.peek(other, id, NOW), undefined, `${home} id peeked in ${other}`);
          assert.equal(await store.take(other, id, NOW), undefined, `${home} id taken in ${other}`);
        }
        assert.equal(await store.take(home, id, NOW), `payload of ${home}`);
      }
    });

    test('F12 the same id in two namespaces holds two separate records', async (t) => {
      const store = await open(t, make);
      await store.put('csrf', 'same', 'csrf payload', NOW + 600);
      await store.put('upstream_state', 'same', 'state payload', NOW + 600);
      assert.equal(await store.take('csrf', 'same', NOW), 'csrf payload');
      assert.equal(await store.take('upstream_state', 'same', NOW), 'state payload');
    });

    test('E1 a record is live until the second before expiresAt, then gone for peek and take', async (t) => {
      const store = await open(t, make);
      await store.put('upstream_state', 'a', 'A', NOW + 600);
      await store.put('upstream_state', 'b', 'B', NOW + 600);
      assert.equal(await store.peek('upstream_state', 'a', NOW + 599), 'A');
      assert.equal(await store.peek('upstream_state', 'a', NOW + 600), undefined);
      assert.equal(await store.take('upstream_state', 'a', NOW + 600), undefined);
      assert.equal(await store.take('upstream_state', 'b', NOW + 599), 'B');
    });

    test('F6-style: of 20 concurrent takes exactly one gets the payload', async (t) => {
      const store = await open(t, make);
      await store.put('upstream_state', 'race', 'winner', NOW + 600);
      const results = await Promise.all(Array.from({ length: 20 }, () => store.take('upstream_state', 'race', NOW)));
      assert.equal(count(results, 'winner'), 1);
      assert.equal(count(results, undefined), 19);
    });

    test('purgeExpired deletes expired records in every namespace and keeps live ones (L7)', async (t) => {
      const store = await open(t, make);
      await store.put('authorization', 'old', 'x', NOW);
      await store.put('csrf', 'old', 'x', NOW - 100);
      await store.put('upstream_state', 'live', 'y', NOW + 1);
      assert.equal(await store.purgeExpired(NOW), 2);
      assert.equal(await store.purgeExpired(NOW), 0);
      assert.equal(await store.peek('upstream_state', 'live', NOW), 'y');
    });
  });
}

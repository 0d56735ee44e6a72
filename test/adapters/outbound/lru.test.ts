import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLru } from '../../../src/adapters/outbound/lru.js';

test('the LRU keeps at most its capacity and drops the least recently used entry', () => {
  const lru = createLru<number>(2);
  lru.set('a', 1);
  lru.set('b', 2);
  assert.equal(lru.get('a'), 1);
  lru.set('c', 3);
  assert.equal(lru.size, 2);
  assert.equal(lru.get('b'), undefined);
  assert.equal(lru.get('a'), 1);
  lru.set('a', 10);
  lru.set('d', 4);
  assert.equal(lru.get('c'), undefined);
  assert.equal(lru.get('a'), 10);
  lru.delete('a');
  assert.equal(lru.size, 1);
});

test('an LRU of capacity 0 keeps nothing; a negative capacity is refused', () => {
  const lru = createLru<number>(0);
  lru.set('a', 1);
  assert.equal(lru.get('a'), undefined);
  assert.throws(() => createLru(-1));
});

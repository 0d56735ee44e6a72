import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createExpiringMap } from '../../../../src/adapters/identity/local/expiring-map.js';
import { createFakeClock } from '../../../support/fake-clock.js';

describe('the local provider’s bounded, expiring map', () => {
  test('entries expire at expiresAt; take is single use', () => {
    const clock = createFakeClock(100);
    const map = createExpiringMap<{ expiresAt: number; v: string }>(clock, 10);
    map.set('a', { expiresAt: 110, v: 'x' });
    assert.equal(map.get('a')?.v, 'x');
    assert.equal(map.take('a')?.v, 'x');
    assert.equal(map.take('a'), undefined);
    map.set('b', { expiresAt: 110, v: 'y' });
    clock.advance(10);
    assert.equal(map.get('b'), undefined);
  });

  test('at the cap the oldest entry goes; expired entries are purged on insert', () => {
    const clock = createFakeClock(100);
    const map = createExpiringMap<{ expiresAt: number }>(clock, 3);
    for (const key of ['a', 'b', 'c', 'd']) map.set(key, { expiresAt: 200 });
    assert.equal(map.size, 3);
    assert.equal(map.get('a'), undefined);
    assert.ok(map.get('d'));
    clock.advance(100);
    map.set('e', { expiresAt: 300 });
    assert.equal(map.size, 1);
  });
});

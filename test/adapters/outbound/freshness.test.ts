import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_FRESHNESS, freshnessSeconds } from '../../../src/adapters/outbound/freshness.js';

const NOW = 1_800_000_000;

test('Cache-Control directives are case-insensitive, may be quoted, and the first max-age wins', () => {
  assert.equal(freshnessSeconds({ 'cache-control': 'Public, MAX-AGE=120' }, NOW), 120);
  assert.equal(freshnessSeconds({ 'cache-control': 'max-age="90"' }, NOW), 90);
  assert.equal(freshnessSeconds({ 'cache-control': 'max-age=100, max-age=5000' }, NOW), 100);
  assert.equal(freshnessSeconds({ 'cache-control': 'private, max-age=60' }, NOW), 60, 'Keyway is a private cache');
  assert.equal(freshnessSeconds({ 'cache-control': 'max-age=600, no-store' }, NOW), 0);
  assert.equal(freshnessSeconds({ 'cache-control': 'max-age=-1' }, NOW), 0);
});

test('max-age beats Expires; Expires without Date counts from now', () => {
  const inTenMinutes = new Date((NOW + 600) * 1000).toUTCString();
  assert.equal(freshnessSeconds({ 'cache-control': 'max-age=60', expires: inTenMinutes }, NOW), 60);
  assert.equal(freshnessSeconds({ expires: inTenMinutes }, NOW), 600);
  assert.equal(freshnessSeconds({ expires: 'yesterday-ish' }, NOW), 0);
});

test('bounds are configurable', () => {
  const bounds = { floorSeconds: 10, ceilingSeconds: 50, defaultSeconds: 20 };
  assert.equal(freshnessSeconds({ 'cache-control': 'max-age=1' }, NOW, bounds), 10);
  assert.equal(freshnessSeconds({ 'cache-control': 'max-age=1000' }, NOW, bounds), 50);
  assert.equal(freshnessSeconds({}, NOW, bounds), 20);
  assert.equal(freshnessSeconds({}, NOW), DEFAULT_FRESHNESS.defaultSeconds);
});

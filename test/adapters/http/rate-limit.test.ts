import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test, type TestContext } from 'node:test';
import { createRateLimiter, sendRateLimited, type RateLimiter } from '../../../src/adapters/http/rate-limit.js';

function manualClock(start = 1_800_000_000): { now: () => number; advance: (seconds: number) => void } {
  let now = start;
  return { now: () => now, advance: (seconds) => (now += seconds) };
}

function takeMany(limiter: RateLimiter, key: string, count: number): boolean[] {
  return Array.from({ length: count }, () => limiter.take(key).allowed);
}

describe('rate limiter (B9, K6)', () => {
  test('K6 a key hammering past its burst is refused with a retry time; tokens come back at the rate', () => {
    const clock = manualClock();
    const limiter = createRateLimiter({ perMinute: 60, burst: 3, clock: clock.now });
    assert.deepEqual(takeMany(limiter, 'client-a', 3), [true, true, true]);
    assert.deepEqual(limiter.take('client-a'), { allowed: false, retryAfterSeconds: 1 });
    clock.advance(1);
    assert.deepEqual(limiter.take('client-a'), { allowed: true, retryAfterSeconds: 0 });
    assert.equal(limiter.take('client-a').allowed, false);
    clock.advance(3600);
    assert.deepEqual(takeMany(limiter, 'client-a', 4), [true, true, true, false], 'the bucket never holds more than the burst');
  });

  test('K6 keys are independent: one hammering client does not throttle others sharing its egress', () => {
    const limiter = createRateLimiter({ perMinute: 10, burst: 2, clock: manualClock().now });
    takeMany(limiter, 'client-a', 50);
    assert.deepEqual(takeMany(limiter, 'client-b', 2), [true, true]);
    assert.deepEqual(takeMany(limiter, 'user-1', 2), [true, true]);
  });

  test('B9 retry-after reflects the refill rate, and the burst defaults to the per-minute budget', () => {
    const clock = manualClock();
    const slow = createRateLimiter({ perMinute: 2, clock: clock.now });
    assert.deepEqual(takeMany(slow, 'ip', 3), [true, true, false]);
    assert.equal(slow.take('ip').retryAfterSeconds, 30);
    clock.advance(29);
    assert.equal(slow.take('ip').allowed, false);
    assert.equal(slow.take('ip').retryAfterSeconds, 1);
    clock.advance(1);
    assert.equal(slow.take('ip').allowed, true);
  });

  test('a clock stepping back neither refills nor drains', () => {
    const clock = manualClock();
    const limiter = createRateLimiter({ perMinute: 60, burst: 1, clock: clock.now });
    assert.equal(limiter.take('k').allowed, true);
    clock.advance(-100);
    assert.equal(limiter.take('k').allowed, false);
    clock.advance(1);
    assert.equal(limiter.take('k').allowed, true);
  });

  test('memory is bounded: past maxKeys the longest-idle key is forgotten, active ones are kept', () => {
    const clock = manualClock();
    const limiter = createRateLimiter({ perMinute: 1, burst: 1, clock: clock.now, maxKeys: 3 });
    for (const key of ['a', 'b', 'c']) limiter.take(key);
    limiter.take('a');
    limiter.take('d');
    assert.equal(limiter.take('a').allowed, false, 'a was used recently and is still limited');
    assert.equal(limiter.take('c').allowed, false);
    assert.equal(limiter.take('b').allowed, true, 'b was idle longest and was forgotten');
    for (let i = 0; i < 10_000; i += 1) limiter.take(`flood-${i}`);
    assert.equal(limiter.take('flood-9999').allowed, false);
  });

  test('nonsense settings are refused', () => {
    assert.throws(() => createRateLimiter({ perMinute: 0, clock: Date.now }), /perMinute/);
    assert.throws(() => createRateLimiter({ perMinute: 10, burst: -1, clock: Date.now }), /burst/);
    assert.throws(() => createRateLimiter({ perMinute: 10, maxKeys: 0, clock: Date.now }), /maxKeys/);
  });
});

async function serve(t: TestContext, retryAfterSeconds: number): Promise<Response> {
  const server = createServer((_req, res) => sendRateLimited(res, retryAfterSeconds));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/token`, { method: 'POST' });
}

describe('sendRateLimited (B9, K6)', () => {
  test('B9 K6 429 JSON in OAuth shape with Retry-After and no-store', async (t) => {
    const response = await serve(t, 12);
    assert.equal(response.status, 429);
    assert.equal(response.headers.get('retry-after'), '12');
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await response.json()) as { error: string; error_description: string };
    assert.equal(body.error, 'slow_down');
    assert.match(body.error_description, /12 s/);
  });

  test('Retry-After is a whole number of seconds, at least 1', async (t) => {
    assert.equal((await serve(t, 0.2)).headers.get('retry-after'), '1');
    assert.equal((await serve(t, 2.1)).headers.get('retry-after'), '3');
  });
});

import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createHeartbeats } from '../../../src/adapters/sse/heartbeats.js';

/** A hang is a failure: every wait in these tests is on an event that should come quickly. */
const TIMEOUT_MS = 10_000;

/** The heartbeat timer never keeps the process alive (it is unref'd), so a test holds the loop open. */
function holdEventLoop(t: TestContext): void {
  const hold = setInterval(() => undefined, TIMEOUT_MS);
  t.after(() => clearInterval(hold));
}

test('one timer beats every stream in each tick, in the order they joined', { timeout: TIMEOUT_MS }, async (t) => {
  holdEventLoop(t);
  const beats: string[] = [];
  let ticks = 0;
  let done: () => void = () => undefined;
  const twoTicks = new Promise<void>((resolve) => {
    done = resolve;
  });
  const heartbeats = createHeartbeats<string>(5, (item) => {
    beats.push(item);
    if (item === 'b' && ++ticks === 2) done();
  });
  heartbeats.add('a');
  heartbeats.add('b');
  t.after(() => {
    heartbeats.delete('a');
    heartbeats.delete('b');
  });
  await twoTicks;
  assert.deepEqual(beats.slice(0, 4), ['a', 'b', 'a', 'b']);
  assert.equal(heartbeats.intervalMs, 5);
});

test('a stream that ends during its own beat is not beaten again; the others go on', { timeout: TIMEOUT_MS }, async (t) => {
  holdEventLoop(t);
  const beats: string[] = [];
  let done: () => void = () => undefined;
  const cBeatenTwice = new Promise<void>((resolve) => {
    done = resolve;
  });
  const heartbeats = createHeartbeats<string>(5, (item) => {
    beats.push(item);
    if (item === 'b') heartbeats.delete('b');
    if (item === 'c' && beats.filter((beat) => beat === 'c').length === 2) {
      heartbeats.delete('a');
      heartbeats.delete('c');
      done();
    }
  });
  for (const item of ['a', 'b', 'c']) heartbeats.add(item);
  await cBeatenTwice;
  assert.deepEqual(beats, ['a', 'b', 'c', 'a', 'c']);
  assert.equal(heartbeats.size(), 0);
});

test('adding a stream twice beats it once per tick', { timeout: TIMEOUT_MS }, async (t) => {
  holdEventLoop(t);
  const beats: string[] = [];
  let done: () => void = () => undefined;
  const twoTicks = new Promise<void>((resolve) => {
    done = resolve;
  });
  const heartbeats = createHeartbeats<string>(5, (item) => {
    beats.push(item);
    if (beats.length === 2) {
      heartbeats.delete(item);
      done();
    }
  });
  heartbeats.add('a');
  heartbeats.add('a');
  assert.equal(heartbeats.size(), 1);
  await twoTicks;
  assert.deepEqual(beats, ['a', 'a']);
});

test('the shared timer starts with the first stream and stops with the last', () => {
  const heartbeats = createHeartbeats<string>(1000, () => undefined);
  assert.equal(heartbeats.running(), false);
  heartbeats.add('a');
  heartbeats.add('b');
  assert.equal(heartbeats.running(), true);
  heartbeats.delete('a');
  assert.equal(heartbeats.running(), true, 'one stream still open');
  heartbeats.delete('a');
  assert.equal(heartbeats.running(), true, 'deleting twice frees nothing more');
  heartbeats.delete('b');
  assert.equal(heartbeats.running(), false);
});

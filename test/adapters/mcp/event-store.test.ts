import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { createBoundedEventStore } from '../../../src/adapters/mcp/event-store.js';

const note = (n: number): JSONRPCMessage => ({ jsonrpc: '2.0', method: 'notifications/message', params: { n } });

async function replay(store: ReturnType<typeof createBoundedEventStore>, lastEventId: string): Promise<number[]> {
  const seen: number[] = [];
  await store.replayEventsAfter(lastEventId, {
    send: async (_id, message) => {
      seen.push((message as unknown as { params: { n: number } }).params.n);
    },
  });
  return seen;
}

test('J3 replays only later events of the same stream, without duplicates', async () => {
  const store = createBoundedEventStore({ maxEvents: 100, maxBytes: 1e6, maxAgeMs: 60_000 });
  const a1 = await store.storeEvent('a', note(1));
  await store.storeEvent('b', note(2));
  await store.storeEvent('a', note(3));
  await store.storeEvent('a', note(4));
  assert.deepEqual(await replay(store, a1), [3, 4]);
  assert.equal(await store.getStreamIdForEventId?.(a1), 'a');
});

test('J3 a malformed or unknown Last-Event-ID replays nothing and fails', async () => {
  const store = createBoundedEventStore({ maxEvents: 100, maxBytes: 1e6, maxAgeMs: 60_000 });
  await store.storeEvent('a', note(1));
  await assert.rejects(replay(store, 'garbage'), /malformed/);
  await assert.rejects(replay(store, 'a.999'), /unknown/);
});

test('J4 bounded by count, bytes and age', async () => {
  let now = 0;
  const store = createBoundedEventStore({ maxEvents: 3, maxBytes: 1e6, maxAgeMs: 1000 }, () => now);
  const first = await store.storeEvent('s', note(0));
  for (let n = 1; n <= 10; n += 1) await store.storeEvent('s', note(n));
  assert.deepEqual(await replay(store, first), [8, 9, 10], 'only the newest three are kept');
  now = 5000;
  assert.deepEqual(await replay(store, first), [], 'expired events are gone');
  const small = createBoundedEventStore({ maxEvents: 100, maxBytes: 200, maxAgeMs: 60_000 });
  const start = await small.storeEvent('s', note(0));
  for (let n = 1; n <= 20; n += 1) await small.storeEvent('s', note(n));
  const kept = await replay(small, start);
  assert.ok(kept.length > 0 && kept.length < 5, `byte bound keeps a few: ${kept.length}`);
  assert.equal(kept.at(-1), 20);
});

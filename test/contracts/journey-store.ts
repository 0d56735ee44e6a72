import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { Journey } from '../../src/domain/journeys/journey.js';
import type { JourneyRetention, JourneyStore } from '../../src/domain/ports/journeys.js';
import type { Harness } from './fixtures.js';

export type MakeJourneyStore = (retention: JourneyRetention) => Promise<Harness<JourneyStore>>;

const NOW = 1_800_000_000;
const ROOMY: JourneyRetention = { maxJourneys: 100, maxAgeSeconds: 86_400 };

let next = 0;
export function aJourney(overrides: Partial<Journey> = {}): Journey {
  next += 1;
  return {
    id: `journey-${next}`,
    startedAt: NOW - 30,
    lastAt: NOW - 10,
    endedAt: NOW,
    end: 'timeout',
    clientIds: ['client-a', 'client-b'],
    address: '203.0.113.7',
    redirectHosts: ['https://claude.ai'],
    steps: [
      { kind: 'probe', at: NOW - 30, status: 401, ok: true },
      { kind: 'register', at: NOW - 10, status: 201, ok: true },
    ],
    droppedSteps: 0,
    verdict: { code: 'registered', text: 'registered, never called /authorize' },
    ...overrides,
  };
}

async function open(t: TestContext, make: MakeJourneyStore, retention = ROOMY): Promise<JourneyStore> {
  const harness = await make(retention);
  t.after(() => harness.close());
  return harness.store;
}

/** JourneyStore: what `keyway journeys` reads, bounded by its retention. */
export function journeyStoreContract(engine: string, make: MakeJourneyStore): void {
  describe(`JourneyStore contract (${engine})`, () => {
    test('a saved journey comes back whole', async (t) => {
      const store = await open(t, make);
      const journey = aJourney();
      await store.save([journey]);
      assert.deepEqual(await store.recent(10), [journey]);
    });

    test('a batch is saved whole; an id repeated in it keeps its last version; an empty batch is a no-op', async (t) => {
      const store = await open(t, make);
      const [a, b] = [aJourney({ endedAt: NOW - 1 }), aJourney({ endedAt: NOW - 2 })];
      const aConnected = { ...a, end: 'connected' as const, verdict: { code: 'connected' as const, text: 'connected' } };
      await store.save([a, b, aConnected]);
      await store.save([]);
      assert.deepEqual(await store.recent(10), [aConnected, b]);
    });

    test('a journey with overflow counts comes back whole', async (t) => {
      const store = await open(t, make);
      const journey = aJourney({ overflow: { clientIds: 3, browsers: 19_996, redirectHosts: 0 } });
      await store.save([journey]);
      assert.deepEqual(await store.recent(10), [journey]);
    });

    test('recent: newest ended first, at most the limit', async (t) => {
      const store = await open(t, make);
      const [old, mid, last] = [aJourney({ endedAt: NOW - 20 }), aJourney({ endedAt: NOW - 10 }), aJourney({ endedAt: NOW })];
      for (const journey of [mid, last, old]) await store.save([journey]);
      assert.deepEqual((await store.recent(2)).map((journey) => journey.id), [last.id, mid.id]);
      assert.deepEqual(await store.recent(0), []);
    });

    test('saving the same id again replaces the journey', async (t) => {
      const store = await open(t, make);
      const journey = aJourney();
      await store.save([journey]);
      const connected = { ...journey, end: 'connected' as const, verdict: { code: 'connected' as const, text: 'connected' } };
      await store.save([connected]);
      assert.deepEqual(await store.recent(10), [connected]);
    });

    test('prune keeps at most maxJourneys, dropping the oldest', async (t) => {
      const store = await open(t, make, { maxJourneys: 2, maxAgeSeconds: 86_400 });
      const journeys = [aJourney({ endedAt: NOW - 3 }), aJourney({ endedAt: NOW - 2 }), aJourney({ endedAt: NOW - 1 })];
      await store.save(journeys);
      assert.equal(await store.prune(NOW), 1);
      assert.deepEqual((await store.recent(10)).map((journey) => journey.id), [journeys[2]?.id, journeys[1]?.id]);
      assert.equal(await store.prune(NOW), 0);
    });

    test('prune drops journeys that ended longer ago than maxAgeSeconds', async (t) => {
      const store = await open(t, make, { maxJourneys: 100, maxAgeSeconds: 60 });
      const [stale, fresh] = [aJourney({ endedAt: NOW - 61 }), aJourney({ endedAt: NOW - 60 })];
      await store.save([stale, fresh]);
      assert.equal(await store.prune(NOW), 1);
      assert.deepEqual((await store.recent(10)).map((journey) => journey.id), [fresh.id]);
    });
  });
}

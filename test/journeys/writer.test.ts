import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryJourneyStore } from '../../src/adapters/storage/memory/journey-store.js';
import type { Journey } from '../../src/domain/journeys/journey.js';
import { createJourneyWriter } from '../../src/domain/journeys/writer.js';
import type { JourneyStore } from '../../src/domain/ports/journeys.js';
import { aJourney } from '../contracts/journey-store.js';
import { createFakeClock } from '../support/fake-clock.js';
import { createRecordingLogger } from '../support/oauth-mothers.js';

/** A memory store that also records each call: how many writes and prunes the writer made. */
function countingStore(failSaves = 0) {
  const inner = createMemoryJourneyStore({ maxJourneys: 1000, maxAgeSeconds: 86_400 });
  const saves: Array<readonly string[]> = [];
  let prunes = 0;
  let failures = failSaves;
  const store: JourneyStore = {
    save: async (journeys) => {
      if (failures > 0) {
        failures -= 1;
        throw new Error('disk full');
      }
      saves.push(journeys.map((journey) => journey.id));
      await inner.save(journeys);
    },
    recent: (limit) => inner.recent(limit),
    prune: async (now) => {
      prunes += 1;
      return inner.prune(now);
    },
    close: () => inner.close(),
  };
  return { store, saves, prunes: () => prunes };
}

function setup(maxQueued = 100, failSaves = 0) {
  const counting = countingStore(failSaves);
  const logger = createRecordingLogger();
  const writer = createJourneyWriter(counting.store, { maxQueued }, { clock: createFakeClock(), logger });
  return { ...counting, logger, writer };
}

const ids = (journeys: readonly Journey[]): string[] => journeys.map((journey) => journey.id);

test('ended journeys are only queued; one flush writes them all in one save, then prunes once', async () => {
  const { writer, saves, prunes, store } = setup();
  const journeys = [aJourney(), aJourney(), aJourney()];
  for (const journey of journeys) writer.enqueue([journey]);
  await new Promise<void>((resolve) => setImmediate(resolve));
  assert.deepEqual(saves, [], 'nothing is written before the flush');
  assert.equal(writer.queued, 3);
  await writer.flush();
  assert.deepEqual(saves, [ids(journeys)]);
  assert.equal(prunes(), 1);
  assert.equal(writer.queued, 0);
  assert.equal((await store.recent(10)).length, 3);
  await writer.flush();
  assert.deepEqual(saves.length, 1, 'an empty queue writes nothing');
  assert.equal(prunes(), 1);
});

test('bounded queue: beyond maxQueued the oldest are dropped and counted in one warning', async () => {
  const { writer, saves, logger } = setup(5);
  const journeys = Array.from({ length: 23 }, () => aJourney());
  for (const journey of journeys) writer.enqueue([journey]);
  assert.ok(writer.queued <= 10, `queued ${writer.queued}`);
  await writer.flush();
  assert.deepEqual(saves, [ids(journeys.slice(-5))]);
  assert.deepEqual(
    logger.events.filter((entry) => entry.level === 'warn').map((entry) => [entry.event, entry.fields['dropped']]),
    [['journey.save_skipped', 18]],
  );
});

test('flushes run one after another: one asked for before the last starts joins it; a later one writes what came after', async () => {
  const { writer, saves } = setup();
  const [a, b, c] = [aJourney(), aJourney(), aJourney()];
  writer.enqueue([a]);
  const first = writer.flush();
  writer.enqueue([b]);
  const second = writer.flush();
  assert.equal(second, first);
  await Promise.all([first, second]);
  writer.enqueue([c]);
  await writer.flush();
  assert.deepEqual(saves, [ids([a, b]), ids([c])]);
});

test('a failed write is logged with its size, never rejects, and the next flush writes again', async () => {
  const { writer, saves, logger } = setup(100, 1);
  writer.enqueue([aJourney(), aJourney()]);
  await writer.flush();
  assert.deepEqual(
    logger.events.filter((entry) => entry.level === 'warn').map((entry) => [entry.event, entry.fields['journeys'], entry.fields['error']]),
    [['journey.save_failed', 2, 'disk full']],
  );
  const next = aJourney();
  writer.enqueue([next]);
  await writer.flush();
  assert.deepEqual(saves, [[next.id]]);
});

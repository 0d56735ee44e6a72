import type { Journey } from '../../../domain/journeys/journey.js';
import type { JourneyRetention, JourneyStore } from '../../../domain/ports/journeys.js';

const newestFirst = (a: Journey, b: Journey): number => b.endedAt - a.endedAt || b.startedAt - a.startedAt;

/** Journeys in this process only (the memory store): gone on restart, bounded by the retention. */
export function createMemoryJourneyStore(retention: JourneyRetention): JourneyStore {
  const journeys = new Map<string, Journey>();
  return {
    save: async (batch) => {
      for (const journey of batch) {
        journeys.delete(journey.id);
        journeys.set(journey.id, journey);
      }
    },
    recent: async (limit) => [...journeys.values()].sort(newestFirst).slice(0, Math.max(0, limit)),
    prune: async (now) => {
      const kept = [...journeys.values()].sort(newestFirst);
      let removed = 0;
      kept.forEach((journey, index) => {
        if (index >= retention.maxJourneys || journey.endedAt < now - retention.maxAgeSeconds) {
          journeys.delete(journey.id);
          removed += 1;
        }
      });
      return removed;
    },
    close: async () => {
      journeys.clear();
    },
  };
}

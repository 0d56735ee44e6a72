import type { Journey } from '../journeys/journey.js';

/** How many ended journeys a store keeps, and for how long (docs/journeys.md). */
export interface JourneyRetention {
  /** Most journeys kept; the oldest beyond it are deleted. */
  readonly maxJourneys: number;
  /** Journeys that ended longer ago than this are deleted. */
  readonly maxAgeSeconds: number;
}

/** Where ended connect journeys are kept for `keyway journeys`. */
export interface JourneyStore {
  /** Saves a batch of journeys at once (SQLite: in one transaction), each replacing one with the same id. */
  save(journeys: readonly Journey[]): Promise<void>;
  /** The most recently ended journeys, newest first. */
  recent(limit: number): Promise<readonly Journey[]>;
  /** Deletes what the retention no longer allows at `now` (epoch seconds); returns how many. */
  prune(now: number): Promise<number>;
  close(): Promise<void>;
}

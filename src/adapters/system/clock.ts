import type { Clock } from '../../domain/ports/clock.js';

/** Wall-clock seconds. */
export function createSystemClock(): Clock {
  return { now: () => Math.floor(Date.now() / 1000) };
}

import type { Clock } from '../../src/domain/ports/clock.js';

/** A clock the test moves by hand. */
export interface FakeClock extends Clock {
  advance(seconds: number): void;
}

export function createFakeClock(start = 1_800_000_000): FakeClock {
  let now = start;
  return {
    now: () => now,
    advance: (seconds) => {
      now += seconds;
    },
  };
}

import type { Random } from '../../src/domain/ports/random.js';

/** Predictable ids for domain tests (`id-1`, `id-2`, …). */
export function createSequenceRandom(prefix = 'id'): Random {
  let next = 0;
  return {
    token: () => {
      next += 1;
      return `${prefix}-${next}`;
    },
  };
}

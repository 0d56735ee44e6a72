import type { TestContext } from 'node:test';
import type { Grant } from '../../src/domain/grants/grant.js';
import type { GrantStore } from '../../src/domain/ports/stores.js';
import { aGrant, type MakeStore } from './fixtures.js';

/** A fresh store for one test, closed when the test ends. */
export async function open<S>(t: TestContext, make: MakeStore<S>): Promise<S> {
  const harness = await make();
  t.after(() => harness.close());
  return harness.store;
}

/** How many of `values` equal `wanted`. */
export const count = <T>(values: readonly T[], wanted: T): number => values.filter((value) => value === wanted).length;

export async function seedGrant(store: GrantStore, overrides: Partial<Grant> = {}): Promise<Grant> {
  const grant = aGrant(overrides);
  await store.createGrant(grant);
  return grant;
}

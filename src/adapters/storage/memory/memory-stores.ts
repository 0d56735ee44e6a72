import type { Stores } from '../stores.js';
import { createMemoryClientStore } from './client-store.js';
import { createMemoryConsentStore } from './consent-store.js';
import { createMemoryFlowStore } from './flow-store.js';
import { createMemoryGrantStore } from './grant-store.js';
import { createMemoryState } from './state.js';

/**
 * Stores that live in this process only (tests, `KEYWAY_STORE=memory`): nothing survives a restart.
 * Same semantics as SQLite, proven by the same contract suites. Every method runs to completion
 * without awaiting, which is what makes `take`, `consumeCode` and `rotateRefreshToken` atomic here.
 */
export function createMemoryStores(): Stores {
  const state = createMemoryState();
  return {
    clients: createMemoryClientStore(state),
    flows: createMemoryFlowStore(state),
    grants: createMemoryGrantStore(state),
    consents: createMemoryConsentStore(state),
    close: async () => undefined,
  };
}

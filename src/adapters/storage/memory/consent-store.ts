import type { ConsentStore } from '../../../domain/ports/stores.js';
import { consentKey, deleteWhere, snapshot, type MemoryState } from './state.js';

export function createMemoryConsentStore(state: MemoryState): ConsentStore {
  return {
    remember: async (consent) => {
      const key = consentKey(consent.subject, consent.clientId, consent.redirectUri, consent.scopeKey);
      state.consents.set(key, snapshot(consent));
    },
    find: async (subject, clientId, redirectUri, scopeKey) => state.consents.get(consentKey(subject, clientId, redirectUri, scopeKey)),
    forgetClient: async (clientId) => {
      deleteWhere(state.consents, (consent) => consent.clientId === clientId);
    },
  };
}

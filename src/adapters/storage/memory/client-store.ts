import type { Client } from '../../../domain/clients/client.js';
import type { ClientStore } from '../../../domain/ports/stores.js';
import { deleteGrantChildren, deleteWhere, snapshot, type MemoryState } from './state.js';

/**
 * Deleting an unused dynamic client also deletes its grants (with their codes and tokens) and its
 * consents, as the SQLite store does: nothing may outlive the registration it belongs to.
 */
function deleteClients(state: MemoryState, clientIds: ReadonlySet<string>): void {
  const grantIds = new Set<string>();
  for (const grant of state.grants.values()) if (clientIds.has(grant.clientId)) grantIds.add(grant.grantId);
  deleteGrantChildren(state, grantIds);
  deleteWhere(state.grants, (grant) => grantIds.has(grant.grantId));
  deleteWhere(state.consents, (consent) => clientIds.has(consent.clientId));
  deleteWhere(state.clients, (client) => clientIds.has(client.clientId));
}

export function createMemoryClientStore(state: MemoryState): ClientStore {
  return {
    save: async (client) => {
      state.clients.set(client.clientId, snapshot(client));
    },
    find: async (clientId) => state.clients.get(clientId),
    touch: async (clientId, now) => {
      const client = state.clients.get(clientId);
      if (client !== undefined) state.clients.set(clientId, snapshot({ ...client, lastUsedAt: Math.max(client.lastUsedAt, now) }));
    },
    deleteUnusedBefore: async (cutoff) => {
      const unused = (client: Client): boolean => client.kind !== 'preregistered' && client.lastUsedAt < cutoff;
      const doomed = new Set([...state.clients.values()].filter(unused).map((client) => client.clientId));
      deleteClients(state, doomed);
      return doomed.size;
    },
  };
}

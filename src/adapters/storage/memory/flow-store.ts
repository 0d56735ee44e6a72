import type { FlowNamespace, FlowStore } from '../../../domain/ports/stores.js';
import { deleteWhere, type FlowRecord, type MemoryState } from './state.js';

/** One map per namespace, so an id can never be found in another namespace (SECURITY.md F12). */
export function createMemoryFlowStore(state: MemoryState): FlowStore {
  const namespace = (name: FlowNamespace): Map<string, FlowRecord> => {
    let records = state.flows.get(name);
    if (records === undefined) {
      records = new Map();
      state.flows.set(name, records);
    }
    return records;
  };
  const live = (name: FlowNamespace, id: string, now: number): FlowRecord | undefined => {
    const record = namespace(name).get(id);
    return record !== undefined && now < record.expiresAt ? record : undefined;
  };
  return {
    put: async (name, id, payload, expiresAt) => {
      namespace(name).set(id, { payload, expiresAt });
    },
    peek: async (name, id, now) => live(name, id, now)?.payload,
    // No await between the read and the delete: of concurrent callers exactly one sees the record.
    take: async (name, id, now) => {
      const record = live(name, id, now);
      if (record !== undefined) namespace(name).delete(id);
      return record?.payload;
    },
    purgeExpired: async (now) => {
      let count = 0;
      for (const records of state.flows.values()) count += deleteWhere(records, (record) => record.expiresAt <= now);
      return count;
    },
  };
}

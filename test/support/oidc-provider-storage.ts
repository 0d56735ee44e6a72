import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';

/**
 * A per-provider in-memory storage adapter for `oidc-provider`. Its bundled memory adapter is one
 * module-wide store (and warns on every start); this one is private to each test's provider.
 * Entries do not expire here: `oidc-provider` checks `exp` itself, and a test lives seconds.
 */
export function createOidcStorage(): AdapterFactory {
  const rows = new Map<string, AdapterPayload>();
  const sessionsByUid = new Map<string, string>();
  const idsByUserCode = new Map<string, string>();
  const keysByGrant = new Map<string, string[]>();

  return (model: string): Adapter => {
    const key = (id: string): string => `${model}:${id}`;
    return {
      async upsert(id, payload) {
        rows.set(key(id), payload);
        if (model === 'Session' && payload.uid !== undefined) sessionsByUid.set(payload.uid, id);
        if (payload.userCode !== undefined) idsByUserCode.set(payload.userCode, id);
        if (payload.grantId !== undefined && model !== 'Grant') keysByGrant.set(payload.grantId, [...(keysByGrant.get(payload.grantId) ?? []), key(id)]);
      },
      find: async (id) => rows.get(key(id)),
      async findByUid(uid) {
        const id = sessionsByUid.get(uid);
        return id === undefined ? undefined : rows.get(key(id));
      },
      async findByUserCode(userCode) {
        const id = idsByUserCode.get(userCode);
        return id === undefined ? undefined : rows.get(key(id));
      },
      async consume(id) {
        const row = rows.get(key(id));
        if (row !== undefined) row.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id) {
        rows.delete(key(id));
      },
      async revokeByGrantId(grantId) {
        for (const stored of keysByGrant.get(grantId) ?? []) rows.delete(stored);
        keysByGrant.delete(grantId);
      },
    };
  };
}

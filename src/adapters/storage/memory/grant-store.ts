import { DomainError } from '../../../domain/errors.js';
import type { Grant } from '../../../domain/grants/grant.js';
import type { GrantStore, RotationOutcome } from '../../../domain/ports/stores.js';
import type { AccessToken, RefreshToken } from '../../../domain/tokens/token.js';
import { deleteGrantChildren, deleteWhere, insertOnce, snapshot, type MemoryState } from './state.js';

const isLive = (grant: Grant | undefined, now: number): grant is Grant =>
  grant !== undefined && grant.revokedAt === undefined && now < grant.expiresAt;

/** Marks the grants revoked and deletes what hangs off them; already revoked ones keep their time. */
function revoke(state: MemoryState, grants: readonly Grant[], now: number): string[] {
  const ids = grants.filter((grant) => grant.revokedAt === undefined).map((grant) => grant.grantId);
  for (const id of ids) {
    const grant = state.grants.get(id);
    if (grant !== undefined) state.grants.set(id, snapshot({ ...grant, revokedAt: now }));
  }
  deleteGrantChildren(state, new Set(ids));
  return ids.sort();
}

function rotate(state: MemoryState, oldHash: string, successor: RefreshToken, access: AccessToken, retrySealed: string, now: number): RotationOutcome {
  const old = state.refreshTokens.get(oldHash);
  if (old === undefined) return { kind: 'unknown' };
  if (old.rotatedAt !== undefined) return { kind: 'already_rotated', token: old };
  if (old.expiresAt <= now || !isLive(state.grants.get(old.grantId), now)) return { kind: 'unknown' };
  if (state.refreshTokens.has(successor.tokenHash) || state.accessTokens.has(access.tokenHash)) throw new Error('duplicate primary key');
  state.refreshTokens.set(oldHash, snapshot({ ...old, rotatedAt: now, successorHash: successor.tokenHash, retrySealed }));
  insertOnce(state.refreshTokens, successor.tokenHash, successor);
  insertOnce(state.accessTokens, access.tokenHash, access);
  return { kind: 'rotated' };
}

function forgetRetryPairs(state: MemoryState, cutoff: number): number {
  let count = 0;
  for (const token of state.refreshTokens.values()) {
    if (token.retrySealed === undefined || token.rotatedAt === undefined || token.rotatedAt >= cutoff) continue;
    state.refreshTokens.set(token.tokenHash, snapshot({ ...token, retrySealed: undefined }));
    count += 1;
  }
  return count;
}

function purge(state: MemoryState, now: number): number {
  const ended = new Set([...state.grants.values()].filter((grant) => grant.expiresAt <= now).map((grant) => grant.grantId));
  const expired = (record: { readonly grantId: string; readonly expiresAt: number }): boolean =>
    record.expiresAt <= now || ended.has(record.grantId);
  return (
    deleteWhere(state.codes, expired) +
    deleteWhere(state.accessTokens, expired) +
    deleteWhere(state.refreshTokens, expired) +
    deleteWhere(state.grants, (grant) => ended.has(grant.grantId))
  );
}

export function createMemoryGrantStore(state: MemoryState): GrantStore {
  /** Codes and tokens attach only to a grant that exists and is not revoked (as in SQLite). */
  const attach = <T extends { readonly grantId: string }>(table: Map<string, T>, key: string, record: T): void => {
    const grant = state.grants.get(record.grantId);
    if (grant === undefined || grant.revokedAt !== undefined) throw new DomainError('invalid_grant', 'the grant is unknown or revoked');
    insertOnce(table, key, record);
  };
  return {
    createGrant: async (grant) => insertOnce(state.grants, grant.grantId, grant),
    findGrant: async (grantId) => state.grants.get(grantId),
    revokeGrant: async (grantId, now) => {
      const grant = state.grants.get(grantId);
      revoke(state, grant === undefined ? [] : [grant], now);
    },
    revokeClientGrants: async (clientId, now) => revoke(state, [...state.grants.values()].filter((grant) => grant.clientId === clientId), now),
    updateUpstream: async (grantId, upstreamSealed) => {
      const grant = state.grants.get(grantId);
      if (grant !== undefined && grant.revokedAt === undefined) state.grants.set(grantId, snapshot({ ...grant, upstreamSealed }));
    },
    saveCode: async (code) => attach(state.codes, code.codeHash, code),
    findCode: async (codeHash) => state.codes.get(codeHash),
    consumeCode: async (codeHash, now) => {
      const code = state.codes.get(codeHash);
      if (code === undefined || code.expiresAt <= now) return { kind: 'unknown' };
      if (code.consumedAt !== undefined) return { kind: 'replayed', code };
      const consumed = snapshot({ ...code, consumedAt: now });
      state.codes.set(codeHash, consumed);
      return { kind: 'redeemed', code: consumed };
    },
    saveAccessToken: async (token) => attach(state.accessTokens, token.tokenHash, token),
    findAccessToken: async (tokenHash, now) => {
      const token = state.accessTokens.get(tokenHash);
      return token !== undefined && now < token.expiresAt && isLive(state.grants.get(token.grantId), now) ? token : undefined;
    },
    saveRefreshToken: async (token) => attach(state.refreshTokens, token.tokenHash, token),
    findRefreshToken: async (tokenHash) => state.refreshTokens.get(tokenHash),
    rotateRefreshToken: async (oldHash, successor, access, retrySealed, now) => rotate(state, oldHash, successor, access, retrySealed, now),
    forgetRetryPairsBefore: async (cutoff) => forgetRetryPairs(state, cutoff),
    purgeExpired: async (now) => purge(state, now),
  };
}

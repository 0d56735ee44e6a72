import type { ClientStore, GrantStore } from '../../domain/ports/stores.js';
import type { AccessToken } from '../../domain/tokens/token.js';
import type { Stores } from './stores.js';

/**
 * A bounded cache of live access-token look-ups in front of a `GrantStore`: the bearer gate looks
 * a token up on every MCP request, and the store's join of `access_tokens` and `grants` is the
 * largest single cost left on that path (bench/README.md, issue 7).
 *
 * Only positive results are cached, keyed by token hash. An entry is good until the earliest of
 * `now + ttlSeconds`, the token's `expiresAt` and its grant's absolute end, and is checked against
 * the caller's `now` on every hit. Every call through this store that can end a token's life
 * (revocation, purge) clears the cache and bumps a generation; a look-up that started before a
 * bump never inserts its result, so a verification racing a revocation cannot resurrect the token
 * (SECURITY.md G7, G8, H1). Within one process revocation is therefore immediate; another process
 * sharing the database sees it only once the entry ends, at most `ttlSeconds` later.
 */
export interface TokenCacheOptions {
  /** How long a positive look-up is reused; 0 turns the cache off. */
  readonly ttlSeconds: number;
  /** Entries kept at most; the oldest is evicted first. */
  readonly maxEntries: number;
}

export interface CachedGrantStore extends GrantStore {
  /** Forgets every entry: for deletions of grants that bypass this store (ClientStore.deleteUnusedBefore). */
  invalidate(): void;
}

interface Entry {
  readonly token: AccessToken;
  /** Epoch seconds; the entry answers only while `now < validUntil`. */
  readonly validUntil: number;
}

/** Default bound: ~10 000 live tokens is far above one process's active users. */
export const TOKEN_CACHE_MAX_ENTRIES = 10_000;

/** Wraps a mutation that can end tokens: the cache is cleared before it starts and again once it settles. */
const clearingAround =
  (invalidate: () => void) =>
  <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
  async (...args: A): Promise<R> => {
    invalidate();
    try {
      return await call(...args);
    } finally {
      invalidate();
    }
  };

const frozen = (token: AccessToken): AccessToken => Object.freeze({ ...token, scopes: Object.freeze([...token.scopes]) });

export function createCachedGrantStore(inner: GrantStore, options: TokenCacheOptions): CachedGrantStore {
  const entries = new Map<string, Entry>();
  let generation = 0;
  const invalidate = (): void => {
    entries.clear();
    generation += 1;
  };
  const ending = clearingAround(invalidate);
  const remember = (tokenHash: string, entry: Entry): void => {
    if (!entries.has(tokenHash) && entries.size >= options.maxEntries) {
      const oldest = entries.keys().next();
      if (oldest.done !== true) entries.delete(oldest.value);
    }
    entries.set(tokenHash, entry);
  };
  const lookUp = async (tokenHash: string, now: number): Promise<AccessToken | undefined> => {
    const hit = entries.get(tokenHash);
    if (hit !== undefined) {
      if (now < hit.validUntil) return hit.token;
      entries.delete(tokenHash);
    }
    const started = generation;
    const found = await inner.findAccessToken(tokenHash, now);
    if (found === undefined) return undefined;
    // The record does not carry its grant's end; a miss is rare enough (once per token per ttl) to read it.
    const grant = await inner.findGrant(found.grantId);
    const token = frozen(found);
    if (grant === undefined || started !== generation) return token;
    remember(tokenHash, { token, validUntil: Math.min(now + options.ttlSeconds, token.expiresAt, grant.expiresAt) });
    return token;
  };
  return {
    ...passThrough(inner),
    findAccessToken: lookUp,
    revokeGrant: ending((grantId, now) => inner.revokeGrant(grantId, now)),
    revokeClientGrants: ending((clientId, now) => inner.revokeClientGrants(clientId, now)),
    // purgeExpired passes through: it removes only what has ended, and no entry outlives its token or grant.
    invalidate,
  };
}

/**
 * Every method delegated as is. None of these ends an access token: rotation marks the refresh
 * token only (a reused one is answered by `revokeGrant`, SECURITY.md Decision 1), and a replayed
 * code revokes through `revokeGrant` as well.
 */
function passThrough(inner: GrantStore): GrantStore {
  return {
    createGrant: (grant) => inner.createGrant(grant),
    findGrant: (grantId) => inner.findGrant(grantId),
    revokeGrant: (grantId, now) => inner.revokeGrant(grantId, now),
    revokeClientGrants: (clientId, now) => inner.revokeClientGrants(clientId, now),
    updateUpstream: (grantId, upstreamSealed) => inner.updateUpstream(grantId, upstreamSealed),
    saveCode: (code) => inner.saveCode(code),
    findCode: (codeHash) => inner.findCode(codeHash),
    consumeCode: (codeHash, now) => inner.consumeCode(codeHash, now),
    saveAccessToken: (token) => inner.saveAccessToken(token),
    findAccessToken: (tokenHash, now) => inner.findAccessToken(tokenHash, now),
    saveRefreshToken: (token) => inner.saveRefreshToken(token),
    findRefreshToken: (tokenHash) => inner.findRefreshToken(tokenHash),
    rotateRefreshToken: (oldHash, successor, access, retrySealed, now) => inner.rotateRefreshToken(oldHash, successor, access, retrySealed, now),
    forgetRetryPairsBefore: (cutoff) => inner.forgetRetryPairsBefore(cutoff),
    purgeExpired: (now) => inner.purgeExpired(now),
  };
}

/**
 * The stores with their grant store cached. `ClientStore.deleteUnusedBefore` deletes grants in the
 * engine directly, past the grant store, so it clears the cache too.
 */
export function withTokenCache(stores: Stores, options: TokenCacheOptions): Stores {
  if (options.ttlSeconds <= 0) return stores;
  const grants = createCachedGrantStore(stores.grants, options);
  const clients: ClientStore = {
    save: (client) => stores.clients.save(client),
    find: (clientId) => stores.clients.find(clientId),
    touch: (clientId, now) => stores.clients.touch(clientId, now),
    deleteUnusedBefore: clearingAround(() => grants.invalidate())((cutoff: number) => stores.clients.deleteUnusedBefore(cutoff)),
  };
  return { ...stores, grants, clients };
}

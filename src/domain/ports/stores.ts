import type { Client } from '../clients/client.js';
import type { AuthorizationCode, Consent, Grant } from '../grants/grant.js';
import type { AccessToken, RefreshToken } from '../tokens/token.js';

/**
 * Storage ports, shaped for the domain. A record is live while `now < expiresAt`. Every adapter (memory, SQLite, later PostgreSQL) passes the
 * same contract suite (`test/contracts/`). All methods may reject with a `DomainError` of code
 * `storage_unavailable` when the backing store is down; callers map that to 503, never to
 * `invalid_grant`. Times are epoch seconds.
 */

export interface ClientStore {
  /** Inserts or replaces a client (metadata-document clients are cached here too). */
  save(client: Client): Promise<void>;
  find(clientId: string): Promise<Client | undefined>;
  /** Records use, so unused dynamic registrations can expire. No-op for unknown ids. */
  touch(clientId: string, now: number): Promise<void>;
  /**
   * Deletes `dynamic` clients and cached `metadata_document` copies last used before `cutoff`
   * (with their grants, codes, tokens and consents); returns how many clients.
   */
  deleteUnusedBefore(cutoff: number): Promise<number>;
}

/**
 * Short-lived, single-use records of the browser flow (pending authorization requests, upstream
 * `state`, consent CSRF tokens). Namespaced: an id from one namespace is never found in another
 * (SECURITY.md F12).
 */
export type FlowNamespace = 'authorization' | 'upstream_state' | 'csrf';

export interface FlowStore {
  put(namespace: FlowNamespace, id: string, payload: string, expiresAt: number): Promise<void>;
  /** Reads without consuming; `undefined` when absent or expired. */
  peek(namespace: FlowNamespace, id: string, now: number): Promise<string | undefined>;
  /**
   * Atomically removes and returns the payload; `undefined` when absent, expired or already taken.
   * Of concurrent callers exactly one gets the payload.
   */
  take(namespace: FlowNamespace, id: string, now: number): Promise<string | undefined>;
  /** Deletes expired records; returns how many. */
  purgeExpired(now: number): Promise<number>;
}

/** What redeeming a code found. */
export type CodeRedemption =
  | { readonly kind: 'redeemed'; readonly code: AuthorizationCode }
  | { readonly kind: 'replayed'; readonly code: AuthorizationCode }
  | { readonly kind: 'unknown' };

/** What rotating a refresh token found. */
export type RotationOutcome =
  | { readonly kind: 'rotated' }
  /** The token had already been rotated (its record as it is now, with `rotatedAt`/`retrySealed`). */
  | { readonly kind: 'already_rotated'; readonly token: RefreshToken }
  | { readonly kind: 'unknown' };

export interface GrantStore {
  createGrant(grant: Grant): Promise<void>;
  findGrant(grantId: string): Promise<Grant | undefined>;
  /** Marks the grant revoked and deletes its codes, access and refresh tokens. Idempotent. */
  revokeGrant(grantId: string, now: number): Promise<void>;
  /** Revokes every grant of a client; returns the revoked grant ids. */
  revokeClientGrants(clientId: string, now: number): Promise<string[]>;
  /** Replaces the sealed upstream tokens of a live grant (after an upstream refresh). */
  updateUpstream(grantId: string, upstreamSealed: string): Promise<void>;

  /** Rejects with `invalid_grant` when the grant is unknown or revoked (checked with the insert). */
  saveCode(code: AuthorizationCode): Promise<void>;
  /**
   * The code record by hash, consumed or not, expired or not (until purged or its grant revoked);
   * never consumes. `/token` checks a request against it before `consumeCode`, so a failed check
   * leaves the code redeemable (SECURITY.md F2, F5, F8, F9).
   */
  findCode(codeHash: string): Promise<AuthorizationCode | undefined>;
  /**
   * Atomically marks the code consumed. The first caller gets `redeemed`; every later caller gets
   * `replayed` with the same record (so a *valid* replay can revoke the grant); an unknown or
   * expired code is `unknown`. Of concurrent callers exactly one gets `redeemed`.
   */
  consumeCode(codeHash: string, now: number): Promise<CodeRedemption>;

  /** Rejects with `invalid_grant` when the grant is unknown or revoked. */
  saveAccessToken(token: AccessToken): Promise<void>;
  /** The live access token (not expired, grant neither revoked nor past its end), else `undefined`. */
  findAccessToken(tokenHash: string, now: number): Promise<AccessToken | undefined>;

  /** Rejects with `invalid_grant` when the grant is unknown or revoked. */
  saveRefreshToken(token: RefreshToken): Promise<void>;
  findRefreshToken(tokenHash: string): Promise<RefreshToken | undefined>;
  /**
   * Compare-and-set rotation: if `oldHash` is current (not rotated, grant live), marks it rotated
   * (`rotatedAt = now`, `successorHash`, `retrySealed`) and stores `successor` and `access` in one
   * transaction → `rotated`. If it was rotated already → `already_rotated` with its record; nothing
   * changes. Of concurrent callers exactly one gets `rotated`.
   */
  rotateRefreshToken(
    oldHash: string,
    successor: RefreshToken,
    access: AccessToken,
    retrySealed: string,
    now: number,
  ): Promise<RotationOutcome>;
  /** Erases `retrySealed` of tokens rotated before `cutoff` (the grace window is over). */
  forgetRetryPairsBefore(cutoff: number): Promise<number>;
  /** Deletes expired codes, access tokens, refresh tokens, and grants past their absolute expiry. */
  purgeExpired(now: number): Promise<number>;
}

export interface ConsentStore {
  remember(consent: Consent): Promise<void>;
  find(subject: string, clientId: string, redirectUri: string, scopeKey: string): Promise<Consent | undefined>;
  /** Forgets every consent for a client (on client deletion). */
  forgetClient(clientId: string): Promise<void>;
}

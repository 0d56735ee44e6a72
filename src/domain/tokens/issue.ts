import { isDomainError } from '../errors.js';
import type { Grant } from '../grants/grant.js';
import type { Sealer } from '../ports/crypto.js';
import { ACCESS_TOKEN_PREFIX, REFRESH_TOKEN_PREFIX, type AccessToken, type RefreshToken } from './token.js';
import type { TokenResponse, TokenServiceDeps } from './token-service.js';

/** A freshly minted pair: the response in clear, the records to store (hashes only). */
export interface Minted {
  readonly response: TokenResponse;
  readonly access: AccessToken;
  readonly refresh: RefreshToken;
}

export interface MintInput {
  readonly grant: Grant;
  /** Scopes of the access token (the request may narrow them). */
  readonly accessScopes: readonly string[];
  /** Scopes of the refresh token: always the grant's or its predecessor's (RFC 6749 §6). */
  readonly refreshScopes: readonly string[];
  readonly now: number;
}

/**
 * Mints an access token and a refresh token for a grant. Neither outlives the grant's absolute
 * `expiresAt`; the refresh token's idle limit slides with every rotation.
 * @see RFC 6749 §1.5, §6; SECURITY.md G6
 */
export function mintPair(deps: Pick<TokenServiceDeps, 'hasher' | 'random' | 'policy'>, input: MintInput): Minted {
  const { grant, now } = input;
  const accessToken = ACCESS_TOKEN_PREFIX + deps.random.token(32);
  const refreshToken = REFRESH_TOKEN_PREFIX + deps.random.token(32);
  const accessExpiresAt = Math.min(now + deps.policy.accessTokenTtlSeconds, grant.expiresAt);
  const common = { grantId: grant.grantId, clientId: grant.clientId, resource: grant.resource };
  const access: AccessToken = {
    ...common,
    tokenHash: deps.hasher.hash(accessToken),
    subject: grant.subject,
    scopes: input.accessScopes,
    expiresAt: accessExpiresAt,
  };
  const refresh: RefreshToken = {
    ...common,
    tokenHash: deps.hasher.hash(refreshToken),
    scopes: input.refreshScopes,
    createdAt: now,
    expiresAt: Math.min(now + deps.policy.refreshTokenIdleSeconds, grant.expiresAt),
  };
  const response: TokenResponse = { accessToken, tokenType: 'Bearer', expiresIn: accessExpiresAt - now, refreshToken, scope: input.accessScopes.join(' ') };
  return { response, access, refresh };
}

/** What the sealed retry pair holds: enough to answer a benign retry with the identical pair. */
interface RetryPair {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly scope: string;
  readonly accessExpiresAt: number;
}

/** Seals the successor pair for the Decision 1 grace window; it is never stored in clear (SECURITY.md M3). */
export function sealRetryPair(sealer: Sealer, minted: Minted): string {
  const { accessToken, refreshToken, scope } = minted.response;
  const pair: RetryPair = { accessToken, refreshToken, scope, accessExpiresAt: minted.access.expiresAt };
  return sealer.seal(JSON.stringify(pair));
}

function isRetryPair(value: unknown): value is RetryPair {
  if (typeof value !== 'object' || value === null) return false;
  const pair = value as Record<string, unknown>;
  return typeof pair['accessToken'] === 'string' && typeof pair['refreshToken'] === 'string' && typeof pair['scope'] === 'string' && typeof pair['accessExpiresAt'] === 'number';
}

/**
 * The response a benign retry gets: the identical pair, with `expires_in` counted from now.
 * `undefined` when the sealed value cannot be opened (tampered, or its key is gone).
 */
export function openRetryPair(sealer: Sealer, sealed: string, now: number): TokenResponse | undefined {
  let pair: unknown;
  try {
    pair = JSON.parse(sealer.open(sealed));
  } catch (error) {
    if (error instanceof SyntaxError || (isDomainError(error) && error.code === 'sealed_invalid')) return undefined;
    throw error;
  }
  if (!isRetryPair(pair)) return undefined;
  const { accessToken, refreshToken, scope, accessExpiresAt } = pair;
  return { accessToken, tokenType: 'Bearer', expiresIn: Math.max(0, accessExpiresAt - now), refreshToken, scope };
}

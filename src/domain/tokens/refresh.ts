import { DomainError } from '../errors.js';
import type { Grant } from '../grants/grant.js';
import { canonicalResource } from '../grants/resource.js';
import { invalidGrant, liveGrant, revokeFamily, touchClient } from './family.js';
import { mintPair, openRetryPair, sealRetryPair } from './issue.js';
import { REFRESH_TOKEN_PREFIX, type RefreshToken } from './token.js';
import type { RefreshInput, TokenResponse, TokenServiceDeps } from './token-service.js';

/** The presented refresh token, if it exists and belongs to the requesting client (SECURITY.md G5). */
async function ownedToken(deps: TokenServiceDeps, input: RefreshInput): Promise<RefreshToken> {
  if (!input.refreshToken.startsWith(REFRESH_TOKEN_PREFIX)) throw invalidGrant('unknown refresh token');
  const token = await deps.grants.findRefreshToken(deps.hasher.hash(input.refreshToken));
  if (token === undefined) throw invalidGrant('unknown refresh token');
  if (token.clientId !== input.client.clientId) {
    deps.logger.warn('oauth.refresh_client_mismatch', { clientId: input.client.clientId, grantId: token.grantId });
    throw invalidGrant('the refresh token was issued to another client');
  }
  return token;
}

/**
 * The requested scopes, which may narrow but never widen the token's. As at the authorization
 * endpoint, scopes this server does not offer (`claudeai`, `offline_access`) are ignored rather
 * than refused (CLIENTS.md 1.5); an offered scope outside the grant is `invalid_scope`.
 * @see RFC 6749 §6, SECURITY.md G1, G5
 */
function narrowedScopes(deps: TokenServiceDeps, granted: readonly string[], requested: readonly string[] | undefined): readonly string[] {
  const wanted = [...new Set(requested)].filter((scope) => deps.policy.scopes.includes(scope));
  if (wanted.length === 0) return granted;
  if (wanted.some((scope) => !granted.includes(scope))) throw new DomainError('invalid_scope', 'the requested scope exceeds the grant');
  return wanted;
}

/**
 * SECURITY.md Decision 1: a rotated token presented within the grace window of its rotation, while
 * its successor is still unused, gets the identical successor pair — however often. `undefined`
 * when that does not hold (then the caller revokes the family).
 */
async function benignRetry(deps: TokenServiceDeps, token: RefreshToken, now: number): Promise<TokenResponse | undefined> {
  const { rotatedAt, successorHash, retrySealed } = token;
  if (rotatedAt === undefined || successorHash === undefined || retrySealed === undefined) return undefined;
  if (now - rotatedAt >= deps.policy.refreshGraceSeconds) return undefined;
  const successor = await deps.grants.findRefreshToken(successorHash);
  if (successor === undefined || successor.rotatedAt !== undefined) return undefined;
  return openRetryPair(deps.sealer, retrySealed, now);
}

/** A rotated token: the benign retry, or reuse — which revokes the whole grant (SECURITY.md G2, G3). */
async function retryOrRevoke(deps: TokenServiceDeps, token: RefreshToken, now: number): Promise<TokenResponse> {
  const pair = await benignRetry(deps, token, now);
  if (pair !== undefined) {
    deps.logger.info('oauth.refresh_retry', { clientId: token.clientId, grantId: token.grantId });
    return pair;
  }
  await revokeFamily(deps, token.grantId, 'oauth.refresh_reuse', { clientId: token.clientId });
  throw invalidGrant('the refresh token was already used');
}

/**
 * Compare-and-set rotation. Of concurrent rotations of one token exactly one stores its successor;
 * every other caller finds the token already rotated and follows Decision 1 with the winner's
 * record, so there is never a second live family (SECURITY.md G4, G8).
 */
async function rotate(deps: TokenServiceDeps, token: RefreshToken, grant: Grant, scopes: readonly string[], now: number): Promise<TokenResponse> {
  const minted = mintPair(deps, { grant, accessScopes: scopes, refreshScopes: token.scopes, now });
  const sealed = sealRetryPair(deps.sealer, minted);
  const outcome = await deps.grants.rotateRefreshToken(token.tokenHash, minted.refresh, minted.access, sealed, now);
  if (outcome.kind === 'already_rotated') return retryOrRevoke(deps, outcome.token, now);
  if (outcome.kind === 'unknown') throw invalidGrant('unknown refresh token');
  await touchClient(deps, token.clientId);
  return minted.response;
}

/**
 * `grant_type=refresh_token`. Checks that touch nothing come first (client, scope, resource), then
 * the grant's life, then rotation. Refresh tokens are always rotated.
 * @see RFC 6749 §6, OAuth 2.1 §4.3.1, SECURITY.md G1–G6
 */
export async function refresh(deps: TokenServiceDeps, input: RefreshInput): Promise<TokenResponse> {
  const token = await ownedToken(deps, input);
  const scopes = narrowedScopes(deps, token.scopes, input.scope);
  if (canonicalResource(input.resource, deps.policy) !== token.resource) {
    throw new DomainError('invalid_target', 'the resource is outside the grant');
  }
  const now = deps.clock.now();
  const grant = await liveGrant(deps, token.grantId, now);
  if (token.rotatedAt !== undefined) return retryOrRevoke(deps, token, now);
  if (token.expiresAt <= now) throw invalidGrant('the refresh token has expired');
  return rotate(deps, token, grant, scopes, now);
}

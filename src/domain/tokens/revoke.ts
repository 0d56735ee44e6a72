import { revokeFamily } from './family.js';
import { ACCESS_TOKEN_PREFIX, REFRESH_TOKEN_PREFIX } from './token.js';
import type { RevokeInput, TokenServiceDeps } from './token-service.js';

interface Owner {
  readonly grantId: string;
  readonly clientId: string;
}

/**
 * The grant and client a token belongs to. The prefix names the token's type, so
 * `token_type_hint` is not needed to find it (RFC 7009 §2.1 makes the hint optional anyway).
 * A rotated refresh token still names its grant: revoking it ends the family too.
 */
async function ownerOf(deps: TokenServiceDeps, token: string): Promise<Owner | undefined> {
  if (token.startsWith(REFRESH_TOKEN_PREFIX)) return deps.grants.findRefreshToken(deps.hasher.hash(token));
  if (token.startsWith(ACCESS_TOKEN_PREFIX)) return deps.grants.findAccessToken(deps.hasher.hash(token), deps.clock.now());
  return undefined;
}

/**
 * RFC 7009 revocation. Revoking a refresh token ends its grant and every access token of it
 * (§2.1 SHOULD). Revoking an access token ends the grant too (§2.1 allows it): the client is
 * signing out, and a surviving refresh token would silently mint new access tokens.
 * Unknown, expired or malformed tokens succeed without effect (§2.2), and so does another
 * client's token — which stays valid, because revocation needs ownership (SECURITY.md G7).
 */
export async function revoke(deps: TokenServiceDeps, input: RevokeInput): Promise<void> {
  const owner = await ownerOf(deps, input.token);
  if (owner === undefined) return;
  if (owner.clientId !== input.client.clientId) {
    deps.logger.warn('oauth.revoke_foreign_token', { clientId: input.client.clientId, grantId: owner.grantId });
    return;
  }
  await revokeFamily(deps, owner.grantId, 'oauth.token_revoked', { clientId: owner.clientId }, 'info');
}

import { DomainError } from '../errors.js';
import type { AuthorizationCode } from '../grants/grant.js';
import { canonicalResource } from '../grants/resource.js';
import { invalidGrant, liveGrant, revokeFamily, touchClient } from './family.js';
import { mintPair } from './issue.js';
import { verifierMatches } from './pkce.js';
import { AUTHORIZATION_CODE_PREFIX } from './token.js';
import type { ExchangeCodeInput, TokenResponse, TokenServiceDeps } from './token-service.js';

/**
 * The code as stored, after every binding of the request has been checked against it: client,
 * redirect URI, PKCE verifier, resource. Nothing is consumed here, so a request that fails any
 * check leaves the code as it was — an attacker's guess can neither burn a code nor trigger the
 * replay revocation (SECURITY.md F2, F5, F8, F9, F12).
 * @see RFC 6749 §4.1.3, RFC 7636 §4.6, RFC 8707 §2.2
 */
async function boundCode(deps: TokenServiceDeps, input: ExchangeCodeInput): Promise<AuthorizationCode> {
  if (!input.code.startsWith(AUTHORIZATION_CODE_PREFIX)) throw invalidGrant('unknown authorization code');
  const code = await deps.grants.findCode(deps.hasher.hash(input.code));
  if (code === undefined) throw invalidGrant('unknown authorization code');
  const fields = { clientId: input.client.clientId, grantId: code.grantId };
  if (code.clientId !== input.client.clientId) {
    deps.logger.warn('oauth.code_client_mismatch', fields);
    throw invalidGrant('the authorization code was issued to another client');
  }
  // OAuth 2.1 §4.1.3: when sent, it must be identical. The code does not record whether the
  // authorization request carried one, so an omitted value is accepted; PKCE binds the code anyway.
  if (input.redirectUri !== undefined && input.redirectUri !== code.redirectUri) {
    deps.logger.warn('oauth.redirect_uri_mismatch', fields);
    throw invalidGrant('redirect_uri does not match the authorization request');
  }
  if (!verifierMatches(deps.hasher, input.codeVerifier, code.codeChallenge)) throw invalidGrant('PKCE verification failed');
  if (canonicalResource(input.resource, deps.policy) !== code.resource) {
    throw new DomainError('invalid_target', 'resource does not match the authorization request');
  }
  return code;
}

/**
 * A *valid* replay — right client, right verifier — of a code already redeemed: the code may have
 * been stolen and used, so everything it produced is revoked. @see OAuth 2.1 §4.1.3, SECURITY.md F4
 */
async function refuseReplay(deps: TokenServiceDeps, code: AuthorizationCode): Promise<never> {
  await revokeFamily(deps, code.grantId, 'oauth.code_replay', { clientId: code.clientId });
  throw invalidGrant('the authorization code has already been used');
}

/**
 * Redeems a code: validate against the stored record first, store the new tokens, consume last.
 * Consuming last means whoever wins the code already has its tokens stored, so the revocation a
 * concurrent valid replay triggers always reaches them: of concurrent redemptions exactly one gets
 * a 200, and the losers' replay ends its family (SECURITY.md F6 allows zero survivors). A failure
 * before the consume leaves the code redeemable; tokens stored by a request that then loses were
 * never handed to anyone.
 */
export async function exchangeCode(deps: TokenServiceDeps, input: ExchangeCodeInput): Promise<TokenResponse> {
  const code = await boundCode(deps, input);
  if (code.consumedAt !== undefined) return refuseReplay(deps, code);
  const now = deps.clock.now();
  if (code.expiresAt <= now) throw invalidGrant('the authorization code has expired');
  const grant = await liveGrant(deps, code.grantId, now);
  const minted = mintPair(deps, { grant, accessScopes: code.scopes, refreshScopes: code.scopes, now });
  await deps.grants.saveAccessToken(minted.access);
  await deps.grants.saveRefreshToken(minted.refresh);
  const redemption = await deps.grants.consumeCode(code.codeHash, now);
  if (redemption.kind === 'replayed') return refuseReplay(deps, redemption.code);
  if (redemption.kind === 'unknown') throw invalidGrant('unknown authorization code');
  await touchClient(deps, input.client.clientId);
  deps.logger.info('oauth.code_redeemed', { clientId: grant.clientId, subject: grant.subject, grantId: grant.grantId });
  return minted.response;
}

import * as oauth from 'oauth4webapi';
import { DomainError } from '../../../domain/errors.js';
import { profileClaimsOf, type Claims } from './oidc-claims.js';
import type { OidcContext } from './oidc-context.js';
import { callbackErrorOf, oauthErrorOf } from './oidc-http.js';
import { parseOidcUpstreamTokens, upstreamTokensOf, type LoginSecret, type OidcUpstreamTokens } from './oidc-secrets.js';

/**
 * The back-channel calls to the provider. Each wraps its failures as `upstream_failed` naming the
 * step, so a log line says which call broke; all calls of one operation share one deadline.
 */
export interface ValidatedLogin {
  readonly result: oauth.TokenEndpointResponse;
  readonly idToken: oauth.IDToken;
}

/**
 * The callback's parameters, checked: RFC 9207 `iss` (required when the provider advertises it,
 * and never another issuer's), our `state`, and the provider's `error`.
 * @see RFC 9207 §2.4, RFC 6749 §4.1.2.1
 */
export function checkCallback(ctx: OidcContext, params: Readonly<Record<string, string>>, state: string): URLSearchParams {
  try {
    return oauth.validateAuthResponse(ctx.as, ctx.client(), new URLSearchParams(params), state);
  } catch (error) {
    const code = callbackErrorOf(error);
    if (code === 'access_denied') throw new DomainError('access_denied', 'the user declined the sign-in at the OpenID provider');
    if (code !== undefined) throw new DomainError('upstream_failed', `the OpenID provider answered the sign-in with ${code}`);
    throw ctx.http.failure(error, 'callback');
  }
}

/** The ID token's signature, checked against the provider's published keys (`jwks_uri`). */
async function verifySignature(ctx: OidcContext, response: Response, signal: AbortSignal): Promise<void> {
  await oauth.validateApplicationLevelSignature(ctx.as, response, ctx.http.options(signal));
}

/**
 * Redeems the code with the PKCE verifier and validates the ID token: signature, `iss`, `aud`
 * (and `azp`), `exp`, `iat`, and our `nonce`.
 * @see OpenID Connect Core 1.0 §3.1.3.7, RFC 7636 §4.5
 */
export async function exchangeCode(ctx: OidcContext, params: URLSearchParams, secret: LoginSecret, callbackUrl: string, signal: AbortSignal): Promise<ValidatedLogin> {
  const client = ctx.client();
  try {
    const response = await oauth.authorizationCodeGrantRequest(ctx.as, client, ctx.clientAuth, params, callbackUrl, secret.codeVerifier, ctx.http.options(signal));
    const result = await oauth.processAuthorizationCodeResponse(ctx.as, client, response, { expectedNonce: secret.nonce, requireIdToken: true });
    await verifySignature(ctx, response, signal);
    const idToken = oauth.getValidatedIdTokenClaims(result);
    if (idToken === undefined) throw new DomainError('upstream_failed', 'the OpenID provider returned no ID token');
    return { result, idToken };
  } catch (error) {
    throw ctx.http.failure(error, 'token request', signal);
  }
}

/** The userinfo claims, which must be about the ID token's `sub`. @see OpenID Connect Core 1.0 §5.3.2 */
export async function readUserinfo(ctx: OidcContext, accessToken: string, sub: string, signal: AbortSignal): Promise<Claims> {
  const client = ctx.client();
  try {
    const response = await oauth.userInfoRequest(ctx.as, client, accessToken, ctx.http.options(signal));
    return await oauth.processUserInfoResponse(ctx.as, client, sub, response);
  } catch (error) {
    throw ctx.http.failure(error, 'userinfo request', signal);
  }
}

/** The stored claims, updated from a refreshed ID token, which must name the same user. @see OpenID Connect Core 1.0 §12.2 */
function refreshedClaims(previous: OidcUpstreamTokens, idToken: oauth.IDToken | undefined): Readonly<Record<string, unknown>> | undefined {
  const claims = previous.id_token_claims_subset;
  if (idToken === undefined) return claims;
  const sub = claims?.sub;
  if (typeof sub === 'string' && idToken.sub !== sub) throw new DomainError('invalid_grant', 'the refreshed ID token names another user');
  return { ...claims, ...profileClaimsOf(idToken) };
}

/**
 * A refresh-token grant at the provider. A refused refresh token (`invalid_grant`: expired, revoked,
 * or the user withdrew consent) is `invalid_grant`, so the caller ends Keyway's grant; any other
 * failure is `upstream_failed` (try again later).
 * @see RFC 6749 §6, SECURITY.md E7
 */
export async function refreshTokens(ctx: OidcContext, upstreamTokens: string): Promise<string> {
  const previous = parseOidcUpstreamTokens(upstreamTokens);
  if (previous === undefined) throw new DomainError('invalid_grant', 'the upstream tokens are not OpenID Connect tokens: sign in again');
  if (previous.refresh_token === undefined) throw new DomainError('invalid_grant', 'the OpenID provider issued no refresh token: sign in again');
  const client = ctx.client();
  const signal = ctx.http.deadline();
  try {
    const response = await oauth.refreshTokenGrantRequest(ctx.as, client, ctx.clientAuth, previous.refresh_token, ctx.http.options(signal));
    const result = await oauth.processRefreshTokenResponse(ctx.as, client, response);
    const idToken = oauth.getValidatedIdTokenClaims(result);
    if (idToken !== undefined) await verifySignature(ctx, response, signal);
    return upstreamTokensOf(result, ctx.clock.now(), refreshedClaims(previous, idToken), previous);
  } catch (error) {
    if (oauthErrorOf(error) === 'invalid_grant') throw new DomainError('invalid_grant', 'the OpenID provider no longer accepts the refresh token (expired or revoked): sign in again');
    throw ctx.http.failure(error, 'token refresh', signal);
  }
}

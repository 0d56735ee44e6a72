import type { ServerResponse } from 'node:http';
import type { Client } from '../../domain/clients/client.js';
import type { ClientRegistry } from '../../domain/clients/registry.js';
import { DomainError, isDomainError } from '../../domain/errors.js';
import type { TokenResponse, TokenService } from '../../domain/tokens/token-service.js';
import { authenticateClient, claimedClientId, presentedCredentials } from './client-auth.js';
import { sendAnyOAuthError } from './oauth-errors.js';
import { readOAuthForm, type OAuthForm } from './oauth-form.js';
import { sendJson } from './respond.js';
import type { HttpContext, Route } from './types.js';

/**
 * Decides whether a request may proceed; `false` means it has already been answered (429). Called
 * after the body is parsed and before any lookup, with the `client_id` the request claims
 * (unauthenticated yet) or `undefined`.
 */
export type ClientLimit = (ctx: HttpContext, clientId: string | undefined) => boolean;

export interface TokenRouteDeps {
  readonly tokens: Pick<TokenService, 'exchangeCode' | 'refresh'>;
  readonly clients: ClientRegistry;
  readonly limit?: ClientLimit;
}

/** The parameter a grant needs; absent → `invalid_request`. */
function required(form: OAuthForm, name: string): string {
  const value = form[name];
  if (value === undefined) throw new DomainError('invalid_request', `${name} is required`);
  return value;
}

/** RFC 6749 §3.3: space-delimited scope tokens. */
function scopesOf(value: string | undefined): readonly string[] | undefined {
  return value === undefined ? undefined : value.split(' ').filter((scope) => scope !== '');
}

type GrantType = 'authorization_code' | 'refresh_token';

/** Only the two grants Keyway issues tokens for; checked before any lookup. @see RFC 6749 §5.2 */
function grantTypeOf(form: OAuthForm): GrantType {
  const grantType = form['grant_type'];
  if (grantType === undefined) throw new DomainError('invalid_request', 'grant_type is required');
  if (grantType !== 'authorization_code' && grantType !== 'refresh_token') {
    throw new DomainError('unsupported_grant_type', 'grant_type must be authorization_code or refresh_token');
  }
  return grantType;
}

/** @see RFC 6749 §4.1.3, RFC 7636 §4.5, RFC 8707 §2.2 (authorization_code); RFC 6749 §6 (refresh_token) */
async function grant(tokens: TokenRouteDeps['tokens'], grantType: GrantType, form: OAuthForm, client: Client): Promise<TokenResponse> {
  if (grantType === 'authorization_code') {
    return tokens.exchangeCode({ client, code: required(form, 'code'), codeVerifier: form['code_verifier'], redirectUri: form['redirect_uri'], resource: form['resource'] });
  }
  return tokens.refresh({ client, refreshToken: required(form, 'refresh_token'), scope: scopesOf(form['scope']), resource: form['resource'] });
}

/** RFC 6749 §5.1: snake_case JSON, never cached. */
function sendTokens(res: ServerResponse, tokens: TokenResponse): void {
  const body = { access_token: tokens.accessToken, token_type: tokens.tokenType, expires_in: tokens.expiresIn, refresh_token: tokens.refreshToken, scope: tokens.scope };
  sendJson(res, 200, body, { 'Cache-Control': 'no-store', Pragma: 'no-cache' });
}

/**
 * `POST /token`. Form body only (SECURITY.md F10), grant type checked before any lookup, then the
 * optional per-client limit, client authentication (F11), and the grant. Errors go out through
 * `oauth-errors.ts`: storage outages as 503 `temporarily_unavailable`, never `invalid_grant` (L4).
 * @see RFC 6749 §3.2, §5; OAuth 2.1 §3.2
 */
async function handleToken(deps: TokenRouteDeps, ctx: HttpContext): Promise<void> {
  const form = await readOAuthForm(ctx);
  if (form === undefined) return;
  const presented = presentedCredentials(ctx.req, form);
  try {
    const grantType = grantTypeOf(form);
    if (deps.limit !== undefined && !deps.limit(ctx, claimedClientId(presented, form))) return;
    const auth = await authenticateClient(deps.clients, presented);
    if (!auth.ok) throw auth.error;
    const issued = await grant(deps.tokens, grantType, form, auth.client);
    ctx.journey = { clientId: auth.client.clientId, note: grantType };
    sendTokens(ctx.res, issued);
  } catch (error) {
    const claimed = claimedClientId(presented, form)?.slice(0, 300);
    ctx.journey = { ...(claimed === undefined ? {} : { clientId: claimed }), note: errorCode(error) };
    ctx.logger.info('oauth.token_refused', { grantType: form['grant_type']?.slice(0, 100), clientId: claimed, error: errorCode(error) });
    sendAnyOAuthError(ctx.res, error, ctx.logger, { basicAuth: presented.basic });
  }
}

function errorCode(error: unknown): string {
  return isDomainError(error) ? error.code : 'unexpected';
}

export function tokenRoute(deps: TokenRouteDeps): Route {
  return { method: 'POST', path: '/token', handler: (ctx) => handleToken(deps, ctx) };
}

import * as oauth from 'oauth4webapi';
import { DomainError, isDomainError } from '../../../domain/errors.js';
import type { Clock } from '../../../domain/ports/clock.js';
import type { Identity, IdentityProvider, LoginStart } from '../../../domain/ports/identity.js';
import type { Logger } from '../../../domain/ports/logger.js';
import type { UpstreamRefresher } from '../../../domain/ports/upstream.js';
import { checkCallback, exchangeCode, readUserinfo, refreshTokens } from './oidc-calls.js';
import { displayName, profileClaimsOf, refusalOf, subjectOf, type Claims, type OidcAllowlist } from './oidc-claims.js';
import { createOidcContext, type OidcContext } from './oidc-context.js';
import { discoverIssuer, parseIssuer } from './oidc-discovery.js';
import { createOidcHttp } from './oidc-http.js';
import { decodeLoginSecret, encodeLoginSecret, upstreamTokensOf } from './oidc-secrets.js';

/**
 * Sign-in with any OpenID Connect provider, found by discovery from its issuer, through
 * oauth4webapi: authorization code flow with PKCE S256 and a `nonce`, RFC 9207 `iss` on the
 * callback, a fully validated ID token (signature from the provider's JWKS), optional userinfo,
 * and optional allowlists. The subject is `oidc:<iss>#<sub>`.
 * @see OpenID Connect Core 1.0 §3.1, RFC 9700 §2.1.1, SECURITY.md E1, E4, E5
 */
export interface OidcOptions extends OidcAllowlist {
  /** The issuer identifier, exactly as the provider's discovery document states it. */
  readonly issuer: string;
  readonly clientId: string;
  /** Absent for a public client (PKCE only). */
  readonly clientSecret?: string;
  /** Default `openid profile email`; `openid` is always requested. */
  readonly scopes?: readonly string[];
  /** `true`: always read userinfo (the provider must have it); `false`: never; absent: when the provider has it. */
  readonly useUserinfo?: boolean;
  /** Bound on each operation at the provider (discovery; a whole sign-in; a refresh). Default 8000. */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * The adapter is also the upstream refresher: `refresh` trades the refresh token in the sealed JSON
 * for new tokens. It throws `invalid_grant` when the provider refuses it or issued none (Keyway's
 * grant should end) and `upstream_failed` when the provider fails or times out (try later).
 */
export interface OidcIdentityProvider extends IdentityProvider, UpstreamRefresher {
  readonly name: 'oidc';
  /** The provider's issuer identifier (as in subjects). */
  readonly issuer: string;
}

export const DEFAULT_OIDC_SCOPES: readonly string[] = ['openid', 'profile', 'email'];
const DEFAULT_TIMEOUT_MS = 8000;

function scopeOf(scopes: readonly string[]): string {
  return [...new Set(['openid', ...scopes])].join(' ');
}

/** Whether to read userinfo, decided once at start-up. */
function userinfoWanted(as: oauth.AuthorizationServer, wanted: boolean | undefined): boolean {
  const available = typeof as.userinfo_endpoint === 'string';
  if (wanted === true && !available) throw new DomainError('upstream_failed', `the OpenID provider ${as.issuer} publishes no userinfo_endpoint: turn userinfo off`);
  return wanted ?? available;
}

function warnAboutMetadata(as: oauth.AuthorizationServer, logger: Logger): void {
  if (as.code_challenge_methods_supported?.includes('S256') !== true) {
    logger.warn('oidc.pkce_not_advertised', { issuer: as.issuer, message: 'the provider does not advertise PKCE S256; Keyway sends it anyway and relies on the nonce too' });
  }
  if (as.authorization_response_iss_parameter_supported !== true) {
    logger.info('oidc.iss_parameter_not_advertised', { issuer: as.issuer, message: 'no RFC 9207 iss on callbacks; any iss that does arrive is still checked' });
  }
}

/** Discovers the provider (a clear `upstream_failed` error when that fails) and returns the adapter. */
export async function createOidcIdentityProvider(options: OidcOptions): Promise<OidcIdentityProvider> {
  const http = createOidcHttp(parseIssuer(options.issuer), options.fetch ?? fetch, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const as = await discoverIssuer(options.issuer, http);
  const logger = options.logger.child({ idp: 'oidc' });
  warnAboutMetadata(as, logger);
  const policy: FinishPolicy = { userinfo: userinfoWanted(as, options.useUserinfo), allow: options };
  const ctx = createOidcContext({ as, clientId: options.clientId, ...(options.clientSecret === undefined ? {} : { clientSecret: options.clientSecret }), http, clock: options.clock, logger });
  return {
    name: 'oidc',
    issuer: as.issuer,
    startLogin: (input) => startLogin(ctx, scopeOf(options.scopes ?? DEFAULT_OIDC_SCOPES), input),
    finishLogin: (input) => finishLogin(ctx, policy, input),
    refresh: (upstreamTokens) => refresh(ctx, upstreamTokens),
  };
}

/**
 * The authorization URL. `offline_access` needs `prompt=consent` for the provider to honour it.
 * @see OpenID Connect Core 1.0 §3.1.2.1, §11; RFC 7636 §4.3
 */
async function startLogin(ctx: OidcContext, scope: string, input: { readonly state: string; readonly callbackUrl: string }): Promise<LoginStart> {
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const nonce = oauth.generateRandomNonce();
  const url = new URL(ctx.as.authorization_endpoint as string);
  const params: Record<string, string> = {
    response_type: 'code',
    client_id: ctx.clientId,
    redirect_uri: input.callbackUrl,
    scope,
    state: input.state,
    nonce,
    code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    ...(scope.split(' ').includes('offline_access') ? { prompt: 'consent' } : {}),
  };
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return { redirectTo: url.href, secret: encodeLoginSecret({ state: input.state, codeVerifier, nonce }) };
}

interface FinishPolicy {
  readonly userinfo: boolean;
  readonly allow: OidcAllowlist;
}

async function finishLogin(ctx: OidcContext, policy: FinishPolicy, input: { readonly params: Readonly<Record<string, string>>; readonly secret: string; readonly callbackUrl: string }): Promise<Identity> {
  try {
    const secret = decodeLoginSecret(input.secret);
    if (secret === undefined) throw new DomainError('upstream_failed', 'the sign-in secret was not made by this provider');
    const params = checkCallback(ctx, input.params, secret.state);
    const signal = ctx.http.deadline();
    const { result, idToken } = await exchangeCode(ctx, params, secret, input.callbackUrl, signal);
    const claims = policy.userinfo ? { ...idToken, ...(await readUserinfo(ctx, result.access_token, idToken.sub, signal)) } : idToken;
    return admit(ctx, policy.allow, subjectOf(idToken.iss, idToken.sub), claims, upstreamTokensOf(result, ctx.clock.now(), profileClaimsOf(claims)));
  } catch (error) {
    const failure = isDomainError(error) ? error : ctx.http.failure(error, 'sign-in');
    if (failure.code !== 'login_refused') ctx.logger.warn('oidc.sign_in_failed', { code: failure.code, reason: failure.message });
    throw failure;
  }
}

async function refresh(ctx: OidcContext, upstreamTokens: string): Promise<string> {
  try {
    return await refreshTokens(ctx, upstreamTokens);
  } catch (error) {
    const failure = ctx.http.failure(error, 'token refresh');
    ctx.logger.warn('oidc.refresh_failed', { code: failure.code, reason: failure.message });
    throw failure;
  }
}

function admit(ctx: OidcContext, allow: OidcAllowlist, subject: string, claims: Claims, upstreamTokens: string): Identity {
  const refusal = refusalOf(claims, allow);
  if (refusal !== undefined) {
    ctx.logger.info('oidc.login_refused', { subject, reason: refusal });
    throw new DomainError('login_refused', `This account may not sign in here: ${refusal}.`);
  }
  const name = displayName(claims);
  ctx.logger.info('oidc.signed_in', { subject });
  return { subject, ...(name === undefined ? {} : { name }), upstreamTokens };
}

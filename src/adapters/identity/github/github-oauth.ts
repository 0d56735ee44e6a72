import * as oauth from 'oauth4webapi';
import type { ResolvedGithubOptions } from './github-options.js';
import { parseGithubScopes, type GithubTokens } from './upstream-tokens.js';

/**
 * GitHub as oauth4webapi sees it. GitHub publishes no RFC 8414 metadata, so the description is
 * built by hand from the web base URL (github.com or a GitHub Enterprise Server).
 * @see https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps
 */
export interface GithubOAuth {
  /** The authorization URL for one sign-in: Keyway's state, S256 PKCE, the fixed callback. */
  authorizationUrl(input: { readonly state: string; readonly callbackUrl: string; readonly codeChallenge: string }): string;
  /** Exchanges the callback's code (with the sign-in's PKCE verifier) for tokens. */
  exchangeCode(params: Readonly<Record<string, string>>, verifier: string, callbackUrl: string, signal: AbortSignal): Promise<GithubTokens>;
  /** The refresh grant; GitHub rotates the refresh token on every use. */
  refresh(refreshToken: string, signal: AbortSignal): Promise<oauth.TokenEndpointResponse>;
}

type CustomFetch = NonNullable<oauth.HttpRequestOptions<'POST', URLSearchParams>[typeof oauth.customFetch]>;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

function hasErrorMember(text: string): boolean {
  try {
    const body = JSON.parse(text) as unknown;
    return typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'string';
  } catch {
    return false;
  }
}

/**
 * GitHub answers token-endpoint errors (`bad_verification_code`, `incorrect_client_credentials`,
 * `bad_refresh_token`, …) with HTTP 200. Re-status them as 400, so oauth4webapi reports the OAuth
 * error instead of a missing `access_token`. @see RFC 6749 §5.2
 */
function errorWith200As400(fetchImpl: typeof fetch): CustomFetch {
  return async (url, options) => {
    const response = await fetchImpl(url, options);
    if (response.status !== 200) return response;
    const text = await response.text();
    const headers = new Headers(response.headers);
    headers.delete('content-encoding');
    headers.delete('content-length');
    return new Response(text, { status: hasErrorMember(text) ? 400 : 200, headers });
  };
}

export function tokensFrom(response: oauth.TokenEndpointResponse, now: number, previous?: GithubTokens): GithubTokens {
  const refreshIn = response.refresh_token_expires_in;
  const refreshToken = response.refresh_token ?? previous?.refresh_token;
  const refreshExpiresAt = typeof refreshIn === 'number' ? now + refreshIn : response.refresh_token === undefined ? previous?.refresh_token_expires_at : undefined;
  return {
    access_token: response.access_token,
    ...(refreshToken === undefined ? {} : { refresh_token: refreshToken }),
    ...(response.expires_in === undefined ? {} : { expires_at: now + response.expires_in }),
    ...(refreshExpiresAt === undefined ? {} : { refresh_token_expires_at: refreshExpiresAt }),
    scopes: response.scope === undefined && previous !== undefined ? previous.scopes : parseGithubScopes(response.scope),
  };
}

export function createGithubOAuth(options: ResolvedGithubOptions): GithubOAuth {
  const web = options.webBaseUrl;
  const server: oauth.AuthorizationServer = {
    issuer: web.href.replace(/\/$/, ''),
    authorization_endpoint: new URL('login/oauth/authorize', web).href,
    token_endpoint: new URL('login/oauth/access_token', web).href,
  };
  const client: oauth.Client = { client_id: options.clientId };
  const auth = oauth.ClientSecretPost(options.clientSecret);
  const requestOptions = (signal: AbortSignal): oauth.TokenEndpointRequestOptions => ({
    signal,
    [oauth.customFetch]: errorWith200As400(options.fetch),
    // Plain http only for a loopback GitHub (the tests' fake); github.com and GHES are https.
    [oauth.allowInsecureRequests]: LOOPBACK.has(web.hostname),
  });

  return {
    authorizationUrl({ state, callbackUrl, codeChallenge }) {
      const url = new URL(server.authorization_endpoint ?? '');
      url.searchParams.set('client_id', options.clientId);
      url.searchParams.set('redirect_uri', callbackUrl);
      url.searchParams.set('response_type', 'code');
      if (options.scopes.length > 0) url.searchParams.set('scope', options.scopes.join(' '));
      url.searchParams.set('state', state);
      url.searchParams.set('code_challenge', codeChallenge);
      url.searchParams.set('code_challenge_method', 'S256');
      return url.href;
    },
    async exchangeCode(params, verifier, callbackUrl, signal) {
      // Keyway's flow already matched `state` (single use, bound to the browser) to this sign-in.
      const validated = oauth.validateAuthResponse(server, client, new URLSearchParams(params), oauth.skipStateCheck);
      const response = await oauth.authorizationCodeGrantRequest(server, client, auth, validated, callbackUrl, verifier, requestOptions(signal));
      return tokensFrom(await oauth.processAuthorizationCodeResponse(server, client, response), options.clock.now());
    },
    async refresh(refreshToken, signal) {
      const response = await oauth.refreshTokenGrantRequest(server, client, auth, refreshToken, requestOptions(signal));
      return oauth.processRefreshTokenResponse(server, client, response);
    },
  };
}

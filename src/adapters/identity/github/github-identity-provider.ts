import * as oauth from 'oauth4webapi';
import { DomainError } from '../../../domain/errors.js';
import type { Identity, IdentityProvider, LoginStart } from '../../../domain/ports/identity.js';
import { checkAllowlist } from './github-allowlist.js';
import { createGithubApi } from './github-api.js';
import { refreshFailure, signInFailure } from './github-failures.js';
import { createGithubOAuth, tokensFrom } from './github-oauth.js';
import { resolveGithubOptions, type GithubOptions } from './github-options.js';
import { parseGithubTokens, serializeGithubTokens } from './upstream-tokens.js';

export type { GithubOptions } from './github-options.js';
export type { GithubTokens } from './upstream-tokens.js';

/** The callback URL to register in the OAuth App (and to send on every authorization). */
export function githubCallbackUrl(publicUrl: URL): string {
  return new URL('/callback', publicUrl).href;
}

/**
 * `github:<id>` for github.com; `github:<host>:<id>` for GitHub Enterprise Server, whose numeric ids
 * are its own and would otherwise collide with github.com's (SECURITY.md E5).
 */
export function subjectOf(webBaseUrl: string | URL, id: number): string {
  const host = new URL(webBaseUrl).host;
  return host === 'github.com' ? `github:${id}` : `github:${host}:${id}`;
}

/**
 * Sign-in with GitHub (OAuth App or GitHub App user tokens) through oauth4webapi: PKCE S256 and
 * Keyway's state on every authorization, the code exchanged with the sign-in's verifier, then
 * `GET /user` for the immutable numeric id (the subject is `github:<id>`, never the login, which
 * can be renamed and reused), then the allowlists. The whole back channel of one sign-in shares
 * one deadline (`timeoutMs`), so a hung GitHub ends in `upstream_failed` well inside the 10 s
 * hosted clients allow for the whole exchange.
 * @see RFC 7636 §4, SECURITY.md E1, E4, E5
 */
export function createGithubIdentityProvider(options: GithubOptions): IdentityProvider {
  const resolved = resolveGithubOptions(options);
  const github = createGithubOAuth(resolved);
  const api = createGithubApi(resolved);
  const { logger, timeoutMs } = resolved;

  async function startLogin(input: { readonly state: string; readonly callbackUrl: string }): Promise<LoginStart> {
    const verifier = oauth.generateRandomCodeVerifier();
    const codeChallenge = await oauth.calculatePKCECodeChallenge(verifier);
    return { redirectTo: github.authorizationUrl({ state: input.state, callbackUrl: input.callbackUrl, codeChallenge }), secret: verifier };
  }

  async function signIn(params: Readonly<Record<string, string>>, verifier: string, callbackUrl: string): Promise<Identity> {
    const signal = AbortSignal.timeout(timeoutMs);
    const tokens = await github.exchangeCode(params, verifier, callbackUrl, signal);
    const user = await api.user(tokens.access_token, signal);
    await checkAllowlist(resolved, { api, user, token: tokens.access_token, signal });
    logger.info('github.signed_in', { githubId: user.id, expiring: tokens.expires_at !== undefined });
    return { subject: subjectOf(resolved.webBaseUrl, user.id), name: user.login, upstreamTokens: serializeGithubTokens(tokens) };
  }

  async function finishLogin(input: { readonly params: Readonly<Record<string, string>>; readonly secret: string; readonly callbackUrl: string }): Promise<Identity> {
    try {
      return await signIn(input.params, input.secret, input.callbackUrl);
    } catch (error) {
      throw signInFailure(error, logger, timeoutMs);
    }
  }

  return { name: 'github', startLogin, finishLogin };
}

/**
 * Refreshes expiring GitHub App user tokens (`upstreamTokens` as sealed in the grant) and returns
 * the new JSON to seal back; GitHub rotates the refresh token, so the old one is dead afterwards.
 * Throws `invalid_grant` when there is no refresh token or GitHub no longer accepts it (the grant
 * must end and the client re-authorize), `upstream_failed` on a timeout, 5xx or bad answer.
 * @see https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens
 */
export async function refreshGithubToken(options: GithubOptions, upstreamTokens: string): Promise<string> {
  const resolved = resolveGithubOptions(options);
  const previous = parseGithubTokens(upstreamTokens);
  if (previous.refresh_token === undefined) throw new DomainError('invalid_grant', 'these GitHub tokens cannot be refreshed');
  const now = resolved.clock.now();
  if (previous.refresh_token_expires_at !== undefined && previous.refresh_token_expires_at <= now) {
    throw new DomainError('invalid_grant', 'the GitHub refresh token has expired');
  }
  try {
    const response = await createGithubOAuth(resolved).refresh(previous.refresh_token, AbortSignal.timeout(resolved.timeoutMs));
    return serializeGithubTokens(tokensFrom(response, resolved.clock.now(), previous));
  } catch (error) {
    throw refreshFailure(error, resolved.logger, resolved.timeoutMs);
  }
}

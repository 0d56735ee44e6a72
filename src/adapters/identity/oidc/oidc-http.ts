import * as oauth from 'oauth4webapi';
import { DomainError, isDomainError } from '../../../domain/errors.js';
import { isLoopbackHostname } from '../../http/guards.js';

/**
 * Outbound HTTP to the OpenID provider, as oauth4webapi wants it: the injected `fetch` as its
 * `customFetch`, one deadline shared by every request of one operation (a sign-in makes up to
 * four: token, keys, userinfo), and plain http only for a loopback issuer (tests, a provider on
 * the same host). Also the one place that turns oauth4webapi's failures into domain errors.
 */
export type OidcRequestOptions = {
  readonly signal: AbortSignal;
  readonly [oauth.customFetch]: (url: string, init: oauth.CustomFetchOptions<string, unknown>) => Promise<Response>;
  readonly [oauth.allowInsecureRequests]: boolean;
};

export interface OidcHttp {
  /** A deadline of `timeoutMs` for one operation; pass it to every call that operation makes. */
  deadline(): AbortSignal;
  options(signal: AbortSignal): OidcRequestOptions;
  /**
   * `error` as `upstream_failed` (or the `DomainError` it already is), with a message safe to log;
   * `signal` is the operation's deadline, when the step made requests.
   */
  failure(error: unknown, step: string, signal?: AbortSignal): DomainError;
}

/** @see RFC 8252 §8.3 (loopback is the one place plain http is acceptable) */
export function allowsPlainHttp(issuer: URL): boolean {
  return issuer.protocol === 'http:' && isLoopbackHostname(issuer.hostname);
}

/** The stable code of an oauth4webapi error (`OAUTH_…`), if it is one. */
function oauthCode(error: unknown): string | undefined {
  if (!(error instanceof Error) || !('code' in error) || typeof error.code !== 'string') return undefined;
  return error.code.startsWith('OAUTH_') ? error.code : undefined;
}

/** The HTTP status of the response an oauth4webapi error was raised for, when it carries one. */
function statusOf(error: unknown): number | undefined {
  const cause = error instanceof Error ? (error as Error & { cause?: unknown }).cause : undefined;
  return cause instanceof Response ? cause.status : undefined;
}

function describe(error: unknown, timeoutMs: number, step: string): string {
  const code = oauthCode(error);
  if (code === oauth.RESPONSE_BODY_ERROR) return `the OpenID provider refused the ${step} (${(error as oauth.ResponseBodyError).error})`;
  const status = statusOf(error);
  if (status !== undefined && status !== 200) return `the OpenID provider answered HTTP ${status} to the ${step}`;
  if (code !== undefined) return `the ${step} at the OpenID provider failed: ${(error as Error).message} (${code})`;
  if (error instanceof TypeError) return `the OpenID provider could not be reached for the ${step}`;
  return `the ${step} at the OpenID provider failed unexpectedly (${error instanceof Error ? error.name : 'unknown'}; limit ${timeoutMs} ms)`;
}

export function createOidcHttp(issuer: URL, fetchImpl: typeof fetch, timeoutMs: number): OidcHttp {
  const insecure = allowsPlainHttp(issuer);
  const send = (url: string, init: oauth.CustomFetchOptions<string, unknown>): Promise<Response> => fetchImpl(url, init as RequestInit);
  return {
    deadline: () => AbortSignal.timeout(timeoutMs),
    options: (signal) => ({ signal, [oauth.customFetch]: send, [oauth.allowInsecureRequests]: insecure }),
    failure(error, step, signal) {
      if (isDomainError(error)) return error;
      if (signal?.aborted === true) return new DomainError('upstream_failed', `the OpenID provider did not answer the ${step} within ${timeoutMs} ms`);
      return new DomainError('upstream_failed', describe(error, timeoutMs, step));
    },
  };
}

/** The OAuth `error` code of a provider's token-endpoint error response (`invalid_grant`, …). */
export function oauthErrorOf(error: unknown): string | undefined {
  return oauthCode(error) === oauth.RESPONSE_BODY_ERROR ? (error as oauth.ResponseBodyError).error : undefined;
}

/** The `error` of an error callback (`access_denied`, …), when it is a well-formed code. @see RFC 6749 §4.1.2.1 */
export function callbackErrorOf(error: unknown): string | undefined {
  if (oauthCode(error) !== oauth.AUTHORIZATION_RESPONSE_ERROR) return undefined;
  const code = (error as oauth.AuthorizationResponseError).error;
  return /^[a-z_]{1,64}$/.test(code) ? code : 'invalid_error';
}

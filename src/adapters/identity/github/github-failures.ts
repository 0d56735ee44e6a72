import * as oauth from 'oauth4webapi';
import { DomainError, isDomainError } from '../../../domain/errors.js';
import type { Logger } from '../../../domain/ports/logger.js';

/**
 * Token-endpoint errors that mean the credential itself is dead (the user revoked the app, the
 * refresh token expired or was already rotated): the grant built on it must end.
 * @see https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens
 */
const DEAD_CREDENTIAL = new Set(['bad_refresh_token', 'invalid_grant', 'unauthorized_client']);

/** An error code as sent, if it looks like one (the callback's `error` is attacker-controlled). */
const codeOf = (value: string): string => (/^[a-z_]{1,64}$/.test(value) ? value : 'malformed');

/** A short, secret-free reason for logs. */
function reasonOf(error: unknown): string {
  if (error instanceof oauth.ResponseBodyError) return `oauth_error:${codeOf(error.error)}`;
  if (error instanceof oauth.AuthorizationResponseError) return `authorization_error:${codeOf(error.error)}`;
  if (error instanceof oauth.OperationProcessingError) return `invalid_response:${error.code ?? 'unknown'}`;
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'timeout';
  if (isDomainError(error)) return error.code;
  return error instanceof Error ? `network:${error.name}` : 'unknown';
}

function describe(reason: string, timeoutMs: number): string {
  if (reason === 'timeout') return `GitHub did not answer within ${timeoutMs} ms`;
  if (reason === 'oauth_error:incorrect_client_credentials') return 'GitHub rejected Keyway’s client credentials (check GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET)';
  if (reason === 'oauth_error:redirect_uri_mismatch') return 'GitHub rejected the callback URL (it must match the OAuth App’s Authorization callback URL)';
  if (reason.startsWith('oauth_error:')) return `GitHub refused the sign-in (${reason.slice('oauth_error:'.length)})`;
  return 'GitHub failed to complete the sign-in';
}

/**
 * Any failure of a sign-in's back channel as the port's error: a denial stays `access_denied`, an
 * allowlist refusal stays `login_refused`, everything else (5xx, timeout, bad JSON, a rejected
 * code) is `upstream_failed`. Nothing secret reaches the message or the log.
 */
export function signInFailure(error: unknown, logger: Logger, timeoutMs: number): DomainError {
  if (isDomainError(error) && (error.code === 'access_denied' || error.code === 'login_refused')) return error;
  if (error instanceof oauth.AuthorizationResponseError && error.error === 'access_denied') {
    return new DomainError('access_denied', 'the user did not authorize the app on GitHub');
  }
  const reason = reasonOf(error);
  const level = reason === 'oauth_error:incorrect_client_credentials' || reason === 'oauth_error:redirect_uri_mismatch' ? 'error' : 'warn';
  logger[level]('github.sign_in_failed', { reason });
  if (isDomainError(error)) return error;
  return new DomainError('upstream_failed', describe(reason, timeoutMs));
}

/** A failed refresh: `invalid_grant` when the refresh token is dead, else `upstream_failed` (retry later). */
export function refreshFailure(error: unknown, logger: Logger, timeoutMs: number): DomainError {
  const reason = reasonOf(error);
  logger.warn('github.refresh_failed', { reason });
  if (error instanceof oauth.ResponseBodyError && DEAD_CREDENTIAL.has(error.error)) {
    return new DomainError('invalid_grant', `GitHub no longer accepts this refresh token (${error.error})`);
  }
  if (isDomainError(error)) return error;
  return new DomainError('upstream_failed', describe(reason, timeoutMs));
}

import type { ServerResponse } from 'node:http';
import { isDomainError, type DomainError, type DomainErrorCode } from '../../domain/errors.js';
import type { Logger } from '../../domain/ports/logger.js';
import { sendJson } from './respond.js';

/**
 * The one place OAuth errors become wire responses: JSON `{error, error_description}` with
 * `Cache-Control: no-store`, the status each code calls for, and `WWW-Authenticate` where the
 * spec wants one. Anything that is not a domain error is a generic 500, logged and never echoed.
 * @see RFC 6749 §5.2, RFC 7591 §3.2.2, RFC 7009 §2.2.1, RFC 6750 §3.1
 */
const STATUS: Partial<Record<DomainErrorCode, number>> = {
  invalid_client: 401,
  invalid_token: 401,
  insufficient_scope: 403,
  access_denied: 403,
  rate_limited: 429,
  storage_unavailable: 503,
  temporarily_unavailable: 503,
  upstream_failed: 502,
  server_error: 500,
};

/** The wire `error` value for a domain code (Keyway-only codes map to standard ones). */
export function wireCode(code: DomainErrorCode): string {
  switch (code) {
    case 'storage_unavailable':
    case 'upstream_failed':
      return 'temporarily_unavailable';
    case 'rate_limited':
      return 'slow_down';
    case 'fetch_failed':
      return 'invalid_client';
    case 'sealed_invalid':
    case 'session_not_found':
    case 'session_limit_reached':
    case 'session_user_limit_reached':
    case 'pack_invalid':
    case 'login_refused':
      return 'server_error';
    default:
      return code;
  }
}

export interface OAuthErrorOptions {
  /** The client authenticated with HTTP Basic: an `invalid_client` then carries `WWW-Authenticate: Basic`. */
  readonly basicAuth?: boolean;
  /** Seconds for `Retry-After` (429, 503). */
  readonly retryAfter?: number;
}

export function sendOAuthError(res: ServerResponse, error: DomainError, options: OAuthErrorOptions = {}): void {
  const status = STATUS[error.code] ?? 400;
  const headers: Record<string, string> = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };
  if (error.code === 'invalid_client' && options.basicAuth === true) headers['WWW-Authenticate'] = 'Basic realm="keyway"';
  if (status === 429 || status === 503) headers['Retry-After'] = String(options.retryAfter ?? 30);
  sendJson(res, status, { error: wireCode(error.code), error_description: error.message }, headers);
}

/**
 * Sends whatever `error` is: a domain error in OAuth shape, anything else as a logged, generic 500
 * ("anything not an OAuth error is a 500, never a catch-all 400").
 */
export function sendAnyOAuthError(res: ServerResponse, error: unknown, logger: Logger, options: OAuthErrorOptions = {}): void {
  if (isDomainError(error)) {
    sendOAuthError(res, error, options);
    return;
  }
  logger.error('oauth.unexpected_error', { error: error instanceof Error ? error.message : String(error) });
  sendJson(res, 500, { error: 'server_error', error_description: 'Internal server error' }, { 'Cache-Control': 'no-store' });
}

/**
 * An authorization-endpoint error sent back to the client, only once both the client and the
 * redirect URI are validated (SECURITY.md Decision 3): 302 to the redirect URI with `error`, the
 * client's `state` byte for byte, and `iss` (RFC 9207). The registered URI's own query is kept.
 */
export function redirectWithParams(res: ServerResponse, redirectUri: string, params: Readonly<Record<string, string | undefined>>): void {
  const added = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) added.append(name, value);
  // Appended to the registered URI as written: re-serialising its query would change it (C9).
  const location = `${redirectUri}${redirectUri.includes('?') ? '&' : '?'}${added.toString()}`;
  res.writeHead(302, { Location: location, 'Cache-Control': 'no-store' });
  res.end();
}

/**
 * Every failure the core reports carries a closed `code`, so callers `switch (err.code)` instead of
 * relying on `instanceof` (the SDK ships ESM and CJS copies, where `instanceof` can lie).
 * Each protocol adapter owns exactly one module that maps these codes to its wire format.
 */
export type DomainErrorCode =
  // MCP sessions
  | 'session_not_found'
  | 'session_limit_reached'
  | 'session_user_limit_reached'
  | 'pack_invalid'
  // OAuth 2.1 / RFC 6749 §5.2, RFC 7591 §3.2.2, RFC 8707 §2, RFC 6750 §3.1 (wire names)
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'access_denied'
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'server_error'
  | 'temporarily_unavailable'
  // Keyway's own
  | 'storage_unavailable'
  | 'sealed_invalid'
  | 'upstream_failed'
  | 'login_refused'
  | 'fetch_failed'
  | 'rate_limited';

export class DomainError extends Error {
  readonly code: DomainErrorCode;

  constructor(code: DomainErrorCode, message: string) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
  }
}

/** True for any error carrying one of the domain's codes, whichever copy of this module made it. */
export function isDomainError(error: unknown): error is DomainError {
  return error instanceof Error && error.name === 'DomainError' && typeof (error as DomainError).code === 'string';
}

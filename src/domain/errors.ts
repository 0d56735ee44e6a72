/**
 * Every failure the core reports carries a closed `code`, so callers `switch (err.code)` instead of
 * relying on `instanceof` (the SDK ships ESM and CJS copies, where `instanceof` can lie).
 * Each protocol adapter owns exactly one module that maps these codes to its wire format.
 */
export type DomainErrorCode =
  | 'session_not_found'
  | 'session_limit_reached'
  | 'session_user_limit_reached'
  | 'session_forbidden'
  | 'invalid_request'
  | 'unsupported_protocol_version'
  | 'pack_invalid';

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

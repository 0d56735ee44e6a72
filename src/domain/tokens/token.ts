/**
 * Keyway's own tokens: opaque random strings with a recognisable prefix, stored only as SHA-256
 * hashes. The prefix lets secret scanners and people recognise them; it carries no data.
 */
export const ACCESS_TOKEN_PREFIX = 'kw_at_';
export const REFRESH_TOKEN_PREFIX = 'kw_rt_';
export const AUTHORIZATION_CODE_PREFIX = 'kw_ac_';
export const CLIENT_SECRET_PREFIX = 'kw_cs_';

export interface AccessToken {
  readonly tokenHash: string;
  readonly grantId: string;
  readonly clientId: string;
  readonly subject: string;
  readonly scopes: readonly string[];
  /** Audience: the canonical resource of this server. */
  readonly resource: string;
  readonly expiresAt: number;
}

/**
 * A refresh token. Rotation replaces it by a successor; within the grace window the rotated token
 * returns the same successor pair (SECURITY.md Decision 1), after that any use revokes the grant.
 */
export interface RefreshToken {
  readonly tokenHash: string;
  readonly grantId: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly resource: string;
  readonly createdAt: number;
  /** Sliding idle limit: unused past this, the token is dead. Epoch seconds. */
  readonly expiresAt: number;
  /** Set when rotated. */
  readonly rotatedAt?: number;
  /** Hash of the successor, set when rotated. */
  readonly successorHash?: string;
  /**
   * The successor pair (access + refresh token in clear), sealed, kept only for the grace window
   * so a benign retry gets the identical pair; erased after it.
   */
  readonly retrySealed?: string;
}

/**
 * A grant: one user's approval of one client, for some scopes on this server (the resource).
 * Codes, access tokens and refresh tokens all hang off a grant; revoking the grant revokes them all
 * (and closes the MCP sessions opened with them).
 */
export interface Grant {
  readonly grantId: string;
  readonly clientId: string;
  /** The principal's stable subject (`local:alice`, `github:123`, `oidc:<iss>#<sub>`). */
  readonly subject: string;
  /** Display name of the user, for consent pages and tools (never a secret). */
  readonly userName?: string;
  readonly scopes: readonly string[];
  /** The canonical resource (RFC 8707) the grant's tokens are for: `<public>/mcp`. */
  readonly resource: string;
  readonly redirectUri: string;
  /** Upstream identity-provider tokens, sealed (AES-256-GCM); never leave the server. */
  readonly upstreamSealed?: string;
  readonly createdAt: number;
  /** Absolute end of the grant (refresh tokens cannot outlive it). Epoch seconds. */
  readonly expiresAt: number;
  /** Set once revoked; a revoked grant's tokens are all dead. */
  readonly revokedAt?: number;
}

/** A single-use authorization code, stored by hash. @see RFC 6749 §4.1.2, OAuth 2.1 §4.1.3 */
export interface AuthorizationCode {
  readonly codeHash: string;
  readonly grantId: string;
  readonly clientId: string;
  readonly redirectUri: string;
  /** PKCE S256 challenge (base64url, 43 chars). */
  readonly codeChallenge: string;
  readonly resource: string;
  readonly scopes: readonly string[];
  readonly expiresAt: number;
  /** Set when redeemed; a second redemption is a replay. */
  readonly consumedAt?: number;
}

/** Remembered approval: one user, one client, one redirect URI, one scope set. */
export interface Consent {
  readonly subject: string;
  readonly clientId: string;
  readonly redirectUri: string;
  /** Sorted, space-joined scopes. */
  readonly scopeKey: string;
  readonly createdAt: number;
}

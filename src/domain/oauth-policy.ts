/**
 * The authorization server's fixed facts and lifetimes, derived once from configuration.
 * Times are seconds.
 */
export interface OAuthPolicy {
  /** The public origin without a trailing slash: `issuer` in metadata and `iss` in redirects (RFC 9207). */
  readonly issuer: string;
  /** The canonical resource and token audience: `<issuer>/mcp` (RFC 8707). */
  readonly canonicalResource: string;
  /**
   * Every resource value that names this server: `<issuer>/mcp`, `<issuer>/sse` and `<issuer>`.
   * They are one protected resource: a token bound to any of them works on every endpoint.
   */
  readonly resources: readonly string[];
  /** Scopes offered; unknown requested scopes are ignored, not refused (CLIENTS.md 1.5). */
  readonly scopes: readonly string[];
  readonly codeTtlSeconds: number;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenIdleSeconds: number;
  readonly grantMaxSeconds: number;
  /** SECURITY.md Decision 1: how long a rotated refresh token returns the same successor pair. */
  readonly refreshGraceSeconds: number;
}

/** The policy for a public origin with the given lifetimes. */
export function createOAuthPolicy(origin: string, settings: Omit<OAuthPolicy, 'issuer' | 'canonicalResource' | 'resources'>): OAuthPolicy {
  const issuer = origin.replace(/\/+$/, '');
  return Object.freeze({
    ...settings,
    issuer,
    canonicalResource: `${issuer}/mcp`,
    resources: Object.freeze([`${issuer}/mcp`, `${issuer}/sse`, issuer]),
  });
}

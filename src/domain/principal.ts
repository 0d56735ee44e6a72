/**
 * Who is calling. Until the authorization server exists every caller is the anonymous principal;
 * the bearer gate replaces it with the verified user and client.
 */
export interface Principal {
  /** Stable subject, scoped by identity provider (e.g. `github:123`). `anonymous` when unauthenticated. */
  readonly subject: string;
  /** The OAuth client the token was issued to, when there is one. */
  readonly clientId?: string;
  /** The grant the token belongs to; sessions opened with it close when the grant is revoked. */
  readonly grantId?: string;
  /** Scopes granted to the token. */
  readonly scopes: readonly string[];
  /** Display name for tools and logs (never a secret). */
  readonly name?: string;
}

export const ANONYMOUS: Principal = Object.freeze({ subject: 'anonymous', scopes: Object.freeze([]) });

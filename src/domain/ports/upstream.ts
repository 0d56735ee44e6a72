/**
 * The signed-in user's tokens at the upstream identity provider (GitHub, an OpenID Connect
 * provider), as the identity adapters seal them into the grant: a JSON object
 * `{ access_token, refresh_token?, expires_at?, refresh_token_expires_at?, scopes, id_token_claims_subset? }`
 * with times in epoch seconds. They never leave the server (SECURITY.md E6).
 */

export interface UpstreamRefresher {
  /**
   * Trades the refresh token in `upstreamTokens` (the opened JSON) for new tokens at the provider
   * and returns the complete new JSON, carrying over whatever the provider does not issue again
   * (a refresh token it does not rotate, the ID-token claims). Rejects when the provider refuses
   * or fails; a `DomainError` `invalid_grant` or `access_denied` means it refused for good.
   * @see RFC 6749 §6
   */
  refresh(upstreamTokens: string): Promise<string>;
}

export interface UpstreamTokens {
  /**
   * A usable upstream access token for the grant, refreshed first when it expires soon (one
   * refresh per grant however many calls wait for it). Rejects with `DomainError('invalid_grant')`
   * when the grant has ended or can no longer reach the provider (the grant is then revoked, so
   * the client re-authorizes); `storage_unavailable` passes through.
   * @see SECURITY.md E7
   */
  accessTokenFor(grantId: string): Promise<string>;
  /**
   * The provider rejected the grant's token (GitHub: 401): revokes the grant. With
   * `rejectedToken`, only while that is still the grant's token (a call that began before a
   * refresh may see the old token refused). Idempotent.
   */
  reportRevoked(grantId: string, rejectedToken?: string): Promise<void>;
  /** The ID-token claims the OIDC adapter kept (`id_token_claims_subset`), when there are any. */
  claimsFor(grantId: string): Promise<Readonly<Record<string, unknown>> | undefined>;
}

/**
 * Why an upstream call could not answer, in terms a tool can turn into advice for the model.
 * Messages come from the provider, already shortened; they never carry a credential.
 */
export type UpstreamFailure =
  /** The user's upstream sign-in has ended (revoked, expired, refresh refused): reconnect. */
  | { readonly kind: 'reconnect' }
  /** The user's rate limit is spent. `resetAt` in epoch seconds. */
  | { readonly kind: 'rate_limited'; readonly retryAfterSeconds?: number; readonly resetAt?: number }
  /** The provider refused access to this resource; `hint` says how to get it (e.g. SSO). */
  | { readonly kind: 'forbidden'; readonly message: string; readonly hint?: string }
  | { readonly kind: 'not_found'; readonly message: string }
  /** The provider rejected the request itself (e.g. a search query it cannot parse). */
  | { readonly kind: 'invalid'; readonly message: string }
  /** Timeouts, 5xx, unreadable answers, storage outages: worth retrying later. */
  | { readonly kind: 'unavailable'; readonly message: string };

export type UpstreamResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly failure: UpstreamFailure };

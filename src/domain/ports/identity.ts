/**
 * Who the user is, as an upstream identity provider says (GitHub, any OpenID Connect provider, or
 * the local development sign-in). Keyway remains the authorization server for MCP clients; the
 * provider only signs the user in.
 */
export interface Identity {
  /** Stable subject scoped by provider: `local:<name>`, `github:<numeric id>`, `oidc:<iss>#<sub>`. */
  readonly subject: string;
  /** Display name (login or name); never used as an identifier. */
  readonly name?: string;
  /** Upstream tokens to seal into the grant (JSON); absent for providers without tokens. */
  readonly upstreamTokens?: string;
}

export interface LoginStart {
  /** Where to send the browser: the provider's authorization URL (or Keyway's local sign-in page). */
  readonly redirectTo: string;
  /** Provider-specific state to keep with the upstream `state` (e.g. the PKCE verifier, nonce). */
  readonly secret: string;
}

export interface IdentityProvider {
  /** Stable provider name (`local`, `github`, `oidc`), used in subjects and logs. */
  readonly name: string;
  /**
   * Starts an upstream sign-in. `state` is Keyway's fresh, single-use, browser-bound value; the
   * provider must come back to `callbackUrl` with it.
   */
  startLogin(input: { readonly state: string; readonly callbackUrl: string }): Promise<LoginStart>;
  /**
   * Finishes the sign-in from the callback's query parameters (already matched to `state`).
   * Throws `DomainError` `access_denied` (the user refused), `upstream_failed` (the provider failed
   * or timed out) or `login_refused` (the user may not sign in here).
   */
  finishLogin(input: {
    readonly params: Readonly<Record<string, string>>;
    readonly secret: string;
    readonly callbackUrl: string;
  }): Promise<Identity>;
}

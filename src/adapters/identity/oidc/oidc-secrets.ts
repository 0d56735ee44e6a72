import type { TokenEndpointResponse } from 'oauth4webapi';

/**
 * The two pieces of JSON this adapter hands to the rest of Keyway: the login secret (kept
 * server-side by the authorization flow between `startLogin` and `finishLogin`) and the upstream
 * tokens (sealed into the grant). Both are parsed defensively: they come back from storage.
 */
export interface LoginSecret {
  /** Keyway's upstream `state`, checked again here so a secret only finishes its own sign-in. */
  readonly state: string;
  /** @see RFC 7636 §4.1 */
  readonly codeVerifier: string;
  /** @see OpenID Connect Core 1.0 §3.1.2.1 */
  readonly nonce: string;
}

/**
 * What is sealed into the grant (the shape every identity adapter shares, see the `upstream` port).
 * Never the raw ID token: once validated it is not needed, and it is a credential some APIs accept.
 * `id_token_claims_subset` holds `sub` and the standard profile claims, for the profile tool.
 */
export interface OidcUpstreamTokens {
  readonly access_token: string;
  readonly refresh_token?: string;
  /** Epoch seconds (Keyway's clock) when the access token expires, if the provider said. */
  readonly expires_at?: number;
  readonly scopes?: readonly string[];
  readonly id_token_claims_subset?: Readonly<Record<string, unknown>>;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function parseJson(json: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(json);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export function encodeLoginSecret(secret: LoginSecret): string {
  return JSON.stringify({ state: secret.state, code_verifier: secret.codeVerifier, nonce: secret.nonce });
}

export function decodeLoginSecret(secret: string): LoginSecret | undefined {
  const value = parseJson(secret);
  if (value === undefined) return undefined;
  const { state, code_verifier: codeVerifier, nonce } = value;
  if (typeof state !== 'string' || typeof codeVerifier !== 'string' || typeof nonce !== 'string') return undefined;
  return { state, codeVerifier, nonce };
}

/**
 * The tokens of a token response with `claims`; what the response does not carry again (a refresh
 * token the provider does not rotate, the granted scopes) is kept from `previous`.
 */
export function upstreamTokensOf(result: TokenEndpointResponse, now: number, claims: Readonly<Record<string, unknown>> | undefined, previous?: OidcUpstreamTokens): string {
  const refreshToken = result.refresh_token ?? previous?.refresh_token;
  const scopes = result.scope === undefined ? previous?.scopes : result.scope.split(' ').filter((scope) => scope !== '');
  const tokens: OidcUpstreamTokens = {
    access_token: result.access_token,
    ...(refreshToken === undefined ? {} : { refresh_token: refreshToken }),
    ...(result.expires_in === undefined ? {} : { expires_at: now + Math.floor(result.expires_in) }),
    ...(scopes === undefined ? {} : { scopes }),
    ...(claims === undefined ? {} : { id_token_claims_subset: claims }),
  };
  return JSON.stringify(tokens);
}

/** The upstream tokens sealed by this adapter, or `undefined` when `json` is not that. */
export function parseOidcUpstreamTokens(json: string): OidcUpstreamTokens | undefined {
  const value = parseJson(json);
  if (value === undefined || typeof value.access_token !== 'string' || value.access_token === '') return undefined;
  const { access_token, refresh_token, expires_at, scopes, id_token_claims_subset: claims } = value;
  return {
    access_token,
    ...(typeof refresh_token === 'string' ? { refresh_token } : {}),
    ...(typeof expires_at === 'number' ? { expires_at } : {}),
    ...(Array.isArray(scopes) && scopes.every((scope) => typeof scope === 'string') ? { scopes } : {}),
    ...(isObject(claims) ? { id_token_claims_subset: claims } : {}),
  };
}

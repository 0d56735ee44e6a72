/**
 * The upstream token JSON the identity adapters seal into a grant, read defensively: anything
 * without a string `access_token` is unusable. Times are epoch seconds.
 */
export interface UpstreamTokenSet {
  readonly accessToken: string;
  readonly refreshToken?: string;
  readonly expiresAt?: number;
  readonly refreshTokenExpiresAt?: number;
  /** The ID-token claims the OIDC adapter kept. */
  readonly claims?: Readonly<Record<string, unknown>>;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const finite = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);

function parseJson(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}

/** `undefined` when `json` is not an object with a non-empty `access_token`. */
export function parseUpstreamTokens(json: string): UpstreamTokenSet | undefined {
  const raw = parseJson(json);
  if (!isObject(raw)) return undefined;
  const accessToken = text(raw['access_token']);
  if (accessToken === undefined) return undefined;
  const refreshToken = text(raw['refresh_token']);
  const expiresAt = finite(raw['expires_at']);
  const refreshTokenExpiresAt = finite(raw['refresh_token_expires_at']);
  const claims = raw['id_token_claims_subset'];
  return {
    accessToken,
    ...(refreshToken === undefined ? {} : { refreshToken }),
    ...(expiresAt === undefined ? {} : { expiresAt }),
    ...(refreshTokenExpiresAt === undefined ? {} : { refreshTokenExpiresAt }),
    ...(isObject(claims) ? { claims } : {}),
  };
}

import { isDomainError } from '../../domain/errors.js';
import type { OAuthPolicy } from '../../domain/oauth-policy.js';
import type { Principal } from '../../domain/principal.js';
import { metadataUrlFor } from './protected-resource-metadata.js';
import { sendJson } from './respond.js';
import type { Gate, HttpContext } from './types.js';

/**
 * The bearer gate in front of `/mcp`, `/sse` and `/messages`, run before anything else looks at the
 * request (a 400 for a missing query parameter made one server look unreachable, CLIENTS.md 1.1).
 * - no credentials (or another scheme) → 401 with `resource_metadata` and `scope`, no `error`;
 * - malformed `Authorization` (empty token, extra parts, two headers) → 400 `invalid_request`;
 * - a token that is not a live token of this server for this audience → 401 `invalid_token`;
 * - a live token without the required scope → 403 `insufficient_scope`.
 * Tokens are read from the header only, never from the query or body (SECURITY.md H4); a session
 * id never stands in for a token (H6).
 * @see RFC 6750 §2.1, §3, §3.1; RFC 9728 §5.1; SECURITY.md A4, H1–H6
 */
export type TokenVerifier = (token: string) => Promise<Principal | undefined>;

export interface BearerGateOptions {
  readonly policy: OAuthPolicy;
  readonly verify: TokenVerifier;
  /** The scope every MCP request needs (the policy's first scope). */
  readonly requiredScope: string;
}

/** RFC 6750 §2.1 `b64token`. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

type Parsed = { readonly kind: 'none' } | { readonly kind: 'malformed' } | { readonly kind: 'token'; readonly token: string };

/**
 * How many `Authorization` header lines the request carried. Node keeps only the first one in
 * `req.headers`; `rawHeaders` is kept for every request anyway, while `headersDistinct` would build
 * (and keep, for a stream's whole life) a second copy of every header.
 */
function authorizationLines(req: HttpContext['req']): number {
  const raw = req.rawHeaders;
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]?.toLowerCase() === 'authorization') count += 1;
  return count;
}

function parseAuthorization(ctx: HttpContext): Parsed {
  const value = ctx.req.headers.authorization;
  if (value === undefined) return { kind: 'none' };
  if (authorizationLines(ctx.req) > 1) return { kind: 'malformed' };
  const [scheme, ...rest] = value.trim().split(/ +/);
  if (scheme === undefined || scheme.toLowerCase() !== 'bearer') return { kind: 'none' };
  const token = rest[0];
  if (rest.length !== 1 || token === undefined || !B64TOKEN.test(token)) return { kind: 'malformed' };
  return { kind: 'token', token };
}

function challenge(options: BearerGateOptions, ctx: HttpContext, error?: string, description?: string): string {
  const parts = [
    ...(error === undefined ? [] : [`error="${error}"`]),
    ...(description === undefined ? [] : [`error_description="${description}"`]),
    `resource_metadata="${metadataUrlFor(options.policy, ctx.url.pathname)}"`,
    `scope="${options.requiredScope}"`,
  ];
  return `Bearer ${parts.join(', ')}`;
}

function refuse(ctx: HttpContext, options: BearerGateOptions, status: number, error?: string, description?: string): undefined {
  ctx.req.resume();
  ctx.journey = { ...ctx.journey, note: error ?? 'no_token' };
  const headers = { 'WWW-Authenticate': challenge(options, ctx, error, description), 'Cache-Control': 'no-store' };
  const body = error === undefined ? { error: 'unauthorized', error_description: 'Authentication required' } : { error, error_description: description };
  sendJson(ctx.res, status, body, headers);
  return undefined;
}

async function verified(options: BearerGateOptions, ctx: HttpContext, token: string): Promise<Principal | 'unavailable' | undefined> {
  try {
    return await options.verify(token);
  } catch (error) {
    if (isDomainError(error) && error.code === 'storage_unavailable') return 'unavailable';
    throw error;
  }
}

export function createBearerGate(options: BearerGateOptions): Gate {
  return async (ctx) => {
    const parsed = parseAuthorization(ctx);
    if (parsed.kind === 'none') return refuse(ctx, options, 401);
    if (parsed.kind === 'malformed') return refuse(ctx, options, 400, 'invalid_request', 'Malformed Authorization header');
    const principal = await verified(options, ctx, parsed.token);
    if (principal === 'unavailable') {
      ctx.req.resume();
      sendJson(ctx.res, 503, { error: 'temporarily_unavailable', error_description: 'Storage is unavailable' }, { 'Retry-After': '5' });
      return undefined;
    }
    if (principal === undefined) return refuse(ctx, options, 401, 'invalid_token', 'The access token is invalid or expired');
    if (!principal.scopes.includes(options.requiredScope)) {
      ctx.journey = { clientId: principal.clientId };
      return refuse(ctx, options, 403, 'insufficient_scope', `The token lacks the ${options.requiredScope} scope`);
    }
    return principal;
  };
}

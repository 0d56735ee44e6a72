import type { IncomingMessage, ServerResponse } from 'node:http';
import { isLoopbackHostname } from './guards.js';
import type { Handler } from './types.js';

/** Which browser origins may read Keyway's responses. */
export interface CorsPolicy {
  /** Extra browser origins (`KEYWAY_ALLOWED_ORIGINS`), e.g. `http://localhost:6274`. */
  readonly allowedOrigins: readonly string[];
  /** Keyway's own origin. When it is loopback, any loopback origin is a development origin. */
  readonly publicOrigin: string;
}

export interface Cors {
  /** Answers an `OPTIONS` preflight: 204, with the CORS grant only for an allowed origin. */
  readonly preflight: Handler;
  /** Adds CORS headers to an actual response; call before the headers are sent. */
  apply(req: IncomingMessage, res: ServerResponse): void;
  /** True when `origin` may read Keyway's responses. */
  allows(origin: string | undefined): boolean;
}

const ALLOW_METHODS = 'GET, POST, DELETE, OPTIONS';
/** What MCP and OAuth requests from a browser send beyond the CORS-safelisted headers. */
const ALLOW_HEADERS = 'Authorization, Content-Type, Mcp-Session-Id, MCP-Protocol-Version, Mcp-Method, Mcp-Name, Last-Event-ID';
/** Without these the page cannot read the 401 challenge, the session id, or how long to back off. */
const EXPOSE_HEADERS = 'WWW-Authenticate, Mcp-Session-Id, MCP-Protocol-Version, Retry-After';
/** Ten minutes: browsers cap the preflight cache at 2 h (Chromium) or less anyway. */
const MAX_AGE_SECONDS = '600';

function parseOrigin(origin: string): URL | undefined {
  try {
    return new URL(origin);
  } catch {
    return undefined;
  }
}

/** Responses differ by `Origin`, so shared caches must key on it. */
function varyOnOrigin(res: ServerResponse): void {
  const current = res.getHeader('Vary');
  const values = (Array.isArray(current) ? current.join(',') : String(current ?? '')).split(',').map((value) => value.trim()).filter((value) => value !== '');
  if (values.some((value) => value === '*' || value.toLowerCase() === 'origin')) return;
  res.setHeader('Vary', [...values, 'Origin'].join(', '));
}

function originOf(req: IncomingMessage): string | undefined {
  const origin = req.headers.origin;
  return typeof origin === 'string' ? origin : undefined;
}

/**
 * CORS for browser clients (MCP Inspector runs its OAuth and MCP calls from a page on
 * `http://localhost:6274`): the metadata documents, `/register`, `/token`, `/revoke` and the MCP
 * endpoints. An allowed `Origin` is echoed (never `*`; no credentials are ever allowed, since
 * these endpoints take bearer tokens, not cookies); any other origin gets no
 * `Access-Control-Allow-Origin` and the browser keeps the response from the page.
 *
 * Mounting (the router matches exact paths, so preflights are routes too):
 * - register `routes('OPTIONS', corsPaths, cors.preflight)` for every path above, as plain
 *   (non-MCP) routes so no gate runs: preflights never carry `Authorization`;
 * - wrap the handlers of those paths with `withCors(cors, handler)`;
 * - on MCP paths the gate answers 401/403 before any handler runs, and the browser can read the
 *   `WWW-Authenticate` challenge only if that response carries CORS headers too, so the pipeline
 *   must call `cors.apply(req, res)` after the Origin guard and before the gate.
 * The Origin guard (guards.ts) runs first and already refuses foreign origins with 403; this
 * module allows the same set, so the two never disagree.
 * @see Fetch Standard §3.2 (CORS protocol), SECURITY.md H7, CLIENTS.md §2 "MCP Inspector"
 */
export function createCors(policy: CorsPolicy): Cors {
  const allowed = new Set([policy.publicOrigin, ...policy.allowedOrigins].map((origin) => origin.toLowerCase().replace(/\/$/, '')));
  const publicIsLoopback = isLoopbackHostname(parseOrigin(policy.publicOrigin)?.hostname ?? '');

  const allows = (origin: string | undefined): boolean => {
    if (origin === undefined) return false;
    if (allowed.has(origin.toLowerCase())) return true;
    const parsed = parseOrigin(origin);
    return publicIsLoopback && parsed?.protocol === 'http:' && parsed.origin === origin.toLowerCase() && isLoopbackHostname(parsed.hostname);
  };

  const apply = (req: IncomingMessage, res: ServerResponse): void => {
    varyOnOrigin(res);
    const origin = originOf(req);
    if (origin === undefined || !allows(origin)) return;
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Expose-Headers', EXPOSE_HEADERS);
  };

  const preflight: Handler = async ({ req, res }) => {
    varyOnOrigin(res);
    const origin = originOf(req);
    if (origin !== undefined && allows(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Methods', ALLOW_METHODS);
      res.setHeader('Access-Control-Allow-Headers', ALLOW_HEADERS);
      res.setHeader('Access-Control-Max-Age', MAX_AGE_SECONDS);
    }
    res.writeHead(204).end();
  };

  return { preflight, apply, allows };
}

/** `handler` with CORS headers added to whatever it answers. */
export function withCors(cors: Cors, handler: Handler): Handler {
  return async (ctx) => {
    cors.apply(ctx.req, ctx.res);
    await handler(ctx);
  };
}

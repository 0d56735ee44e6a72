import { createHash } from 'node:crypto';
import type { AuthorizeOutcome, CallbackOutcome, DecisionOutcome } from '../../domain/grants/authorization-flow.js';
import type { JourneyEvent, StepKind } from '../../domain/journeys/journey.js';
import type { Clock } from '../../domain/ports/clock.js';
import { COOKIE_NAMES, parseCookies } from './cookies.js';
import { PRM_PATH } from './protected-resource-metadata.js';
import type { HttpContext, JourneyNote, Route } from './types.js';

/**
 * Turns each finished request into one connect-journey event (docs/journeys.md), from one place:
 * the pipeline calls the recorder when a response ends, and it reads the route, the status, the
 * client address and what the handler noted in `ctx.journey`. Work per request is a few field
 * reads and map look-ups; an authenticated MCP request does not even resolve the client address.
 */
export type JourneyRecorder = (ctx: HttpContext, route: Route) => void;

export interface JourneyRecorderOptions {
  /** Receives every event (the correlator). Must not block. */
  readonly sink: (event: JourneyEvent) => void;
  /** The client address as the rate limits and logs attribute it. */
  readonly clientIp: (req: HttpContext['req']) => string;
  readonly clock: Clock;
  /** Paths of the identity provider's own sign-in pages (the local development sign-in). */
  readonly signInPaths: readonly string[];
}

/** Client ids are kept to this length, as the token endpoint logs them: a claimed id is the client's own input. */
const MAX_CLIENT_ID_LENGTH = 300;

/** The note `outcomeNote` gives an `/authorize` refused because its client does not exist. */
const UNKNOWN_CLIENT = 'unknown_client';

const BROWSER_KINDS: ReadonlySet<StepKind> = new Set(['authorize', 'consent', 'sign_in', 'callback']);

/**
 * The step of each OAuth route, by method and path: only the method a client really uses counts
 * (a `HEAD /authorize`, which the router answers with the GET handler, or a preflight, is no step).
 */
function routeKinds(signInPaths: readonly string[]): ReadonlyMap<string, StepKind> {
  return new Map<string, StepKind>([
    ['POST /register', 'register'],
    ['GET /authorize', 'authorize'],
    ['POST /consent', 'consent'],
    ['GET /callback', 'callback'],
    ['POST /token', 'token'],
    ...signInPaths.flatMap((path): Array<[string, StepKind]> => [
      [`GET ${path}`, 'sign_in'],
      [`POST ${path}`, 'sign_in'],
    ]),
  ]);
}

/** Which metadata document a `GET` of this path serves, if any. */
function metadataNote(path: string): string | undefined {
  if (path.startsWith(PRM_PATH)) return 'protected_resource';
  if (path.startsWith('/.well-known/oauth-authorization-server') || path.startsWith('/.well-known/openid-configuration')) return 'authorization_server';
  return undefined;
}

/** An MCP request without credentials is the client's probe; with them, an MCP request proper. */
function mcpKind(ctx: HttpContext): StepKind {
  return ctx.principal !== undefined || ctx.req.headers.authorization !== undefined ? 'mcp' : 'probe';
}

function okByStatus(kind: StepKind, ctx: HttpContext): boolean {
  const status = ctx.res.statusCode;
  if (kind === 'probe') return status === 401 || status < 400;
  if (kind === 'mcp') return ctx.principal !== undefined && status < 400;
  return status < 400;
}

/**
 * The client id a handler noted. An `/authorize` naming a client Keyway does not know, or a token
 * request whose client failed authentication (unknown id or wrong secret: `/token` cannot tell
 * them apart without telling an attacker too), carries no client: anyone can name any id, and each
 * would open a journey of its own (one per request); the step joins its address's journey instead
 * (docs/journeys.md).
 */
function claimedClientId(kind: StepKind, note: JourneyNote | undefined): string | undefined {
  if (kind === 'authorize' && note?.note === UNKNOWN_CLIENT) return undefined;
  if (kind === 'token' && note?.note === 'invalid_client') return undefined;
  return note?.clientId;
}

/** A digest of the browser's binding value: correlates the browser's requests without keeping the cookie. */
function browserKey(ctx: HttpContext, note: JourneyNote | undefined): string | undefined {
  let binding = note?.browser;
  if (binding === undefined) {
    const raw = parseCookies(ctx.req.headers.cookie).get(COOKIE_NAMES.browser);
    const encoded = raw?.split('.')[0];
    if (encoded === undefined || encoded === '') return undefined;
    binding = Buffer.from(encoded, 'base64url').toString('utf8');
  }
  return createHash('sha256').update(binding, 'utf8').digest('base64url').slice(0, 22);
}

export function createJourneyRecorder(options: JourneyRecorderOptions): JourneyRecorder {
  const kinds = routeKinds(options.signInPaths);
  const kindOf = (ctx: HttpContext, route: Route): { kind: StepKind; note?: string } | undefined => {
    if (route.mcp === true) return { kind: mcpKind(ctx) };
    const method = ctx.req.method ?? '';
    const path = ctx.url.pathname;
    const kind = kinds.get(`${method} ${path}`);
    if (kind !== undefined) return { kind };
    const note = method === 'GET' ? metadataNote(path) : undefined;
    return note === undefined ? undefined : { kind: 'metadata', note };
  };

  return (ctx, route) => {
    try {
      record(ctx, route);
    } catch (error) {
      ctx.logger.warn('journey.record_failed', { error: error instanceof Error ? error.message : String(error) });
    }
  };

  function record(ctx: HttpContext, route: Route): void {
    const found = kindOf(ctx, route);
    if (found === undefined) return;
    const { kind } = found;
    const note = ctx.journey;
    const clientId = (ctx.principal?.clientId ?? claimedClientId(kind, note))?.slice(0, MAX_CLIENT_ID_LENGTH);
    const established = kind === 'mcp' && ctx.principal !== undefined;
    const browser = BROWSER_KINDS.has(kind) ? browserKey(ctx, note) : undefined;
    const because = note?.note ?? found.note;
    options.sink({
      kind,
      at: options.clock.now(),
      ...(clientId === undefined ? {} : { clientId }),
      ...(established ? {} : { address: options.clientIp(ctx.req) }),
      ...(browser === undefined ? {} : { browser }),
      detail: {
        status: ctx.res.statusCode,
        ok: note?.ok ?? okByStatus(kind, ctx),
        ...(because === undefined ? {} : { note: because }),
        ...(note?.redirectHost === undefined ? {} : { redirectHost: note.redirectHost }),
      },
    });
  }
}

/** `scheme://host[:port]` of a redirect URI: enough to tell clients apart, never its path or query. */
export function redirectHostOf(uri: string | undefined): string | undefined {
  if (uri === undefined) return undefined;
  try {
    const url = new URL(uri);
    return url.host === '' ? url.protocol : `${url.protocol}//${url.host}`;
  } catch {
    return undefined;
  }
}

/** Local pages the browser leg answers with, by the reason they name. */
const REFUSALS: ReadonlyArray<readonly [RegExp, string]> = [
  [/redirect_uri is not registered/, 'redirect_uri_not_registered'],
  [/not registered with this server/, UNKNOWN_CLIENT],
  [/names no client/, 'client_id_missing'],
  [/names no redirect_uri/, 'redirect_uri_missing'],
  [/another browser/, 'other_browser'],
  [/has not approved/, 'consent_missing'],
  [/form is invalid|already used|expired/, 'expired_or_reused'],
];

function refusalNote(message: string): string {
  return REFUSALS.find(([pattern]) => pattern.test(message))?.[1] ?? 'refused';
}

/** The journey note of a browser-leg outcome: a redirect carrying an error is not a success. */
export function outcomeNote(outcome: AuthorizeOutcome | DecisionOutcome | CallbackOutcome): Pick<JourneyNote, 'ok' | 'note'> {
  switch (outcome.kind) {
    case 'refused':
      return { ok: false, note: refusalNote(outcome.message) };
    case 'redirect_error':
      return { ok: false, note: outcome.error };
    case 'consent':
      return { ok: true, note: 'consent_shown' };
    case 'login':
      return { ok: true, note: 'sign_in_started' };
    case 'issued':
      return { ok: true, note: 'code_issued' };
  }
}

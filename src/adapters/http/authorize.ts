import { z } from 'zod';
import { MAX_STATE_BYTES, stateWithinBound, type AuthorizationParams } from '../../domain/grants/authorization-request.js';
import { FLOW_TTL_SECONDS, type AuthorizationFlow, type AuthorizeOutcome, type CallbackOutcome, type DecisionOutcome } from '../../domain/grants/authorization-flow.js';
import { isDomainError } from '../../domain/errors.js';
import type { OAuthPolicy } from '../../domain/oauth-policy.js';
import type { Random } from '../../domain/ports/random.js';
import { COOKIE_NAMES, type CookieName, type SignedCookies } from './cookies.js';
import { outcomeNote, redirectHostOf } from './journey-recorder.js';
import { redirectWithParams, wireCode } from './oauth-errors.js';
import { consentPage, sendErrorPage, sendPage } from './pages.js';
import type { HttpContext, Route } from './types.js';

/**
 * What the browser-flow endpoints (`GET /authorize`, `POST /consent`, `GET /callback`) need.
 * The lead builds one of these in the composition root and passes it to each route factory.
 */
export interface BrowserFlowDeps {
  /** The use cases (`createAuthorizationFlow`). */
  readonly flow: AuthorizationFlow;
  /** `issuer` becomes `iss` on every authorization response (RFC 9207). */
  readonly policy: OAuthPolicy;
  /** Signed `__Host-` cookies, keyed with the root secret's cookie key. */
  readonly cookies: SignedCookies;
  readonly random: Random;
  /** The configured public URL: the only origin a consent or sign-in form may be posted from. */
  readonly publicUrl: URL;
  /** How long a browser remembers who signed in (lets remembered consent apply). Default 30 days. */
  readonly rememberUserSeconds?: number;
  /** Upper bound on each upstream call (starting and finishing a sign-in; SECURITY.md E4). Default 8 s, under Claude's 10 s. */
  readonly loginTimeoutMs?: number;
}

/** Longest value accepted for any query parameter; `state` has its own, smaller bound. */
const MAX_PARAM_LENGTH = 4096;
const DEFAULT_REMEMBER_SECONDS = 30 * 24 * 3600;
export const DEFAULT_LOGIN_TIMEOUT_MS = 8000;
const BROWSER_COOKIE_SECONDS = 24 * 3600;

const value = z.string().max(MAX_PARAM_LENGTH, 'a parameter is too long');
/** A parameter a redirect may not be based on: repeating it is a local error (SECURITY.md C5). */
const single = (name: string) => z.array(value).max(1, `${name} must not be repeated`);

const querySchema = z.object({
  client_id: single('client_id'),
  redirect_uri: single('redirect_uri'),
  state: single('state').refine((values) => values.every((state) => stateWithinBound(state)), `state must be at most ${MAX_STATE_BYTES} bytes`),
  code_challenge: single('code_challenge'),
  response_type: z.array(value),
  code_challenge_method: z.array(value),
  scope: z.array(value),
  resource: z.array(value).max(10, 'too many resource parameters'),
});

type AuthorizeQuery = z.infer<typeof querySchema>;

/** Parameters that, repeated, become a redirect error once the client is validated (RFC 6749 §3.1). */
const CHECKED_LATER = ['response_type', 'code_challenge_method', 'scope'] as const;

function parseQuery(search: URLSearchParams): { readonly query: AuthorizeQuery } | { readonly error: string } {
  const raw = Object.fromEntries(Object.keys(querySchema.shape).map((name) => [name, search.getAll(name)]));
  const parsed = querySchema.safeParse(raw);
  return parsed.success ? { query: parsed.data } : { error: parsed.error.issues[0]?.message ?? 'malformed request' };
}

function toParams(query: AuthorizeQuery): AuthorizationParams {
  const optional = (name: string, values: readonly string[]) => (values[0] === undefined ? {} : { [name]: values[0] });
  return {
    ...optional('responseType', query.response_type),
    ...optional('codeChallenge', query.code_challenge),
    ...optional('codeChallengeMethod', query.code_challenge_method),
    ...optional('scope', query.scope),
    ...optional('state', query.state),
    resources: query.resource,
    repeated: CHECKED_LATER.filter((name) => query[name].length > 1),
  };
}

/** `Sec-Fetch-Site: same-origin` or `none` (typed, bookmarked): not started by another site. @see SECURITY.md D8 */
function trustedNavigation(ctx: HttpContext): boolean {
  const site = ctx.req.headers['sec-fetch-site'];
  return site === 'same-origin' || site === 'none';
}

function validCookie(ctx: HttpContext, deps: BrowserFlowDeps, name: CookieName): string | undefined {
  const read = deps.cookies.read(ctx.req, name);
  return read.kind === 'valid' ? read.value : undefined;
}

type Outcome = AuthorizeOutcome | DecisionOutcome | CallbackOutcome;

/**
 * Writes any outcome of the flow: a local page, a redirect error or code to the validated redirect
 * URI (always with `iss`, `state` only if the client sent one), the consent page, or the upstream
 * sign-in. Redirects are 302/303, never 307 (SECURITY.md C9, D9).
 */
export function respondWithOutcome(ctx: HttpContext, deps: BrowserFlowDeps, outcome: Outcome, binding?: string): void {
  const { res } = ctx;
  const iss = deps.policy.issuer;
  ctx.journey = { ...ctx.journey, ...outcomeNote(outcome) };
  switch (outcome.kind) {
    case 'refused':
      sendErrorPage(res, outcome.status, outcome.message);
      return;
    case 'redirect_error':
      redirectWithParams(res, outcome.redirectUri, { error: wireCode(outcome.error), error_description: outcome.description, state: outcome.state, iss });
      return;
    case 'consent':
      if (binding !== undefined) deps.cookies.set(res, COOKIE_NAMES.browser, binding, BROWSER_COOKIE_SECONDS);
      sendPage(res, 200, consentPage({ view: outcome.view, flowId: outcome.flowId, csrfToken: outcome.csrfToken }));
      return;
    case 'login':
      deps.cookies.set(res, COOKIE_NAMES.state, outcome.upstreamState, FLOW_TTL_SECONDS);
      res.writeHead(303, { Location: outcome.redirectTo, 'Cache-Control': 'no-store' });
      res.end();
      return;
    case 'issued':
      deps.cookies.clear(res, COOKIE_NAMES.state);
      deps.cookies.set(res, COOKIE_NAMES.user, outcome.subject, deps.rememberUserSeconds ?? DEFAULT_REMEMBER_SECONDS);
      redirectWithParams(res, outcome.redirectUri, { code: outcome.code, state: outcome.state, iss });
  }
}

/** Resolves to `undefined` when `work` takes longer than `ms` (the work itself is not cancelled). */
export async function within<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** A failure no outcome covers: storage down → 503 page; anything else → a logged, generic 500 page. */
export function respondWithFailure(ctx: HttpContext, error: unknown): void {
  if (isDomainError(error) && (error.code === 'storage_unavailable' || error.code === 'temporarily_unavailable')) {
    sendErrorPage(ctx.res, 503, 'The server is temporarily unavailable. Try again in a moment.');
    return;
  }
  ctx.logger.error('oauth.browser_flow_failed', { error: isDomainError(error) ? error.code : 'unexpected', path: ctx.url.pathname });
  sendErrorPage(ctx.res, 500, 'Something went wrong on this server. Try again from your application.');
}

/**
 * `GET /authorize`: validates the client and redirect URI first (else a local page, never a
 * redirect), then the request (else a redirect error), then shows the consent page — or, with a
 * remembered consent on a same-origin or typed navigation, goes straight to sign-in.
 * @see RFC 6749 §4.1.1, OAuth 2.1 §4.1.1, SECURITY.md C1–C9, D1, D2, D8
 */
export function authorizeRoutes(deps: BrowserFlowDeps): Route[] {
  const handler = async (ctx: HttpContext): Promise<void> => {
    const parsed = parseQuery(ctx.url.searchParams);
    if ('error' in parsed) {
      sendErrorPage(ctx.res, 400, `Invalid authorization request: ${parsed.error}.`);
      return;
    }
    const { query } = parsed;
    const binding = validCookie(ctx, deps, COOKIE_NAMES.browser) ?? deps.random.token(32);
    const rememberedSubject = validCookie(ctx, deps, COOKIE_NAMES.user);
    const redirectHost = redirectHostOf(query.redirect_uri[0]);
    ctx.journey = { ...(query.client_id[0] === undefined ? {} : { clientId: query.client_id[0] }), browser: binding, ...(redirectHost === undefined ? {} : { redirectHost }) };
    try {
      const outcome = await deps.flow.authorize({
        ...(query.client_id[0] === undefined ? {} : { clientId: query.client_id[0] }),
        ...(query.redirect_uri[0] === undefined ? {} : { redirectUri: query.redirect_uri[0] }),
        params: toParams(query),
        browser: { binding, trustedNavigation: trustedNavigation(ctx), ...(rememberedSubject === undefined ? {} : { rememberedSubject }) },
      });
      respondWithOutcome(ctx, deps, outcome, binding);
    } catch (error) {
      respondWithFailure(ctx, error);
    }
  };
  return [{ method: 'GET', path: '/authorize', handler }];
}

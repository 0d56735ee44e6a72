import type { CallbackOutcome } from '../../domain/grants/authorization-flow.js';
import { DEFAULT_LOGIN_TIMEOUT_MS, respondWithFailure, respondWithOutcome, within, type BrowserFlowDeps } from './authorize.js';
import { COOKIE_NAMES } from './cookies.js';
import { sendErrorPage } from './pages.js';
import type { HttpContext, Route } from './types.js';

const MAX_PARAM_LENGTH = 4096;

/** The callback's query as single-valued parameters, or why it is malformed. */
function callbackParams(search: URLSearchParams): Record<string, string> | string {
  const params = new Map<string, string>();
  for (const [name, value] of search) {
    if (params.has(name)) return `${name} must not be repeated`;
    if (value.length > MAX_PARAM_LENGTH) return 'a parameter is too long';
    params.set(name, value);
  }
  return Object.fromEntries(params);
}

/**
 * `GET /callback`: the upstream provider sends the browser back here. A missing, unknown, used or
 * expired `state` → 400; a state from another browser → 403; nothing reaches the client in those
 * cases. A denial upstream → `access_denied` to the client with its original `state`; a provider
 * failure → `temporarily_unavailable`/`server_error`, or a local page when it takes too long.
 * Success → 302 to the client with exactly one `code`, its `state` and `iss`.
 * @see RFC 6749 §4.1.2, RFC 9207 §2, SECURITY.md D7, E1–E4
 */
export function callbackRoutes(deps: BrowserFlowDeps): Route[] {
  const handler = async (ctx: HttpContext): Promise<void> => {
    const params = callbackParams(ctx.url.searchParams);
    if (typeof params === 'string') {
      sendErrorPage(ctx.res, 400, `Invalid sign-in response: ${params}.`);
      return;
    }
    const cookie = deps.cookies.read(ctx.req, COOKIE_NAMES.state);
    let outcome: CallbackOutcome | undefined;
    try {
      const finishing = deps.flow.finish({
        ...(params.state === undefined ? {} : { state: params.state }),
        ...(cookie.kind === 'valid' ? { cookieState: cookie.value } : {}),
        params,
      });
      outcome = await within(finishing, deps.loginTimeoutMs ?? DEFAULT_LOGIN_TIMEOUT_MS);
    } catch (error) {
      respondWithFailure(ctx, error);
      return;
    }
    if (outcome === undefined) {
      ctx.logger.warn('oauth.login_timeout', {});
      sendErrorPage(ctx.res, 503, 'The sign-in service took too long to answer. Start again from your application.');
      return;
    }
    respondWithOutcome(ctx, deps, outcome);
  };
  return [{ method: 'GET', path: '/callback', handler }];
}

import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { BodyError, mediaType, parseForm, readBody } from './body.js';
import { DEFAULT_LOGIN_TIMEOUT_MS, respondWithFailure, respondWithOutcome, within, type BrowserFlowDeps } from './authorize.js';
import { COOKIE_NAMES } from './cookies.js';
import { sendErrorPage } from './pages.js';
import type { HttpContext, Route } from './types.js';

/** A consent or sign-in form is a few hundred bytes; anything near this is not one (SECURITY.md K1). */
export const FORM_BODY_LIMIT = 16 * 1024;

/**
 * True when a form POST comes from a page of this origin. `Sec-Fetch-Site`, when sent, must be
 * `same-origin`. `Origin`, when sent, must be the public origin — or `null`, which is what browsers
 * send for a form on a page served with `Referrer-Policy: no-referrer` (ours are), accepted only
 * together with `Sec-Fetch-Site: same-origin`. No `Origin` at all is a non-browser client; the
 * CSRF token still has to be right.
 * @see Fetch §3.1.5 (serializing a request origin), RFC 9700 §4.7, SECURITY.md D5
 */
export function isSameOriginPost(req: IncomingMessage, publicUrl: URL): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (origin === 'null') return site === 'same-origin';
  return origin.toLowerCase() === publicUrl.origin;
}

export type FormRead = { readonly fields: Record<string, string> } | { readonly status: number; readonly message: string };

/** Reads a small urlencoded form: 415 for another media type, 413 over the limit, 400 when unreadable. */
export async function readSmallForm(req: IncomingMessage): Promise<FormRead> {
  if (mediaType(req) !== 'application/x-www-form-urlencoded') return { status: 415, message: 'Expected a submitted form.' };
  try {
    return { fields: parseForm(await readBody(req, FORM_BODY_LIMIT)) };
  } catch (error) {
    if (error instanceof BodyError && error.code === 'too_large') return { status: 413, message: 'The form is too large.' };
    return { status: 400, message: 'The form could not be read.' };
  }
}

const token = z.string().min(1).max(256);
const consentForm = z.object({ flow: token, csrf: token, decision: z.enum(['approve', 'deny']) });

/**
 * `POST /consent`: the user's decision. Cross-site, without the browser's binding cookie, or with a
 * forged, missing or replayed CSRF token → 403 with no cookie and no redirect. Approval starts the
 * upstream sign-in (the state cookie arrives with this response, never earlier); denial sends
 * `access_denied` to the validated redirect URI.
 * @see RFC 6749 §10.12, SECURITY.md C8, D5, D6, D9
 */
export function consentRoutes(deps: BrowserFlowDeps): Route[] {
  const handler = async (ctx: HttpContext): Promise<void> => {
    if (!isSameOriginPost(ctx.req, deps.publicUrl)) {
      ctx.logger.warn('oauth.consent_cross_site', { origin: ctx.req.headers.origin, site: ctx.req.headers['sec-fetch-site'] });
      ctx.req.resume();
      sendErrorPage(ctx.res, 403, 'This consent was not submitted from this server’s own page.');
      return;
    }
    const read = await readSmallForm(ctx.req);
    if ('status' in read) {
      sendErrorPage(ctx.res, read.status, read.message);
      return;
    }
    const form = consentForm.safeParse(read.fields);
    const cookie = deps.cookies.read(ctx.req, COOKIE_NAMES.browser);
    if (!form.success || cookie.kind !== 'valid') {
      sendErrorPage(ctx.res, 403, 'This consent form is invalid or expired. Start again from your application.');
      return;
    }
    const { flow, csrf, decision } = form.data;
    try {
      const deciding = deps.flow.decide({ flowId: flow, csrfToken: csrf, binding: cookie.value, approve: decision === 'approve' });
      const outcome = await within(deciding, deps.loginTimeoutMs ?? DEFAULT_LOGIN_TIMEOUT_MS);
      if (outcome === undefined) sendErrorPage(ctx.res, 503, 'The sign-in service took too long to answer. Start again from your application.');
      else respondWithOutcome(ctx, deps, outcome);
    } catch (error) {
      respondWithFailure(ctx, error);
    }
  };
  return [{ method: 'POST', path: '/consent', handler }];
}

import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { DomainError } from '../../../domain/errors.js';
import type { Clock } from '../../../domain/ports/clock.js';
import type { Identity, IdentityProvider, LoginStart } from '../../../domain/ports/identity.js';
import type { Logger } from '../../../domain/ports/logger.js';
import type { Random } from '../../../domain/ports/random.js';
import { isSameOriginPost, readSmallForm } from '../../http/consent.js';
import { sendErrorPage, sendPage, signInPage } from '../../http/pages.js';
import type { HttpContext, Route } from '../../http/types.js';
import { createExpiringMap } from './expiring-map.js';

/**
 * The local development sign-in, shaped like a real upstream provider so the rest of the flow is
 * provider-agnostic: `startLogin` sends the browser to Keyway's own `GET /login/local?state=…`
 * (a form asking for a user name); `POST /login/local` redirects to the callback with a one-time
 * code and the state; `finishLogin` redeems the code. The code is bound to the `secret` returned by
 * `startLogin` (as PKCE binds a real provider's code to its verifier), lives a minute, and works once.
 * There is no password: the composition root allows this provider only on a loopback public URL
 * or when explicitly enabled.
 */
export interface LocalIdentityOptions {
  readonly publicUrl: URL;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
}

export const LOCAL_LOGIN_PATH = '/login/local';

/** `local:<name>`; names are plain identifiers so a subject never needs escaping. */
export const LOCAL_NAME = /^[A-Za-z0-9._-]{1,64}$/;

const LOGIN_TTL_SECONDS = 600;
const CODE_TTL_SECONDS = 60;
const MAX_ENTRIES = 10_000;

interface PendingLogin {
  readonly csrf: string;
  readonly secret: string;
  readonly callbackUrl: string;
  readonly expiresAt: number;
}

interface LocalCode {
  readonly name: string;
  readonly secret: string;
  readonly expiresAt: number;
}

const field = z.string().max(256);
const signInForm = z.object({
  state: field,
  csrf: field,
  name: z.string().max(1024).optional(),
  decision: z.enum(['sign_in', 'cancel']).default('sign_in'),
});

function same(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

function backTo(callbackUrl: string, params: Readonly<Record<string, string>>): string {
  const url = new URL(callbackUrl);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.href;
}

function redirect(ctx: HttpContext, location: string): void {
  ctx.res.writeHead(303, { Location: location, 'Cache-Control': 'no-store' });
  ctx.res.end();
}

export function createLocalIdentityProvider(options: LocalIdentityOptions): IdentityProvider & { readonly routes: readonly Route[] } {
  const { clock, random, logger } = options;
  const pending = createExpiringMap<PendingLogin>(clock, MAX_ENTRIES);
  const codes = createExpiringMap<LocalCode>(clock, MAX_ENTRIES);

  async function startLogin(input: { readonly state: string; readonly callbackUrl: string }): Promise<LoginStart> {
    const secret = random.token(32);
    pending.set(input.state, { csrf: random.token(32), secret, callbackUrl: input.callbackUrl, expiresAt: clock.now() + LOGIN_TTL_SECONDS });
    const page = new URL(LOCAL_LOGIN_PATH, options.publicUrl);
    page.searchParams.set('state', input.state);
    return { redirectTo: page.href, secret };
  }

  async function finishLogin(input: { readonly params: Readonly<Record<string, string>>; readonly secret: string }): Promise<Identity> {
    const { error, code } = input.params;
    if (error === 'access_denied') throw new DomainError('access_denied', 'the user cancelled the local sign-in');
    if (error !== undefined) throw new DomainError('upstream_failed', 'the local sign-in failed');
    const issued = code === undefined ? undefined : codes.take(code);
    if (issued === undefined || !same(issued.secret, input.secret)) throw new DomainError('upstream_failed', 'the local sign-in code is invalid or expired');
    return { subject: `local:${issued.name}`, name: issued.name };
  }

  const showForm = async (ctx: HttpContext): Promise<void> => {
    const state = ctx.url.searchParams.get('state') ?? '';
    const login = pending.get(state);
    if (login === undefined) {
      sendErrorPage(ctx.res, 400, 'This sign-in link is invalid or has expired. Start again from your application.');
      return;
    }
    sendPage(ctx.res, 200, signInPage({ action: LOCAL_LOGIN_PATH, state, csrfToken: login.csrf }));
  };

  const submitForm = async (ctx: HttpContext): Promise<void> => {
    if (!isSameOriginPost(ctx.req, options.publicUrl)) {
      ctx.req.resume();
      sendErrorPage(ctx.res, 403, 'This sign-in was not submitted from this server’s own page.');
      return;
    }
    const read = await readSmallForm(ctx.req);
    if ('status' in read) {
      sendErrorPage(ctx.res, read.status, read.message);
      return;
    }
    const form = signInForm.safeParse(read.fields);
    const login = form.success ? pending.get(form.data.state) : undefined;
    if (!form.success || login === undefined || !same(login.csrf, form.data.csrf)) {
      sendErrorPage(ctx.res, 403, 'This sign-in form is invalid or has expired. Start again from your application.');
      return;
    }
    const { state, name = '', decision } = form.data;
    if (decision === 'cancel') {
      pending.delete(state);
      redirect(ctx, backTo(login.callbackUrl, { error: 'access_denied', state }));
      return;
    }
    if (!LOCAL_NAME.test(name)) {
      const error = 'Use 1–64 letters, digits, dots, dashes or underscores.';
      sendPage(ctx.res, 400, signInPage({ action: LOCAL_LOGIN_PATH, state, csrfToken: login.csrf, name: name.slice(0, 64), error }));
      return;
    }
    pending.delete(state);
    const code = random.token(32);
    codes.set(code, { name, secret: login.secret, expiresAt: clock.now() + CODE_TTL_SECONDS });
    logger.info('local_login.signed_in', { subject: `local:${name}` });
    redirect(ctx, backTo(login.callbackUrl, { code, state }));
  };

  return {
    name: 'local',
    startLogin,
    finishLogin,
    routes: [
      { method: 'GET', path: LOCAL_LOGIN_PATH, handler: showForm },
      { method: 'POST', path: LOCAL_LOGIN_PATH, handler: submitForm },
    ],
  };
}

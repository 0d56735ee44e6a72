import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../domain/ports/clock.js';

/**
 * The browser-flow cookies. Every one is `__Host-` prefixed, `Secure`, `HttpOnly`,
 * `SameSite=Lax`, `Path=/` and has no `Domain`, so no other host or path can set or read it
 * (a sibling subdomain cannot toss a cookie over it). Values are HMAC-SHA256 signed together with
 * the cookie's name and an expiry, so a value cannot be forged, moved to another cookie, or kept
 * past its lifetime by the browser.
 * @see RFC 6265bis §4.1.3.2 (`__Host-`), SECURITY.md D9
 */
export const COOKIE_NAMES = Object.freeze({
  /** A stable random id of this browser: binds the consent CSRF token to it (D5). */
  browser: '__Host-keyway-browser',
  /** The upstream `state` of the sign-in in progress; set only by the approve response (D6, D7). */
  state: '__Host-keyway-state',
  /** The subject this browser last signed in as: lets remembered consent apply (D8). */
  user: '__Host-keyway-user',
});

export type CookieName = (typeof COOKIE_NAMES)[keyof typeof COOKIE_NAMES];

/** A signed cookie as read: absent, valid, or present but tampered with or expired. */
export type CookieRead = { readonly kind: 'absent' } | { readonly kind: 'valid'; readonly value: string } | { readonly kind: 'invalid' };

export interface SignedCookies {
  read(req: IncomingMessage, name: CookieName): CookieRead;
  /** Adds a `Set-Cookie` for `value`, living `maxAgeSeconds`. */
  set(res: ServerResponse, name: CookieName, value: string, maxAgeSeconds: number): void;
  /** Adds a `Set-Cookie` that deletes the cookie. */
  clear(res: ServerResponse, name: CookieName): void;
}

const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const SIGNED = /^([A-Za-z0-9_-]*)\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

/**
 * Parses a `Cookie` header. When a name appears twice the first wins (browsers send the
 * most specific cookie first; `__Host-` cookies have only one possible scope).
 * @see RFC 6265 §5.4
 */
export function parseCookies(header: string | undefined): ReadonlyMap<string, string> {
  const cookies = new Map<string, string>();
  for (const pair of (header ?? '').split(';')) {
    const equals = pair.indexOf('=');
    if (equals === -1) continue;
    const name = pair.slice(0, equals).trim();
    if (name !== '' && !cookies.has(name)) cookies.set(name, pair.slice(equals + 1).trim());
  }
  return cookies;
}

/** A `Set-Cookie` value with the `__Host-` attributes. Throws on a name or value it cannot carry. */
export function serializeCookie(name: string, value: string, maxAgeSeconds: number): string {
  if (!name.startsWith('__Host-') || !COOKIE_NAME.test(name)) throw new Error(`cookie name ${name} must be a __Host- token`);
  if (!/^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/.test(value)) throw new Error('cookie value holds characters a cookie cannot carry');
  const age = Math.max(0, Math.floor(maxAgeSeconds));
  return `${name}=${value}; Max-Age=${age}; Path=/; Secure; HttpOnly; SameSite=Lax`;
}

function mac(key: Buffer, name: string, payload: string): string {
  return createHmac('sha256', key).update(`${name}=${payload}`, 'utf8').digest('base64url');
}

function macEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

function appendSetCookie(res: ServerResponse, cookie: string): void {
  const existing = res.getHeader('Set-Cookie');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  res.setHeader('Set-Cookie', [...list, cookie]);
}

/**
 * Signed cookies under `key` (32 bytes derived from the root secret for this purpose). Value format:
 * `base64url(value).<expires epoch seconds>.<HMAC-SHA256(name=base64url(value).expires)>`.
 */
export function createSignedCookies(key: Buffer, clock: Clock): SignedCookies {
  if (key.length < 32) throw new Error('the cookie key must be at least 32 bytes');
  const secret = Buffer.from(key);

  function verify(name: string, raw: string): CookieRead {
    const match = SIGNED.exec(raw);
    if (match === null) return { kind: 'invalid' };
    const [, encoded = '', expires = '0', signature = ''] = match;
    if (!macEqual(signature, mac(secret, name, `${encoded}.${expires}`))) return { kind: 'invalid' };
    if (Number(expires) <= clock.now()) return { kind: 'invalid' };
    return { kind: 'valid', value: Buffer.from(encoded, 'base64url').toString('utf8') };
  }

  return {
    read(req, name) {
      const raw = parseCookies(req.headers.cookie).get(name);
      return raw === undefined ? { kind: 'absent' } : verify(name, raw);
    },
    set(res, name, value, maxAgeSeconds) {
      const payload = `${Buffer.from(value, 'utf8').toString('base64url')}.${clock.now() + maxAgeSeconds}`;
      appendSetCookie(res, serializeCookie(name, `${payload}.${mac(secret, name, payload)}`, maxAgeSeconds));
    },
    clear(res, name) {
      appendSetCookie(res, serializeCookie(name, '', 0));
    },
  };
}

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, test } from 'node:test';
import { COOKIE_NAMES, createSignedCookies, parseCookies, serializeCookie } from '../../../src/adapters/http/cookies.js';
import { createFakeClock } from '../../support/fake-clock.js';

/** Just enough of a response to collect `Set-Cookie` headers. */
function fakeResponse(): ServerResponse & { readonly cookies: () => string[] } {
  const headers = new Map<string, string[]>();
  const res = {
    getHeader: (name: string) => headers.get(name.toLowerCase()),
    setHeader: (name: string, value: string[]) => headers.set(name.toLowerCase(), value),
    cookies: () => headers.get('set-cookie') ?? [],
  };
  return res as unknown as ServerResponse & { readonly cookies: () => string[] };
}

function requestWith(cookie: string | undefined): IncomingMessage {
  return { headers: cookie === undefined ? {} : { cookie } } as IncomingMessage;
}

/** The `name=value` part of a Set-Cookie line, as a browser would send it back. */
function sentBack(line: string): string {
  return line.split(';', 1)[0] ?? '';
}

describe('signed __Host- cookies (D9)', () => {
  const clock = createFakeClock();
  const cookies = createSignedCookies(randomBytes(32), clock);

  test('D9 attributes: __Host- name, Max-Age, Path=/, Secure, HttpOnly, SameSite=Lax, no Domain', () => {
    const res = fakeResponse();
    cookies.set(res, COOKIE_NAMES.state, 'state-value', 600);
    const [line = ''] = res.cookies();
    assert.match(line, /^__Host-keyway-state=[A-Za-z0-9_-]+\.\d+\.[A-Za-z0-9_-]{43}; Max-Age=600; Path=\/; Secure; HttpOnly; SameSite=Lax$/);
    assert.doesNotMatch(line, /Domain/i);
    assert.throws(() => serializeCookie('keyway', 'x', 1), /__Host-/);
    assert.throws(() => serializeCookie('__Host-x', 'a;b', 1), /cannot carry/);
  });

  test('a value round-trips, including one no cookie could carry raw', () => {
    const res = fakeResponse();
    cookies.set(res, COOKIE_NAMES.user, 'oidc:https://idp.example#sub; ü', 60);
    cookies.set(res, COOKIE_NAMES.browser, 'b-1', 60);
    const header = res.cookies().map(sentBack).join('; ');
    assert.deepEqual(cookies.read(requestWith(header), COOKIE_NAMES.user), { kind: 'valid', value: 'oidc:https://idp.example#sub; ü' });
    assert.deepEqual(cookies.read(requestWith(header), COOKIE_NAMES.browser), { kind: 'valid', value: 'b-1' });
    assert.deepEqual(cookies.read(requestWith(undefined), COOKIE_NAMES.state), { kind: 'absent' });
  });

  test('D9 a tampered, re-dated, moved, foreign-key or expired cookie is invalid', () => {
    const res = fakeResponse();
    cookies.set(res, COOKIE_NAMES.state, 'victim', 600);
    const value = sentBack(res.cookies()[0] ?? '').split('=')[1] ?? '';
    const [encoded = '', expires = '', mac = ''] = value.split('.');
    const read = (raw: string, name: typeof COOKIE_NAMES.state | typeof COOKIE_NAMES.browser = COOKIE_NAMES.state) => cookies.read(requestWith(`${name}=${raw}`), name).kind;
    assert.equal(read(value), 'valid');
    assert.equal(read(`${Buffer.from('attacker').toString('base64url')}.${expires}.${mac}`), 'invalid');
    assert.equal(read(`${encoded}.${Number(expires) + 3600}.${mac}`), 'invalid');
    assert.equal(read(`${encoded}.${expires}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`), 'invalid');
    assert.equal(read(value, COOKIE_NAMES.browser), 'invalid', 'a value signed for one cookie is not valid in another');
    assert.equal(read('garbage'), 'invalid');
    const other = createSignedCookies(randomBytes(32), clock);
    assert.equal(other.read(requestWith(`${COOKIE_NAMES.state}=${value}`), COOKIE_NAMES.state).kind, 'invalid');
    clock.advance(600);
    assert.equal(read(value), 'invalid', 'expired');
  });

  test('clear sends Max-Age=0; a short key is refused', () => {
    const res = fakeResponse();
    cookies.clear(res, COOKIE_NAMES.state);
    assert.match(res.cookies()[0] ?? '', /^__Host-keyway-state=; Max-Age=0; Path=\/; Secure; HttpOnly; SameSite=Lax$/);
    assert.throws(() => createSignedCookies(randomBytes(16), clock), /32 bytes/);
  });

  test('parseCookies: pairs split on ;, first of a repeated name wins, junk ignored', () => {
    const parsed = parseCookies('a=1; b=2=3;junk; a=9; =x');
    assert.equal(parsed.get('a'), '1');
    assert.equal(parsed.get('b'), '2=3');
    assert.equal(parsed.has('junk'), false);
    assert.equal(parseCookies(undefined).size, 0);
  });
});

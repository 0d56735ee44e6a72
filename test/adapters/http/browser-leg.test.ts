import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { COOKIE_NAMES } from '../../../src/adapters/http/cookies.js';
import { AUTHORIZATION_CODE_PREFIX } from '../../../src/domain/tokens/token.js';
import { aChallenge, authorizeUrl, hiddenFields, startBrowserLeg, type Browser, type BrowserLeg } from './browser-leg-harness.js';

const CLAUDE = 'https://claude.ai/api/mcp/auth_callback';

/** Follows the consent page and the local sign-in as a person would; returns the client redirect. */
async function approveAndSignIn(browser: Browser, consent: Response, name = 'alice'): Promise<Response> {
  const approved = await browser.submit('/consent', { ...hiddenFields(await consent.text()), decision: 'approve' });
  assert.equal(approved.status, 303);
  return signIn(browser, approved, name);
}

async function signIn(browser: Browser, toLogin: Response, name: string): Promise<Response> {
  const form = await browser.navigate(toLogin.headers.get('location') ?? '', 'same-origin');
  assert.equal(form.status, 200);
  const signedIn = await browser.submit('/login/local', { ...hiddenFields(await form.text()), name, decision: 'sign_in' });
  assert.equal(signedIn.status, 303);
  return browser.navigate(signedIn.headers.get('location') ?? '', 'same-origin');
}

async function registerClaude(leg: BrowserLeg) {
  return leg.register({ redirectUris: [CLAUDE], tokenEndpointAuthMethod: 'none', clientName: 'Claude' });
}

describe('the browser leg end to end: authorize → consent → local sign-in → callback → client', () => {
  test('C9 D6 D9 a person connects Claude: the client gets exactly one code, its state byte for byte, and iss', async (t) => {
    const leg = await startBrowserLeg(t);
    const client = await registerClaude(leg);
    const browser = leg.browser();
    const pkce = aChallenge(leg.hasher);
    const state = 'a&b+c=d ü 😀 %41';

    const consent = await browser.navigate(authorizeUrl(client, { state, resource: `${leg.origin}/mcp` }, pkce.challenge));
    assert.equal(consent.status, 200);
    assert.match(consent.headers.get('content-type') ?? '', /^text\/html/);
    assert.deepEqual(browser.jar.names(), [COOKIE_NAMES.browser], 'D6: no upstream-state cookie before approval');

    const fields = hiddenFields(await consent.text());
    const approved = await browser.submit('/consent', { ...fields, decision: 'approve' });
    assert.equal(approved.status, 303, 'D9: the redirect after a consent POST is 303');
    const toLogin = new URL(approved.headers.get('location') ?? '');
    assert.equal(toLogin.origin + toLogin.pathname, `${leg.origin}/login/local`);
    assert.ok(browser.jar.get(COOKIE_NAMES.state), 'D6: the state cookie arrives with the approve response');
    assert.ok((toLogin.searchParams.get('state') ?? '').length >= 22, 'E1: 128 bits or more');

    const back = await signIn(browser, approved, 'alice');
    assert.equal(back.status, 302, 'C9: 302, never 307');
    assert.equal(back.headers.get('cache-control'), 'no-store');
    const location = new URL(back.headers.get('location') ?? '');
    assert.equal(location.origin + location.pathname, CLAUDE);
    assert.deepEqual([...location.searchParams.keys()].sort(), ['code', 'iss', 'state']);
    assert.equal(location.searchParams.get('state'), state);
    assert.equal(location.searchParams.get('iss'), leg.policy.issuer);
    const code = location.searchParams.get('code') ?? '';
    assert.ok(code.startsWith(AUTHORIZATION_CODE_PREFIX));
    assert.equal(browser.jar.get(COOKIE_NAMES.state), undefined, 'the used state cookie is cleared');

    const redemption = await leg.stores.grants.consumeCode(leg.hasher.hash(code), leg.clock.now());
    assert.equal(redemption.kind, 'redeemed');
    if (redemption.kind !== 'redeemed') return;
    assert.equal(redemption.code.clientId, client.clientId);
    assert.equal(redemption.code.redirectUri, CLAUDE);
    assert.equal(redemption.code.codeChallenge, pkce.challenge);
    assert.equal(redemption.code.resource, `${leg.origin}/mcp`);
    assert.deepEqual(redemption.code.scopes, ['mcp']);
    const grant = await leg.stores.grants.findGrant(redemption.code.grantId);
    assert.equal(grant?.subject, 'local:alice');
    assert.equal(grant?.userName, 'alice');
    assert.equal(grant?.upstreamSealed, undefined, 'the local provider has no upstream tokens');
  });

  test('D9 every cookie of the flow is __Host-, Secure, HttpOnly, SameSite=Lax, Path=/, without Domain', async (t) => {
    const leg = await startBrowserLeg(t);
    const client = await registerClaude(leg);
    const browser = leg.browser();
    const seen: string[] = [];
    const consent = await browser.navigate(authorizeUrl(client));
    seen.push(...consent.headers.getSetCookie());
    const approved = await browser.submit('/consent', { ...hiddenFields(await consent.text()), decision: 'approve' });
    seen.push(...approved.headers.getSetCookie());
    const back = await signIn(browser, approved, 'alice');
    seen.push(...back.headers.getSetCookie());
    assert.ok(seen.length >= 4);
    for (const line of seen) {
      assert.match(line, /^__Host-[\w-]+=/);
      assert.match(line, /; Path=\/(;|$)/);
      assert.match(line, /; Secure(;|$)/);
      assert.match(line, /; HttpOnly(;|$)/);
      assert.match(line, /; SameSite=Lax(;|$)/);
      assert.doesNotMatch(line, /domain=/i);
    }
  });

  test('D2 D8 remembered consent: skipped only on a typed or same-origin navigation, shown again cross-site', async (t) => {
    const leg = await startBrowserLeg(t);
    const client = await registerClaude(leg);
    const browser = leg.browser();
    const first = await approveAndSignIn(browser, await browser.navigate(authorizeUrl(client)));
    assert.equal(first.status, 302);
    assert.ok(await leg.stores.consents.find('local:alice', client.clientId, CLAUDE, 'mcp'), 'D2: consent remembered per user, client, URI, scopes');
    assert.ok(browser.jar.get(COOKIE_NAMES.user));

    const crossSite = await browser.navigate(authorizeUrl(client), 'cross-site');
    assert.equal(crossSite.status, 200, 'D8: a cross-site navigation shows the consent page');
    assert.match(await crossSite.text(), /<form method="post" action="\/consent">/);

    const typed = await browser.navigate(authorizeUrl(client), 'none');
    assert.equal(typed.status, 303, 'a typed navigation with remembered consent goes straight to sign-in');
    assert.ok(browser.jar.get(COOKIE_NAMES.state));
    const again = await signIn(browser, typed, 'alice');
    assert.equal(again.status, 302);
    assert.ok(new URL(again.headers.get('location') ?? '').searchParams.get('code'));
  });

  test('D8 remembered consent belongs to the user: signing in as someone else after a skipped page issues nothing', async (t) => {
    const leg = await startBrowserLeg(t);
    const client = await registerClaude(leg);
    const browser = leg.browser();
    await approveAndSignIn(browser, await browser.navigate(authorizeUrl(client)), 'alice');
    const typed = await browser.navigate(authorizeUrl(client), 'same-origin');
    assert.equal(typed.status, 303);
    const mallory = await signIn(browser, typed, 'mallory');
    assert.equal(mallory.status, 403);
    assert.equal(mallory.headers.get('location'), null);
  });

  test('E2 C8 Cancel at the sign-in page → access_denied to the client with its original state and iss', async (t) => {
    const leg = await startBrowserLeg(t);
    const client = await registerClaude(leg);
    const browser = leg.browser();
    const consent = await browser.navigate(authorizeUrl(client, { state: 'keep me' }));
    const approved = await browser.submit('/consent', { ...hiddenFields(await consent.text()), decision: 'approve' });
    const form = await browser.navigate(approved.headers.get('location') ?? '', 'same-origin');
    const cancelled = await browser.submit('/login/local', { ...hiddenFields(await form.text()), decision: 'cancel' });
    const back = await browser.navigate(cancelled.headers.get('location') ?? '', 'same-origin');
    assert.equal(back.status, 302);
    const location = new URL(back.headers.get('location') ?? '');
    assert.equal(location.searchParams.get('error'), 'access_denied');
    assert.equal(location.searchParams.get('state'), 'keep me');
    assert.equal(location.searchParams.get('iss'), leg.policy.issuer);
    assert.equal(location.searchParams.get('code'), null);
  });

  test('D7 consent approved in one browser, sign-in finished in another → 403 at /callback, nothing issued', async (t) => {
    const leg = await startBrowserLeg(t);
    const client = await registerClaude(leg);
    const attacker = leg.browser();
    const victim = leg.browser();
    const consent = await attacker.navigate(authorizeUrl(client));
    const approved = await attacker.submit('/consent', { ...hiddenFields(await consent.text()), decision: 'approve' });
    const back = await signIn(victim, approved, 'victim');
    assert.equal(back.status, 403);
    assert.equal(back.headers.get('location'), null);
    assert.match(await back.text(), /another browser/);
  });
});

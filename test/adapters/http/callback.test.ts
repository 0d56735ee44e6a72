import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { describe, test } from 'node:test';
import { COOKIE_NAMES } from '../../../src/adapters/http/cookies.js';
import { DomainError } from '../../../src/domain/errors.js';
import type { IdentityProvider } from '../../../src/domain/ports/identity.js';
import { authorizeUrl, hiddenFields, startBrowserLeg, type BrowserLegOptions } from './browser-leg-harness.js';

const CLAUDE = 'https://claude.ai/api/mcp/auth_callback';

/**
 * A provider that sends the browser straight back to the callback with `code=upstream-code`, and
 * answers `finishLogin` as the test says: the shape of GitHub or an OIDC provider, minus the network.
 */
function upstream(finishLogin: IdentityProvider['finishLogin']): BrowserLegOptions['identity'] {
  return (publicUrl) => ({
    name: 'upstream',
    startLogin: async ({ state }) => ({ redirectTo: `${publicUrl.origin}/callback?code=upstream-code&state=${encodeURIComponent(state)}`, secret: 'verifier' }),
    finishLogin,
  });
}

/** A browser that approved consent; `callbackUrl` is where the provider sends it back. */
async function approved(t: TestContext, options: BrowserLegOptions = {}) {
  const leg = await startBrowserLeg(t, options);
  const client = await leg.register({ redirectUris: [CLAUDE], tokenEndpointAuthMethod: 'none' });
  const browser = leg.browser();
  const page = await browser.navigate(authorizeUrl(client, { state: 'orig' }));
  const approve = await browser.submit('/consent', { ...hiddenFields(await page.text()), decision: 'approve' });
  assert.equal(approve.status, 303);
  const location = approve.headers.get('location') ?? '';
  const state = new URL(location).searchParams.get('state') ?? '';
  return { leg, browser, location, state };
}

const signedIn = upstream(async () => ({ subject: 'github:42', name: 'octo', upstreamTokens: '{"access_token":"gho_secret"}' }));

function assertLocal(response: Response, status: number, message?: string): void {
  assert.equal(response.status, status, message);
  assert.equal(response.headers.get('location'), null);
  assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
  assert.equal(response.headers.get('x-frame-options'), 'DENY');
}

describe('GET /callback', () => {
  test('E2 a missing, repeated or unknown state → 400; nothing reaches the client', async (t) => {
    const { browser, state } = await approved(t, { identity: signedIn });
    assertLocal(await browser.navigate('/callback?code=x', 'cross-site'), 400);
    assertLocal(await browser.navigate(`/callback?code=x&state=${state}&state=${state}`, 'cross-site'), 400);
    assertLocal(await browser.navigate('/callback?code=x&state=unknown', 'cross-site'), 400);
    assert.equal((await browser.navigate(`/callback?toString=1&__proto__=x&state=${state}`, 'cross-site')).status, 302, 'odd names are plain parameters');
  });

  test('E2 a reused state → 400; E1 a state older than 10 minutes → 400', async (t) => {
    const { leg, browser, location } = await approved(t, { identity: signedIn });
    assert.equal((await browser.navigate(location, 'cross-site')).status, 302);
    assertLocal(await browser.navigate(location, 'cross-site'), 400);

    const late = await approved(t, { identity: signedIn });
    late.leg.clock.advance(600);
    assertLocal(await late.browser.navigate(late.location, 'cross-site'), 400);
    assert.ok(leg.origin);
  });

  test('D7 D9 E2 a valid state without its cookie, or with the cookie tampered → 403, and the state survives', async (t) => {
    const { leg, browser, location } = await approved(t, { identity: signedIn });
    const cookie = browser.jar.get(COOKIE_NAMES.state)?.value ?? '';
    const stranger = leg.browser();
    assertLocal(await stranger.navigate(location, 'cross-site'), 403);
    browser.jar.put(COOKIE_NAMES.state, `x${cookie.slice(1)}`);
    assertLocal(await browser.navigate(location, 'cross-site'), 403);
    browser.jar.put(COOKIE_NAMES.state, cookie);
    assert.equal((await browser.navigate(location, 'cross-site')).status, 302);
  });

  test('E2 login CSRF: an attacker’s own state and code planted in the victim’s browser → 403', async (t) => {
    const attacker = await approved(t, { identity: signedIn });
    const victim = attacker.leg.browser();
    const response = await victim.navigate(attacker.location, 'cross-site');
    assertLocal(response, 403);
  });

  test('E3 markup in the upstream error, with or without a valid state → 400, escaped, no script', async (t) => {
    const { browser, state } = await approved(t, { identity: signedIn });
    const markup = encodeURIComponent('<script>alert(1)</script>');
    for (const url of [`/callback?error=${markup}&error_description=${markup}`, `/callback?error=${markup}&error_description=${markup}&state=${state}`]) {
      const response = await browser.navigate(url, 'cross-site');
      assertLocal(response, 400);
      assert.doesNotMatch(await response.text(), /<script/);
    }
  });

  test('E2 upstream access_denied with a valid state → access_denied to the client with its original state and iss', async (t) => {
    const { leg, browser, state } = await approved(t, { identity: signedIn });
    const response = await browser.navigate(`/callback?error=access_denied&state=${encodeURIComponent(state)}`, 'cross-site');
    assert.equal(response.status, 302);
    const location = new URL(response.headers.get('location') ?? '');
    assert.equal(location.searchParams.get('error'), 'access_denied');
    assert.equal(location.searchParams.get('state'), 'orig');
    assert.equal(location.searchParams.get('iss'), leg.policy.issuer);
  });

  test('E4 a failed upstream exchange → temporarily_unavailable to the client, promptly', async (t) => {
    const failing = upstream(async () => Promise.reject(new DomainError('upstream_failed', 'bad_verification_code')));
    const { browser, location } = await approved(t, { identity: failing });
    const response = await browser.navigate(location, 'cross-site');
    assert.equal(response.status, 302);
    assert.equal(new URL(response.headers.get('location') ?? '').searchParams.get('error'), 'temporarily_unavailable');
  });

  test('E4 a provider that never answers → a local 503 page within the bound; the server keeps serving', async (t) => {
    const hanging = upstream(() => new Promise(() => undefined));
    const { leg, browser, location } = await approved(t, { identity: hanging, loginTimeoutMs: 100 });
    const response = await browser.navigate(location, 'cross-site');
    assertLocal(response, 503);
    assert.ok(leg.logs.some((line) => line.event === 'oauth.login_timeout'));
    assert.equal((await browser.navigate('/callback', 'cross-site')).status, 400);
  });

  test('E4 a provider whose sign-in never starts → the consent POST answers a local 503 within the bound', async (t) => {
    const leg = await startBrowserLeg(t, {
      loginTimeoutMs: 100,
      identity: () => ({ name: 'stuck', startLogin: () => new Promise(() => undefined), finishLogin: () => new Promise(() => undefined) }),
    });
    const client = await leg.register({ redirectUris: [CLAUDE], tokenEndpointAuthMethod: 'none' });
    const browser = leg.browser();
    const page = await browser.navigate(authorizeUrl(client));
    const response = await browser.submit('/consent', { ...hiddenFields(await page.text()), decision: 'approve' });
    assertLocal(response, 503);
    assert.deepEqual(response.headers.getSetCookie(), []);
  });

  test('E6 M3 the upstream token is sealed in the grant and never reaches the client redirect', async (t) => {
    const { leg, browser, location } = await approved(t, { identity: signedIn });
    const response = await browser.navigate(location, 'cross-site');
    const redirect = response.headers.get('location') ?? '';
    assert.doesNotMatch(redirect, /gho_secret/);
    const code = new URL(redirect).searchParams.get('code') ?? '';
    const redemption = await leg.stores.grants.consumeCode(leg.hasher.hash(code), leg.clock.now());
    assert.equal(redemption.kind, 'redeemed');
    const grant = redemption.kind === 'redeemed' ? await leg.stores.grants.findGrant(redemption.code.grantId) : undefined;
    assert.equal(grant?.subject, 'github:42', 'E5: the subject is the provider’s immutable id');
    assert.ok(grant?.upstreamSealed !== undefined && !grant.upstreamSealed.includes('gho_secret'));
    assert.doesNotMatch(JSON.stringify(leg.logs), /gho_secret/);
  });
});

import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { describe, test } from 'node:test';
import { COOKIE_NAMES } from '../../../src/adapters/http/cookies.js';
import { authorizeUrl, hiddenFields, startBrowserLeg, type SubmitOptions } from './browser-leg-harness.js';

const CLAUDE = 'https://claude.ai/api/mcp/auth_callback';

/** A browser on the consent page, with the form's hidden fields. */
async function onConsentPage(t: TestContext) {
  const leg = await startBrowserLeg(t);
  const client = await leg.register({ redirectUris: [CLAUDE], tokenEndpointAuthMethod: 'none', clientName: 'Claude' });
  const browser = leg.browser();
  const page = await browser.navigate(authorizeUrl(client, { state: 'st&te' }));
  assert.equal(page.status, 200);
  const fields = hiddenFields(await page.text());
  const submit = (overrides: Record<string, string | undefined> = {}, options: SubmitOptions = {}) => {
    const body = Object.fromEntries(Object.entries({ ...fields, decision: 'approve', ...overrides }).filter((entry): entry is [string, string] => entry[1] !== undefined));
    return browser.submit('/consent', body, options);
  };
  return { leg, client, browser, fields, submit };
}

/** D5: refused with 403, no cookie, no redirect. */
function assertRefused(response: Response, message?: string): void {
  assert.equal(response.status, 403, message);
  assert.equal(response.headers.get('location'), null, message);
  assert.deepEqual(response.headers.getSetCookie(), [], message);
}

describe('POST /consent', () => {
  test('D5 a cross-site POST → 403: a foreign Origin, another loopback origin, or Sec-Fetch-Site cross-site/same-site', async (t) => {
    const { submit } = await onConsentPage(t);
    assertRefused(await submit({}, { origin: 'https://evil.example', site: 'cross-site' }), 'foreign origin');
    assertRefused(await submit({}, { origin: 'http://localhost:6274', site: 'cross-site' }), 'a loopback origin the guard lets through');
    assertRefused(await submit({}, { origin: 'null', site: 'cross-site' }), 'a sandboxed frame elsewhere');
    assertRefused(await submit({}, { origin: 'null', site: 'same-site' }), 'a sibling site');
    assertRefused(await submit({}, { origin: 'null', noSite: true }), 'Origin null without Sec-Fetch-Site');
    assertRefused(await submit({}, { origin: false, site: 'cross-site' }), 'no Origin but cross-site');
  });

  test('D5 a missing, forged or replayed CSRF token, or another flow’s id → 403 without cookie or redirect', async (t) => {
    const { submit } = await onConsentPage(t);
    assertRefused(await submit({ csrf: undefined }), 'missing');
    assertRefused(await submit({ csrf: 'forged' }), 'forged');
    assertRefused(await submit({ flow: 'another-flow' }), 'another flow');
    assert.equal((await submit()).status, 303);
    assertRefused(await submit(), 'replayed');
  });

  test('D5 D9 without the browser cookie, or with it tampered with → 403', async (t) => {
    const { browser, submit } = await onConsentPage(t);
    const cookie = browser.jar.get(COOKIE_NAMES.browser)?.value ?? '';
    browser.jar.put(COOKIE_NAMES.browser, `${cookie.slice(0, -2)}xx`);
    assertRefused(await submit(), 'tampered');
    browser.jar.delete(COOKIE_NAMES.browser);
    assertRefused(await submit(), 'missing');
    browser.jar.put(COOKIE_NAMES.browser, cookie);
    assert.equal((await submit()).status, 303, 'the genuine form still works: forgeries burned nothing');
  });

  test('D5 the same form posted from another browser → 403', async (t) => {
    const { leg, client, fields } = await onConsentPage(t);
    const other = leg.browser();
    assert.equal((await other.navigate(authorizeUrl(client))).status, 200);
    assert.ok(other.jar.get(COOKIE_NAMES.browser), 'the other browser has a binding of its own');
    assertRefused(await other.submit('/consent', { ...fields, decision: 'approve' }));
  });

  test('D6 D9 Allow → 303 to the sign-in with the first state cookie; Origin as the public origin or absent also passes', async (t) => {
    const { leg, browser, submit } = await onConsentPage(t);
    assert.equal(browser.jar.get(COOKIE_NAMES.state), undefined);
    const response = await submit({}, { origin: leg.origin, site: 'same-origin' });
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.match(response.headers.get('location') ?? '', /\/login\/local\?state=/);
    assert.deepEqual(response.headers.getSetCookie().map((line) => line.split('=', 1)[0]), [COOKIE_NAMES.state]);

    const second = await onConsentPage(t);
    assert.equal((await second.submit({}, { origin: false, noSite: true })).status, 303, 'a non-browser client: the CSRF token decides');
  });

  test('C8 Deny → access_denied to the validated redirect URI with the client’s state and iss; no state cookie', async (t) => {
    const { leg, submit } = await onConsentPage(t);
    const response = await submit({ decision: 'deny' });
    assert.equal(response.status, 302);
    const location = new URL(response.headers.get('location') ?? '');
    assert.equal(location.origin + location.pathname, CLAUDE);
    assert.equal(location.searchParams.get('error'), 'access_denied');
    assert.equal(location.searchParams.get('state'), 'st&te');
    assert.equal(location.searchParams.get('iss'), leg.policy.issuer);
    assert.deepEqual(response.headers.getSetCookie(), []);
    assert.ok(leg.logs.some((line) => line.event === 'oauth.consent_denied'), 'M4: consent denials are logged');
  });

  test('K1 a form over 16 KB → 413; not a form → 415; never 500', async (t) => {
    const { submit, browser } = await onConsentPage(t);
    assert.equal((await submit({ padding: 'x'.repeat(17 * 1024) })).status, 413);
    const json = await fetch(new URL('/consent', (await startBrowserLeg(t)).origin), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(json.status, 415);
    assert.equal((await submit({ decision: 'maybe' })).status, 403);
    assert.equal((await submit()).status, 303, 'the genuine form still works afterwards');
    assert.ok(browser.jar.get(COOKIE_NAMES.state));
  });
});

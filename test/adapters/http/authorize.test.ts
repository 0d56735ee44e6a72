import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { authorizeUrl, startBrowserLeg } from './browser-leg-harness.js';

const CLAUDE = 'https://claude.ai/api/mcp/auth_callback';

/** A local page: an HTML body, the status given, no redirect and no cookie. */
async function assertLocalPage(response: Response, status: number): Promise<string> {
  assert.equal(response.status, status);
  assert.equal(response.headers.get('location'), null, 'no redirect');
  assert.deepEqual(response.headers.getSetCookie(), [], 'no cookie');
  assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
  assertFlowPageHeaders(response);
  return response.text();
}

function assertFlowPageHeaders(response: Response): void {
  assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
  assert.equal(response.headers.get('x-frame-options'), 'DENY');
  assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
  assert.equal(response.headers.get('cache-control'), 'no-store');
}

/** A redirect error: 302 to `redirectUri` with `error`, the client's `state` and `iss`. */
function assertRedirectError(response: Response, redirectUri: string, error: string, state: string | null, issuer: string): URL {
  assert.equal(response.status, 302);
  assert.equal(response.headers.get('cache-control'), 'no-store');
  const location = new URL(response.headers.get('location') ?? '');
  assert.equal(location.origin + location.pathname, redirectUri);
  assert.equal(location.searchParams.get('error'), error);
  assert.equal(location.searchParams.get('state'), state);
  assert.equal(location.searchParams.get('iss'), issuer);
  assert.equal(location.searchParams.get('code'), null);
  return location;
}

async function setup(t: Parameters<typeof startBrowserLeg>[0]) {
  const leg = await startBrowserLeg(t);
  const claude = await leg.register({ redirectUris: [CLAUDE, 'https://claude.com/api/mcp/auth_callback'], tokenEndpointAuthMethod: 'none', clientName: 'Claude' });
  const evil = await leg.register({ redirectUris: ['https://evil.example/cb'], tokenEndpointAuthMethod: 'none', clientName: 'Evil' });
  return { leg, claude, evil, browser: leg.browser() };
}

describe('GET /authorize', () => {
  test('C1 an unknown client_id → a readable local 400 page, even with a plausible redirect_uri', async (t) => {
    const { leg, browser } = await setup(t);
    const response = await browser.navigate(`/authorize?response_type=code&client_id=Iv1.0123456789abcdef&redirect_uri=${encodeURIComponent(CLAUDE)}&state=s`);
    const html = await assertLocalPage(response, 400);
    assert.match(html, /not registered/);
    assert.equal(leg.logs.some((line) => line.event === 'http.unhandled_error'), false);
  });

  test('C1 several registered URIs and no redirect_uri → local 400; exactly one → used', async (t) => {
    const { leg, claude, evil, browser } = await setup(t);
    await assertLocalPage(await browser.navigate(authorizeUrl(claude, { redirect_uri: undefined })), 400);
    const single = await browser.navigate(authorizeUrl(evil, { redirect_uri: undefined }));
    assert.equal(single.status, 200);
    assert.match(await single.text(), /sent to <strong>evil\.example<\/strong>/);
    assert.ok(leg.origin);
  });

  test('C2 C3 another client’s URI or a near miss → local 400, never a redirect', async (t) => {
    const { claude, browser } = await setup(t);
    for (const redirect_uri of ['https://evil.example/cb', `${CLAUDE}/`, 'https://claude.ai/api/mcp/auth_callback?x=1', 'https://claude.ai.evil.example/api/mcp/auth_callback']) {
      await assertLocalPage(await browser.navigate(authorizeUrl(claude, { redirect_uri })), 400);
    }
  });

  test('C5 a repeated client_id, redirect_uri, state or code_challenge → local 400', async (t) => {
    const { claude, browser } = await setup(t);
    for (const name of ['client_id', 'redirect_uri', 'state', 'code_challenge']) {
      const url = `${authorizeUrl(claude)}&${name}=${encodeURIComponent(new URLSearchParams(authorizeUrl(claude).split('?')[1]).get(name) ?? '')}`;
      const html = await assertLocalPage(await browser.navigate(url), 400);
      assert.match(html, new RegExp(`${name} must not be repeated`));
    }
  });

  test('C5 after validation: response_type=token, none, or a repeated scope → redirect errors with state and iss', async (t) => {
    const { leg, claude, browser } = await setup(t);
    assertRedirectError(await browser.navigate(authorizeUrl(claude, { response_type: 'token' })), CLAUDE, 'unsupported_response_type', 'client-state', leg.policy.issuer);
    assertRedirectError(await browser.navigate(authorizeUrl(claude, { response_type: undefined })), CLAUDE, 'invalid_request', 'client-state', leg.policy.issuer);
    assertRedirectError(await browser.navigate(`${authorizeUrl(claude)}&scope=mcp`), CLAUDE, 'invalid_request', 'client-state', leg.policy.issuer);
  });

  test('C6 PKCE refusals are redirect errors invalid_request; no state sent → none returned', async (t) => {
    const { leg, claude, browser } = await setup(t);
    const cases = [{ code_challenge: undefined }, { code_challenge_method: 'plain' }, { code_challenge_method: undefined }, { code_challenge_method: 's256' }, { code_challenge: 'a'.repeat(42) }, { code_challenge: `${'a'.repeat(42)}+` }];
    for (const overrides of cases) assertRedirectError(await browser.navigate(authorizeUrl(claude, overrides)), CLAUDE, 'invalid_request', 'client-state', leg.policy.issuer);
    assertRedirectError(await browser.navigate(authorizeUrl(claude, { code_challenge: undefined, state: undefined })), CLAUDE, 'invalid_request', null, leg.policy.issuer);
  });

  test('C7 resource of another server → invalid_target; ours in any spelling → the consent page', async (t) => {
    const { leg, claude, browser } = await setup(t);
    assertRedirectError(await browser.navigate(authorizeUrl(claude, { resource: 'https://other.example/mcp' })), CLAUDE, 'invalid_target', 'client-state', leg.policy.issuer);
    assertRedirectError(await browser.navigate(authorizeUrl(claude, { resource: `${leg.origin}/mcp#x` })), CLAUDE, 'invalid_target', 'client-state', leg.policy.issuer);
    assert.equal((await browser.navigate(authorizeUrl(claude, { resource: `${leg.origin.toUpperCase()}/mcp/` }))).status, 200);
  });

  test('C9 a redirect error keeps the registered URI’s own query', async (t) => {
    const { leg, browser } = await setup(t);
    const tenant = await leg.register({ redirectUris: ['https://app.example/cb?tenant=a'], tokenEndpointAuthMethod: 'none' });
    const response = await browser.navigate(authorizeUrl(tenant, { response_type: 'token' }));
    assert.match(response.headers.get('location') ?? '', /^https:\/\/app\.example\/cb\?tenant=a&error=unsupported_response_type&/);
  });

  test('C9 K7 a 10 KB state or an oversized parameter → local 400 quickly, never 500; the next request works', async (t) => {
    const { claude, browser } = await setup(t);
    const started = performance.now();
    await assertLocalPage(await browser.navigate(authorizeUrl(claude, { state: 'x'.repeat(10 * 1024) })), 400);
    await assertLocalPage(await browser.navigate(authorizeUrl(claude, { scope: 's'.repeat(12 * 1024) })), 400);
    assert.ok(performance.now() - started < 1000);
    assert.equal((await browser.navigate(authorizeUrl(claude))).status, 200);
  });

  test('D3 D4 the consent page: escaped name marked unverified, redirect host, scopes, unframeable, no-store', async (t) => {
    const { leg, browser } = await setup(t);
    const hostile = await leg.register({ redirectUris: ['http://127.0.0.1:33418/cb'], tokenEndpointAuthMethod: 'none', clientName: '<img src=x onerror=alert(1)>' });
    const response = await browser.navigate(authorizeUrl(hostile, { redirect_uri: 'http://127.0.0.1:50999/cb' }));
    assert.equal(response.status, 200);
    assertFlowPageHeaders(response);
    const html = await response.text();
    assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
    assert.doesNotMatch(html, /<img/);
    assert.match(html, /dynamically registered, unverified/);
    assert.match(html, /sent to <strong>http:\/\/127\.0\.0\.1:50999<\/strong>/);
    assert.match(html, /loopback address/);
    assert.match(html, /<code>mcp<\/code>/);
  });

  test('D1 a consent page never goes upstream and sets only the browser cookie (no state cookie, D6)', async (t) => {
    const { evil, browser } = await setup(t);
    const response = await browser.navigate(authorizeUrl(evil));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('location'), null);
    assert.deepEqual(browser.jar.names(), ['__Host-keyway-browser']);
  });
});

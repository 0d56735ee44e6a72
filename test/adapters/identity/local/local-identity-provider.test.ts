import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { describe, test } from 'node:test';
import { createLocalIdentityProvider } from '../../../../src/adapters/identity/local/local-identity-provider.js';
import { createCryptoRandom } from '../../../../src/adapters/system/random.js';
import { isDomainError, type DomainErrorCode } from '../../../../src/domain/errors.js';
import { createFakeClock, type FakeClock } from '../../../support/fake-clock.js';
import { createBrowser, hiddenFields, serveRoutes, type Browser } from '../../http/browser-leg-harness.js';
import { createRecordingLogger } from '../../../support/oauth-mothers.js';

type Provider = ReturnType<typeof createLocalIdentityProvider>;

/** The local provider served on port 0, a browser, and a sign-in already started for `state`. */
async function started(t: TestContext, state = 'upstream-state') {
  const clock = createFakeClock();
  let provider: Provider | undefined;
  const { origin } = await serveRoutes(t, (publicUrl, logger) => {
    provider = createLocalIdentityProvider({ publicUrl, clock, random: createCryptoRandom(), logger });
    return provider.routes;
  });
  if (provider === undefined) throw new Error('provider not built');
  const callbackUrl = `${origin}/callback`;
  const start = await provider.startLogin({ state, callbackUrl });
  return { provider, clock, origin, callbackUrl, start, browser: createBrowser(origin, clock) };
}

async function formOf(browser: Browser, url: string): Promise<Record<string, string>> {
  const page = await browser.navigate(url, 'same-origin');
  assert.equal(page.status, 200);
  return hiddenFields(await page.text());
}

async function rejectsWith(promise: Promise<unknown>, code: DomainErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => isDomainError(error) && error.code === code);
}

function codeOf(response: Response): Record<string, string> {
  assert.equal(response.status, 303);
  return Object.fromEntries(new URL(response.headers.get('location') ?? '').searchParams);
}

describe('the local development sign-in (IdentityProvider port)', () => {
  test('startLogin sends the browser to our own /login/local with the state, and hands out a secret', async (t) => {
    const { start, origin } = await started(t, 'st/ate+1');
    const url = new URL(start.redirectTo);
    assert.equal(url.origin + url.pathname, `${origin}/login/local`);
    assert.equal(url.searchParams.get('state'), 'st/ate+1');
    assert.ok(start.secret.length >= 43);
  });

  test('a valid name → 303 to the callback with a one-time code and the state; finishLogin → local:<name>', async (t) => {
    const { provider, browser, start, callbackUrl } = await started(t);
    const response = await browser.submit('/login/local', { ...(await formOf(browser, start.redirectTo)), name: 'alice.b-1_x' });
    assert.match(response.headers.get('location') ?? '', new RegExp(`^${callbackUrl}\\?`));
    const params = codeOf(response);
    assert.equal(params.state, 'upstream-state');
    const identity = await provider.finishLogin({ params, secret: start.secret, callbackUrl });
    assert.deepEqual(identity, { subject: 'local:alice.b-1_x', name: 'alice.b-1_x' });
    await rejectsWith(provider.finishLogin({ params, secret: start.secret, callbackUrl }), 'upstream_failed');
  });

  test('E2 the code is bound to the secret of its own sign-in (an attacker’s code never finishes another flow)', async (t) => {
    const { provider, browser, start, callbackUrl } = await started(t);
    const params = codeOf(await browser.submit('/login/local', { ...(await formOf(browser, start.redirectTo)), name: 'mallory' }));
    await rejectsWith(provider.finishLogin({ params, secret: 'someone-elses-secret', callbackUrl }), 'upstream_failed');
    await rejectsWith(provider.finishLogin({ params, secret: start.secret, callbackUrl }), 'upstream_failed');
  });

  test('the code lives a minute', async (t) => {
    const { provider, browser, start, callbackUrl, clock } = await started(t);
    const params = codeOf(await browser.submit('/login/local', { ...(await formOf(browser, start.redirectTo)), name: 'alice' }));
    clock.advance(60);
    await rejectsWith(provider.finishLogin({ params, secret: start.secret, callbackUrl }), 'upstream_failed');
  });

  test('names are 1–64 of [A-Za-z0-9._-]: anything else re-renders the form with 400, escaped', async (t) => {
    const { browser, start } = await started(t);
    const fields = await formOf(browser, start.redirectTo);
    for (const name of ['', 'a'.repeat(65), 'al ice', 'alice@example.com', '<b>x</b>', 'ålice']) {
      const response = await browser.submit('/login/local', { ...fields, name });
      assert.equal(response.status, 400, name);
      const html = await response.text();
      assert.doesNotMatch(html, /<b>x/);
      assert.match(html, /1–64 letters/);
    }
    assert.equal((await browser.submit('/login/local', { ...fields, name: 'a'.repeat(64) })).status, 303, 'the form stays usable');
  });

  test('Cancel → the callback with error=access_denied; finishLogin then throws access_denied', async (t) => {
    const { provider, browser, start, callbackUrl } = await started(t);
    const params = codeOf(await browser.submit('/login/local', { ...(await formOf(browser, start.redirectTo)), decision: 'cancel' }));
    assert.deepEqual(params, { error: 'access_denied', state: 'upstream-state' });
    await rejectsWith(provider.finishLogin({ params, secret: start.secret, callbackUrl }), 'access_denied');
    await rejectsWith(provider.finishLogin({ params: { error: 'server_error' }, secret: start.secret, callbackUrl }), 'upstream_failed');
  });

  test('D5 the form is CSRF-bound to its state and must come from our own page', async (t) => {
    const { browser, start, origin } = await started(t);
    const fields = await formOf(browser, start.redirectTo);
    assert.equal((await browser.submit('/login/local', { ...fields, csrf: 'forged', name: 'alice' })).status, 403);
    assert.equal((await browser.submit('/login/local', { ...fields, state: 'other', name: 'alice' })).status, 403);
    assert.equal((await browser.submit('/login/local', { ...fields, name: 'alice' }, { origin: 'https://evil.example', site: 'cross-site' })).status, 403);
    assert.equal((await browser.submit('/login/local', { ...fields, name: 'alice' }, { origin: 'null', site: 'cross-site' })).status, 403);
    assert.equal((await browser.submit('/login/local', { ...fields, name: 'alice' }, { origin, site: 'same-origin' })).status, 303);
    assert.equal((await browser.submit('/login/local', { ...fields, name: 'alice' })).status, 403, 'a sign-in completes once');
  });

  test('an unknown or expired sign-in link → a local 400 page', async (t) => {
    const { browser, start, origin, clock } = await started(t);
    assert.equal((await browser.navigate(`${origin}/login/local?state=unknown`, 'same-origin')).status, 400);
    assert.equal((await browser.navigate(`${origin}/login/local`, 'same-origin')).status, 400);
    clock.advance(600);
    const expired = await browser.navigate(start.redirectTo, 'same-origin');
    assert.equal(expired.status, 400);
    assert.match(expired.headers.get('x-frame-options') ?? '', /DENY/);
  });

  test('startLogin builds the sign-in URL from the configured public URL and logs nothing', async () => {
    const clock: FakeClock = createFakeClock();
    const logger = createRecordingLogger();
    const provider = createLocalIdentityProvider({ publicUrl: new URL('http://127.0.0.1:8080'), clock, random: createCryptoRandom(), logger });
    const start = await provider.startLogin({ state: 's', callbackUrl: 'http://127.0.0.1:8080/callback' });
    assert.equal(provider.name, 'local');
    assert.equal(start.redirectTo, 'http://127.0.0.1:8080/login/local?state=s');
    assert.equal(logger.events.length, 0);
  });
});

import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { createLocalIdentityProvider } from '../../../../src/adapters/identity/local/local-identity-provider.js';
import { createCryptoRandom } from '../../../../src/adapters/system/random.js';
import { identityProviderContract, type IdpHarness } from '../../../contracts/identity-provider.js';
import { createFakeClock } from '../../../support/fake-clock.js';
import { createBrowser, hiddenFields, serveRoutes, type Browser } from '../../http/browser-leg-harness.js';

/** The callback parameters of the sign-in form's 303, after submitting `fields` on the page at `redirectTo`. */
async function submitSignIn(browser: Browser, redirectTo: string, fields: Readonly<Record<string, string>>): Promise<Record<string, string>> {
  const page = await browser.navigate(redirectTo, 'same-origin');
  assert.equal(page.status, 200);
  const response = await browser.submit('/login/local', { ...hiddenFields(await page.text()), ...fields }, { site: 'same-origin' });
  assert.equal(response.status, 303);
  return Object.fromEntries(new URL(response.headers.get('location') ?? '').searchParams);
}

/** The local sign-in served on port 0; the person types a name into Keyway's own page. */
async function localHarness(t: TestContext): Promise<IdpHarness> {
  const clock = createFakeClock();
  let provider: ReturnType<typeof createLocalIdentityProvider> | undefined;
  const { origin } = await serveRoutes(t, (publicUrl, logger) => {
    provider = createLocalIdentityProvider({ publicUrl, clock, random: createCryptoRandom(), logger });
    return provider.routes;
  });
  assert.ok(provider);
  const browser = createBrowser(origin, clock);
  return {
    provider,
    callbackUrl: `${origin}/callback`,
    completeLogin: (redirectTo, user) => submitSignIn(browser, redirectTo, { name: user }),
    denyLogin: (redirectTo) => submitSignIn(browser, redirectTo, { decision: 'cancel' }),
  };
}

// The local sign-in has no back channel to break and no account to rename: its subject is the name.
identityProviderContract('local development sign-in', localHarness, { oauth: false, without: ['renameUser', 'breakProvider'] });

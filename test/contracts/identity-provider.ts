import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { describe, test } from 'node:test';
import { isDomainError, type DomainErrorCode } from '../../src/domain/errors.js';
import type { Identity, IdentityProvider } from '../../src/domain/ports/identity.js';

/**
 * What the contract needs from one provider under test: the adapter, and a way to play the user at
 * the provider (a fake GitHub, a real `oidc-provider`, Keyway's own local sign-in page).
 *
 * - `completeLogin` follows `redirectTo` as the person `user` (the login they type at the provider)
 *   and returns the query parameters of the provider's redirect to `callbackUrl` (`code`, `state`, …).
 * - `denyLogin` does the same but refuses, returning the callback's parameters (`error=access_denied`).
 * - `breakProvider` makes the provider's back channel (token, user and API endpoints) fail from now
 *   on: `http500` answers 500, `timeout` never answers, `bad_json` answers 200 with a body that is
 *   not JSON. The harness must set the adapter's own timeout small (≤ 1 s) so `timeout` settles fast.
 * - `renameUser` changes the login of the account `user` to `newName` at the provider; after that,
 *   `completeLogin(…, newName)` signs in as the same account.
 *
 * The contract signs in as `alice`, `bob`, `carol` and `mallory`: the provider must know them.
 */
export interface IdpHarness {
  readonly provider: IdentityProvider;
  readonly callbackUrl: string;
  completeLogin(redirectTo: string, user: string): Promise<Record<string, string>>;
  denyLogin(redirectTo: string): Promise<Record<string, string>>;
  breakProvider?(mode: 'http500' | 'timeout' | 'bad_json'): void;
  renameUser?(user: string, newName: string): void;
}

export type MakeIdpHarness = (t: TestContext) => Promise<IdpHarness>;

export type HarnessCapability = 'renameUser' | 'breakProvider';

export interface IdpContractOptions {
  /**
   * False for a provider whose redirect is no OAuth authorization request (Keyway's local sign-in
   * page): the PKCE and `redirect_uri` checks then do not apply. Default true.
   */
  readonly oauth?: boolean;
  /**
   * Harness capabilities this provider cannot offer; their tests are left out. Any capability not
   * listed here is required of the harness, so a missing one fails instead of passing unchecked.
   */
  readonly without?: readonly HarnessCapability[];
}

/** A provider failure must end well inside the 10 s hosted clients give the whole token exchange. */
const FAILURE_BOUND_MS = 3000;

/** Keyway's upstream state: 256 random bits, base64url, as the authorization flow makes it. */
const aState = (): string => randomBytes(32).toString('base64url');

async function rejectsWith(promise: Promise<unknown>, codes: readonly DomainErrorCode[]): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isDomainError(error), `expected a DomainError, got ${String(error)}`);
    assert.ok(codes.includes(error.code), `expected ${codes.join(' or ')}, got ${error.code}`);
    return true;
  });
}

/** Starts a sign-in, plays `user` at the provider and finishes it. */
async function signIn(harness: IdpHarness, user: string): Promise<Identity> {
  const { provider, callbackUrl } = harness;
  const state = aState();
  const start = await provider.startLogin({ state, callbackUrl });
  const params = await harness.completeLogin(start.redirectTo, user);
  assert.equal(params.state, state, 'the provider returns Keyway’s state unchanged');
  return provider.finishLogin({ params, secret: start.secret, callbackUrl });
}

/** Every string value inside the upstream tokens JSON (the tokens themselves, among others). */
/**
 * The credentials among the upstream tokens. Profile claims a provider keeps beside them (OIDC's
 * `id_token_claims_subset`: `sub`, `name`, …) are not secrets and may appear in the subject.
 */
function upstreamSecrets(identity: Identity): string[] {
  if (identity.upstreamTokens === undefined) return [];
  const json = JSON.parse(identity.upstreamTokens) as Record<string, unknown>;
  return ['access_token', 'refresh_token', 'id_token']
    .map((key) => json[key])
    .filter((value): value is string => typeof value === 'string' && value.length >= 8);
}

function requireCapability(harness: IdpHarness, key: HarnessCapability): void {
  assert.ok(harness[key] !== undefined, `the harness lacks ${key}: provide it, or list it in the contract's \`without\` option`);
}

/**
 * The IdentityProvider contract: every adapter's test calls this with a factory of fresh harnesses
 * (local sign-in, GitHub against the fake, OpenID Connect against `oidc-provider`).
 * @see SECURITY.md E1, E2, E4, E5, E6
 */
export function identityProviderContract(name: string, make: MakeIdpHarness, options: IdpContractOptions = {}): void {
  const oauth = options.oauth ?? true;
  const has = (key: HarnessCapability): boolean => !(options.without ?? []).includes(key);
  describe(`IdentityProvider contract: ${name}`, () => {
    startContract(make, oauth);
    finishContract(make);
    if (has('renameUser')) renameContract(make);
    if (has('breakProvider')) failureContract(make);
  });
}

function startContract(make: MakeIdpHarness, oauth: boolean): void {
  test('E1 startLogin carries Keyway’s state unchanged; an OAuth redirect adds S256 PKCE and the callback URL', async (t) => {
    const { provider, callbackUrl } = await make(t);
    const state = aState();
    const start = await provider.startLogin({ state, callbackUrl });
    const url = new URL(start.redirectTo);
    assert.deepEqual(url.searchParams.getAll('state'), [state]);
    assert.ok(start.secret.length > 0);
    assert.ok(!start.redirectTo.includes(start.secret), 'the secret (PKCE verifier) never goes to the browser');
    if (!oauth) return;
    assert.ok(url.searchParams.has('client_id'));
    assert.equal(url.searchParams.get('response_type'), 'code');
    assert.equal(url.searchParams.get('redirect_uri'), callbackUrl);
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    assert.match(url.searchParams.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
  });

  test('E1 every sign-in gets its own secret (and its own PKCE challenge)', async (t) => {
    const { provider, callbackUrl } = await make(t);
    const first = await provider.startLogin({ state: aState(), callbackUrl });
    const second = await provider.startLogin({ state: aState(), callbackUrl });
    assert.notEqual(first.secret, second.secret);
    const [a, b] = [new URL(first.redirectTo), new URL(second.redirectTo)];
    if (oauth) assert.notEqual(a.searchParams.get('code_challenge'), b.searchParams.get('code_challenge'));
  });

  test('E2 a denial at the provider comes back with the state, and finishLogin throws access_denied', async (t) => {
    const harness = await make(t);
    const state = aState();
    const start = await harness.provider.startLogin({ state, callbackUrl: harness.callbackUrl });
    const params = await harness.denyLogin(start.redirectTo);
    assert.equal(params.state, state);
    assert.equal(params.error, 'access_denied');
    await rejectsWith(harness.provider.finishLogin({ params, secret: start.secret, callbackUrl: harness.callbackUrl }), ['access_denied']);
  });
}

function finishContract(make: MakeIdpHarness): void {
  test('E5 the subject is provider-scoped and stable; two users never share one', async (t) => {
    const harness = await make(t);
    const alice = await signIn(harness, 'alice');
    const again = await signIn(harness, 'alice');
    const bob = await signIn(harness, 'bob');
    assert.ok(alice.subject.startsWith(`${harness.provider.name}:`), alice.subject);
    assert.ok(alice.subject.length > harness.provider.name.length + 1);
    assert.equal(again.subject, alice.subject);
    assert.notEqual(bob.subject, alice.subject);
  });

  test('E6 upstream tokens are never part of the subject or the display name', async (t) => {
    const identity = await signIn(await make(t), 'alice');
    for (const secret of upstreamSecrets(identity)) {
      assert.ok(!identity.subject.includes(secret));
      assert.ok(!(identity.name ?? '').includes(secret));
    }
  });

  test('E2 F4 a replayed code fails cleanly (upstream_failed or access_denied)', async (t) => {
    const harness = await make(t);
    const { provider, callbackUrl } = harness;
    const start = await provider.startLogin({ state: aState(), callbackUrl });
    const params = await harness.completeLogin(start.redirectTo, 'alice');
    await provider.finishLogin({ params, secret: start.secret, callbackUrl });
    await rejectsWith(provider.finishLogin({ params, secret: start.secret, callbackUrl }), ['upstream_failed', 'access_denied']);
  });

  test('E2 a code only finishes the sign-in it was issued to (login CSRF: a planted code fails)', async (t) => {
    const harness = await make(t);
    const { provider, callbackUrl } = harness;
    const victim = await provider.startLogin({ state: aState(), callbackUrl });
    const attacker = await provider.startLogin({ state: aState(), callbackUrl });
    const planted = await harness.completeLogin(attacker.redirectTo, 'mallory');
    await rejectsWith(provider.finishLogin({ params: planted, secret: victim.secret, callbackUrl }), ['upstream_failed', 'access_denied']);
  });

  test('interleaved sign-ins each finish as their own user', async (t) => {
    const harness = await make(t);
    const { provider, callbackUrl } = harness;
    const [first, second] = [await provider.startLogin({ state: aState(), callbackUrl }), await provider.startLogin({ state: aState(), callbackUrl })];
    const secondParams = await harness.completeLogin(second.redirectTo, 'bob');
    const firstParams = await harness.completeLogin(first.redirectTo, 'alice');
    const bob = await provider.finishLogin({ params: secondParams, secret: second.secret, callbackUrl });
    const alice = await provider.finishLogin({ params: firstParams, secret: first.secret, callbackUrl });
    assert.equal(alice.subject, (await signIn(harness, 'alice')).subject);
    assert.notEqual(bob.subject, alice.subject);
  });
}

function renameContract(make: MakeIdpHarness): void {
  test('E5 a renamed user keeps their subject, which names neither the old nor the new login', async (t) => {
    const harness = await make(t);
    requireCapability(harness, 'renameUser');
    const before = await signIn(harness, 'carol');
    harness.renameUser?.('carol', 'carol-renamed');
    const after = await signIn(harness, 'carol-renamed');
    assert.equal(after.subject, before.subject);
    assert.ok(!before.subject.includes('carol'), before.subject);
    assert.notEqual((await signIn(harness, 'alice')).subject, before.subject);
  });
}

function failureContract(make: MakeIdpHarness): void {
  for (const mode of ['http500', 'timeout', 'bad_json'] as const) {
    test(`E4 L5 a provider failure (${mode}) ends in upstream_failed within a bounded time`, async (t) => {
      const harness = await make(t);
      requireCapability(harness, 'breakProvider');
      const { provider, callbackUrl } = harness;
      const start = await provider.startLogin({ state: aState(), callbackUrl });
      const params = await harness.completeLogin(start.redirectTo, 'alice');
      harness.breakProvider?.(mode);
      const began = performance.now();
      await rejectsWith(provider.finishLogin({ params, secret: start.secret, callbackUrl }), ['upstream_failed']);
      const took = performance.now() - began;
      assert.ok(took < FAILURE_BOUND_MS, `took ${Math.round(took)} ms`);
    });
  }
}

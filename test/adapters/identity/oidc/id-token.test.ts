import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import type { TestContext } from 'node:test';
import { describe, test } from 'node:test';
import { isDomainError, type DomainErrorCode } from '../../../../src/domain/errors.js';
import { jwtPayload, rewritingFetch, startOidcWorld, type OidcWorld } from './oidc-world.js';

async function rejectsWith(promise: Promise<unknown>, code: DomainErrorCode, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isDomainError(error), String(error));
    assert.equal(error.code, code, error.message);
    if (message !== undefined) assert.match(error.message, message);
    return true;
  });
}

/** Signs in as alice through a world whose token responses pass through `rewrite` first. */
async function signInThrough(t: TestContext, rewriteIdToken: (idToken: string, world: () => OidcWorld) => string | undefined): Promise<{ world: OidcWorld; attempt: Promise<unknown> }> {
  const holder: { current?: OidcWorld } = {};
  const world = (): OidcWorld => holder.current as OidcWorld;
  const fetch = rewritingFetch((url, body) => {
    if (url.pathname !== '/token' || typeof body.id_token !== 'string') return body;
    return { ...body, id_token: rewriteIdToken(body.id_token, world) };
  });
  const current = await startOidcWorld(t, { adapter: { fetch } });
  holder.current = current;
  return { world: current, attempt: current.signIn('alice') };
}

/** The same claims re-signed with the provider's own key: a valid signature over a wrong claim. */
const resigned = (changes: Record<string, unknown>) => (idToken: string, world: () => OidcWorld) => world().idp.signJwt({ ...jwtPayload(idToken), ...changes });

describe('OIDC ID token validation (through oauth4webapi)', () => {
  test('a valid sign-in checks the signature against the provider’s JWKS and names oidc:<iss>#<sub>', async (t) => {
    const world = await startOidcWorld(t);
    const identity = await world.signIn('alice');
    assert.equal(identity.subject, `oidc:${world.idp.issuer}#248289761001`);
    assert.ok(world.idp.requests.includes('GET /jwks'), world.idp.requests.join(', '));
  });

  test('a tampered ID token (payload changed, signature kept) is rejected', async (t) => {
    const { attempt } = await signInThrough(t, (idToken) => {
      const [header, , signature] = idToken.split('.');
      const payload = Buffer.from(JSON.stringify({ ...jwtPayload(idToken), sub: '5e6f1a90-77b1-4c1e-9a51-0d0f8b2b9c4e' })).toString('base64url');
      return `${header}.${payload}.${signature}`;
    });
    await rejectsWith(attempt, 'upstream_failed', /signature/i);
  });

  test('an ID token signed with a key the provider does not publish is rejected', async (t) => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const { attempt } = await signInThrough(t, (idToken) => {
      const [header = '', payload = ''] = idToken.split('.');
      return `${header}.${payload}.${sign('sha256', Buffer.from(`${header}.${payload}`), privateKey).toString('base64url')}`;
    });
    await rejectsWith(attempt, 'upstream_failed', /signature/i);
  });

  test('an ID token for another client (wrong aud) is rejected', async (t) => {
    const { attempt } = await signInThrough(t, resigned({ aud: 'another-client' }));
    await rejectsWith(attempt, 'upstream_failed', /aud/);
  });

  test('an ID token from another issuer (wrong iss) is rejected', async (t) => {
    const { attempt } = await signInThrough(t, resigned({ iss: 'https://evil.example' }));
    await rejectsWith(attempt, 'upstream_failed', /iss/);
  });

  test('an ID token with another nonce (replayed from another sign-in) is rejected', async (t) => {
    const { attempt } = await signInThrough(t, resigned({ nonce: 'a-nonce-from-another-sign-in' }));
    await rejectsWith(attempt, 'upstream_failed', /nonce/);
  });

  test('a token response without an ID token is rejected', async (t) => {
    const { attempt } = await signInThrough(t, () => undefined);
    await rejectsWith(attempt, 'upstream_failed', /id_token/);
  });

  test('a nonce altered in the browser on the way to the provider is caught', async (t) => {
    const world = await startOidcWorld(t);
    const start = await world.provider.startLogin({ state: 'state-1', callbackUrl: world.callbackUrl });
    const altered = new URL(start.redirectTo);
    altered.searchParams.set('nonce', 'attacker-chosen-nonce');
    const params = await world.idp.completeLogin(altered.href, 'alice');
    await rejectsWith(world.provider.finishLogin({ params, secret: start.secret, callbackUrl: world.callbackUrl }), 'upstream_failed', /nonce/);
  });

  test('an ID token past its exp by Keyway’s clock is rejected', async (t) => {
    const world = await startOidcWorld(t);
    const { start, params } = await world.begin('alice');
    world.clock.advance(2 * 3600);
    await rejectsWith(world.provider.finishLogin({ params, secret: start.secret, callbackUrl: world.callbackUrl }), 'upstream_failed', /exp/);
  });
});

describe('OIDC callback checks (RFC 9207 iss, state)', () => {
  test('E1 the authorization URL carries S256 PKCE, a nonce, our state and scopes, and no secret', async (t) => {
    const world = await startOidcWorld(t);
    const start = await world.provider.startLogin({ state: 'our-state', callbackUrl: world.callbackUrl });
    const url = new URL(start.redirectTo);
    assert.equal(`${url.origin}${url.pathname}`, `${world.idp.issuer}/auth`);
    assert.equal(url.searchParams.get('state'), 'our-state');
    assert.equal(url.searchParams.get('scope'), 'openid profile email');
    assert.match(url.searchParams.get('nonce') ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.equal(url.searchParams.get('prompt'), null);
    const secret = JSON.parse(start.secret) as Record<string, string>;
    assert.equal(secret.nonce, url.searchParams.get('nonce'));
    assert.ok(!start.redirectTo.includes(secret.code_verifier ?? 'missing'));
  });

  test('E1 a callback whose iss names another issuer is rejected before the code is redeemed (mix-up)', async (t) => {
    const world = await startOidcWorld(t);
    const { start, params } = await world.begin('alice');
    assert.equal(params.iss, world.idp.issuer, 'oidc-provider sends RFC 9207 iss');
    const finishing = world.provider.finishLogin({ params: { ...params, iss: 'https://other-idp.example' }, secret: start.secret, callbackUrl: world.callbackUrl });
    await rejectsWith(finishing, 'upstream_failed', /iss/);
    assert.ok(!world.idp.requests.includes('POST /token'));
  });

  test('E1 a callback without iss, from a provider that advertises it, is rejected', async (t) => {
    const world = await startOidcWorld(t);
    const { start, params } = await world.begin('alice');
    const withoutIss = { ...params };
    delete withoutIss.iss;
    await rejectsWith(world.provider.finishLogin({ params: withoutIss, secret: start.secret, callbackUrl: world.callbackUrl }), 'upstream_failed', /iss/);
  });

  test('E2 a callback whose state is not the one this secret was made for is rejected', async (t) => {
    const world = await startOidcWorld(t);
    const { start, params } = await world.begin('alice');
    await rejectsWith(world.provider.finishLogin({ params: { ...params, state: 'another-state' }, secret: start.secret, callbackUrl: world.callbackUrl }), 'upstream_failed', /state/);
    assert.ok(!world.idp.requests.includes('POST /token'));
  });

  test('a secret this adapter did not make is rejected without calling the provider', async (t) => {
    const world = await startOidcWorld(t);
    const { params } = await world.begin('alice');
    await rejectsWith(world.provider.finishLogin({ params, secret: 'not-json', callbackUrl: world.callbackUrl }), 'upstream_failed');
    assert.ok(!world.idp.requests.includes('POST /token'));
  });

  test('E3 a callback error other than access_denied is upstream_failed, and markup is never repeated', async (t) => {
    const world = await startOidcWorld(t);
    const start = await world.provider.startLogin({ state: 'st', callbackUrl: world.callbackUrl });
    const params = { state: 'st', iss: world.idp.issuer, error: '<script>alert(1)</script>' };
    await assert.rejects(world.provider.finishLogin({ params, secret: start.secret, callbackUrl: world.callbackUrl }), (error: unknown) => {
      assert.ok(isDomainError(error) && error.code === 'upstream_failed');
      assert.ok(!error.message.includes('<script>'), error.message);
      return true;
    });
  });
});

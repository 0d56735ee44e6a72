import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseOidcUpstreamTokens } from '../../../../src/adapters/identity/oidc/oidc-secrets.js';
import { isDomainError, type DomainErrorCode } from '../../../../src/domain/errors.js';
import type { OidcTestProvider } from '../../../support/oidc-provider.js';
import { rewritingFetch, startOidcWorld } from './oidc-world.js';

const OFFLINE = ['openid', 'profile', 'email', 'offline_access'];

async function rejectsWith(promise: Promise<unknown>, code: DomainErrorCode, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isDomainError(error), String(error));
    assert.equal(error.code, code, error.message);
    if (message !== undefined) assert.match(error.message, message);
    return true;
  });
}

/** RFC 7009 revocation at the provider, as a user removing the app there would cause. */
async function revokeAtProvider(idp: OidcTestProvider, token: string): Promise<void> {
  const response = await fetch(`${idp.issuer}/token/revocation`, {
    method: 'POST',
    headers: { Authorization: `Basic ${Buffer.from(`${idp.clientId}:${idp.clientSecret}`).toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
  });
  assert.equal(response.status, 200);
}

function tokensOf(json: string | undefined) {
  const tokens = parseOidcUpstreamTokens(json ?? '');
  assert.ok(tokens !== undefined);
  return tokens;
}

const userinfoCalls = (idp: OidcTestProvider): number => idp.requests.filter((request) => request === 'GET /me').length;

describe('OIDC userinfo', () => {
  for (const useUserinfo of [undefined, true]) {
    test(`userinfo ${useUserinfo === undefined ? 'left unset (the provider has it)' : 'on'}: it is read, and the name comes from there`, async (t) => {
      const world = await startOidcWorld(t, { adapter: { useUserinfo } });
      const identity = await world.signIn('alice');
      assert.equal(identity.name, 'Alice Liddell');
      assert.equal(userinfoCalls(world.idp), 1);
    });
  }

  test('off: no userinfo request, only ID token claims (here: no profile claims, so no name)', async (t) => {
    const world = await startOidcWorld(t, { adapter: { useUserinfo: false } });
    const identity = await world.signIn('alice');
    assert.equal(identity.name, undefined);
    assert.equal(identity.subject, `oidc:${world.idp.issuer}#248289761001`);
    assert.equal(userinfoCalls(world.idp), 0);
  });

  test('off, with a provider that puts profile claims in the ID token: the name comes from the ID token', async (t) => {
    const world = await startOidcWorld(t, { idp: { conformIdTokenClaims: false }, adapter: { useUserinfo: false } });
    assert.equal((await world.signIn('alice')).name, 'Alice Liddell');
    assert.equal(userinfoCalls(world.idp), 0);
  });

  test('the display name falls back to preferred_username, never to the subject', async (t) => {
    const world = await startOidcWorld(t);
    assert.equal((await world.signIn('mallory')).name, 'mallory');
  });

  test('userinfo about another user (sub differs from the ID token) is rejected', async (t) => {
    const fetch = rewritingFetch((url, body) => (url.pathname === '/me' ? { ...body, sub: '5e6f1a90-77b1-4c1e-9a51-0d0f8b2b9c4e', name: 'Bob Marley' } : body));
    const world = await startOidcWorld(t, { adapter: { fetch } });
    await rejectsWith(world.signIn('alice'), 'upstream_failed', /userinfo/);
  });
});

/** The provider's userinfo answer for `accessToken`: proves a (refreshed) access token works. */
async function userinfoWith(idp: OidcTestProvider, accessToken: string): Promise<Response> {
  return fetch(`${idp.issuer}/me`, { headers: { Authorization: `Bearer ${accessToken}` } });
}

describe('OIDC upstream tokens and refresh', () => {
  test('E6 the sealed JSON: access token, expiry by Keyway’s clock, scopes and profile claims; never the ID token', async (t) => {
    const world = await startOidcWorld(t);
    const identity = await world.signIn('alice');
    const json = JSON.parse(identity.upstreamTokens ?? '{}') as Record<string, unknown>;
    assert.deepEqual(Object.keys(json).sort(), ['access_token', 'expires_at', 'id_token_claims_subset', 'scopes']);
    assert.deepEqual(json.scopes, ['openid', 'profile', 'email']);
    assert.deepEqual(json.id_token_claims_subset, { sub: '248289761001', name: 'Alice Liddell', preferred_username: 'alice', email: 'alice@example.com', email_verified: true });
    const tokens = tokensOf(identity.upstreamTokens);
    assert.ok(tokens.expires_at !== undefined && tokens.expires_at > world.clock.now() && tokens.expires_at <= world.clock.now() + 3600);
    assert.ok(!JSON.stringify(world.events).includes(tokens.access_token), 'no token in the logs');
  });

  test('with offline_access the adapter asks for consent, gets a refresh token and refreshes it', async (t) => {
    const world = await startOidcWorld(t, { adapter: { scopes: OFFLINE } });
    const { start, params } = await world.begin('alice');
    assert.equal(new URL(start.redirectTo).searchParams.get('prompt'), 'consent');
    const identity = await world.provider.finishLogin({ params, secret: start.secret, callbackUrl: world.callbackUrl });
    const before = tokensOf(identity.upstreamTokens);
    assert.ok(before.refresh_token !== undefined);
    world.clock.advance(600);
    const after = tokensOf(await world.provider.refresh(identity.upstreamTokens ?? ''));
    assert.notEqual(after.access_token, before.access_token);
    assert.ok(after.refresh_token !== undefined);
    assert.ok((after.expires_at ?? 0) >= world.clock.now() + 3000);
    assert.deepEqual(after.id_token_claims_subset, before.id_token_claims_subset);
    assert.equal((await userinfoWith(world.idp, after.access_token)).status, 200);
  });

  test('E7 a refresh token revoked at the provider → invalid_grant (Keyway’s grant should end)', async (t) => {
    const world = await startOidcWorld(t, { adapter: { scopes: OFFLINE } });
    const identity = await world.signIn('alice');
    await revokeAtProvider(world.idp, tokensOf(identity.upstreamTokens).refresh_token ?? '');
    await rejectsWith(world.provider.refresh(identity.upstreamTokens ?? ''), 'invalid_grant', /sign in again/);
  });

  test('E7 without a refresh token, or with JSON that is not ours, there is nothing to refresh → invalid_grant', async (t) => {
    const world = await startOidcWorld(t);
    const identity = await world.signIn('alice');
    assert.equal(tokensOf(identity.upstreamTokens).refresh_token, undefined);
    await rejectsWith(world.provider.refresh(identity.upstreamTokens ?? ''), 'invalid_grant', /no refresh token/);
    await rejectsWith(world.provider.refresh('{"token":"x"}'), 'invalid_grant', /not OpenID Connect tokens/);
  });

  test('E5 a refreshed ID token must name the user the tokens were issued to', async (t) => {
    const world = await startOidcWorld(t, { adapter: { scopes: OFFLINE } });
    const alice = JSON.parse((await world.signIn('alice')).upstreamTokens ?? '{}') as { id_token_claims_subset: Record<string, unknown> };
    const swapped = JSON.stringify({ ...alice, id_token_claims_subset: { ...alice.id_token_claims_subset, sub: '5e6f1a90-77b1-4c1e-9a51-0d0f8b2b9c4e' } });
    await rejectsWith(world.provider.refresh(swapped), 'invalid_grant', /another user/);
  });

  for (const mode of ['http500', 'timeout', 'bad_json'] as const) {
    test(`E4 L5 a provider failure during refresh (${mode}) is upstream_failed, in bounded time, and not invalid_grant`, async (t) => {
      const world = await startOidcWorld(t, { adapter: { scopes: OFFLINE } });
      const identity = await world.signIn('alice');
      world.idp.breakBackChannel(mode);
      const began = performance.now();
      await rejectsWith(world.provider.refresh(identity.upstreamTokens ?? ''), 'upstream_failed');
      assert.ok(performance.now() - began < 2000);
    });
  }
});

describe('OIDC clients and outages', () => {
  test('a public client (no secret) signs in with PKCE alone', async (t) => {
    const world = await startOidcWorld(t, { adapter: { clientId: 'keyway-public', clientSecret: undefined } });
    assert.equal((await world.signIn('bob')).name, 'Bob Marley');
  });

  test('E4 a provider that went away between login and callback → upstream_failed, quickly', async (t) => {
    const world = await startOidcWorld(t);
    const { start, params } = await world.begin('alice');
    await world.idp.close();
    const began = performance.now();
    await rejectsWith(world.provider.finishLogin({ params, secret: start.secret, callbackUrl: world.callbackUrl }), 'upstream_failed', /could not be reached/);
    assert.ok(performance.now() - began < 2000);
    assert.ok(world.events.some((event) => event.event === 'oidc.sign_in_failed' && event.fields.code === 'upstream_failed'));
  });
});

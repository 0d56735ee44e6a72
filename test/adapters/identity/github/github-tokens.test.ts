import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { refreshGithubToken, type GithubTokens } from '../../../../src/adapters/identity/github/github-identity-provider.js';
import { parseGithubScopes } from '../../../../src/adapters/identity/github/upstream-tokens.js';
import { isDomainError, type DomainErrorCode } from '../../../../src/domain/errors.js';
import { signInAs, startGithubWorld, TEST_TIMEOUT_MS, type GithubWorld } from './harness.js';

const tokensOf = (json: string | undefined): GithubTokens => JSON.parse(json ?? 'null') as GithubTokens;

async function rejectsWith(promise: Promise<unknown>, code: DomainErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => isDomainError(error) && error.code === code);
}

/** Whether the fake GitHub's API accepts `token` (GET /user). */
async function works(world: GithubWorld, token: string): Promise<boolean> {
  const response = await fetch(`${world.github.apiBaseUrl}/user`, { headers: { authorization: `Bearer ${token}` } });
  await response.body?.cancel();
  return response.status === 200;
}

describe('GitHub upstream tokens', () => {
  test('GitHub’s comma-separated scopes (and RFC 6749 spaces) are understood', () => {
    assert.deepEqual(parseGithubScopes('repo,gist'), ['repo', 'gist']);
    assert.deepEqual(parseGithubScopes('read:user read:org'), ['read:user', 'read:org']);
    assert.deepEqual(parseGithubScopes('repo, gist'), ['repo', 'gist']);
    assert.deepEqual(parseGithubScopes(''), []);
    assert.deepEqual(parseGithubScopes(undefined), []);
  });

  test('an OAuth App token: the access token and its granted scopes (read from GitHub’s comma list), no expiry', async (t) => {
    const world = await startGithubWorld(t, {}, { scopes: ['read:user', 'read:org'] });
    const identity = await signInAs(world, 'alice');
    const tokens = tokensOf(identity.upstreamTokens);
    assert.deepEqual(Object.keys(tokens).sort(), ['access_token', 'scopes']);
    assert.deepEqual(tokens.scopes, ['read:user', 'read:org']);
    assert.match(tokens.access_token, /^gho_/);
    assert.ok(await works(world, tokens.access_token));
  });

  test('E7 a GitHub App user token expires in 8 h and comes with a refresh token (6 months), stamped from the clock', async (t) => {
    const world = await startGithubWorld(t, { app: true });
    const tokens = tokensOf((await signInAs(world, 'alice')).upstreamTokens);
    const now = world.clock.now();
    assert.equal(tokens.expires_at, now + 8 * 3600);
    assert.equal(tokens.refresh_token_expires_at, now + 15_897_600);
    assert.match(tokens.refresh_token ?? '', /^ghr_/);
    assert.deepEqual(tokens.scopes, []);
  });

  test('E7 refreshGithubToken rotates: new access and refresh tokens, new expiry; the old refresh token is dead', async (t) => {
    const world = await startGithubWorld(t, { app: true });
    const first = (await signInAs(world, 'alice')).upstreamTokens ?? '';
    world.clock.advance(7 * 3600);
    const second = await refreshGithubToken(world.options, first);
    const [before, after] = [tokensOf(first), tokensOf(second)];
    assert.notEqual(after.access_token, before.access_token);
    assert.notEqual(after.refresh_token, before.refresh_token);
    assert.equal(after.expires_at, world.clock.now() + 8 * 3600);
    assert.ok(await works(world, after.access_token));
    const request = world.github.tokenRequests.at(-1);
    assert.deepEqual(request, { refresh_token: before.refresh_token, grant_type: 'refresh_token', client_id: world.github.clientId, client_secret: world.github.clientSecret });
    await rejectsWith(refreshGithubToken(world.options, first), 'invalid_grant');
    assert.ok(tokensOf(await refreshGithubToken(world.options, second)).access_token);
  });

  test('E7 a user who revoked the app at GitHub: the API answers 401 and the refresh is invalid_grant', async (t) => {
    const world = await startGithubWorld(t, { app: true });
    const upstream = (await signInAs(world, 'alice')).upstreamTokens ?? '';
    world.github.revoke('alice');
    assert.equal(await works(world, tokensOf(upstream).access_token), false);
    await rejectsWith(refreshGithubToken(world.options, upstream), 'invalid_grant');
    assert.deepEqual(world.logger.events.at(-1)?.fields, { reason: 'oauth_error:bad_refresh_token' });
  });

  test('E7 tokens without a refresh token, with an expired one, or unreadable → invalid_grant without calling GitHub', async (t) => {
    const world = await startGithubWorld(t, { app: true });
    const oauthApp = (await signInAs(await startGithubWorld(t), 'alice')).upstreamTokens ?? '';
    const expiring = (await signInAs(world, 'alice')).upstreamTokens ?? '';
    const calls = world.github.tokenRequests.length;
    await rejectsWith(refreshGithubToken(world.options, oauthApp), 'invalid_grant');
    await rejectsWith(refreshGithubToken(world.options, '{"nope":true}'), 'invalid_grant');
    await rejectsWith(refreshGithubToken(world.options, 'not json'), 'invalid_grant');
    world.clock.advance(15_897_600);
    await rejectsWith(refreshGithubToken(world.options, expiring), 'invalid_grant');
    assert.equal(world.github.tokenRequests.length, calls);
  });

  for (const mode of ['http500', 'hang', 'bad_json'] as const) {
    test(`E4 L5 GitHub failing the refresh (${mode}) → upstream_failed within the timeout; the refresh token survives`, async (t) => {
      const world = await startGithubWorld(t, { app: true });
      const upstream = (await signInAs(world, 'alice')).upstreamTokens ?? '';
      world.github.fail(mode);
      const began = performance.now();
      await rejectsWith(refreshGithubToken(world.options, upstream), 'upstream_failed');
      assert.ok(performance.now() - began < TEST_TIMEOUT_MS + 1000);
      world.github.fail(undefined);
      assert.ok(tokensOf(await refreshGithubToken(world.options, upstream)).access_token);
    });
  }
});

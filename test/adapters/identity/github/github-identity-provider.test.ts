import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { githubCallbackUrl, subjectOf } from '../../../../src/adapters/identity/github/github-identity-provider.js';
import { isDomainError, type DomainErrorCode } from '../../../../src/domain/errors.js';
import { CALLBACK_URL, signInAs, startGithubWorld, TEST_TIMEOUT_MS } from './harness.js';

async function rejectsWith(promise: Promise<unknown>, code: DomainErrorCode, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isDomainError(error), String(error));
    assert.equal(error.code, code);
    if (message !== undefined) assert.match(error.message, message);
    return true;
  });
}

const s256 = (verifier: string): string => createHash('sha256').update(verifier).digest('base64url');

describe('sign-in with GitHub', () => {
  test('E1 the authorization URL: GitHub’s authorize endpoint, client id, callback, scopes, state, S256 of the secret', async (t) => {
    const { provider, github } = await startGithubWorld(t, {}, { scopes: ['read:user', 'read:org'] });
    const start = await provider.startLogin({ state: 'keyway-state', callbackUrl: CALLBACK_URL });
    const url = new URL(start.redirectTo);
    assert.equal(`${url.origin}${url.pathname}`, `${github.webBaseUrl}/login/oauth/authorize`);
    assert.deepEqual(Object.fromEntries(url.searchParams), {
      client_id: github.clientId,
      redirect_uri: CALLBACK_URL,
      response_type: 'code',
      scope: 'read:user read:org',
      state: 'keyway-state',
      code_challenge: s256(start.secret),
      code_challenge_method: 'S256',
    });
  });

  test('E1 the code is exchanged with the sign-in’s verifier, the callback URL and the client secret, asking for JSON', async (t) => {
    const world = await startGithubWorld(t);
    const start = await world.provider.startLogin({ state: 's', callbackUrl: CALLBACK_URL });
    const params = await world.github.signIn(start.redirectTo, 'alice');
    await world.provider.finishLogin({ params, secret: start.secret, callbackUrl: CALLBACK_URL });
    assert.deepEqual(world.github.tokenRequests, [{
      redirect_uri: CALLBACK_URL,
      code: params.code,
      code_verifier: start.secret,
      grant_type: 'authorization_code',
      client_id: world.github.clientId,
      client_secret: world.github.clientSecret,
    }]);
  });

  test('E5 the subject is github:<numeric id> (scoped by host off github.com) and the name is the current login', async (t) => {
    assert.equal(subjectOf('https://github.com', 1001), 'github:1001');
    assert.equal(subjectOf('https://ghe.example.com', 1001), 'github:ghe.example.com:1001', 'Enterprise ids never collide with github.com ids');
    const world = await startGithubWorld(t);
    const expected = subjectOf(world.github.webBaseUrl, 1001);
    const identity = await signInAs(world, 'alice');
    assert.equal(identity.subject, expected);
    assert.equal(identity.name, 'alice');
    world.github.rename('alice', 'alice-renamed');
    assert.deepEqual({ ...(await signInAs(world, 'alice-renamed')), upstreamTokens: undefined }, { subject: expected, name: 'alice-renamed', upstreamTokens: undefined });
  });

  test('E4 GitHub’s error-with-200 (bad_verification_code) is reported as GitHub’s error, not as a missing token', async (t) => {
    const world = await startGithubWorld(t);
    const start = await world.provider.startLogin({ state: 's', callbackUrl: CALLBACK_URL });
    const params = await world.github.signIn(start.redirectTo, 'alice');
    await rejectsWith(world.provider.finishLogin({ params: { ...params, code: 'not-a-code' }, secret: start.secret, callbackUrl: CALLBACK_URL }), 'upstream_failed', /\(bad_verification_code\)/);
    assert.deepEqual(world.logger.events.at(-1)?.fields, { reason: 'oauth_error:bad_verification_code' });
  });

  test('E4 a wrong client secret says which settings to check, logged as an error', async (t) => {
    const world = await startGithubWorld(t, {}, { clientSecret: 'wrong' });
    await rejectsWith(signInAs(world, 'alice'), 'upstream_failed', /GITHUB_CLIENT_SECRET/);
    const event = world.logger.events.at(-1);
    assert.equal(event?.level, 'error');
    assert.deepEqual(event?.fields, { reason: 'oauth_error:incorrect_client_credentials' });
  });

  test('E4 a callback URL other than the authorized one → upstream_failed (redirect_uri_mismatch)', async (t) => {
    const world = await startGithubWorld(t);
    const start = await world.provider.startLogin({ state: 's', callbackUrl: CALLBACK_URL });
    const params = await world.github.signIn(start.redirectTo, 'alice');
    await rejectsWith(world.provider.finishLogin({ params, secret: start.secret, callbackUrl: 'https://other.example/callback' }), 'upstream_failed', /callback URL/);
  });

  test('E3 an upstream error other than access_denied → upstream_failed; markup never reaches the message or the log', async (t) => {
    const world = await startGithubWorld(t);
    const start = await world.provider.startLogin({ state: 's', callbackUrl: CALLBACK_URL });
    const params = { state: 's', error: '<script>alert(1)</script>', error_description: '<b>x</b>' };
    await rejectsWith(world.provider.finishLogin({ params, secret: start.secret, callbackUrl: CALLBACK_URL }), 'upstream_failed');
    assert.doesNotMatch(JSON.stringify(world.logger.events), /script|<b>/);
    await rejectsWith(world.provider.finishLogin({ params: { state: 's', error: 'server_error' }, secret: start.secret, callbackUrl: CALLBACK_URL }), 'upstream_failed');
  });

  test('E4 a /user answer without a numeric id, or a 401 right after the exchange → upstream_failed', async (t) => {
    const world = await startGithubWorld(t);
    world.github.route('GET', /^\/user$/, () => ({ body: { login: 'alice', id: '1001' } }));
    await rejectsWith(signInAs(world, 'alice'), 'upstream_failed', /numeric id/);
    const other = await startGithubWorld(t);
    other.github.route('GET', /^\/user$/, () => ({ status: 401, body: { message: 'Bad credentials' } }));
    await rejectsWith(signInAs(other, 'alice'), 'upstream_failed', /401/);
  });

  test('E4 one deadline bounds the whole back channel: a /user that never answers ends in upstream_failed', async (t) => {
    const world = await startGithubWorld(t);
    let hung = false;
    const hangingUser: typeof fetch = async (input, init) => {
      if (!String(input instanceof Request ? input.url : input).endsWith('/user')) return fetch(input, init);
      hung = true;
      return new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error)));
    };
    const bounded = await startGithubWorld(t, {}, { fetch: hangingUser });
    const began = performance.now();
    await rejectsWith(signInAs(bounded, 'alice'), 'upstream_failed', new RegExp(`within ${TEST_TIMEOUT_MS} ms`));
    assert.ok(hung);
    assert.ok(performance.now() - began < TEST_TIMEOUT_MS + 1000);
    assert.equal((await signInAs(world, 'alice')).subject, subjectOf(world.github.webBaseUrl, 1001));
  });

  test('M1 E6 no token, code, verifier or client secret appears in the logs of a sign-in', async (t) => {
    const world = await startGithubWorld(t, { app: true });
    const start = await world.provider.startLogin({ state: 's', callbackUrl: CALLBACK_URL });
    const params = await world.github.signIn(start.redirectTo, 'alice');
    const identity = await world.provider.finishLogin({ params, secret: start.secret, callbackUrl: CALLBACK_URL });
    const tokens = JSON.parse(identity.upstreamTokens ?? '{}') as Record<string, unknown>;
    const logs = JSON.stringify(world.logger.events);
    assert.ok(world.logger.events.some((event) => event.event === 'github.signed_in'));
    for (const secret of [tokens.access_token, tokens.refresh_token, params.code, start.secret, world.github.clientSecret]) {
      assert.equal(typeof secret, 'string');
      assert.ok(!logs.includes(String(secret)));
    }
  });

  test('the callback URL to register is <public>/callback', () => {
    assert.equal(githubCallbackUrl(new URL('https://mcp.example.com')), 'https://mcp.example.com/callback');
    assert.equal(githubCallbackUrl(new URL('http://127.0.0.1:8080/')), 'http://127.0.0.1:8080/callback');
  });
});

import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { createGithubRestApi, type GithubRestApi } from '../../../src/adapters/github-api/github-rest-api.js';
import type { GithubRestOptions } from '../../../src/adapters/github-api/rest-client.js';
import type { UpstreamResult } from '../../../src/domain/ports/upstream.js';
import type { FakeGithubRest } from '../../support/fake-github-rest.js';
import { ALICE, BOB, createFakeUpstream, startRestWorld, type FakeUpstream } from '../../support/github-rest-world.js';

/** The GitHub REST adapter against a loopback GitHub: the user's own token, mapping, pagination, every failure. */

interface World {
  readonly api: GithubRestApi;
  readonly fake: FakeGithubRest;
  readonly upstream: FakeUpstream;
}

async function world(t: TestContext, options: Partial<GithubRestOptions> = {}): Promise<World> {
  const fake = await startRestWorld(t);
  const upstream = createFakeUpstream();
  const api = createGithubRestApi({ apiBaseUrl: fake.apiBaseUrl, upstream, timeoutMs: 2000, ...options });
  return { api, fake, upstream };
}

function valueOf<T>(result: UpstreamResult<T>): T {
  assert.ok(result.ok, `expected success, got ${JSON.stringify(result)}`);
  return result.value;
}

function failureOf<T>(result: UpstreamResult<T>) {
  assert.ok(!result.ok, `expected a failure, got ${JSON.stringify(result)}`);
  return result.failure;
}

const page = { page: 1, perPage: 30 } as const;
const ALL = ['owner', 'collaborator', 'organization_member'] as const;

describe('calls', () => {
  test("every call carries the caller's own token, GitHub's media type and API version", async (t) => {
    const { api, fake } = await world(t);
    valueOf(await api.getUser({ principal: ALICE }));
    valueOf(await api.getUser({ principal: BOB }));
    assert.deepEqual(
      fake.requests.map((r) => [r.path, r.authorization, r.accept, r.apiVersion]),
      [
        ['/user', 'Bearer ghu_alice', 'application/vnd.github+json', '2022-11-28'],
        ['/user', 'Bearer ghu_bob', 'application/vnd.github+json', '2022-11-28'],
      ],
    );
  });

  test('the profile carries login, name, avatar, profile URL and public counts, and nothing else', async (t) => {
    const { api } = await world(t);
    assert.deepEqual(valueOf(await api.profileFor(ALICE)), {
      provider: 'github',
      id: 1001,
      login: 'alice',
      name: 'Alice Liddell',
      avatar_url: 'https://avatars.example/u/1001',
      html_url: 'https://github.example/alice',
      public_repos: 1,
      followers: 12,
      following: 3,
    });
  });

  test('repositories: affiliation and visibility reach GitHub, the answer is compact, Link gives the next page', async (t) => {
    const { api, fake } = await world(t);
    const owned = valueOf(await api.listRepositories({ principal: ALICE }, { affiliation: ['owner'], visibility: 'private', sort: 'updated', ...page }));
    assert.deepEqual(owned.items.map((r) => r.fullName), ['alice/diary']);
    const query = fake.requests.at(-1)?.query;
    assert.equal(query?.get('affiliation'), 'owner');
    assert.equal(query?.get('visibility'), 'private');
    const first = valueOf(await api.listRepositories({ principal: ALICE }, { affiliation: ALL, visibility: 'all', sort: 'full_name', page: 1, perPage: 2 }));
    assert.deepEqual(first.items.map((r) => r.fullName), ['acme/platform', 'alice/diary']);
    assert.equal(first.nextPage, 2);
    const last = valueOf(await api.listRepositories({ principal: ALICE }, { affiliation: ALL, visibility: 'all', sort: 'full_name', page: 3, perPage: 2 }));
    assert.deepEqual(last.items.map((r) => r.fullName), ['sso-org/vault']);
    assert.equal(last.nextPage, undefined);
    const [wonderland] = valueOf(await api.listRepositories({ principal: ALICE }, { affiliation: ['owner'], visibility: 'public', sort: 'updated', ...page })).items;
    assert.equal(wonderland?.permission, 'admin');
    assert.deepEqual(wonderland?.topics, ['mcp']);
    assert.equal((wonderland as unknown as Record<string, unknown>)['clone_url'], undefined);
  });

  test('one repository; a private one the user cannot see is "not found", naming it', async (t) => {
    const { api } = await world(t);
    assert.equal(valueOf(await api.getRepository({ principal: BOB }, 'acme', 'platform')).private, true);
    const failure = failureOf(await api.getRepository({ principal: ALICE }, 'bob', 'secret'));
    assert.equal(failure.kind, 'not_found');
    assert.match(failure.kind === 'not_found' ? failure.message : '', /bob\/secret/);
  });

  test('path names that could walk the API (".", "..", "/") are refused without a request', async (t) => {
    const { api, fake } = await world(t);
    for (const [owner, repo] of [['alice', '..'], ['..', 'x'], ['a/b', 'c'], ['alice', '.']] as const) {
      assert.equal(failureOf(await api.getRepository({ principal: ALICE }, owner, repo)).kind, 'invalid');
    }
    assert.equal(fake.requests.length, 0);
  });

  test('an organization enforcing SAML SSO → forbidden, with the URL where the user authorizes the token', async (t) => {
    const { api } = await world(t);
    const failure = failureOf(await api.getRepository({ principal: ALICE }, 'sso-org', 'vault'));
    assert.equal(failure.kind, 'forbidden');
    assert.match(failure.kind === 'forbidden' ? (failure.hint ?? '') : '', /https:\/\/github\.example\/orgs\/sso-org\/sso/);
  });

  test('issues assigned to or created by the user, across repositories and in one (by login)', async (t) => {
    const { api, fake } = await world(t);
    const assigned = valueOf(await api.listIssues({ principal: ALICE }, { filter: 'assigned', state: 'open', ...page }));
    assert.deepEqual(assigned.items.map((i) => `${i.repository}#${i.number}`), ['alice/wonderland#1', 'acme/platform#4']);
    assert.equal(assigned.items[1]?.isPullRequest, true);
    assert.deepEqual(assigned.items[0]?.labels, ['bug']);
    const created = valueOf(await api.listIssues({ principal: ALICE }, { filter: 'created', state: 'all', ...page }));
    assert.deepEqual(created.items.map((i) => i.number), [2, 3]);
    const inRepo = valueOf(await api.listIssues({ principal: ALICE }, { filter: 'assigned', state: 'all', repository: { owner: 'alice', name: 'wonderland' }, ...page }));
    assert.deepEqual(inRepo.items.map((i) => `${i.repository}#${i.number}`), ['alice/wonderland#1', 'alice/wonderland#2']);
    assert.equal(fake.requests.at(-1)?.query.get('assignee'), 'alice');
  });

  test('search: total count, issues from repository_url, and what GitHub cannot parse is "invalid" with its details', async (t) => {
    const { api } = await world(t);
    const found = valueOf(await api.searchIssues({ principal: ALICE }, { q: 'rabbit is:open', ...page }));
    assert.equal(found.totalCount, 2);
    assert.deepEqual(found.items.map((i) => `${i.repository}#${i.number}`), ['alice/wonderland#1', 'acme/platform#4']);
    const failure = failureOf(await api.searchIssues({ principal: ALICE }, { q: 'bogus:1', ...page }));
    assert.deepEqual(failure, { kind: 'invalid', message: 'Validation Failed: The search contains an unknown qualifier: bogus' });
  });
});

describe('failures', () => {
  test('the primary rate limit → rate_limited with the reset time; secondary → retry-after; 429 → retry-after', async (t) => {
    const { api, fake } = await world(t);
    fake.fail('rate_limited');
    assert.deepEqual(failureOf(await api.getUser({ principal: ALICE })), { kind: 'rate_limited', resetAt: fake.rateLimitResetAt });
    fake.fail('secondary_rate_limit');
    assert.deepEqual(failureOf(await api.getUser({ principal: ALICE })), { kind: 'rate_limited', retryAfterSeconds: 42 });
    fake.fail('too_many_requests');
    assert.deepEqual(failureOf(await api.getUser({ principal: ALICE })), { kind: 'rate_limited', retryAfterSeconds: 7 });
  });

  test('E7 a 401 (token revoked at GitHub) reports the grant with the token that was refused, and says reconnect', async (t) => {
    const { api, fake, upstream } = await world(t);
    fake.revokeToken('ghu_alice');
    assert.deepEqual(failureOf(await api.listRepositories({ principal: ALICE }, { affiliation: ALL, visibility: 'all', sort: 'updated', ...page })), { kind: 'reconnect' });
    assert.deepEqual(upstream.reported, [{ grantId: 'grant-alice', token: 'ghu_alice' }]);
    valueOf(await api.getUser({ principal: BOB }));
  });

  test('an ended grant or a principal without one → reconnect, with no request to GitHub', async (t) => {
    const { api, fake, upstream } = await world(t);
    assert.deepEqual(failureOf(await api.getUser({ principal: { subject: 'github:1001', scopes: [] } })), { kind: 'reconnect' });
    upstream.failWith('invalid_grant');
    assert.deepEqual(failureOf(await api.getUser({ principal: ALICE })), { kind: 'reconnect' });
    upstream.failWith('storage_unavailable');
    assert.equal(failureOf(await api.getUser({ principal: ALICE })).kind, 'unavailable');
    assert.equal(fake.requests.length, 0);
  });

  test('5xx, an answer that is not JSON, or one too large → unavailable', async (t) => {
    const { api, fake } = await world(t);
    fake.fail('server_error');
    assert.deepEqual(failureOf(await api.getUser({ principal: ALICE })), { kind: 'unavailable', message: 'GitHub answered HTTP 502' });
    fake.fail('bad_json');
    assert.equal(failureOf(await api.getUser({ principal: ALICE })).kind, 'unavailable');
    fake.fail(undefined);
    const small = createGithubRestApi({ apiBaseUrl: fake.apiBaseUrl, upstream: createFakeUpstream(), timeoutMs: 2000, maxResponseBytes: 100 });
    assert.deepEqual(failureOf(await small.getUser({ principal: ALICE })), { kind: 'unavailable', message: 'GitHub answered too much' });
  });

  test('a GitHub that never answers → unavailable within the time limit; a cancelled call stops at once', async (t) => {
    const { api, fake } = await world(t, { timeoutMs: 150 });
    fake.fail('hang');
    const started = Date.now();
    assert.deepEqual(failureOf(await api.getUser({ principal: ALICE })), { kind: 'unavailable', message: 'GitHub did not answer within 150 ms' });
    assert.ok(Date.now() - started < 2000);
    const controller = new AbortController();
    const call = api.getUser({ principal: ALICE, signal: controller.signal });
    controller.abort();
    assert.deepEqual(failureOf(await call), { kind: 'unavailable', message: 'the call was cancelled' });
  });
});

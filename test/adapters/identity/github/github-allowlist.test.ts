import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isDomainError } from '../../../../src/domain/errors.js';
import type { FakeGithubOptions } from '../../../support/fake-github.js';
import type { GithubOptions } from '../../../../src/adapters/identity/github/github-options.js';
import { signInAs, startGithubWorld } from './harness.js';

type Allowlists = Pick<GithubOptions, 'allowedUsers' | 'allowedOrgs' | 'allowedTeams'>;

/** Signs each login in under `allowlists`; the subject, or the refusal's message. */
async function outcomes(t: Parameters<typeof startGithubWorld>[0], allowlists: Allowlists, logins: readonly string[], fake: FakeGithubOptions = {}) {
  const world = await startGithubWorld(t, fake, allowlists);
  const results: Record<string, string> = {};
  for (const login of logins) {
    try {
      // Compared by numeric id: the fake is an Enterprise-style host, so subjects carry its host.
      results[login] = (await signInAs(world, login)).subject.replace(`github:${new URL(world.github.webBaseUrl).host}:`, 'github:');
    } catch (error) {
      assert.ok(isDomainError(error) && error.code === 'login_refused', String(error));
      results[login] = `refused: ${error.message}`;
    }
  }
  return { results, world };
}

const refused = (outcome: string | undefined): boolean => outcome?.startsWith('refused: ') === true;

describe('who may sign in with GitHub (allowlists)', () => {
  test('no allowlist: everyone, and no membership is looked up', async (t) => {
    const { results, world } = await outcomes(t, {}, ['alice', 'carol']);
    assert.deepEqual(results, { alice: 'github:1001', carol: 'github:1003' });
    assert.deepEqual(world.github.apiRequests, ['GET /user', 'GET /user']);
  });

  test('users: listed logins (any case) or numeric ids; anyone else is refused with a clear message', async (t) => {
    const { results } = await outcomes(t, { allowedUsers: ['ALICE', '1002'] }, ['alice', 'bob', 'carol']);
    assert.equal(results.alice, 'github:1001');
    assert.equal(results.bob, 'github:1002');
    assert.equal(results.carol, 'refused: The GitHub account @carol may not sign in to this server: it admits only selected users, organizations or teams.');
  });

  test('organizations: members pass, checked with the user’s own token; non-members are refused', async (t) => {
    const { results, world } = await outcomes(t, { allowedOrgs: ['acme'] }, ['alice', 'bob', 'carol']);
    assert.equal(results.alice, 'github:1001');
    assert.equal(results.bob, 'github:1002');
    assert.ok(refused(results.carol));
    assert.ok(world.github.apiRequests.includes('GET /orgs/acme/members/carol'));
  });

  test('teams: active members pass; an org member outside the team, or a pending invitee, is refused', async (t) => {
    const users = [
      { id: 1001, login: 'alice', orgs: ['acme'], teams: ['acme/core'] },
      { id: 1002, login: 'bob', orgs: ['acme'] },
      { id: 1005, login: 'dave', orgs: ['acme'], pendingTeams: ['acme/core'] },
    ];
    const { results } = await outcomes(t, { allowedTeams: ['acme/core'] }, ['alice', 'bob', 'dave'], { users });
    assert.equal(results.alice, 'github:1001');
    assert.ok(refused(results.bob));
    assert.ok(refused(results.dave));
  });

  test('lists combine: a listed user passes without a membership lookup; an org member passes too', async (t) => {
    const { results, world } = await outcomes(t, { allowedUsers: ['carol'], allowedOrgs: ['acme'], allowedTeams: ['acme/core'] }, ['carol', 'bob', 'mallory']);
    assert.equal(results.carol, 'github:1003');
    assert.equal(results.bob, 'github:1002');
    assert.ok(refused(results.mallory));
    assert.ok(!world.github.apiRequests.includes('GET /orgs/acme/members/carol'));
  });

  test('an organization that has not approved the OAuth App (GitHub: 403) → refused with a hint and where to request approval', async (t) => {
    const { results, world } = await outcomes(t, { allowedOrgs: ['acme'], allowedTeams: ['acme/core'] }, ['alice'], { restrictedOrgs: ['acme'] });
    const message = results.alice ?? '';
    assert.ok(refused(message));
    assert.match(message, /membership in acme: the organization has not approved this OAuth App/);
    assert.ok(message.includes(`${world.github.webBaseUrl}/settings/connections/applications/${world.github.clientId}`));
    assert.equal(message.match(/acme: the organization/g)?.length, 1, 'the org is named once');
    const logged = world.logger.events.find((event) => event.event === 'github.login_refused');
    assert.deepEqual(logged?.fields, { githubId: 1001, login: 'alice', restrictedOrgs: ['acme'] });
  });

  test('another 403 (no read:org, or no Members permission) → refused, saying what the app lacks', async (t) => {
    const world = await startGithubWorld(t, {}, { allowedOrgs: ['acme'] });
    world.github.route('GET', /^\/orgs\/acme\/members\//, () => ({ status: 403, body: { message: 'Resource not accessible by integration' } }));
    await assert.rejects(signInAs(world, 'alice'), (error: unknown) => isDomainError(error) && error.code === 'login_refused' && /read:org/.test(error.message));
  });

  test('E4 a membership check failing upstream (500) → upstream_failed, not a refusal', async (t) => {
    const world = await startGithubWorld(t, {}, { allowedOrgs: ['acme'] });
    world.github.route('GET', /^\/orgs\/acme\/members\//, () => ({ status: 502, body: { message: 'Bad gateway' } }));
    await assert.rejects(signInAs(world, 'alice'), (error: unknown) => isDomainError(error) && error.code === 'upstream_failed');
  });

  test('the refusal never carries a token', async (t) => {
    const world = await startGithubWorld(t, {}, { allowedOrgs: ['acme'] });
    await assert.rejects(signInAs(world, 'carol'), (error: unknown) => isDomainError(error) && !/gh[ou]_/.test(error.message));
  });
});
